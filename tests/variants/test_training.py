"""Tests for sae_lib.variants.training: Adam, train_l1, train_topk, VariantResult."""

import numpy as np
import pytest

from sae_lib.variants import (VariantResult, feature_recovery, fraction_variance_unexplained,
                                initialize_tied_parameters, l1_autoencoder_cost, l1_forward,
                                make_superposition_data, topk_autoencoder_cost, train_l1, train_topk)

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
