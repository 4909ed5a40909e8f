"""Tests for sae_lib.variants: L1 and TopK autoencoders, the toy data, training, metrics."""

import numpy as np
import pytest

from sae_lib import (
    compute_numerical_gradient,
    initialize_parameters,
    pack_parameters,
    relative_difference,
    sigmoid,
    unpack_parameters,
)
from sae_lib.variants import (
    Shrinkage,
    VariantResult,
    coefficient_shrinkage,
    dead_units,
    feature_density,
    feature_recovery,
    firing_rates,
    fraction_variance_unexplained,
    initialize_tied_parameters,
    l0,
    l1_autoencoder_cost,
    l1_forward,
    l1_optimal_code,
    make_superposition_data,
    relu,
    rescale_for_sigmoid,
    topk,
    topk_autoencoder_cost,
    topk_forward,
    topk_mask,
    train_l1,
    train_topk,
)

V, H, M = 5, 4, 8


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


# ---------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# TopK activation
# ---------------------------------------------------------------------------------------
def test_topk_keeps_the_k_largest_of_each_column():
    z = np.array([[3.0, -1.0, 0.2],
                  [1.0, 4.0, 0.1],
                  [2.0, 5.0, -0.3],
                  [-1.0, 0.5, 0.4]])
    expected = np.array([[3.0, 0.0, 0.2],
                         [0.0, 4.0, 0.0],
                         [2.0, 5.0, 0.0],
                         [0.0, 0.0, 0.4]])
    np.testing.assert_array_equal(topk(z, 2), expected)


def test_topk_sets_kept_negative_values_to_zero():
    z = np.array([[-1.0], [-2.0], [0.5], [-3.0]])
    np.testing.assert_array_equal(topk(z, 3), [[0.0], [0.0], [0.5], [0.0]])


def test_topk_keeps_exactly_k_at_a_tie():
    z = np.array([[3.0], [1.0], [1.0], [1.0]])
    out = topk(z, 2)
    assert np.count_nonzero(out) == 2
    assert out[0, 0] == 3.0 and np.sum(out) == 4.0


def test_topk_does_not_modify_its_input():
    z = np.random.default_rng(0).standard_normal((6, 4))
    before = z.copy()
    topk(z, 2)
    np.testing.assert_array_equal(z, before)


def test_topk_random_matrices_have_at_most_k_nonzeros_which_are_the_largest():
    rng = np.random.default_rng(1)
    for k in (1, 3, 7):
        z = rng.standard_normal((7, 50))
        out = topk(z, k)
        assert np.all(np.count_nonzero(out, axis=0) <= k)
        assert np.all(out >= 0)
        kth = -np.sort(-z, axis=0)[k - 1]
        np.testing.assert_array_equal(out != 0, (z >= kth) & (z > 0))


def test_relu():
    np.testing.assert_array_equal(relu([-1.0, 0.0, 2.5]), [0.0, 0.0, 2.5])


@pytest.mark.parametrize("k,match", [(0, "between 1 and hidden_size=4"),
                                     (5, "between 1 and hidden_size=4"),
                                     (2.0, "must be an integer"),
                                     (True, "must be an integer")])
def test_topk_rejects_bad_k(k, match):
    with pytest.raises(ValueError, match=match):
        topk(np.zeros((4, 3)), k)


def test_topk_rejects_a_vector():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        topk(np.zeros(4), 2)


