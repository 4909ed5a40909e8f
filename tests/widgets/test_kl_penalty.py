"""Notebook 02's KL penalty explorer, driven without a browser: set the sliders as a
learner would and check that the curves, markers, picture and readout follow."""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.image import imread

from sae_lib import kl_divergence, kl_divergence_prime
from sae_lib.widgets import (
    KL_PENALTY_YLIM,
    KL_RHO_HAT_GRID,
    KL_SLOPE_YLIM,
    KLPenaltyExplorer,
    kl_penalty_explorer,
    kl_penalty_figure,
)


@pytest.fixture
def explorer():
    return kl_penalty_explorer(rho=0.2, beta=1.0)


def curves(e):
    return e.artists["penalty"].get_ydata().copy(), e.artists["slope"].get_ydata().copy()


def test_initial_curves_are_the_penalty_and_its_slope(explorer):
    penalty, slope = curves(explorer)
    assert isinstance(explorer, KLPenaltyExplorer)
    np.testing.assert_allclose(penalty, kl_divergence(0.2, KL_RHO_HAT_GRID))
    np.testing.assert_allclose(slope, kl_divergence_prime(0.2, KL_RHO_HAT_GRID))
    assert explorer.artists["target_penalty"].get_xdata()[0] == pytest.approx(0.2)
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_sliders_act_on_release(explorer):
    for s in (explorer.rho_slider, explorer.beta_slider, explorer.rho_hat_slider):
        assert s.continuous_update is False


def test_rho_slider_moves_the_minimum(explorer):
    before_png = explorer.image.value
    explorer.rho_slider.value = 0.05
    penalty, slope = curves(explorer)
    np.testing.assert_allclose(penalty, kl_divergence(0.05, KL_RHO_HAT_GRID))
    np.testing.assert_allclose(slope, kl_divergence_prime(0.05, KL_RHO_HAT_GRID))
    assert KL_RHO_HAT_GRID[np.argmin(penalty)] == pytest.approx(0.05, abs=0.002)
    for key in ("target_penalty", "target_slope"):
        assert explorer.artists[key].get_xdata()[0] == pytest.approx(0.05)
    assert explorer.image.value != before_png
    assert "ρ = 0.05" in explorer.readout.value


def test_beta_slider_scales_both_curves(explorer):
    p1, s1 = curves(explorer)
    explorer.beta_slider.value = 3.0
    p3, s3 = curves(explorer)
    np.testing.assert_allclose(p3, 3 * p1)
    np.testing.assert_allclose(s3, 3 * s1)
    explorer.beta_slider.value = 0.0
    p0, s0 = curves(explorer)
    assert not p0.any() and not s0.any()
    assert "β = 0 switches the penalty off" in explorer.readout.value


def test_rho_hat_slider_moves_the_marker_and_readout(explorer):
    explorer.rho_hat_slider.value = 0.05
    x, y = explorer.artists["marker_penalty"].get_data()
    assert x[0] == pytest.approx(0.05)
    assert y[0] == pytest.approx(float(kl_divergence(0.2, 0.05)))
    x, y = explorer.artists["marker_slope"].get_data()
    assert y[0] == pytest.approx(float(kl_divergence_prime(0.2, 0.05)))
    assert y[0] < 0 and "raises this unit's activations" in explorer.readout.value
    explorer.rho_hat_slider.value = 0.6
    assert "lowers this unit's activations" in explorer.readout.value
    explorer.rho_hat_slider.value = 0.2
    assert "on target: no penalty and no push" in explorer.readout.value


def test_artists_are_updated_in_place_not_rebuilt(explorer):
    lines = (explorer.artists["penalty"], explorer.artists["slope"])
    n_lines = [len(ax.lines) for ax in explorer.axes]
    explorer.rho_slider.value = 0.4
    explorer.beta_slider.value = 2.0
    assert (explorer.artists["penalty"], explorer.artists["slope"]) == lines
    assert [len(ax.lines) for ax in explorer.axes] == n_lines
    assert explorer.figure.axes == list(explorer.axes)


def test_picture_shows_the_current_state(explorer):
    """The PNG is re-rendered from the figure: it differs between slider positions and
    equals a fresh explorer built at the same values."""
    explorer.rho_slider.value = 0.1
    explorer.beta_slider.value = 2.5
    png = explorer.image.value
    fresh = kl_penalty_explorer(rho=0.1, beta=2.5)
    a, b = imread(io.BytesIO(png)), imread(io.BytesIO(fresh.image.value))
    assert a.shape == b.shape and np.abs(a - b).max() < 1e-6


def test_repr_is_short_and_stable(explorer):
    assert repr(explorer) == "KLPenaltyExplorer(rho=0.20, beta=1.0, rho_hat=0.50)"


def test_explorer_does_not_leak_pyplot_figures():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    kl_penalty_explorer()
    assert plt.get_fignums() == before


def test_static_figure_matches_the_explorer():
    import matplotlib.pyplot as plt

    fig = kl_penalty_figure(settings=((0.2, 1.0), (0.05, 3.0)))
    try:
        top_row = fig.axes[:2]  # plt.subplots(2, 2): the penalties, then the slopes
        ys = [ax.lines[0].get_ydata() for ax in top_row]
        np.testing.assert_allclose(ys[0], kl_divergence(0.2, KL_RHO_HAT_GRID))
        np.testing.assert_allclose(ys[1], 3 * kl_divergence(0.05, KL_RHO_HAT_GRID))
        assert len(fig.axes) == 4
    finally:
        plt.close(fig)


