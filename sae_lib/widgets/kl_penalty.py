"""The KL-penalty explorer of notebook 02: KL(rho || rho_hat) and its slope, as curves
that follow sliders for rho, beta and rho_hat.

The figure is drawn once and its artists updated in place on each change; sliders use
``continuous_update=False``. The axes keep fixed limits (so that beta visibly lifts the
curves); a unit whose penalty or slope lies beyond them is drawn on the edge, with an
arrow and its value, never silently outside the picture.
"""

from __future__ import annotations

import io as _io

import ipywidgets as _ipw
import numpy as _np

from ..objective import kl_divergence as _kl
from ..objective import kl_divergence_prime as _kl_prime

#: The grid of rho_hat values the KL curves are drawn on (the open interval (0, 1)).
KL_RHO_HAT_GRID = _np.linspace(0.002, 0.998, 499)
KL_PENALTY_YLIM = (0.0, 3.0)
KL_SLOPE_YLIM = (-12.0, 12.0)


def draw_kl_penalty(ax_penalty, ax_slope, rho, beta, rho_hat=None):
    """Draw beta * KL(rho || rho_hat) and its slope against rho_hat into two axes.

    Left: the penalty a hidden unit with average activation rho_hat pays. Right: its
    derivative beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) -- the term the penalty
    adds to the unit's delta2 in backpropagation. The axis limits are fixed, so that a
    larger beta visibly lifts the curve. ``rho_hat`` (optional) marks one unit on both;
    where its value lies beyond the fixed scale, the mark sits on the edge as a triangle
    pointing off the scale, with an arrow and the value (:func:`place_marker`).

    Returns a dict of the artists, which :class:`KLPenaltyExplorer` updates in place.
    """
    grid = KL_RHO_HAT_GRID
    art = {}
    art["penalty"], = ax_penalty.plot(grid, beta * _kl(rho, grid), color="C0", lw=2.2)
    art["slope"], = ax_slope.plot(grid, beta * _kl_prime(rho, grid), color="C3", lw=2.2)
    art["target_penalty"] = ax_penalty.axvline(rho, color="0.35", ls="--", lw=1)
    art["target_slope"] = ax_slope.axvline(rho, color="0.35", ls="--", lw=1)
    ax_slope.axhline(0, color="0.6", lw=0.8)
    for ax in (ax_penalty, ax_slope):
        ax.set_xlim(0, 1)
        ax.set_xlabel(r"average activation $\hat\rho_j$")
        ax.grid(alpha=0.3)
    ax_penalty.set_ylim(*KL_PENALTY_YLIM)
    ax_slope.set_ylim(*KL_SLOPE_YLIM)
    ax_penalty.set_ylabel(r"$\beta\,\mathrm{KL}(\rho\,\|\,\hat\rho_j)$")
    ax_slope.set_ylabel(r"$\beta\,\partial\mathrm{KL}/\partial\hat\rho_j$")
    art["target_label"] = ax_penalty.text(rho, KL_PENALTY_YLIM[1] * 0.96, r" $\rho$",
                                          va="top", ha="left", color="0.25", fontsize=12)
    if rho_hat is not None:
        for key, ax, value in (("penalty", ax_penalty, beta * _kl(rho, rho_hat)),
                               ("slope", ax_slope, beta * _kl_prime(rho, rho_hat))):
            art[f"marker_{key}"], = ax.plot([rho_hat], [0.0], "o", color="k", ms=7, zorder=5,
                                            clip_on=False)
            art[f"offscale_{key}"] = ax.annotate(
                "", xy=(rho_hat, 0.0), xytext=(rho_hat, 0.0), ha="center", va="center",
                fontsize=10, color="k", zorder=6, annotation_clip=False,
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.4, "shrinkA": 0,
                            "shrinkB": 0},
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6",
                      "alpha": 0.9})
            place_marker(art[f"marker_{key}"], art[f"offscale_{key}"], ax, rho_hat,
                         float(value))
    _title_kl_axes(ax_penalty, ax_slope, rho, beta)
    return art