# ---------------------------------------------------------------------------------------
# Validation of the cost functions
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# Toy data
# ---------------------------------------------------------------------------------------
def test_superposition_data_is_sparse_nonnegative_combinations_of_unit_features():
    p = np.geomspace(0.01, 0.2, 30)
    toy = make_superposition_data(30, 10, 20000, p_active=p, coefficient_range=(0.5, 1.5), rng=0)
    assert toy.data.shape == (10, 20000)
    assert toy.features.shape == (10, 30) and toy.coefficients.shape == (30, 20000)
    np.testing.assert_allclose(np.linalg.norm(toy.features, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(toy.data, toy.features @ toy.coefficients, rtol=1e-12)
    on = toy.coefficients > 0
    assert np.all(toy.coefficients >= 0)
    assert np.all((toy.coefficients[on] >= 0.5) & (toy.coefficients[on] < 1.5))
    rate = on.mean(axis=1)
    # binomial standard error of each rate, 5 sigma
    assert np.all(np.abs(rate - p) < 5 * np.sqrt(p * (1 - p) / 20000))
    np.testing.assert_array_equal(toy.p_active, p)


def test_superposition_data_is_reproducible_and_seed_dependent():
    a = make_superposition_data(8, 4, 100, rng=3)
    b = make_superposition_data(8, 4, 100, rng=3)
    c = make_superposition_data(8, 4, 100, rng=4)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)


def test_superposition_data_scalar_p_applies_to_every_feature():
    toy = make_superposition_data(6, 3, 10, p_active=0.25, rng=0)
    np.testing.assert_array_equal(toy.p_active, np.full(6, 0.25))


@pytest.mark.parametrize("kwargs,match", [
    (dict(p_active=1.5), "probabilities in"),
    (dict(p_active=np.full(5, 0.1)), "n_features=8"),
    (dict(coefficient_range=(1.0, 0.5)), "0 <= low < high"),
    (dict(coefficient_range=(-1.0, 1.0)), "nonnegative"),
])
def test_superposition_data_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_superposition_data(8, 4, 10, **kwargs)


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


# ---------------------------------------------------------------------------------------
# Metrics on hand-made cases
# ---------------------------------------------------------------------------------------
CODES = np.array([[0.0, 1.5, 0.0, 0.0],
                  [2.0, 0.0, 0.0, 0.7],
                  [0.3, 0.1, 0.0, 0.0],
                  [0.0, 0.0, 0.0, 0.0],
                  [0.0, 0.4, 0.0, 0.2]])


def test_l0_counts_active_units_per_example():
    assert l0(CODES) == pytest.approx((2 + 3 + 0 + 2) / 4)
    assert l0(CODES, threshold=0.35) == pytest.approx((1 + 2 + 0 + 1) / 4)


def test_l0_of_sigmoid_codes_is_the_hidden_size():
    a2 = sigmoid(np.random.default_rng(0).normal(-6, 2, size=(25, 100)))
    assert l0(a2) == 25
    assert l0(a2, threshold=0.5) < 1


def test_firing_rates_density_and_dead_units():
    np.testing.assert_allclose(firing_rates(CODES), [0.25, 0.5, 0.5, 0.0, 0.5])
    density = feature_density(CODES)
    np.testing.assert_allclose(density[[0, 1]], np.log10([0.25, 0.5]))
    assert density[3] == -np.inf
    assert dead_units(CODES) == 1
    assert dead_units(CODES, threshold=1.0) == 3


def test_fvu_of_perfect_and_of_mean_reconstruction():
    x = np.random.default_rng(2).standard_normal((3, 10)) + 5
    assert fraction_variance_unexplained(x, x) == 0.0
    mean = np.repeat(x.mean(axis=1, keepdims=True), 10, axis=1)
    assert fraction_variance_unexplained(x, mean) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        fraction_variance_unexplained(x, x[:, :5])
    with pytest.raises(ValueError, match="no variance"):
        fraction_variance_unexplained(np.ones((3, 4)), np.ones((3, 4)))


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="2-D array"):
        l0(np.ones(4))
    with pytest.raises(ValueError, match="threshold"):
        l0(CODES, threshold=-1)


def test_feature_recovery_is_one_for_exact_features_in_any_order_and_scale():
    F = make_superposition_data(6, 4, 1, rng=0).features
    perm = np.array([3, 0, 5, 1, 4, 2])
    decoder = np.column_stack([F[:, perm], np.zeros(4)]) * np.array([2, 3, .5, 1, 4, 1, 1])
    best, unit = feature_recovery(F, decoder)
    np.testing.assert_allclose(best, 1.0, rtol=1e-12)
    np.testing.assert_array_equal(perm[unit], np.arange(6))


