"""sae_lib.widgets.rho_beta: the panels (drawing alone), the explorer widget driven without a
browser, the static grid picture, and -- in a real Jupyter kernel -- that results trained in
the background are drawn on the kernel's main thread by its event loop.

Slider values are set from Python, exactly as the front end sets them; the tests then look
at what each panel holds: the filter image and its artist, the histogram bars, the KL
curve's ydata, the figures table -- and which model (grid or trained) is shown.
"""

import threading
import time

import numpy as np
import pytest

from sae_lib.objective import kl_divergence
from sae_lib.visualization import tile_filters
from sae_lib.widgets import (
    ExplorerPanels,
    RhoBetaExplorer,
    load_explorer_grid,
    model_figures,
    plot_explorer_grid,
    rho_beta_explorer,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def grid():
    return load_explorer_grid()


@pytest.fixture
def explorer(grid):
    ex = rho_beta_explorer(grid=grid, off_grid_iterations=10)
    yield ex
    ex._trainer.cancel()
    ex.wait(60)


# ---------------------------------------------------------------------------------------
# The panels, drawing alone
# ---------------------------------------------------------------------------------------
def test_panels_draw_a_model(grid):
    panels = ExplorerPanels(grid.model(3, 3))
    out = panels.draw(grid.model(6, 2))
    assert set(out) == {"filters", "histogram", "kl", "figures"}
    for name in ("filters", "histogram", "kl"):
        assert out[name][:8] == PNG
    np.testing.assert_allclose(panels.filters_artist.get_array(),
                               tile_filters(grid.model(6, 2).W1.T))
    counts, _ = np.histogram(grid.rho_hat[6, 2], panels.histogram_edges)
    np.testing.assert_array_equal(panels.histogram_counts, counts)
    np.testing.assert_allclose(panels.kl_curve.get_ydata(),
                               2.0 * kl_divergence(grid.rho[6], panels.kl_rho_hat))
    assert f"{grid.reconstruction_error[6, 2]:.3g}" in out["figures"]
    assert panels.model.grid_index == (6, 2)


def test_panels_show_what_they_hold(grid):
    # the picture depends on the model only: drawing A, B, A gives A's picture again
    panels = ExplorerPanels(grid.model(3, 3))
    first = panels.draw(grid.model(3, 3))
    other = panels.draw(grid.model(0, 10))
    again = panels.draw(grid.model(3, 3))
    for name in ("filters", "histogram", "kl", "figures"):
        assert other[name] != first[name], name
        assert again[name] == first[name], name


def test_panels_draw_only_on_their_own_thread(grid):
    panels = ExplorerPanels(grid.model(3, 3))
    errors = []

    def draw_elsewhere():
        try:
            panels.draw(grid.model(4, 3))
        except RuntimeError as exc:
            errors.append(str(exc))

    t = threading.Thread(target=draw_elsewhere, name="not-the-kernel")
    t.start()
    t.join()
    assert errors and "not thread-safe" in errors[0] and "not-the-kernel" in errors[0]


def test_figures_table_numbers(grid):
    panels = ExplorerPanels(grid.model(3, 3))
    html = panels.draw(grid.model(3, 3))["figures"]
    m = grid.model(3, 3)
    assert f"{m.cost:.3g}" in html
    assert f"{100 * m.penalty_share:.2g}%" in html
    assert f"{m.mean_activation:.3g}" in html
    html0 = panels.draw(grid.model(3, 0))["figures"]
    assert "penalty share of the cost: <b>0%</b>" in html0


# ---------------------------------------------------------------------------------------
# The explorer widget
# ---------------------------------------------------------------------------------------
def _assert_panels_show(ex, grid, i, j, rho=None):
    rho = grid.rho[i] if rho is None else rho
    beta = grid.beta[j]
    p = ex.panels
    np.testing.assert_allclose(p.filters_artist.get_array(), tile_filters(grid.model(i, j).W1.T))
    counts, _ = np.histogram(grid.rho_hat[i, j], p.histogram_edges)
    np.testing.assert_array_equal(p.histogram_counts, counts)
    np.testing.assert_allclose(p.kl_curve.get_ydata(), beta * kl_divergence(rho, p.kl_rho_hat))
    np.testing.assert_allclose(p.kl_rho_line.get_xdata(), [rho, rho])
    np.testing.assert_allclose(p.histogram_rho_line.get_xdata(), [rho, rho])
    np.testing.assert_allclose(p.kl_units.get_xdata(), grid.rho_hat[i, j])
    assert f"{grid.reconstruction_error[i, j]:.3g}" in ex.figures_html.value
    assert f"{100 * grid.penalty_share[i, j]:.2g}%" in ex.figures_html.value


def _widgets(ex):
    return {"filters": ex.filters_image.value, "histogram": ex.histogram_image.value,
            "kl": ex.kl_image.value, "figures": ex.figures_html.value}


def test_explorer_starts_at_ufldl_settings(explorer, grid):
    ex = explorer
    assert isinstance(ex, RhoBetaExplorer)
    assert ex.rho_slider.value == pytest.approx(0.01) and ex.beta_slider.value == 3.0
    assert not ex.rho_slider.continuous_update and not ex.beta_slider.continuous_update
    assert ex.model.source == "grid" and ex.model.grid_index == (3, 3)
    for img in (ex.filters_image, ex.histogram_image, ex.kl_image):
        assert img.value[:8] == PNG
    _assert_panels_show(ex, grid, 3, 3)
    assert "precomputed model" in ex.status.value
    assert ex.progress.layout.visibility == "hidden"
    assert not ex.training
    assert repr(ex) == "RhoBetaExplorer(rho=0.01, beta=3)"


def test_parts_carry_css_classes_for_the_browser(explorer):
    # tests/browser/ locates these: keep them
    assert "sae-explorer" in explorer._dom_classes
    assert "sae-explorer-rho" in explorer.rho_slider._dom_classes
    assert "sae-explorer-beta" in explorer.beta_slider._dom_classes
    assert "sae-explorer-filters" in explorer.filters_image._dom_classes
    assert "sae-explorer-figures" in explorer.figures_html._dom_classes


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
    before = _widgets(ex)
    ex.rho_slider.value = grid.rho[6]            # 0.1
    after = _widgets(ex)
    for key in before:
        assert before[key] != after[key], key
    assert ex.model.source == "grid" and ex.model.grid_index == (6, 3)
    np.testing.assert_array_equal(ex.model.theta, grid.theta[6, 3])
    _assert_panels_show(ex, grid, 6, 3)
    assert not ex.training, "an on-grid value must not start training"
    assert ex.last_update_seconds is not None and ex.last_update_seconds > 0


def test_moving_beta_scales_the_kl_curve(explorer, grid):
    ex = explorer
    y3 = np.array(ex.panels.kl_curve.get_ydata())
    ex.beta_slider.value = 6.0
    np.testing.assert_allclose(ex.panels.kl_curve.get_ydata(), 2 * y3)
    assert ex.model.grid_index == (3, 6)
    _assert_panels_show(ex, grid, 3, 6)
    ex.beta_slider.value = 0.0
    np.testing.assert_array_equal(ex.panels.kl_curve.get_ydata(), 0.0)
    assert "<b>0%</b>" in ex.figures_html.value          # no penalty at all
    _assert_panels_show(ex, grid, 3, 0)


def test_the_model_on_show_cannot_rewrite_the_grid(explorer, grid):
    before = grid.theta[3, 3].copy()
    with pytest.raises(ValueError, match="read-only"):
        explorer.model.W1[...] *= 2
    with pytest.raises(ValueError, match="read-only"):
        explorer.model.rho_hat.sort()
    np.testing.assert_array_equal(grid.theta[3, 3], before)


def test_typed_value_between_grid_points_trains_in_the_background(explorer, grid):
    ex = explorer
    ex.rho_slider.value = 0.015                  # between 0.01 and 0.0215; nearer 0.0215
    # the first answer is immediate: the nearest grid model, and training has started.
    # Without a kernel event loop nothing is drawn until this thread asks (wait()), so
    # the panels hold the nearest model however fast the training is.
    assert ex.model.source == "grid" and ex.model.grid_index == (4, 3)
    _assert_panels_show(ex, grid, 4, 3)
    nearest_png = ex.filters_image.value
    assert "off the grid" in ex.status.value and "nearest grid model" in ex.status.value
    assert ex.progress.layout.visibility == "visible"
    assert ex.wait(120)
    assert not ex.training
    m = ex.model
    assert m.source == "trained" and m.rho == 0.015 and m.beta == 3.0
    assert m.warm_start is None and 1 <= m.n_iter <= 10 and m.max_iter == 10
    assert "trained live" in ex.status.value
    assert "not directly comparable" in ex.status.value  # 10 iterations, the grid had 400
    assert ex.progress.value == ex.progress.max and ex.progress.bar_style == "success"
    # the panels show the trained model now
    assert ex.filters_image.value != nearest_png
    np.testing.assert_allclose(ex.panels.filters_artist.get_array(), tile_filters(m.W1.T))
    counts, _ = np.histogram(m.rho_hat, ex.panels.histogram_edges)
    np.testing.assert_array_equal(ex.panels.histogram_counts, counts)
    np.testing.assert_allclose(ex.panels.kl_curve.get_ydata(),
                               3.0 * kl_divergence(0.015, ex.panels.kl_rho_hat))
    np.testing.assert_allclose(ex.panels.kl_rho_line.get_xdata(), [0.015, 0.015])
    assert f"{m.reconstruction_error:.3g}" in ex.figures_html.value
    # its figures are those of its parameters
    f = model_figures(m.theta, 0.015, 3.0, grid.lambda_, grid.training_patches(), 25)
    np.testing.assert_allclose(f["rho_hat"], m.rho_hat)
    np.testing.assert_allclose(f["cost"], m.cost)
    # ... and it is kept: going away and back answers without training again
    ex.rho_slider.value = 0.01
    ex.rho_slider.value = 0.015
    assert not ex.training and ex.model is m
    assert "kept" in ex.status.value


def test_off_grid_model_trained_like_the_grid(grid):
    # with the default limit the off-grid model follows the grid's recipe to the end;
    # rho = 0.0015 switches its units off, so L-BFGS stops early and the test is quick
    ex = rho_beta_explorer(grid=grid, rho=0.0015, beta=3.0)
    assert ex.off_grid_iterations == grid.max_iter
    assert ex.wait(300)
    m = ex.model
    assert m.source == "trained" and m.trained_like(grid) and m.n_iter < grid.max_iter
    assert "comparable with the grid's models" in ex.status.value
    assert "from the grid's initial weights" in ex.status.value


def test_off_grid_beta(explorer, grid):
    ex = explorer
    ex.beta_slider.value = 2.4                   # nearest grid beta: 2
    assert ex.model.grid_index == (3, 2)
    assert ex.wait(120)
    assert ex.model.source == "trained" and ex.model.beta == 2.4
    np.testing.assert_allclose(ex.panels.kl_curve.get_ydata(),
                               2.4 * kl_divergence(0.01, ex.panels.kl_rho_hat))


def test_a_new_request_cancels_training_and_its_result_is_never_drawn(explorer, grid):
    ex = explorer
    drawn = []
    original = ex.panels.draw
    ex.panels.draw = lambda model: drawn.append((model.rho, model.source)) or original(model)
    ex.rho_slider.value = 0.03
    ex.rho_slider.value = grid.rho[2]            # back on the grid before training ends
    assert ex.wait(120)
    assert ex.model.source == "grid" and ex.model.grid_index == (2, 3)
    _assert_panels_show(ex, grid, 2, 3)
    assert ex.progress.layout.visibility == "hidden"
    assert "precomputed" in ex.status.value
    assert drawn == [(grid.rho[4], "grid"), (grid.rho[2], "grid")]


def test_rapid_requests_one_worker_and_only_the_latest_is_drawn(explorer, grid):
    ex = explorer
    drawn, progress = [], []
    original = ex.panels.draw
    ex.panels.draw = lambda model: drawn.append((model.rho, model.source)) or original(model)
    ex.progress.observe(lambda change: progress.append(change["new"]), names="value")
    for rho in (0.013, 0.016, 0.019, 0.026, 0.035):
        ex.rho_slider.value = rho
    assert ex.wait(120)
    assert ex.model.source == "trained" and ex.model.rho == 0.035
    trained = [d for d in drawn if d[1] == "trained"]
    assert trained == [(0.035, "trained")], "stale results must not be drawn"
    # the progress bar only ever moved forward after the last reset (no stale painting)
    tail = progress[len(progress) - progress[::-1].index(0):] if 0 in progress else progress
    assert tail == sorted(tail) and tail[-1] == ex.progress.max, progress
    # the worker thread ends once nothing is left to train
    deadline = time.monotonic() + 5
    while (any(t.name == "sae-explorer-training" for t in threading.enumerate())
           and time.monotonic() < deadline):
        time.sleep(0.01)
    assert not any(t.name == "sae-explorer-training" for t in threading.enumerate())


def test_beta_zero_needs_no_training_for_any_rho(explorer, grid):
    ex = explorer
    ex.beta_slider.value = 0.0
    ex.rho_slider.value = 0.05                   # off the rho grid
    assert not ex.training
    assert ex.model.rho == 0.05 and ex.model.beta == 0.0
    np.testing.assert_array_equal(ex.model.theta, grid.theta[0, 0])
    np.testing.assert_allclose(ex.panels.kl_rho_line.get_xdata(), [0.05, 0.05])
    np.testing.assert_array_equal(ex.panels.kl_curve.get_ydata(), 0.0)
    assert "β = 0" in ex.status.value


def test_a_failed_training_is_reported(explorer, grid, monkeypatch):
    ex = explorer

    def broken(*args, **kwargs):
        raise RuntimeError("out of patches")

    monkeypatch.setattr(type(grid), "train_model", broken)
    ex.rho_slider.value = 0.015
    assert ex.wait(60)
    assert "training failed: RuntimeError: out of patches" in ex.status.value
    assert ex.progress.bar_style == "danger"
    assert ex.model.source == "grid"             # the nearest grid model stays on show


def test_requests_from_other_threads_are_done_on_the_explorer_thread(explorer, grid):
    # JupyterLab can deliver slider changes on a kernel subshell's thread: the request
    # waits for the explorer's own thread, and of several waiting only the latest is done
    ex = explorer
    drawn = []
    original = ex.panels.draw
    ex.panels.draw = lambda model: drawn.append(
        (model.grid_index, threading.current_thread().name)) or original(model)

    def slide():
        for k in (5, 6, 7):
            ex.rho_slider.value = grid.rho[k]

    t = threading.Thread(target=slide, name="subshell")
    t.start()
    t.join()
    assert drawn == [] and ex.model.grid_index == (3, 3), "nothing drawn off the owner thread"
    assert ex.wait(60)
    assert drawn == [((7, 3), threading.current_thread().name)]
    _assert_panels_show(ex, grid, 7, 3)
    assert ex.last_update_seconds > 0


def test_a_request_on_the_owner_thread_supersedes_a_waiting_one(explorer, grid):
    ex = explorer
    t = threading.Thread(target=lambda: ex.request(grid.rho[8], 3.0))
    t.start()
    t.join()
    ex.rho_slider.value = grid.rho[1]           # the owner's own, later request
    assert ex.wait(60)
    assert ex.model.grid_index == (1, 3)


def test_wait_from_another_thread_leaves_the_drawing_to_the_owner(explorer):
    ex = explorer
    ex.rho_slider.value = 0.015
    result = []
    t = threading.Thread(target=lambda: result.append(ex.wait(0.5)))
    t.start()
    t.join()
    assert result == [False], "the result waits for the owner thread to draw it"
    assert ex.model.source == "grid"
    assert ex.wait(60) and ex.model.source == "trained"


def test_bad_off_grid_iterations(grid):
    for bad in (0, -3, 2.5, True, "100"):
        with pytest.raises(ValueError, match="off_grid_iterations must be a positive integer"):
            rho_beta_explorer(grid=grid, off_grid_iterations=bad)


# ---------------------------------------------------------------------------------------
# The static picture
# ---------------------------------------------------------------------------------------
def test_static_grid_figure(grid):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plot_explorer_grid(grid)                       # every rho at beta = 3
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 9 and len(fig.axes) == 10      # 2 rows of 5, one slot empty
    np.testing.assert_allclose(shown[0].images[0].get_array(),
                               tile_filters(grid.model(0, 3).W1.T))
    np.testing.assert_allclose(shown[-1].images[0].get_array(),
                               tile_filters(grid.model(8, 3).W1.T))
    assert shown[3].get_title() == "ρ = 0.01, β = 3"
    # readable: at the figure's dpi, an 8-pixel filter is drawn at least 30 pixels wide
    fig.canvas.draw()
    bbox = shown[0].get_window_extent()
    tile_px = shown[0].images[0].get_array().shape[1]   # 5 filters of 8 pixels + borders
    assert bbox.width / tile_px * 8 >= 30
    plt.close(fig)

    fig = plot_explorer_grid(grid, rhos=[0.01], betas=[0.0, 1.0, 3.0, 10.0], ncols=4)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == [f"ρ = 0.01, β = {b}" for b in (0, 1, 3, 10)]
    plt.close(fig)
    with pytest.raises(ValueError, match="grid models only"):
        plot_explorer_grid(grid, rhos=[0.015])
    with pytest.raises(ValueError, match="ncols"):
        plot_explorer_grid(grid, ncols=0)


def test_explorer_does_not_leak_pyplot_figures(grid):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    rho_beta_explorer(grid=grid)
    assert plt.get_fignums() == before


# ---------------------------------------------------------------------------------------
# In a real Jupyter kernel: the event loop draws, on the main thread
# ---------------------------------------------------------------------------------------
KERNEL_SETUP = """
import threading
from sae_lib.widgets import rho_beta_explorer
ex = rho_beta_explorer(off_grid_iterations=8)
drawn_on = []
_draw = ex.panels.draw
def _recording_draw(model):
    drawn_on.append((threading.current_thread() is threading.main_thread(), model.source))
    return _draw(model)
ex.panels.draw = _recording_draw
ex.rho_slider.value = 0.015          # off the grid: trains in the background
print("started", ex.model.source, ex.training)
"""

# a slider change delivered on another thread, as JupyterLab's comms over subshells do
KERNEL_FROM_A_SUBSHELL = """
threading.Thread(target=lambda: setattr(ex.rho_slider, "value", 0.0464), name="subshell").start()
"""


def _run(client, code, timeout=120):
    reply = client.execute_interactive(code, timeout=timeout, store_history=False,
                                       output_hook=lambda msg: None)
    assert reply["content"]["status"] == "ok", reply["content"]


def _value(client, expression):
    out = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    client.execute_interactive(f"print(repr({expression}))", timeout=60,
                               store_history=False, output_hook=hook)
    return "".join(out).strip()


def test_in_a_kernel_results_are_drawn_by_the_event_loop_on_the_main_thread():
    from jupyter_client.manager import start_new_kernel

    km, client = start_new_kernel(kernel_name="python3", startup_timeout=120)
    try:
        _run(client, KERNEL_SETUP)
        deadline = time.monotonic() + 120
        source = ""
        while time.monotonic() < deadline:          # idle between requests: the loop runs
            source = _value(client, "ex.model.source")
            if source == "'trained'":
                break
            time.sleep(0.3)
        assert source == "'trained'", "the trained model was never drawn without wait()"
        drawn = _value(client, "drawn_on")
        assert drawn == "[(True, 'grid'), (True, 'trained')]", drawn
        assert _value(client, "'trained live' in ex.status.value") == "True"
        _run(client, KERNEL_FROM_A_SUBSHELL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if _value(client, "ex.model.grid_index") == "(5, 3)":
                break
            time.sleep(0.2)
        assert _value(client, "ex.model.grid_index") == "(5, 3)"
        assert _value(client, "drawn_on[-1]") == "(True, 'grid')", "drawn on the main thread"
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
