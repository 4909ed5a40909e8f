"""Tests for sae_lib.variants.models: costs, gradients (checked numerically), initialisation."""

import numpy as np
import pytest

from sae_lib import (compute_numerical_gradient, kl_divergence, pack_parameters,
                     relative_difference, sigmoid, sparse_autoencoder_cost, unpack_parameters)
from sae_lib.variants import (auxk_cost, encoder_input, initialize_tied_parameters,
                              kl_linear_autoencoder_cost, kl_linear_forward, l1_autoencoder_cost,
                              l1_forward, topk, topk_autoencoder_cost, topk_forward, topk_mask)

from .helpers import H, M, V, _gap_at, _point, _smooth_l1_points, _smooth_topk_points, _z2


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


# ---------------------------------------------------------------------------------------
# The pre-encoder bias
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lambda_,beta", [(0.0, 0.3), (1e-2, 0.0)])
def test_l1_gradient_with_pre_encoder_bias_matches_numerical_gradient(lambda_, beta):
    for theta, data in _smooth_l1_points(3, pre_bias=True):
        cost, grad = l1_autoencoder_cost(theta, V, H, lambda_, beta, data, pre_bias=True)
        numgrad = compute_numerical_gradient(
            lambda t: l1_autoencoder_cost(t, V, H, lambda_, beta, data, pre_bias=True)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


@pytest.mark.parametrize("k", [1, 2, H])
def test_topk_gradient_with_pre_encoder_bias_matches_numerical_gradient(k):
    for theta, data in _smooth_topk_points(3, k, pre_bias=True):
        cost, grad = topk_autoencoder_cost(theta, V, H, 1e-3, k, data, pre_bias=True)
        numgrad = compute_numerical_gradient(
            lambda t: topk_autoencoder_cost(t, V, H, 1e-3, k, data, pre_bias=True)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


def test_pre_encoder_bias_makes_the_model_move_with_the_data():
    """Shift every example by c and b2 by c: with x - b2 the codes and the error are the
    same; without the pre-encoder bias they are not."""
    theta, data = _point(11)
    c = np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    shifted = pack_parameters(W1, W2, b1, b2 + c)
    for cost in (lambda t, X, p: l1_autoencoder_cost(t, V, H, 0.0, 0.2, X, pre_bias=p)[0],
                 lambda t, X, p: topk_autoencoder_cost(t, V, H, 0.0, 2, X, pre_bias=p)[0]):
        assert cost(shifted, data + c[:, None], True) == pytest.approx(
            cost(theta, data, True), rel=1e-12)
        assert cost(shifted, data + c[:, None], False) != pytest.approx(
            cost(theta, data, False), rel=1e-3)


def test_pre_encoder_bias_with_b2_zero_changes_only_b2s_gradient():
    theta, data = _point(12)
    theta[-V:] = 0.0
    c0, g0 = topk_autoencoder_cost(theta, V, H, 0.0, 2, data)
    c1, g1 = topk_autoencoder_cost(theta, V, H, 0.0, 2, data, pre_bias=True)
    assert c0 == c1
    np.testing.assert_array_equal(g0[:-V], g1[:-V])
    W1 = unpack_parameters(theta, V, H)[0]
    b1grad = unpack_parameters(g0, V, H)[2]
    np.testing.assert_allclose(g1[-V:], g0[-V:] - W1.T @ b1grad, rtol=1e-12)


def test_forward_passes_agree_with_the_cost_functions_pre_bias():
    theta, data = _point(13)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    _, a2, x_hat = topk_forward(W1, b1, W2, b2, data, 2, pre_bias=True)
    np.testing.assert_allclose(a2, topk(W1 @ (data - b2[:, None]) + b1[:, None], 2))
    assert topk_autoencoder_cost(theta, V, H, 0.0, 2, data, pre_bias=True)[0] == pytest.approx(
        0.5 * np.sum((x_hat - data) ** 2) / M)
    assert np.array_equal(encoder_input(data, b2, False), data)


# ---------------------------------------------------------------------------------------
# KL with a linear decoder
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lambda_,rho,beta", [(0.0, 0.05, 0.0), (1e-4, 0.02, 3.0),
                                              (1e-2, 0.3, 1.0)])
