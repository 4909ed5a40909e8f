"""Tests for sae_lib.variants.training: Adam, train_l1, train_topk, VariantResult."""

import numpy as np
import pytest

from sae_lib import (compute_numerical_gradient, pack_parameters, relative_difference,
                     unpack_parameters)
from sae_lib.variants import (VariantResult, adam, feature_recovery,
                              fraction_variance_unexplained, geometric_median,
                              initialize_tied_parameters, kl_linear_autoencoder_cost,
                              l1_autoencoder_cost, l1_forward, make_superposition_data,
                              remove_parallel_component, topk_autoencoder_cost, topk_forward,
                              train_kl_linear, train_l1, train_topk, unit_norm_columns)

from .helpers import H, V, _point, _smooth_l1_points, _smooth_topk_points

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


# ---------------------------------------------------------------------------------------
# Unit-norm decoder columns
# ---------------------------------------------------------------------------------------
def _renormalised(theta, v, h):
    return unit_norm_columns(np.array(theta, dtype=float), v, h)


@pytest.mark.parametrize("kind", ["topk", "l1"])
def test_projected_gradient_is_the_gradient_on_unit_columns(kind):
    """J~(theta) = J(theta with W2's columns scaled to length 1). At a point with unit
    columns its gradient is the gradient of J with each column's parallel part removed --
    checked against finite differences of J~."""
    if kind == "topk":
        points = _smooth_topk_points(3, 2)

        def J(t, X):
            return topk_autoencoder_cost(t, V, H, 1e-3, 2, X)
    else:
        points = _smooth_l1_points(3)

        def J(t, X):
            return l1_autoencoder_cost(t, V, H, 1e-3, 0.2, X)
    for theta, data in points:
        theta = _renormalised(theta, V, H)
        projected = remove_parallel_component(theta, J(theta, data)[1], V, H)
        # the renormalisation curves the cost: a smaller step keeps the O(eps^2) error small
        numgrad = compute_numerical_gradient(lambda t: J(_renormalised(t, V, H), data)[0], theta,
                                             epsilon=1e-5)
        assert relative_difference(numgrad, projected) < 1e-9


def test_remove_parallel_component_leaves_other_parameters_and_is_orthogonal():
    theta, _ = _point(40)
    grad = np.random.default_rng(0).standard_normal(theta.size)
    out = remove_parallel_component(theta, grad, V, H)
    W2, G2 = unpack_parameters(theta, V, H)[1], unpack_parameters(out, V, H)[1]
    np.testing.assert_allclose(np.sum(W2 * G2, axis=0), 0.0, atol=1e-12)
    hv = H * V
    np.testing.assert_array_equal(out[:hv], grad[:hv])           # W1
    np.testing.assert_array_equal(out[2 * hv:], grad[2 * hv:])   # b1, b2
    assert out is not grad and not np.array_equal(out, grad)


def test_unit_norm_columns_works_in_place_and_leaves_a_zero_column():
    theta, _ = _point(41)
    W2 = unpack_parameters(theta, V, H)[1]
    W2[:, 2] = 0.0
    out = unit_norm_columns(theta, V, H)
    assert out is theta
    norms = np.linalg.norm(unpack_parameters(theta, V, H)[1], axis=0)
    np.testing.assert_allclose(norms[[0, 1, 3]], 1.0, rtol=1e-14)
    assert norms[2] == 0.0


def test_adam_hooks_project_every_gradient_and_repair_every_step():
    calls = []

    def project(theta, grad):
        calls.append("project")
        return np.where(np.arange(theta.size) == 0, 0.0, grad)   # freeze coordinate 0

    def after_step(theta):
        calls.append("after")
        theta[1] = 0.5                                           # pin coordinate 1

    theta, _ = adam(lambda t, X: (float(t.sum()), np.ones_like(t)), np.zeros(3),
                    np.zeros((1, 4)), n_steps=5, batch_size=2, learning_rate=0.1,
                    decay_fraction=0.0, rng=np.random.default_rng(0), project=project,
                    after_step=after_step)
    assert calls == ["project", "after"] * 5
    assert theta[0] == 0.0 and theta[1] == 0.5 and theta[2] == pytest.approx(-0.5)


def test_train_topk_with_unit_norm_decoder_keeps_unit_columns(toy):
    r = train_topk(toy.data, 6, k=2, n_steps=200, batch_size=64, learning_rate=1e-2, rng=2,
                   unit_norm_decoder=True)
    np.testing.assert_allclose(np.linalg.norm(r.W2, axis=0), 1.0, rtol=1e-12)
    assert r.unit_norm_decoder and "unit_norm_decoder=True" in repr(r)