def place_marker(marker, label, ax, x, y):
    """Put one unit's marker at ``(x, y)`` -- or, if ``y`` lies outside the axes' fixed
    y-limits, at the edge it crossed, as a triangle pointing off the scale, with an arrow
    to that edge and the value written beside it (``label``, an Annotation).

    Returns ``"inside"``, ``"above"`` or ``"below"``. The axes' limits are never changed:
    the curves keep their fixed scale, and the marker never leaves the picture silently.
    """
    low, high = ax.get_ylim()
    span = high - low
    if low <= y <= high:
        marker.set_data([x], [y])
        marker.set_marker("o")
        label.set_visible(False)
        return "inside"
    where = "above" if y > high else "below"
    edge = high if where == "above" else low
    marker.set_data([x], [edge])
    marker.set_marker("^" if where == "above" else "v")
    # The label sits inside the axes, a quarter of the height from the edge, on the side
    # of the marker with more room, and an arrow runs from it to the edge.
    inward = -0.24 * span if where == "above" else 0.24 * span
    side = -0.04 if x > 0.5 else 0.04
    label.xy = (x, edge)
    label.set_position((x + side, edge + inward))
    label.set_horizontalalignment("right" if x > 0.5 else "left")
    label.set_text(f"{y:.3g} {'↑' if where == 'above' else '↓'}\n(off the scale)")
    label.set_visible(True)
    return where


def _title_kl_axes(ax_penalty, ax_slope, rho, beta):
    ax_penalty.set_title(rf"penalty, $\rho$ = {rho:.2f}, $\beta$ = {beta:.2g}", fontsize=11)
    ax_slope.set_title(r"its slope: the term added to $\delta^{(2)}$", fontsize=11)


