"""Random points (theta, data) for the variants tests, with margins from kinks and ties."""

import numpy as np

from sae_lib import initialize_parameters, unpack_parameters

V, H, M = 5, 4, 8           # visible, hidden, examples


def _point(seed, v=V, h=H, m=M):
    """A random theta and data set (biases nonzero too)."""
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(h, v, rng) * 3
    theta[2 * h * v:] = rng.standard_normal(h + v) * 0.5
    data = rng.standard_normal((v, m))
    return theta, data


def _z2(theta, data, v=V, h=H):
    W1, _, b1, _ = unpack_parameters(theta, v, h)
    return W1 @ data + b1[:, None]


def _smooth_l1_points(n, margin=1e-2):
    """(theta, data) pairs where no pre-activation lies within `margin` of the ReLU kink."""
    out, seed = [], 0
    while len(out) < n:
        theta, data = _point(seed)
        if np.min(np.abs(_z2(theta, data))) > margin:
            out.append((theta, data))
        seed += 1
    return out


def _smooth_topk_points(n, k, margin=1e-2):
    """Points with no near-tie at the k-th place and no kept pre-activation near 0."""
    out, seed = [], 100
    while len(out) < n:
        theta, data = _point(seed)
        z2 = _z2(theta, data)
        srt = -np.sort(-z2, axis=0)
        gap = np.min(srt[k - 1] - srt[k]) if k < H else np.inf
        if gap > margin and np.min(np.abs(z2)) > margin:
            out.append((theta, data))
        seed += 1
    return out
