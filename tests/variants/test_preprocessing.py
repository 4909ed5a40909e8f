"""Tests for sae_lib.variants.preprocessing: rescaling, input normalisation, geometric median."""

import numpy as np
import pytest

from sae_lib.variants import (fraction_variance_unexplained, geometric_median, normalize_scale,
                              rescale_for_sigmoid)


def test_rescale_for_sigmoid_maps_onto_the_interval_and_inverts():
    x = np.random.default_rng(0).standard_normal((5, 50)) * 3
    xs, s, c = rescale_for_sigmoid(x)
    assert xs.min() == pytest.approx(0.1) and xs.max() == pytest.approx(0.9)
    np.testing.assert_allclose((xs - c) / s, x, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="constant"):
        rescale_for_sigmoid(np.ones((3, 4)))


def test_fvu_is_the_same_in_the_rescaled_space():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 30))
    x_hat = x + 0.3 * rng.standard_normal(x.shape)
    xs, s, c = rescale_for_sigmoid(x)
    assert fraction_variance_unexplained(xs, s * x_hat + c) == pytest.approx(
        fraction_variance_unexplained(x, x_hat), rel=1e-12)


def test_normalize_scale_sets_the_mean_squared_norm_and_keeps_fvu_and_directions():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 200)) * 0.1 + 0.3
    xn, s = normalize_scale(x)
    assert np.mean(np.sum(xn ** 2, axis=0)) == pytest.approx(6.0, rel=1e-12)
    np.testing.assert_allclose(xn, s * x, rtol=1e-15)
    x2, s2 = normalize_scale(x, target=1.0)
    assert np.mean(np.sum(x2 ** 2, axis=0)) == pytest.approx(1.0, rel=1e-12)
    assert s2 == pytest.approx(s / np.sqrt(6))
    x_hat = x + 0.05 * rng.standard_normal(x.shape)
    assert fraction_variance_unexplained(xn, s * x_hat) == pytest.approx(
        fraction_variance_unexplained(x, x_hat), rel=1e-12)


@pytest.mark.parametrize("data,target,match", [
    (np.zeros((3, 4)), None, "zero vector"),
    (np.ones(4), None, "2-D array"),
    (np.ones((3, 4)), -1.0, "positive number"),
    (np.full((3, 4), np.nan), None, "NaN"),
])
def test_normalize_scale_rejects_bad_input(data, target, match):
    with pytest.raises(ValueError, match=match):
        normalize_scale(data, target)


def test_geometric_median_minimises_the_sum_of_distances():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 101))
    y = geometric_median(x, n_iter=1000)
    # at the minimum the unit vectors towards the examples cancel
    u = (x - y[:, None]) / np.linalg.norm(x - y[:, None], axis=0)
    assert np.linalg.norm(u.sum(axis=1)) < 1e-6 * x.shape[1]

    def total(p):
        return np.linalg.norm(x - p[:, None], axis=0).sum()

    for step in rng.standard_normal((10, 3)) * 1e-3:
        assert total(y + step) >= total(y)


def test_geometric_median_ignores_a_far_outlier_the_mean_follows():
    x = np.zeros((2, 21))
    x[0, :10], x[0, 10:20] = -1.0, 1.0                 # symmetric about the origin
    x[:, 20] = [1000.0, 1000.0]                        # one far outlier
    y = geometric_median(x, n_iter=2000)
    assert np.linalg.norm(y) < 1.0 + 1e-6 and np.linalg.norm(x.mean(axis=1)) > 60
    with pytest.raises(ValueError, match="2-D array"):
        geometric_median(np.ones(3))