def kl_penalty_figure(settings=((0.2, 1.0), (0.05, 1.0), (0.05, 3.0)), rho_hat=None):
    """A static figure: the penalty (top row) and its slope (bottom row) for each
    ``(rho, beta)`` in ``settings`` -- what :func:`kl_penalty_explorer` shows for those
    slider positions, for readers without a running kernel. Returns the figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(settings), figsize=(4.2 * len(settings), 6.4),
                             squeeze=False, layout="constrained")
    for k, (rho, beta) in enumerate(settings):
        draw_kl_penalty(axes[0, k], axes[1, k], rho, beta, rho_hat=rho_hat)
        axes[1, k].set_title("its slope", fontsize=11)
    return fig


class KLPenaltyExplorer(_ipw.VBox):
    """Sliders for rho, beta and one unit's rho_hat, and the penalty curve and its slope.

    The figure is a plain :class:`matplotlib.figure.Figure` (no pyplot, no ipympl needed)
    drawn once; each slider change updates its artists in place and puts a fresh PNG into
    an :class:`ipywidgets.Image`. Parts kept for tests and for the curious: ``rho_slider``,
    ``beta_slider``, ``rho_hat_slider``, ``figure``, ``artists``, ``image``, ``readout``,
    and ``marker_places``: where the unit's mark is drawn on the (penalty, slope) panels,
    each ``"inside"``, ``"above"`` or ``"below"`` the fixed scale.
    """

    def __init__(self, rho=0.2, beta=1.0, rho_hat=0.5):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        style = {"description_width": "initial"}
        layout = _ipw.Layout(width="32%")
        self.rho_slider = _ipw.FloatSlider(
            value=rho, min=0.01, max=0.9, step=0.01, description="target ρ",
            continuous_update=False, readout_format=".2f", style=style, layout=layout)
        self.beta_slider = _ipw.FloatSlider(
            value=beta, min=0.0, max=5.0, step=0.1, description="weight β",
            continuous_update=False, readout_format=".1f", style=style, layout=layout)
        self.rho_hat_slider = _ipw.FloatSlider(
            value=rho_hat, min=0.01, max=0.99, step=0.01, description="a unit's ρ̂",
            continuous_update=False, readout_format=".2f", style=style, layout=layout)
        self.figure = Figure(figsize=(9.6, 3.6), dpi=90, layout="constrained")
        FigureCanvasAgg(self.figure)
        ax_penalty, ax_slope = self.figure.subplots(1, 2)
        self.axes = (ax_penalty, ax_slope)
        self.artists = draw_kl_penalty(ax_penalty, ax_slope, rho, beta, rho_hat=rho_hat)
        self.image = _ipw.Image(format="png")
        self.readout = _ipw.HTML()
        for slider in (self.rho_slider, self.beta_slider, self.rho_hat_slider):
            slider.observe(self._on_change, names="value")
        super().__init__([_ipw.HBox([self.rho_slider, self.beta_slider,
                                        self.rho_hat_slider]),
                          self.image, self.readout])
        # CSS classes, so that a browser test (or a stylesheet) can find the parts
        for part, name in ((self, "sae-kl-explorer"), (self.rho_slider, "sae-kl-rho"),
                           (self.beta_slider, "sae-kl-beta"),
                           (self.rho_hat_slider, "sae-kl-rho-hat"),
                           (self.image, "sae-kl-curves"), (self.readout, "sae-kl-readout")):
            part.add_class(name)
        self.redraw()

    def _on_change(self, change):
        self.redraw()

    def redraw(self):
        """Update the curves, markers and readout for the current slider values."""
        rho, beta = self.rho_slider.value, self.beta_slider.value
        rho_hat = self.rho_hat_slider.value
        grid = KL_RHO_HAT_GRID
        art = self.artists
        art["penalty"].set_ydata(beta * _kl(rho, grid))
        art["slope"].set_ydata(beta * _kl_prime(rho, grid))
        for key in ("target_penalty", "target_slope"):
            art[key].set_xdata([rho, rho])
        art["target_label"].set_x(rho)
        penalty = float(beta * _kl(rho, rho_hat))
        slope = float(beta * _kl_prime(rho, rho_hat))
        ax_penalty, ax_slope = self.axes
        self.marker_places = (
            place_marker(art["marker_penalty"], art["offscale_penalty"], ax_penalty,
                         rho_hat, penalty),
            place_marker(art["marker_slope"], art["offscale_slope"], ax_slope, rho_hat,
                         slope))
        _title_kl_axes(*self.axes, rho, beta)
        buf = _io.BytesIO()
        self.figure.savefig(buf, format="png", metadata={"Software": None})
        self.image.value = buf.getvalue()
        self.readout.value = _kl_readout(rho, beta, rho_hat, penalty, slope,
                                         self.marker_places)

    def __repr__(self):
        return (f"KLPenaltyExplorer(rho={self.rho_slider.value:.2f}, "
                f"beta={self.beta_slider.value:.1f}, rho_hat={self.rho_hat_slider.value:.2f})")


def _kl_readout(rho, beta, rho_hat, penalty, slope, places=("inside", "inside")):
    if beta == 0:
        push = "β = 0 switches the penalty off: no cost and no push, whatever ρ̂ is."
    elif abs(rho_hat - rho) < 1e-9:
        push = "the unit is on target: no penalty and no push."
    elif slope > 0:
        push = ("the slope is positive, so gradient descent lowers this unit's activations "
                "(ρ̂ is above the target).")
    else:
        push = ("the slope is negative, so gradient descent raises this unit's activations "
                "(ρ̂ is below the target).")
    off = [name for name, place in zip(("penalty", "slope"), places) if place != "inside"]
    note = (f" (the {' and the '.join(off)} {'is' if len(off) == 1 else 'are'} beyond the "
            "plot's fixed scale: the triangle at the edge marks where)") if off else ""
    return (f"<b>ρ̂ = {rho_hat:.2f}</b>, ρ = {rho:.2f}, β = {beta:.1f}: penalty "
            f"β·KL = {penalty:.3g}, slope β·KL′ = {slope:.3g}{note} &mdash; {push}")


def kl_penalty_explorer(rho=0.2, beta=1.0, rho_hat=0.5):
    """An interactive view of the sparsity penalty beta * KL(rho || rho_hat).

    Sliders set the target ``rho``, the weight ``beta`` and the average activation
    ``rho_hat`` of one hidden unit (the black dot); the two panels show the penalty against
    rho_hat and its slope -- the term backpropagation adds to delta2 (notebook 03). The
    sliders act on release (``continuous_update=False``). Returns a
    :class:`KLPenaltyExplorer` (an ipywidgets VBox) to display.
    """
    return KLPenaltyExplorer(rho=rho, beta=beta, rho_hat=rho_hat)
