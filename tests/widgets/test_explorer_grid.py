"""sae_lib.widgets.explorer_grid: the precomputed grid behind notebook 06's explorer.

The file, the figures stored with every model, finding models, and that nothing handed
out can rewrite the grid (the explorer, the notebook and the checkers share it).
"""

import numpy as np
import pytest

from sae_lib.objective import (
    initialize_parameters,
    kl_divergence,
    pack_parameters,
    unpack_parameters,
)
from sae_lib.widgets import (
    EXPLORER_GRID_FILE,
    ExplorerGrid,
    ExplorerModel,
    load_explorer_grid,
    model_figures,
)


@pytest.fixture(scope="module")
def grid():
    return load_explorer_grid()


# ---------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------
def test_grid_file_is_small_and_complete(grid):
    assert EXPLORER_GRID_FILE.stat().st_size < 5e6
    assert grid.shape == (9, 11)
    np.testing.assert_allclose(grid.rho, 10.0 ** (-3 + np.arange(9) / 3))
    np.testing.assert_array_equal(grid.beta, np.arange(11.0))
    assert grid.lambda_ == 1e-4 and grid.hidden_size == 25 and grid.visible_size == 64
    assert grid.theta.shape == (9, 11, 2 * 25 * 64 + 25 + 64)
    assert grid.rho_hat.shape == (9, 11, 25)
    assert np.isfinite(grid.theta).all() and np.isfinite(grid.cost).all()
    assert (grid.n_iter >= 1).all() and (grid.n_iter <= grid.max_iter).all()
    # beta = 0: rho does not enter the objective, the column holds one model
    for i in range(1, 9):
        np.testing.assert_array_equal(grid.theta[i, 0], grid.theta[0, 0])
    np.testing.assert_array_equal(grid.sparsity_penalty[:, 0], 0.0)


def test_grid_is_trained_like_notebook_05(grid):
    # notebook 05: patches from default_rng(0), initial weights from rng=1 (its SEED)
    assert (grid.patch_size, grid.num_patches, grid.patch_seed) == (8, 10000, 0)
    assert grid.init_seed == 1 and grid.max_iter == 400
    np.testing.assert_array_equal(grid.initial_theta(), initialize_parameters(25, 64, rng=1))


def test_stored_figures_are_those_of_the_stored_models(grid):
    data = grid.training_patches()
    assert data.shape == (64, 10000)
    for i, j in [(3, 3), (0, 5), (8, 10), (5, 0)]:
        f = model_figures(grid.theta[i, j], grid.rho[i], grid.beta[j], grid.lambda_, data,
                          grid.hidden_size)
        np.testing.assert_allclose(f["rho_hat"], grid.rho_hat[i, j], rtol=1e-6)
        for name in ("reconstruction_error", "weight_decay", "sparsity_penalty", "cost"):
            np.testing.assert_allclose(f[name], getattr(grid, name)[i, j], rtol=1e-6,
                                       atol=1e-12, err_msg=name)


def test_pack_layout_of_grid_theta(grid):
    theta = grid.theta[3, 3]
    np.testing.assert_array_equal(pack_parameters(*unpack_parameters(theta, 64, 25)), theta)


def test_model_figures_of_zero_weights():
    # all weights and biases 0: every activation is 0.5, so rho_hat = 0.5 and a3 = 0.5
    rng = np.random.default_rng(1)
    data = rng.uniform(0.1, 0.9, size=(4, 30))
    theta = np.zeros(2 * 3 * 4 + 3 + 4)
    f = model_figures(theta, 0.1, 2.0, 1e-3, data, hidden_size=3)
    np.testing.assert_allclose(f["rho_hat"], 0.5)
    np.testing.assert_allclose(f["reconstruction_error"], 0.5 * np.sum((data - 0.5) ** 2) / 30)
    assert f["weight_decay"] == 0
    np.testing.assert_allclose(f["sparsity_penalty"], 2.0 * 3 * kl_divergence(0.1, 0.5))
    np.testing.assert_allclose(f["cost"], f["reconstruction_error"] + f["sparsity_penalty"])


def test_model_figures_weight_decay():
    theta = initialize_parameters(3, 4, np.random.default_rng(2))
    data = np.full((4, 5), 0.5)
    f = model_figures(theta, 0.1, 0.0, 0.01, data, hidden_size=3)
    assert f["sparsity_penalty"] == 0
    # W1 and W2 are the first 2 * 3 * 4 entries of theta
    np.testing.assert_allclose(f["weight_decay"], 0.005 * np.sum(theta[:24] ** 2))


