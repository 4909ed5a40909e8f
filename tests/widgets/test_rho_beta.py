"""The rho/beta explorer of notebook 06 (sae_lib.widgets, section 06), driven without a browser.

Slider values are set from Python, exactly as the front end sets them; the tests then look
at what each panel holds: the filter image and its artist, the histogram bars, the KL
curve's ydata, the figures table -- and which model (grid or trained) is shown.
"""

import numpy as np
import pytest

from sae_lib.objective import initialize_parameters, kl_divergence, pack_parameters
from sae_lib.visualization import tile_filters
from sae_lib.widgets import (
    EXPLORER_GRID_FILE,
    ExplorerGrid,
    RhoBetaExplorer,
    load_explorer_grid,
    model_figures,
    plot_explorer_grid,
    rho_beta_explorer,
)


@pytest.fixture(scope="module")
def grid():
    return load_explorer_grid()


@pytest.fixture
def explorer(grid):
    ex = rho_beta_explorer(grid=grid, off_grid_iterations=10)
    yield ex
    ex.wait(60)


# ---------------------------------------------------------------------------------------
# The grid file
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
    # beta = 0: rho does not enter the objective, the column holds one model
    for i in range(1, 9):
        np.testing.assert_array_equal(grid.theta[i, 0], grid.theta[0, 0])
    np.testing.assert_array_equal(grid.sparsity_penalty[:, 0], 0.0)


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


def test_find_and_nearest(grid):
    assert grid.find(0.01, 3.0) == (3, 3)
    assert grid.find(0.0021544, 2.0) == (1, 2)          # the 3-digit readout snaps
    assert grid.find(0.00215, 2.0) == (1, 2)
    assert grid.find(0.015, 3.0) is None
    assert grid.find(0.01, 2.5) is None
    assert grid.nearest(0.015, 3.0) == (4, 3)            # log10 0.015 is nearer 0.0215
    assert grid.nearest(0.012, 2.4) == (3, 2)
    assert grid.nearest(0.001, 10.0) == (0, 10)


def test_grid_model_views(grid):
    m = grid.model(3, 3)
    assert (m.rho, m.beta, m.source, m.grid_index) == (0.01, 3.0, "grid", (3, 3))
    assert m.W1.shape == (25, 64)
    np.testing.assert_allclose(m.mean_activation, grid.rho_hat[3, 3].mean())
    np.testing.assert_allclose(m.penalty_share, grid.sparsity_penalty[3, 3] / grid.cost[3, 3])
    np.testing.assert_allclose(grid.penalty_share, grid.sparsity_penalty / grid.cost)
    np.testing.assert_allclose(grid.mean_activation, grid.rho_hat.mean(axis=-1))
    assert "rho=0.01" in repr(m) and "ExplorerGrid(9 rho x 11 beta" in repr(grid)


