"""Notebook 02's KL penalty explorer, driven without a browser: set the sliders as a
learner would and check that the curves, markers, picture and readout follow."""

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from matplotlib.image import imread  # noqa: E402

from sae_lib import kl_divergence, kl_divergence_prime  # noqa: E402
from sae_lib.widgets import (  # noqa: E402
    KL_RHO_HAT_GRID,
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
