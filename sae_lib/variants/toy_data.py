"""A toy dataset of known sparse features in superposition (Sharkey et al. 2022)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import _positive_int

__all__ = ["SuperpositionData", "make_superposition_data"]


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