def test_kl_linear_gradient_matches_numerical_gradient(lambda_, rho, beta):
    for seed in range(3):
        theta, data = _point(20 + seed)
        cost, grad = kl_linear_autoencoder_cost(theta, V, H, lambda_, rho, beta, data)
        numgrad = compute_numerical_gradient(
            lambda t: kl_linear_autoencoder_cost(t, V, H, lambda_, rho, beta, data)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


def test_kl_linear_cost_is_linear_reconstruction_plus_weight_decay_plus_kl():
    theta, data = _point(24)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    a2 = sigmoid(W1 @ data + b1[:, None])
    x_hat = W2 @ a2 + b2[:, None]                      # no output sigmoid
    rho, beta, lambda_ = 0.1, 2.0, 1e-3
    expected = (0.5 * np.sum((x_hat - data) ** 2) / M
                + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
                + beta * np.sum(kl_divergence(rho, a2.mean(axis=1))))
    assert kl_linear_autoencoder_cost(theta, V, H, lambda_, rho, beta, data)[0] == pytest.approx(
        expected, rel=1e-12)
    z2, a2_f, x_hat_f = kl_linear_forward(W1, b1, W2, b2, data)
    np.testing.assert_allclose(x_hat_f, x_hat)


def test_kl_linear_differs_from_the_notes_only_in_delta3():
    """The sparsity term enters the gradient only through delta2, as the notes derive, so
    what beta adds to the gradient is the same with a sigmoid or a linear output layer."""
    theta, data = _point(25)
    rho, beta = 0.1, 3.0
    _, g_lin_b = kl_linear_autoencoder_cost(theta, V, H, 0.0, rho, beta, data)
    _, g_lin_0 = kl_linear_autoencoder_cost(theta, V, H, 0.0, rho, 0.0, data)
    _, g_sig_b = sparse_autoencoder_cost(theta, V, H, 0.0, rho, beta, data)
    _, g_sig_0 = sparse_autoencoder_cost(theta, V, H, 0.0, rho, 0.0, data)
    np.testing.assert_allclose(g_lin_b - g_lin_0, g_sig_b - g_sig_0, rtol=1e-10, atol=1e-14)


def test_kl_linear_rejects_bad_hyperparameters():
    theta, data = _point(26)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        kl_linear_autoencoder_cost(theta, V, H, 0.0, 0.0, 3.0, data)
    with pytest.raises(ValueError, match="examples go in columns"):
        kl_linear_autoencoder_cost(theta, V, H, 0.0, 0.1, 3.0, data.T)


# ---------------------------------------------------------------------------------------
# AuxK
# ---------------------------------------------------------------------------------------
DEAD = np.array([False, True, True, False])


def _smooth_auxk_points(n, k_aux, pre_bias, margin=1e-2):
    """Points where the selection among the dead latents has no near-tie or kink."""
    out, seed = [], 300
    while len(out) < n:
        theta, data = _point(seed)
        z_dead = _z2(theta, data, pre_bias=pre_bias)[DEAD]
        residual = np.random.default_rng(seed).standard_normal(data.shape)
        if _gap_at(z_dead, k_aux) > margin and np.min(np.abs(z_dead)) > margin:
            out.append((theta, data, residual))
        seed += 1
    return out


@pytest.mark.parametrize("k_aux", [1, 2])
@pytest.mark.parametrize("pre_bias", [False, True])
def test_auxk_gradient_matches_numerical_gradient_for_a_fixed_residual(k_aux, pre_bias):
    for theta, data, e in _smooth_auxk_points(3, k_aux, pre_bias):
        cost, grad = auxk_cost(theta, V, H, data, e, DEAD, k_aux, pre_bias=pre_bias)
        assert cost > 0
        numgrad = compute_numerical_gradient(
            lambda t: auxk_cost(t, V, H, data, e, DEAD, k_aux, pre_bias=pre_bias)[0], theta)
        assert relative_difference(numgrad, grad) < 1e-9


def test_auxk_reaches_only_the_dead_latents():
    theta, data, e = _smooth_auxk_points(1, 2, False)[0]
    _, grad = auxk_cost(theta, V, H, data, e, DEAD, 2)
    W1g, W2g, b1g, b2g = unpack_parameters(grad, V, H)
    assert np.all(W1g[~DEAD] == 0) and np.all(b1g[~DEAD] == 0) and np.all(W2g[:, ~DEAD] == 0)
    assert np.any(W1g[DEAD] != 0) and np.any(W2g[:, DEAD] != 0)
    assert np.all(b2g == 0)                            # no pre-encoder bias: b2 not involved


def test_auxk_is_the_normalised_error_of_the_dead_latents_on_the_residual():
    theta, data = _point(31)
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    z2 = W1 @ data + b1[:, None]
    a_aux = np.where(DEAD[:, None], np.maximum(z2, 0), 0.0)          # k_aux = 2 = all dead
    e = np.random.default_rng(0).standard_normal(data.shape)
    expected = np.sum((W2 @ a_aux - e) ** 2) / np.sum((e - e.mean(axis=1, keepdims=True)) ** 2)
    assert auxk_cost(theta, V, H, data, e, DEAD, 2)[0] == pytest.approx(expected, rel=1e-12)
    # a residual the dead latents explain exactly costs nothing
    assert auxk_cost(theta, V, H, data, W2 @ a_aux, DEAD, 2)[0] == pytest.approx(0, abs=1e-20)


def test_auxk_without_dead_latents_is_zero():
    theta, data = _point(32)
    cost, grad = auxk_cost(theta, V, H, data, data, np.zeros(H, dtype=bool), 2)
    assert cost == 0 and not grad.any()


def test_auxk_rejects_bad_arguments():
    theta, data = _point(33)
    with pytest.raises(ValueError, match="boolean array of shape"):
        auxk_cost(theta, V, H, data, data, np.ones(H), 2)
    with pytest.raises(ValueError, match="boolean array of shape"):
        auxk_cost(theta, V, H, data, data, DEAD[:3], 2)
    with pytest.raises(ValueError, match="residual must have the shape"):
        auxk_cost(theta, V, H, data, data[:, :3], DEAD, 2)
    with pytest.raises(ValueError, match="k_aux must be a positive integer"):
        auxk_cost(theta, V, H, data, data, DEAD, 0)
