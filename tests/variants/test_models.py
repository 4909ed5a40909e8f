"""Tests for sae_lib.variants.models: costs, gradients (checked numerically), initialisation."""

import numpy as np
import pytest

from sae_lib import compute_numerical_gradient, pack_parameters, relative_difference, unpack_parameters
from sae_lib.variants import (initialize_tied_parameters, l1_autoencoder_cost, l1_forward,
                                topk_autoencoder_cost, topk_forward, topk_mask)

from .helpers import H, M, V, _point, _smooth_l1_points, _smooth_topk_points, _z2

@pytest.mark.parametrize("lambda_,beta", [(0.0, 0.0), (1e-3, 0.3), (0.0, 1.0), (0.1, 0.05)])
def test_l1_gradient_matches_numerical_gradient_away_from_kinks(lambda_, beta):
    for theta, data in _smooth_l1_points(3):
        cost, grad = l1_autoencoder_cost(theta, V, H, lambda_, beta, data)
        numgrad = compute_numerical_gradient(
            lambda t: l1_autoencoder_cost(t, V, H, lambda_, beta, data)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


@pytest.mark.parametrize("k", [1, 2, 3, H])
@pytest.mark.parametrize("lambda_", [0.0, 1e-2])
def test_topk_gradient_matches_numerical_gradient_for_a_fixed_selection(k, lambda_):
    for theta, data in _smooth_topk_points(3, k):
        cost, grad = topk_autoencoder_cost(theta, V, H, lambda_, k, data)
        numgrad = compute_numerical_gradient(
            lambda t: topk_autoencoder_cost(t, V, H, lambda_, k, data)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


def test_topk_gradient_is_zero_for_units_never_selected():
    theta, data = _point(3, v=6, h=10, m=5)
    _, grad = topk_autoencoder_cost(theta, 6, 10, 0.0, 2, data)
    W1g, W2g, b1g, _ = unpack_parameters(grad, 6, 10)
    never = ~topk_mask(_z2(theta, data, 6, 10), 2).any(axis=1)
    assert never.sum() >= 1
    assert np.all(W1g[never] == 0) and np.all(b1g[never] == 0) and np.all(W2g[:, never] == 0)


def test_l1_penalty_is_beta_times_decoder_norms_times_rho_hat():
    theta, data = _point(5)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    _, a2, _ = l1_forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)
    beta = 0.37
    with_penalty = l1_autoencoder_cost(theta, V, H, 0.0, beta, data)[0]
    without = l1_autoencoder_cost(theta, V, H, 0.0, 0.0, data)[0]
    assert with_penalty - without == pytest.approx(
        beta * np.sum(np.linalg.norm(W2, axis=0) * rho_hat), rel=1e-12)


def test_l1_cost_is_unchanged_when_codes_shrink_and_decoder_columns_grow():
    theta, data = _point(6)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    c = np.array([0.5, 2.0, 3.0, 0.25])
    scaled = pack_parameters(W1 / c[:, None], W2 * c, b1 / c, b2)
    assert l1_autoencoder_cost(scaled, V, H, 0.0, 0.4, data)[0] == pytest.approx(
        l1_autoencoder_cost(theta, V, H, 0.0, 0.4, data)[0], rel=1e-12)


def test_topk_with_k_equal_to_hidden_size_is_the_relu_autoencoder_without_penalty():
    theta, data = _point(7)
    c1, g1 = topk_autoencoder_cost(theta, V, H, 1e-3, H, data)
    c2, g2 = l1_autoencoder_cost(theta, V, H, 1e-3, 0.0, data)
    assert c1 == pytest.approx(c2, rel=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-14, atol=1e-15)


def test_cost_is_half_mean_squared_error_plus_weight_decay():
    theta, data = _point(8)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    x_hat = topk_forward(W1, b1, W2, b2, data, 2)[2]
    expected = (0.5 * np.sum((x_hat - data) ** 2) / M
                + 0.01 / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))
    assert topk_autoencoder_cost(theta, V, H, 0.01, 2, data)[0] == pytest.approx(expected)


def test_l1_gradient_of_an_all_zero_decoder_column_is_finite():
    theta, data = _point(9)
    W1, W2, b1, b2 = unpack_parameters(theta.copy(), V, H)
    W2 = W2.copy()
    W2[:, 1] = 0.0
    cost, grad = l1_autoencoder_cost(pack_parameters(W1, W2, b1, b2), V, H, 0.0, 0.5, data)
    assert np.isfinite(cost) and np.all(np.isfinite(grad))


def test_cost_functions_reject_bad_arguments():
    theta, data = _point(0)
    with pytest.raises(ValueError, match="beta .* must be >= 0"):
        l1_autoencoder_cost(theta, V, H, 0.0, -0.1, data)
    with pytest.raises(ValueError, match="lambda_ .* must be >= 0"):
        l1_autoencoder_cost(theta, V, H, -1e-3, 0.1, data)
    with pytest.raises(ValueError, match="finite real number"):
        l1_autoencoder_cost(theta, V, H, 0.0, float("nan"), data)
    with pytest.raises(ValueError, match="examples go in columns"):
        l1_autoencoder_cost(theta, V, H, 0.0, 0.1, data.T)
    with pytest.raises(ValueError, match="theta has shape"):
        l1_autoencoder_cost(theta[:-1], V, H, 0.0, 0.1, data)
    with pytest.raises(ValueError, match="between 1 and hidden_size"):
        topk_autoencoder_cost(theta, V, H, 0.0, H + 1, data)
    with pytest.raises(ValueError, match="examples go in columns"):
        topk_autoencoder_cost(theta, V, H, 0.0, 2, data.T)
    bad = data.copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        topk_autoencoder_cost(theta, V, H, 0.0, 2, bad)


def test_tied_initialisation():
    W1, W2, b1, b2 = unpack_parameters(initialize_tied_parameters(7, 3, rng=0), 3, 7)
    np.testing.assert_array_equal(W1, W2.T)
    np.testing.assert_allclose(np.linalg.norm(W2, axis=0), 1.0)
    assert not b1.any() and not b2.any()