# ---------------------------------------------------------------------------------------
# Pre-encoder bias and AuxK in training
# ---------------------------------------------------------------------------------------
def test_train_topk_with_pre_encoder_bias_encodes_x_minus_b2(toy):
    theta0 = initialize_tied_parameters(6, 8, rng=1)
    W1, W2, b1, _ = unpack_parameters(theta0, 8, 6)
    theta0 = pack_parameters(W1, W2, b1, geometric_median(toy.data))
    r = train_topk(toy.data, 6, k=2, n_steps=300, batch_size=64, learning_rate=1e-2, rng=2,
                   theta0=theta0, pre_bias=True)
    assert r.pre_bias
    z2, a2, x_hat = topk_forward(r.W1, r.b1, r.W2, r.b2, toy.data, 2, pre_bias=True)
    np.testing.assert_array_equal(r.hidden_activations(toy.data), a2)
    assert r.cost(toy.data) == pytest.approx(
        topk_autoencoder_cost(r.theta, 8, 6, 0.0, 2, toy.data, pre_bias=True)[0])
    assert fraction_variance_unexplained(toy.data, x_hat) < 0.2


def _always_second(toy):
    """A tied start in which latent 3 is a weak copy of latent 0: with k = 1 it is never
    selected, so the main TopK loss never gives it a gradient."""
    theta0 = initialize_tied_parameters(4, 8, rng=3)
    W1 = unpack_parameters(theta0, 8, 4)[0]
    W1[3] = 0.5 * W1[0]
    return theta0


def test_auxk_gives_a_latent_that_never_wins_a_gradient(toy):
    theta0 = _always_second(toy)
    settings = dict(k=1, n_steps=5, batch_size=64, learning_rate=1e-3, rng=2, theta0=theta0)
    plain = train_topk(toy.data, 4, **settings)
    aux = train_topk(toy.data, 4, aux_k=2, dead_after=64, **settings)
    W1_start = unpack_parameters(theta0, 8, 4)[0]
    np.testing.assert_array_equal(plain.W1[3], W1_start[3])      # never selected: frozen
    assert np.any(aux.W1[3] != W1_start[3])                      # AuxK moved it
    assert aux.aux_k == 2 and aux.aux_coef == pytest.approx(1 / 32) and "aux_k=2" in repr(aux)
    # with the auxiliary loss weighted 0 the run is the plain one
    zero = train_topk(toy.data, 4, aux_k=2, dead_after=64, aux_coef=0.0, **settings)
    np.testing.assert_array_equal(zero.theta, plain.theta)


def test_auxk_waits_until_a_latent_has_missed_dead_after_examples(toy):
    theta0 = _always_second(toy)
    settings = dict(k=1, n_steps=5, batch_size=64, learning_rate=1e-3, rng=2, theta0=theta0)
    plain = train_topk(toy.data, 4, **settings)
    late = train_topk(toy.data, 4, aux_k=2, dead_after=10_000, **settings)   # never dead yet
    np.testing.assert_array_equal(late.theta, plain.theta)


def test_train_topk_rejects_bad_auxk_settings(toy):
    with pytest.raises(ValueError, match="aux_k"):
        train_topk(toy.data, 6, k=2, aux_k=0)
    with pytest.raises(ValueError, match="dead_after"):
        train_topk(toy.data, 6, k=2, aux_k=2, dead_after=0)
    with pytest.raises(ValueError, match="aux_coef"):
        train_topk(toy.data, 6, k=2, aux_k=2, aux_coef=-1.0)


# ---------------------------------------------------------------------------------------
# KL with a linear decoder
# ---------------------------------------------------------------------------------------
def test_train_kl_linear_trains_the_linear_decoder_objective(toy):
    r = train_kl_linear(toy.data, 6, lambda_=1e-4, sparsity_param=0.1, beta=3.0, max_iter=200,
                        rng=0)
    assert isinstance(r, VariantResult) and r.kind == "kl_linear"
    assert r.n_steps <= 200 and r.message and "rho=0.1" in repr(r)
    a2 = r.hidden_activations(toy.data)
    assert np.all((a2 > 0) & (a2 < 1))                          # sigmoid: never exactly 0
    np.testing.assert_allclose(r.reconstruct(toy.data), r.W2 @ a2 + r.b2[:, None])
    assert r.cost(toy.data) == pytest.approx(
        kl_linear_autoencoder_cost(r.theta, 8, 6, 1e-4, 0.1, 3.0, toy.data)[0])
    assert r.cost(toy.data) == pytest.approx(r.cost_history[-1], rel=1e-9)
    assert r.cost_history[-1] < 0.5 * r.cost_history[0]
    assert fraction_variance_unexplained(toy.data, r.reconstruct(toy.data)) < 0.3


def test_variant_result_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        VariantResult("relu", np.zeros(10), 2, 2, 0.0)