def test_feature_recovery_of_orthogonal_directions_is_zero_and_checks_shapes():
    best, _ = feature_recovery(np.eye(4)[:, :2], np.eye(4)[:, 2:])
    np.testing.assert_allclose(best, 0.0)
    with pytest.raises(ValueError, match="same number of rows"):
        feature_recovery(np.eye(4), np.eye(3))


def test_shrinkage_of_exact_codes_is_one_and_of_halved_codes_is_one_half():
    toy = make_superposition_data(6, 4, 200, p_active=0.3, rng=1)
    exact = coefficient_shrinkage(toy.features, toy.coefficients, toy.coefficients, toy.features)
    assert isinstance(exact, Shrinkage)
    assert exact.ratio == pytest.approx(1.0) and exact.fired_fraction == 1.0
    np.testing.assert_allclose(exact.coded_coefficient, exact.true_coefficient)
    half = coefficient_shrinkage(toy.features, toy.coefficients, 0.5 * toy.coefficients,
                                 toy.features)
    assert half.ratio == pytest.approx(0.5)
    # the same product a2 * W2 split differently: no shrinkage
    split = coefficient_shrinkage(toy.features, toy.coefficients, 0.25 * toy.coefficients,
                                  4 * toy.features)
    assert split.ratio == pytest.approx(1.0)


def test_shrinkage_separates_missed_examples_from_small_codes():
    toy = make_superposition_data(6, 4, 200, p_active=0.3, rng=2)
    codes = toy.coefficients.copy()
    codes[:, ::2] = 0.0                                # every other example: unit silent
    s = coefficient_shrinkage(toy.features, toy.coefficients, codes, toy.features)
    assert s.ratio == pytest.approx(1.0)
    on = toy.coefficients > 0
    assert s.fired_fraction == pytest.approx(on[:, 1::2].sum() / on.sum())


def test_l1_optimal_code_soft_thresholds_for_an_orthonormal_dictionary():
    Q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((5, 5)))
    c = np.array([[0.7, 0.05, 0.3, 0.0, 1.2]]).T
    a = l1_optimal_code(Q @ c, Q, 0.2)
    np.testing.assert_allclose(a[:, 0], [0.5, 0.0, 0.1, 0.0, 1.0], atol=1e-10)


def test_l1_optimal_code_satisfies_the_optimality_conditions():
    rng = np.random.default_rng(4)
    D = rng.standard_normal((6, 10))
    x = rng.standard_normal((6, 3))
    beta = 0.3
    a = l1_optimal_code(x, D, beta, n_iter=20000)
    g = D.T @ (D @ a - x) + beta                      # gradient of the smooth part + beta
    on = a > 1e-9
    np.testing.assert_allclose(g[on], 0.0, atol=1e-6)   # active: stationary
    assert np.all(g[~on] > -1e-6)                        # inactive: cannot decrease


# ---------------------------------------------------------------------------------------
# Initialisation and training
# ---------------------------------------------------------------------------------------
def test_tied_initialisation():
    W1, W2, b1, b2 = unpack_parameters(initialize_tied_parameters(7, 3, rng=0), 3, 7)
    np.testing.assert_array_equal(W1, W2.T)
    np.testing.assert_allclose(np.linalg.norm(W2, axis=0), 1.0)
    assert not b1.any() and not b2.any()


@pytest.fixture(scope="module")
def toy():
    """An easy problem: 6 features in 8 dimensions (no superposition)."""
    return make_superposition_data(6, 8, 2000, p_active=0.1, rng=0)


@pytest.fixture(scope="module")
def trained(toy):
    theta0 = initialize_tied_parameters(6, 8, rng=1)
    return {
        "l1": train_l1(toy.data, 6, beta=0.05, n_steps=1000, batch_size=128,
                       learning_rate=1e-2, rng=2, theta0=theta0),
        "topk": train_topk(toy.data, 6, k=2, n_steps=1000, batch_size=128,
                           learning_rate=1e-2, rng=2, theta0=theta0),
    }


