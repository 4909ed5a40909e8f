"""Activations with true zeros: ReLU, and TopK (the k largest pre-activations per example).

``z2`` has shape (hidden_size, m), one example per column, as everywhere in sae_lib.
"""

from __future__ import annotations

import numpy as np

from ._checks import _check_k

__all__ = ["relu", "topk", "topk_mask"]


def relu(z):
    """max(0, z), elementwise. Its derivative is 1 where z > 0 and 0 where z < 0."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def topk_mask(z2, k):
    """Boolean mask of the units TopK keeps: per column, the k largest entries that are > 0.

    ``z2`` has shape (hidden_size, m), one example per column. Exactly k entries per
    column are selected (ties at the k-th place are broken by position, via
    ``np.argpartition``), then those that are not positive are dropped -- the ReLU that
    follows TopK in Gao et al. (2024). So every column has at most k True entries.
    """
    z2 = np.asarray(z2, dtype=float)
    if z2.ndim != 2:
        raise ValueError(f"z2 must be a 2-D array (hidden_size, m), one example per column; "
                         f"got shape {z2.shape}. For one example use z.reshape(-1, 1).")
    h = z2.shape[0]
    k = _check_k(k, h)
    mask = np.zeros(z2.shape, dtype=bool)
    if k == h:
        mask[:] = True
    else:
        idx = np.argpartition(-z2, k - 1, axis=0)[:k]      # rows of the k largest, per column
        mask[idx, np.arange(z2.shape[1])] = True
    mask &= z2 > 0
    return mask


def topk(z2, k):
    """a2 = max(0, TopK(z2)): in each column keep the k largest entries, zero the rest.

    ``z2`` has shape (hidden_size, m), one example per column, so the k units are chosen
    separately for every example. Kept entries that are negative become 0 (the ReLU).
    Returns a new array; ``z2`` is not modified.
    """
    z2 = np.asarray(z2, dtype=float)
    return np.where(topk_mask(z2, k), z2, 0.0)

