"""Training (L-BFGS, gradient descent), results, and saving/loading models."""

import numpy as np
import pytest

from sae_lib.data import load_natural_images, sample_images
from sae_lib.objective import initialize_parameters, sparse_autoencoder_cost
from sae_lib.training import TrainResult, gradient_descent, load_model, save_model, train


@pytest.fixture(scope="module")
def patches():
    return sample_images(load_natural_images(), num_patches=2000, rng=0)


def test_train_lowers_the_cost_and_reports_history(patches):
    res = train(patches, 16, max_iter=60, rng=0)
    assert isinstance(res, TrainResult)
    assert res.visible_size == 64 and res.hidden_size == 16
    assert res.W1.shape == (16, 64) and res.W2.shape == (64, 16)
    assert res.b1.shape == (16,) and res.b2.shape == (64,)
    assert len(res.cost_history) == res.n_iter + 1 == 61
    assert res.cost_history[0] > 40 and res.cost < 1.5           # the KL term is gone
    assert np.all(np.diff(res.cost_history) <= 1e-12)            # L-BFGS never goes up
    assert "ITERATIONS REACHED LIMIT" in res.message.upper()
    # the history records the true cost of the returned parameters
    final, _ = sparse_autoencoder_cost(res.theta, 64, 16, 1e-4, 0.01, 3.0, patches)
    assert res.cost == pytest.approx(final, rel=1e-12)
    # the sparsity target is being met: mean activation of each unit close to rho
    rho_hat = res.hidden_activations(patches).mean(axis=1)
    assert np.median(rho_hat) < 0.05
    assert res.reconstruct(patches).shape == patches.shape
    assert "hidden_size=16" in repr(res)


def test_train_is_deterministic_and_warm_starts(patches):
    a = train(patches, 8, max_iter=20, rng=5)
    b = train(patches, 8, max_iter=20, rng=5)
    assert np.array_equal(a.theta, b.theta)
    c = train(patches, 8, max_iter=10, theta0=a.theta)
    assert c.cost_history[0] == pytest.approx(a.cost, rel=1e-12)
    assert c.cost <= a.cost


def test_train_in_chunks_gives_the_same_model(patches):
    a = train(patches, 8, max_iter=15, rng=1)
    b = train(patches, 8, max_iter=15, rng=1, chunk_size=300)
    assert np.allclose(a.theta, b.theta, rtol=1e-7, atol=1e-9)


def test_train_does_not_stop_early_at_ufldl_settings(patches):
    # minFunc runs all 400 iterations on this problem; so must we.
    res = train(patches[:, :500], 25, max_iter=400, rng=0)
    assert res.n_iter == 400


def test_train_validates_its_input(patches):
    with pytest.raises(ValueError, match="sparsity_param"):
        train(patches, 4, sparsity_param=1.0)
    with pytest.raises(ValueError, match="beta"):
        train(patches, 4, beta=-1)
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        train(patches, 0)
    with pytest.raises(ValueError, match="max_iter must be a positive integer"):
        train(patches, 4, max_iter=0)
    with pytest.raises(ValueError, match="theta has shape"):
        train(patches, 4, theta0=np.zeros(3))
    bad = patches[:, :10].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train(bad, 4)
    with pytest.raises(ValueError, match="2-D array"):
        train(patches[:, 0], 4)


def test_gradient_descent_follows_the_pseudocode(patches):
    data = patches[:, :200]
    res = gradient_descent(data, 6, alpha=0.5, max_iter=25, rng=0)
    assert len(res.cost_history) == 26 and res.n_iter == 25
    assert res.cost_history[-1] < res.cost_history[0]
    # theta <- theta - alpha * grad, by hand for two steps
    theta = initialize_parameters(6, 64, rng=0)
    for _ in range(2):
        _, grad = sparse_autoencoder_cost(theta, 64, 6, 1e-4, 0.01, 3.0, data)
        theta = theta - 0.5 * grad
    two = gradient_descent(data, 6, alpha=0.5, max_iter=2, rng=0)
    assert np.allclose(two.theta, theta, rtol=1e-12, atol=1e-14)


def test_gradient_descent_reports_divergence(patches):
    res = gradient_descent(patches[:, :100], 4, alpha=1e6, max_iter=50, rng=0)
    assert "too large" in res.message and not np.isfinite(res.cost_history[-1])
    with pytest.raises(ValueError, match="alpha"):
        gradient_descent(patches, 4, alpha=-1.0)


def test_save_and_load_round_trip(tmp_path, patches):
    res = train(patches, 5, max_iter=5, rng=0, lambda_=3e-3, sparsity_param=0.1, beta=2.0)
    path = tmp_path / "model.npz"
    save_model(path, res)
    back = load_model(path)
    assert np.array_equal(back.theta, res.theta)
    assert (back.visible_size, back.hidden_size) == (64, 5)
    assert (back.lambda_, back.sparsity_param, back.beta) == (3e-3, 0.1, 2.0)
    assert np.array_equal(back.cost_history, res.cost_history)
    assert back.message == res.message and back.n_iter == res.n_iter
    # no pickle anywhere in the file
    with np.load(path, allow_pickle=False) as f:
        assert all(f[k].dtype != object for k in f.files)


def test_load_refuses_files_that_are_not_models(tmp_path, patches):
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(ValueError, match="not a model saved by sae_lib.save_model"):
        load_model(tmp_path / "other.npz")
    np.save(tmp_path / "array.npy", np.ones(3))
    with pytest.raises(ValueError, match="single array"):
        load_model(tmp_path / "array.npy")
    (tmp_path / "garbage.npz").write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_model(tmp_path / "garbage.npz")
    with pytest.raises(ValueError, match="no file at"):
        load_model(tmp_path / "missing.npz")

    res = train(patches, 3, max_iter=2, rng=0)
    save_model(tmp_path / "m.npz", res)
    with np.load(tmp_path / "m.npz") as f:
        fields = {k: f[k] for k in f.files}
    np.savez(tmp_path / "short.npz", **{**fields, "theta": fields["theta"][:-2]})
    with pytest.raises(ValueError, match="damaged sae_lib model.*length"):
        load_model(tmp_path / "short.npz")
    np.savez(tmp_path / "future.npz", **{**fields, "version": np.array(99)})
    with pytest.raises(ValueError, match="version 99"):
        load_model(tmp_path / "future.npz")
    np.savez(tmp_path / "badrho.npz", **{**fields, "sparsity_param": np.array(2.0)})
    with pytest.raises(ValueError, match="damaged.*sparsity_param"):
        load_model(tmp_path / "badrho.npz")
    with pytest.raises(ValueError, match="stores a TrainResult"):
        save_model(tmp_path / "x.npz", {"theta": 1})


def test_train_accepts_another_objective(patches):
    from sae_lib.objective import sparse_autoencoder_cost as readable

    calls = []

    def objective(*args):
        calls.append(len(args))
        return readable(*args)

    a = train(patches[:, :300], 4, max_iter=10, rng=0, objective=objective)
    b = train(patches[:, :300], 4, max_iter=10, rng=0)
    assert calls and set(calls) == {7} and len(calls) == a.n_evaluations
    assert np.allclose(a.theta, b.theta, rtol=1e-8, atol=1e-10)
    with pytest.raises(ValueError, match="objective must be a function"):
        train(patches, 4, objective="cost")
    with pytest.raises(ValueError, match="pass one of objective and chunk_size"):
        train(patches, 4, objective=objective, chunk_size=100)
