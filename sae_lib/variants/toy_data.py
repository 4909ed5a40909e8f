"""A toy dataset of known sparse features in superposition, and rescaling for sigmoid outputs."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import _positive_int

__all__ = ["SuperpositionData", "make_superposition_data", "rescale_for_sigmoid"]


class SuperpositionData(NamedTuple):
    """Toy data with known ground truth: ``data = features @ coefficients``.

    data: (visible_size, m); features: (visible_size, n_features), unit-norm columns;
    coefficients: (n_features, m), sparse and nonnegative; p_active: (n_features,), the
    probability that each feature is present in an example.
    """

    data: np.ndarray
    features: np.ndarray
    coefficients: np.ndarray
    p_active: np.ndarray


def make_superposition_data(n_features, visible_size, m, *, p_active=0.05,
                            coefficient_range=(0.0, 1.0), rng=None):
    """Sparse nonnegative combinations of more unit-norm feature directions than dimensions.

    ``n_features`` random directions (Gaussian vectors normalised to length 1) in
    ``visible_size`` dimensions -- with n_features > visible_size they cannot all be
    orthogonal: they are in *superposition*. Each of the ``m`` examples switches feature
    f on with probability ``p_active[f]`` (a number, or one per feature), independently,
    with a coefficient drawn uniformly from ``coefficient_range``; the example is the sum
    of the active features times their coefficients. Because few features are on at once,
    the example still determines which ones they were -- the premise of dictionary
    learning.

    Returns a :class:`SuperpositionData` (data (visible_size, m), features, coefficients,
    p_active).
    """
    n_features = _positive_int(n_features, "n_features")
    visible_size = _positive_int(visible_size, "visible_size")
    m = _positive_int(m, "m")
    p = np.asarray(p_active, dtype=float)
    if p.ndim == 0:
        p = np.full(n_features, float(p))
    if p.shape != (n_features,):
        raise ValueError(f"p_active must be a number or an array of n_features={n_features} "
                         f"probabilities, got shape {p.shape}.")
    if not (np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)):
        raise ValueError(f"p_active must hold probabilities in [0, 1], got values from "
                         f"{np.min(p):.3g} to {np.max(p):.3g}.")
    low, high = (float(c) for c in coefficient_range)
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(f"coefficient_range must be (low, high) with 0 <= low < high, got "
                         f"{coefficient_range!r}; coefficients are nonnegative amounts.")
    rng = np.random.default_rng(rng)
    features = rng.standard_normal((visible_size, n_features))
    features /= np.linalg.norm(features, axis=0)
    active = rng.random((n_features, m)) < p[:, None]
    coefficients = np.where(active, rng.uniform(low, high, size=(n_features, m)), 0.0)
    data = features @ coefficients
    return SuperpositionData(data, features, coefficients, p)


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