def test_bad_grid_files(tmp_path):
    with pytest.raises(ValueError, match="make_explorer_grid.py"):
        ExplorerGrid(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not an explorer grid"):
        ExplorerGrid(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not an explorer grid"):
        ExplorerGrid(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        ExplorerGrid(tmp_path / "single.npy")


def test_load_explorer_grid_is_cached(grid):
    assert load_explorer_grid() is grid
    assert load_explorer_grid(EXPLORER_GRID_FILE) is load_explorer_grid(str(EXPLORER_GRID_FILE))


# ---------------------------------------------------------------------------------------
# Finding models
# ---------------------------------------------------------------------------------------
def test_find_and_nearest(grid):
    assert grid.find(0.01, 3.0) == (3, 3)
    assert grid.find(0.0021544, 2.0) == (1, 2)          # the 3-digit readout snaps
    assert grid.find(0.00215, 2.0) == (1, 2)
    assert grid.find(np.float64(0.01), np.int64(3)) == (3, 3)
    assert grid.find(0.015, 3.0) is None
    assert grid.find(0.01, 2.5) is None
    assert grid.nearest(0.015, 3.0) == (4, 3)            # log10 0.015 is nearer 0.0215
    assert grid.nearest(0.012, 2.4) == (3, 2)
    assert grid.nearest(0.001, 10.0) == (0, 10)
    assert grid.nearest(0.9, 50.0) == (8, 10)            # beyond the grid: its edge


@pytest.mark.parametrize("rho, beta, message", [
    (0.0, 3.0, "rho = 0 is outside"), (1.0, 3.0, "rho = 1 is outside"),
    (-0.1, 3.0, "outside"), (float("nan"), 3.0, "finite number"), ("0.01", 3.0, "finite"),
    (0.01, -1.0, "beta = -1 is outside"), (0.01, float("inf"), "finite"),
    (True, 3.0, "finite number"),
])
def test_find_and_nearest_reject_bad_values(grid, rho, beta, message):
    for method in (grid.find, grid.nearest):
        with pytest.raises(ValueError, match=message):
            method(rho, beta)


def test_grid_model(grid):
    m = grid.model(3, 3)
    assert isinstance(m, ExplorerModel)
    assert (m.rho, m.beta, m.source, m.grid_index) == (0.01, 3.0, "grid", (3, 3))
    assert m.W1.shape == (25, 64) and m.W2.shape == (64, 25) and m.b1.shape == (25,)
    np.testing.assert_array_equal(m.theta, grid.theta[3, 3])
    np.testing.assert_allclose(m.mean_activation, grid.rho_hat[3, 3].mean())
    np.testing.assert_allclose(m.penalty_share, grid.sparsity_penalty[3, 3] / grid.cost[3, 3])
    np.testing.assert_allclose(grid.penalty_share, grid.sparsity_penalty / grid.cost)
    np.testing.assert_allclose(grid.mean_activation, grid.rho_hat.mean(axis=-1))
    assert m.n_iter == grid.n_iter[3, 3] and m.max_iter == grid.max_iter
    assert m.trained_like(grid)
    assert "rho=0.01" in repr(m) and "ExplorerGrid(9 rho x 11 beta" in repr(grid)
    one_argument = grid.model((3, 3))            # grid.model(grid.find(...)) works too
    assert one_argument.grid_index == (3, 3)
    np.testing.assert_array_equal(one_argument.theta, m.theta)


def test_grid_model_index_errors_teach(grid):
    with pytest.raises(ValueError, match="grid.find.*returns None.*grid.nearest"):
        grid.model(grid.find(0.015, 3.0))
    with pytest.raises(ValueError, match=r"\(9, 0\) is not a grid index.*0\.\.8"):
        grid.model(9, 0)
    with pytest.raises(ValueError, match="not a grid index"):
        grid.model(1.0, 2)
    with pytest.raises(ValueError, match="not a grid index"):
        grid.model(-1, 2)
    with pytest.raises(ValueError, match="not a grid index"):
        grid.model("a")


# ---------------------------------------------------------------------------------------
# Read-only: the explorer, the notebook and the checkers share one grid
# ---------------------------------------------------------------------------------------
def test_arrays_of_a_model_cannot_rewrite_the_grid(grid):
    m = grid.model(3, 3)
    before = grid.theta[3, 3].copy()
    with pytest.raises(ValueError, match="read-only"):
        m.W1[...] *= 2                       # explorer.model.W1 *= 2
    with pytest.raises(ValueError, match="read-only"):
        m.rho_hat.sort()                      # sorts in place
    with pytest.raises(ValueError, match="read-only"):
        m.theta[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        m.b1 += 1
    np.testing.assert_array_equal(grid.theta[3, 3], before)
    # a copy is the learner's to change
    W1 = m.W1.copy()
    W1 *= 2
    np.testing.assert_array_equal(grid.model(3, 3).W1, before[:25 * 64].reshape(25, 64))


def test_models_are_frozen(grid):
    import dataclasses

    m = grid.model(3, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.rho = 0.5
    # a replaced model is read-only too
    r = dataclasses.replace(m, rho=0.02)
    with pytest.raises(ValueError, match="read-only"):
        r.theta[0] = 1.0


def test_grid_arrays_and_attributes_are_read_only(grid):
    for name in ExplorerGrid._ARRAYS:
        array = getattr(grid, name)
        assert not array.flags.writeable, name
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 0
    with pytest.raises(AttributeError, match="read-only.*grid.rho_hat.copy"):
        grid.rho_hat = np.zeros((9, 11, 25))
    with pytest.raises(AttributeError, match="read-only"):
        grid.lambda_ = 1.0
    patches = grid.training_patches()
    assert patches is grid.training_patches()
    with pytest.raises(ValueError, match="read-only"):
        patches -= 0.5


def test_initial_theta_is_fresh(grid):
    a = grid.initial_theta()
    a[:] = 0                                  # the learner's own copy
    assert np.abs(grid.initial_theta()).max() > 0