def test_parts_carry_css_classes_for_the_browser(explorer):
    assert "sae-kl-explorer" in explorer._dom_classes
    assert "sae-kl-rho" in explorer.rho_slider._dom_classes
    assert "sae-kl-curves" in explorer.image._dom_classes
    assert "sae-kl-readout" in explorer.readout._dom_classes


# --- a unit beyond the fixed scale ---------------------------------------------------------
def marker_state(e, key):
    """(x, y, marker symbol, label visible, label text) of one panel's unit mark."""
    (x,), (y,) = e.artists[f"marker_{key}"].get_data()
    label = e.artists[f"offscale_{key}"]
    return x, y, e.artists[f"marker_{key}"].get_marker(), label.get_visible(), label.get_text()


def test_marker_beyond_the_scale_sits_on_the_edge_with_its_value():
    # The case from the issue: rho = 0.01, beta = 5, rho_hat = 0.99 costs 22.5, far above
    # the penalty axis (0 to 3); the slope, 495, is far above its axis too.
    e = kl_penalty_explorer(rho=0.01, beta=5.0, rho_hat=0.99)
    penalty = 5 * float(kl_divergence(0.01, 0.99))
    slope = 5 * float(kl_divergence_prime(0.01, 0.99))
    assert penalty == pytest.approx(22.5, abs=0.05) and slope > KL_SLOPE_YLIM[1]
    assert e.marker_places == ("above", "above")
    for key, value, ax, top in (("penalty", penalty, e.axes[0], KL_PENALTY_YLIM[1]),
                                ("slope", slope, e.axes[1], KL_SLOPE_YLIM[1])):
        x, y, symbol, visible, text = marker_state(e, key)
        assert (x, y) == (pytest.approx(0.99), pytest.approx(top))
        assert symbol == "^" and visible
        assert f"{value:.3g} ↑" in text and "off the scale" in text
        assert e.artists[f"offscale_{key}"].xy == (pytest.approx(0.99), pytest.approx(top))
        assert ax.get_ylim() == pytest.approx((0.0, top) if key == "penalty" else KL_SLOPE_YLIM)
    assert "22.5" in e.readout.value and "beyond the plot's fixed scale" in e.readout.value


def test_marker_below_the_scale_points_down():
    e = kl_penalty_explorer(rho=0.9, beta=5.0, rho_hat=0.05)
    slope = 5 * float(kl_divergence_prime(0.9, 0.05))
    assert slope < KL_SLOPE_YLIM[0] and e.marker_places[1] == "below"
    _x, y, symbol, visible, text = marker_state(e, "slope")
    assert y == pytest.approx(KL_SLOPE_YLIM[0]) and symbol == "v" and visible
    assert f"{slope:.3g} ↓" in text


def test_marker_returns_when_the_value_is_back_on_the_scale():
    e = kl_penalty_explorer(rho=0.01, beta=5.0, rho_hat=0.99)
    e.beta_slider.value = 1.0
    e.rho_slider.value = 0.2
    e.rho_hat_slider.value = 0.3
    assert e.marker_places == ("inside", "inside")
    for key, value in (("penalty", float(kl_divergence(0.2, 0.3))),
                       ("slope", float(kl_divergence_prime(0.2, 0.3)))):
        x, y, symbol, visible, _ = marker_state(e, key)
        assert (x, y) == (pytest.approx(0.3), pytest.approx(value))
        assert symbol == "o" and not visible
    assert "beyond the plot's fixed scale" not in e.readout.value


@pytest.mark.parametrize("rho", [0.01, 0.2, 0.9])
@pytest.mark.parametrize("beta", [0.5, 5.0])
def test_the_mark_and_its_label_stay_inside_the_picture(rho, beta):
    """Whatever the sliders say, every mark is drawn within its axes and every label within
    the figure; the label shows exactly when the value is off the scale."""
    e = kl_penalty_explorer(rho=rho, beta=beta, rho_hat=0.5)
    renderer = e.figure.canvas.get_renderer()
    fig_box = e.figure.bbox
    for rho_hat in (0.01, 0.05, 0.5, 0.95, 0.99):
        e.rho_hat_slider.value = rho_hat
        values = (beta * float(kl_divergence(rho, rho_hat)),
                  beta * float(kl_divergence_prime(rho, rho_hat)))
        for key, ax, value in zip(("penalty", "slope"), e.axes, values):
            low, high = ax.get_ylim()
            _x, y, _, visible, _ = marker_state(e, key)
            assert low <= y <= high
            assert visible == (not low <= value <= high)
            if visible:
                box = e.artists[f"offscale_{key}"].get_window_extent(renderer)
                assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1
                assert fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1


def test_static_figure_clamps_an_off_scale_unit_too():
    import matplotlib.pyplot as plt

    fig = kl_penalty_figure(settings=((0.01, 5.0),), rho_hat=0.99)
    try:
        ax_penalty = fig.axes[0]
        marks = [line for line in ax_penalty.lines if line.get_marker() == "^"]
        assert len(marks) == 1 and marks[0].get_ydata()[0] == pytest.approx(KL_PENALTY_YLIM[1])
        assert any("22.5" in t.get_text() for t in ax_penalty.texts)
    finally:
        plt.close(fig)