@pytest.mark.parametrize("kind", ["l1", "topk"])
def test_training_finds_the_true_features_of_an_easy_toy_problem(toy, trained, kind):
    r = trained[kind]
    assert isinstance(r, VariantResult) and r.kind == kind
    best, _ = feature_recovery(toy.features, r.W2)
    assert best.mean() > 0.9 and best.min() > 0.8
    assert fraction_variance_unexplained(toy.data, r.reconstruct(toy.data)) < 0.1
    assert np.mean(r.cost_history[-50:]) < 0.5 * np.mean(r.cost_history[:50])


def test_trained_topk_codes_have_at_most_k_nonzeros(toy, trained):
    codes = trained["topk"].hidden_activations(toy.data)
    assert codes.shape == (6, toy.data.shape[1])
    assert np.count_nonzero(codes, axis=0).max() <= 2


def test_result_methods_agree_with_the_cost_functions(toy, trained):
    r = trained["l1"]
    assert r.cost(toy.data) == pytest.approx(
        l1_autoencoder_cost(r.theta, 8, 6, 0.0, 0.05, toy.data)[0])
    z2, a2, x_hat = l1_forward(r.W1, r.b1, r.W2, r.b2, toy.data)
    np.testing.assert_array_equal(r.hidden_activations(toy.data), a2)
    np.testing.assert_array_equal(r.reconstruct(toy.data), x_hat)
    t = trained["topk"]
    assert t.cost(toy.data) == pytest.approx(
        topk_autoencoder_cost(t.theta, 8, 6, 0.0, 2, toy.data)[0])
    assert "k=2" in repr(t) and "beta=0.05" in repr(r)


def test_training_is_deterministic_for_a_seed(toy):
    a = train_topk(toy.data, 8, k=2, n_steps=30, rng=5)
    b = train_topk(toy.data, 8, k=2, n_steps=30, rng=5)
    np.testing.assert_array_equal(a.theta, b.theta)
    np.testing.assert_array_equal(a.cost_history, b.cost_history)


@pytest.mark.parametrize("n_steps,decay_fraction", [(10, 0.0), (10, 0.2), (10, 1.0), (7, 0.5)])
def test_adam_step_sizes_follow_the_schedule(n_steps, decay_fraction):
    """With a constant gradient every Adam step moves each parameter by its learning
    rate, so the distance travelled is the sum of the schedule: full rate, then a linear
    ramp (n - t) / (n - start) over the last decay_fraction of the steps."""
    from sae_lib.variants import adam

    lr = 0.01
    theta, history = adam(lambda t, X: (float(t.sum()), np.ones_like(t)), np.zeros(3),
                           np.zeros((1, 4)), n_steps=n_steps, batch_size=2, learning_rate=lr,
                           decay_fraction=decay_fraction, rng=np.random.default_rng(0))
    start = int(round(n_steps * (1 - decay_fraction)))
    expected = lr * (start + sum((n_steps - t) / (n_steps - start)
                                 for t in range(start, n_steps)))
    np.testing.assert_allclose(-theta, expected, rtol=1e-6)
    assert history.shape == (n_steps,)


@pytest.mark.parametrize("kwargs,match", [
    (dict(k=0), "between 1 and hidden_size"),
    (dict(k=2, n_steps=0), "n_steps must be a positive integer"),
    (dict(k=2, learning_rate=0.0), "learning_rate must be > 0"),
    (dict(k=2, decay_fraction=1.5), "decay_fraction"),
    (dict(k=2, theta0=np.zeros(3)), "theta has shape"),
])
def test_train_topk_rejects_bad_settings(toy, kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_topk(toy.data, 8, **kwargs)


def test_train_l1_rejects_negative_beta_and_transposed_data(toy):
    with pytest.raises(ValueError, match="beta"):
        train_l1(toy.data, 8, beta=-1.0)
    with pytest.raises(ValueError, match="2-D array"):
        train_l1(toy.data[0], 8, beta=0.1)
