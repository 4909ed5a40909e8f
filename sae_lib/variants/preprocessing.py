"""Preparing data for an autoencoder: squashing for sigmoid outputs, and the input
normalisation and pre-encoder-bias start of today's sparse autoencoders."""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import _positive_int

__all__ = ["rescale_for_sigmoid", "normalize_scale", "geometric_median"]


def rescale_for_sigmoid(data, low=0.1, high=0.9):
    """Map data affinely into [low, high] with one scale for every entry: x' = s x + c.

    Returns ``(scaled, s, c)``; the inverse is x = (x' - c) / s. The sigmoid output layer
    of the CS294A autoencoder can only produce values in (0, 1), so its data must lie
    there ([0.1, 0.9] keeps away from the flat ends, as UFLDL's ``sample_images`` does).
    A single scale s (not one per dimension) keeps the geometry: directions and cosines
    are unchanged, and the fraction of variance unexplained of a reconstruction is the
    same measured in either space.
    """
    data = np.asarray(data, dtype=float)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"need low < high, got low={low!r}, high={high!r}.")
    lo, hi = float(np.min(data)), float(np.max(data))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("data contains NaN or infinite values.")
    if hi == lo:
        raise ValueError("data is constant; there is nothing to rescale.")
    s = (high - low) / (hi - lo)
    c = low - s * lo
    return s * data + c, s, c


def normalize_scale(data, target=None):
    """Scale the data by one number so that the mean squared norm of an example is ``target``.

    Returns ``(scaled, s)`` with scaled = s * data and mean_i ||scaled_i||^2 = target
    (default: visible_size, i.e. one per coordinate on average). The scale of the data
    then no longer depends on where they came from, so learning rates and penalty weights
    carry over between data sets -- the reason sparse autoencoders on language-model
    activations normalise their inputs first (the released code of Gao et al. 2024 can
    standardise each input vector as a layer norm does; one scale for the whole data set,
    as here, is the other common choice). A single number keeps directions, cosines, L0
    and the fraction of variance unexplained unchanged.
    ``data`` (visible_size, m).
    """
    data = np.asarray(data, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"data must be a 2-D array (visible_size, m), one example per column; "
                         f"got shape {data.shape}.")
    if not np.all(np.isfinite(data)):
        raise ValueError("data contains NaN or infinite values.")
    if target is None:
        target = float(data.shape[0])
    if (isinstance(target, bool) or not isinstance(target, numbers.Real)
            or not np.isfinite(target) or target <= 0):
        raise ValueError(f"target (mean squared norm) must be a positive number, got {target!r}.")
    mean_sq = float(np.mean(np.sum(data ** 2, axis=0)))
    if mean_sq == 0:
        raise ValueError("every example is the zero vector; there is no scale to normalise.")
    s = float(np.sqrt(target / mean_sq))
    return s * data, s


def geometric_median(data, n_iter=100, tol=1e-10):
    """The point with the smallest sum of distances to the examples (Weiszfeld's algorithm).

    Gao et al. (2024) start the pre-encoder bias b2 (b_dec) here: it is the example the
    data are centred on, and unlike the mean it is not dragged by a few large examples.
    Each iteration replaces the estimate by the average of the examples weighted by
    1 / distance to it. ``data`` (visible_size, m); returns (visible_size,).
    """
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[1] == 0:
        raise ValueError(f"data must be a 2-D array (visible_size, m) with m >= 1; got shape "
                         f"{data.shape}.")
    n_iter = _positive_int(n_iter, "n_iter")
    y = data.mean(axis=1)
    for _ in range(n_iter):
        dist = np.linalg.norm(data - y[:, None], axis=0)
        w = 1.0 / np.maximum(dist, 1e-12)              # an example at y itself: a huge weight
        y_new = data @ w / w.sum()
        if np.linalg.norm(y_new - y) <= tol * (1.0 + np.linalg.norm(y)):
            return y_new
        y = y_new
    return y