def test_bad_grid_files(tmp_path):
    with pytest.raises(ValueError, match="make_explorer_grid.py"):
        ExplorerGrid(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not an explorer grid"):
        ExplorerGrid(tmp_path / "other.npz")


def test_load_explorer_grid_is_cached(grid):
    assert load_explorer_grid() is grid


# ---------------------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------------------
def _panels(ex):
    return {
        "filters_png": ex.filters_image.value,
        "filters": np.array(ex.filters_artist.get_array()),
        "histogram_png": ex.histogram_image.value,
        "counts": ex.histogram_counts.copy(),
        "kl_png": ex.kl_image.value,
        "kl_y": np.array(ex.kl_curve.get_ydata()),
        "figures": ex.figures_html.value,
    }


def _assert_panels_show(ex, grid, i, j, rho=None):
    rho = grid.rho[i] if rho is None else rho
    beta = grid.beta[j]
    np.testing.assert_allclose(ex.filters_artist.get_array(),
                               tile_filters(grid.model(i, j).W1.T))
    counts, _ = np.histogram(grid.rho_hat[i, j], ex.histogram_edges)
    np.testing.assert_array_equal(ex.histogram_counts, counts)
    np.testing.assert_allclose(ex.kl_curve.get_ydata(), beta * kl_divergence(rho, ex.kl_rho_hat))
    np.testing.assert_allclose(ex.kl_rho_line.get_xdata(), [rho, rho])
    np.testing.assert_allclose(ex.histogram_rho_line.get_xdata(), [rho, rho])
    np.testing.assert_allclose(ex.kl_units.get_xdata(), grid.rho_hat[i, j])
    assert f"{grid.reconstruction_error[i, j]:.4g}" in ex.figures_html.value
    assert f"{100 * grid.penalty_share[i, j]:.1f}%" in ex.figures_html.value


def test_explorer_starts_at_ufldl_settings(explorer, grid):
    ex = explorer
    assert isinstance(ex, RhoBetaExplorer)
    assert ex.rho_slider.value == pytest.approx(0.01) and ex.beta_slider.value == 3.0
    assert not ex.rho_slider.continuous_update and not ex.beta_slider.continuous_update
    assert ex.model.source == "grid" and ex.model.grid_index == (3, 3)
    for img in (ex.filters_image, ex.histogram_image, ex.kl_image):
        assert img.value[:8] == b"\x89PNG\r\n\x1a\n"
    _assert_panels_show(ex, grid, 3, 3)
    assert "precomputed" in ex.status.value
    assert ex.progress.layout.visibility == "hidden"
    assert ex._thread is None
    assert repr(ex) == "RhoBetaExplorer(rho=0.01, beta=3)"


def test_slider_steps_are_the_grid(explorer, grid):
    ex = explorer
    positions = 10.0 ** (ex.rho_slider.min + ex.rho_slider.step * np.arange(9))
    np.testing.assert_allclose(positions, grid.rho)
    np.testing.assert_allclose(10.0 ** ex.rho_slider.max, grid.rho[-1])
    betas = ex.beta_slider.min + ex.beta_slider.step * np.arange(11)
    np.testing.assert_allclose(betas, grid.beta)
    assert ex.beta_slider.max == grid.beta[-1]


def test_moving_rho_on_the_grid_updates_every_panel_with_the_stored_model(explorer, grid):
    ex = explorer
    before = _panels(ex)
    ex.rho_slider.value = grid.rho[6]            # 0.1
    after = _panels(ex)
    for key in before:
        assert not np.array_equal(before[key], after[key]), key
    assert ex.model.source == "grid" and ex.model.grid_index == (6, 3)
    assert ex.model.theta is not None
    np.testing.assert_array_equal(ex.model.theta, grid.theta[6, 3])
    _assert_panels_show(ex, grid, 6, 3)
    assert ex._thread is None, "an on-grid value must not start training"
    assert ex.last_update_seconds is not None and ex.last_update_seconds > 0


def test_moving_beta_scales_the_kl_curve(explorer, grid):
    ex = explorer
    y3 = np.array(ex.kl_curve.get_ydata())
    ex.beta_slider.value = 6.0
    np.testing.assert_allclose(ex.kl_curve.get_ydata(), 2 * y3)
    assert ex.model.grid_index == (3, 6)
    _assert_panels_show(ex, grid, 3, 6)
    ex.beta_slider.value = 0.0
    np.testing.assert_array_equal(ex.kl_curve.get_ydata(), 0.0)
    assert "0.0%" in ex.figures_html.value          # no penalty at all
    _assert_panels_show(ex, grid, 3, 0)


def test_typed_value_between_grid_points_trains_in_the_background(explorer, grid):
    ex = explorer
    ex.rho_slider.value = 0.015                  # between 0.01 and 0.0215; nearer 0.0215
    # the first answer is immediate: the nearest grid model, and training has started
    # (holding the explorer's lock keeps the finished training from replacing it meanwhile)
    with ex._lock:
        assert ex.training
        assert ex.model.source == "grid" and ex.model.grid_index == (4, 3)
        _assert_panels_show(ex, grid, 4, 3)
        nearest_png = ex.filters_image.value
        assert "off the grid" in ex.status.value
        assert ex.progress.layout.visibility == "visible"
    assert ex.wait(120)
    m = ex.model
    assert m.source == "trained" and m.rho == 0.015 and m.beta == 3.0
    assert m.grid_index == (4, 3) and 1 <= m.n_iter <= 10
    assert "trained live" in ex.status.value
    assert ex.progress.layout.visibility == "hidden"
    assert ex.progress.value == ex.progress.max
    # the panels show the trained model now
    assert ex.filters_image.value != nearest_png
    np.testing.assert_allclose(ex.filters_artist.get_array(), tile_filters(m.W1.T))
    counts, _ = np.histogram(m.rho_hat, ex.histogram_edges)
    np.testing.assert_array_equal(ex.histogram_counts, counts)
    assert not np.array_equal(m.rho_hat, grid.rho_hat[4, 3])
    np.testing.assert_allclose(ex.kl_curve.get_ydata(), 3.0 * kl_divergence(0.015, ex.kl_rho_hat))
    np.testing.assert_allclose(ex.kl_rho_line.get_xdata(), [0.015, 0.015])
    assert f"{m.reconstruction_error:.4g}" in ex.figures_html.value
    # its figures are those of its parameters
    f = model_figures(m.theta, 0.015, 3.0, grid.lambda_, grid.training_patches(), 25)
    np.testing.assert_allclose(f["rho_hat"], m.rho_hat)
    np.testing.assert_allclose(f["cost"], m.cost)
    # ... and it is kept: going away and back answers without training again
    thread = ex._thread
    ex.rho_slider.value = 0.01
    ex.rho_slider.value = 0.015
    assert ex._thread is thread and ex.model is m
    assert "kept" in ex.status.value


def test_off_grid_beta(explorer, grid):
    ex = explorer
    ex.beta_slider.value = 2.4                   # nearest grid beta: 2
    assert ex.model.grid_index == (3, 2)
    assert ex.wait(120)
    assert ex.model.source == "trained" and ex.model.beta == 2.4
    np.testing.assert_allclose(ex.kl_curve.get_ydata(), 2.4 * kl_divergence(0.01, ex.kl_rho_hat))


def test_a_new_request_cancels_training(explorer, grid):
    ex = explorer
    ex.rho_slider.value = 0.03
    ex.rho_slider.value = grid.rho[2]            # back on the grid before training ends
    assert ex.wait(120)
    assert ex.model.source == "grid" and ex.model.grid_index == (2, 3)
    _assert_panels_show(ex, grid, 2, 3)
    assert ex.progress.layout.visibility == "hidden"
    assert "precomputed" in ex.status.value


def test_beta_zero_needs_no_training_for_any_rho(explorer, grid):
    ex = explorer
    ex.beta_slider.value = 0.0
    ex.rho_slider.value = 0.05                   # off the rho grid
    assert ex._thread is None
    assert ex.model.rho == 0.05 and ex.model.beta == 0.0
    np.testing.assert_array_equal(ex.model.theta, grid.theta[0, 0])
    np.testing.assert_allclose(ex.kl_rho_line.get_xdata(), [0.05, 0.05])
    np.testing.assert_array_equal(ex.kl_curve.get_ydata(), 0.0)
    assert "β = 0" in ex.status.value


def test_train_model_reports_progress_and_can_be_cancelled(grid):
    seen = []
    m = grid.train_model(0.015, 3.0, max_iter=6, chunk=3, on_progress=seen.append)
    assert m.source == "trained" and m.grid_index == (4, 3)
    assert seen and seen[-1] == m.n_iter and seen == sorted(seen)
    assert grid.train_model(0.015, 3.0, max_iter=6, chunk=3, cancelled=lambda: True) is None
    start = grid.model(3, 3)
    m2 = grid.train_model(0.01, 3.0, max_iter=3, start=(3, 3))
    assert m2.grid_index == (3, 3)
    # warm-started from a trained model: three more iterations change little
    assert abs(m2.cost - start.cost) < 0.01 * start.cost


def test_static_grid_figure(grid):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plot_explorer_grid(grid)
    assert len(fig.axes) == 9 * 4
    first = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(first, tile_filters(grid.model(0, 0).W1.T))
    last = fig.axes[-1].images[0].get_array()
    np.testing.assert_allclose(last, tile_filters(grid.model(8, 10).W1.T))
    plt.close(fig)
    with pytest.raises(ValueError, match="grid models only"):
        plot_explorer_grid(grid, rhos=[0.015])


def test_pack_layout_of_grid_theta(grid):
    # theta is stored in the library's packing: unpacking and packing again is the identity
    from sae_lib.objective import unpack_parameters

    theta = grid.theta[3, 3]
    np.testing.assert_array_equal(pack_parameters(*unpack_parameters(theta, 64, 25)), theta)
