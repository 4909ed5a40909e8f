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


def _z2(theta, data, v=V, h=H, pre_bias=False):
    W1, _, b1, b2 = unpack_parameters(theta, v, h)
    x_in = data - b2[:, None] if pre_bias else data
    return W1 @ x_in + b1[:, None]


def _smooth_l1_points(n, margin=1e-2, pre_bias=False):
    """(theta, data) pairs where no pre-activation lies within `margin` of the ReLU kink."""
    out, seed = [], 0
    while len(out) < n:
        theta, data = _point(seed)
        if np.min(np.abs(_z2(theta, data, pre_bias=pre_bias))) > margin:
            out.append((theta, data))
        seed += 1
    return out


def _gap_at(z2, k):
    """Smallest gap between the k-th and (k+1)-th largest entry of a column."""
    if k >= z2.shape[0]:
        return np.inf
    srt = -np.sort(-z2, axis=0)
    return np.min(srt[k - 1] - srt[k])


def _smooth_topk_points(n, k, margin=1e-2, pre_bias=False):
    """Points with no near-tie at the k-th place and no kept pre-activation near 0."""
    out, seed = [], 100
    while len(out) < n:
        theta, data = _point(seed)
        z2 = _z2(theta, data, pre_bias=pre_bias)
        if _gap_at(z2, k) > margin and np.min(np.abs(z2)) > margin:
            out.append((theta, data))
        seed += 1
    return out
