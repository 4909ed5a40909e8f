"""The rho/beta explorer of notebook 06: the widget and its pictures.

* :class:`ExplorerPanels` draws one model: the filters, the histogram of the units'
  rho_hat_j, the penalty curve beta KL(rho || rho_hat) and the table of the cost's terms
  (matplotlib figures drawn once, then only their moving parts redrawn; no widgets).
* :class:`RhoBetaExplorer` (made by :func:`rho_beta_explorer`) is the ipywidgets box:
  two sliders, a status line, a progress bar and the panels.
* :func:`plot_explorer_grid` is the static picture of the grid, for readers without a
  kernel.

The models come from :mod:`.explorer_grid`; values between grid points are trained by
:mod:`.explorer_training` in a background thread. matplotlib is not thread-safe, so
every drawing happens on the thread that built the explorer (the kernel's main thread):
the background thread only trains and posts its result back, and slider changes that
arrive on another thread (JupyterLab's widget messages over a kernel subshell) are
posted there too.
"""

from __future__ import annotations

import dataclasses as _dataclasses
import io as _io
import numbers as _numbers
import threading as _threading
import time as _time

import ipywidgets as _ipw
import numpy as _np

from ..objective import kl_divergence as _kl
from ..visualization import tile_filters as _tile_filters
from .explorer_grid import (
    _BETA_TOLERANCE,
    EXPLORER_GRID_FILE,
    ExplorerGrid,
    ExplorerModel,
    load_explorer_grid,
    model_figures,
)
from .explorer_training import BackgroundTrainer, OwnerThreadQueue

__all__ = ["EXPLORER_GRID_FILE", "ExplorerGrid", "ExplorerModel", "ExplorerPanels",
           "RhoBetaExplorer", "load_explorer_grid", "model_figures", "plot_explorer_grid",
           "rho_beta_explorer"]

#: the rho_hat axis of the KL and histogram panels (log scale)
_RHO_HAT_RANGE = (1e-4, 1.0)
#: the progress bar is repainted at most every this many evaluations of the cost
_PROGRESS_EVERY = 5


# ---------------------------------------------------------------------------------------
# The static picture
# ---------------------------------------------------------------------------------------
def plot_explorer_grid(grid=None, rhos=None, betas=(3.0,), *, ncols=5, panel_size=2.2):
    """A static figure of grid models' filters, for readers without a running kernel.

    One panel per (rho, beta) -- for each beta of ``betas``, every rho of ``rhos``
    (default: all of the grid's) -- in reading order, ``ncols`` panels a row. Each panel
    shows the model's 25 filters as ``display_network`` does (every filter scaled to full
    contrast on its own), ``panel_size`` inches wide: at the default about 40 screen
    pixels per 8x8 filter. Returns the figure.
    """
    import matplotlib.pyplot as plt

    grid = load_explorer_grid() if grid is None else grid
    rhos = grid.rho if rhos is None else rhos
    pairs = [(r, b) for b in betas for r in rhos]
    idx = [grid.find(r, b) for r, b in pairs]
    if not pairs or any(k is None for k in idx):
        raise ValueError("plot_explorer_grid shows grid models only; pick rhos from "
                         f"{_np.round(grid.rho, 5).tolist()} and betas from "
                         f"{grid.beta.tolist()}.")
    if isinstance(ncols, bool) or not isinstance(ncols, int) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}.")
    ncols = min(ncols, len(pairs))
    nrows = -(-len(pairs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(panel_size * ncols, (panel_size + 0.32) * nrows + 0.35),
                             gridspec_kw={"wspace": 0.05, "hspace": 0.22})
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, (i, j) in zip(axes.ravel(), idx):
        ax.imshow(_tile_filters(grid.model(i, j).W1.T), cmap="gray", vmin=-1, vmax=1,
                  interpolation="nearest")
        ax.set_title(f"ρ = {grid.rho[i]:.3g}, β = {grid.beta[j]:g}", fontsize=11)
    fig.suptitle("learned filters $W^{(1)}$ (each filter scaled to full contrast)",
                 fontsize=12, y=1.0 - 0.12 / fig.get_figheight())
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01,
                        top=1.0 - 0.55 / fig.get_figheight())
    return fig


# ---------------------------------------------------------------------------------------
# The live panels
# ---------------------------------------------------------------------------------------
class _BlitPanel:
    """A figure whose static parts are drawn once; each update redraws only its artists.

    The figure is drawn once with the changing ``artists`` left out (matplotlib's
    ``animated`` flag); that picture is kept. :meth:`png` puts it back, draws the
    artists in their current state on top (blitting, as matplotlib's animations do) and
    encodes the pixels as PNG -- a few milliseconds instead of a full redraw.
    """

    def __init__(self, figure, artists):
        self.figure = figure
        self.artists = list(artists)
        for artist in self.artists:
            artist.set_animated(True)
        figure.canvas.draw()
        self.background = figure.canvas.copy_from_bbox(figure.bbox)

    def png(self):
        from PIL import Image

        canvas = self.figure.canvas
        canvas.restore_region(self.background)
        for artist in self.artists:
            if artist.axes is not None:
                artist.axes.draw_artist(artist)
            else:
                self.figure.draw_artist(artist)
        buf = _io.BytesIO()
        Image.fromarray(_np.asarray(canvas.buffer_rgba())).save(buf, format="png",
                                                                 compress_level=1)
        return buf.getvalue()


def _filters_title(model):
    return f"filters $W^{{(1)}}$: ρ = {model.rho:.3g}, β = {model.beta:.3g}"


def _kl_title(model):
    return f"penalty β·KL(ρ‖ρ̂): ρ = {model.rho:.3g}, β = {model.beta:.3g}"


def _figures_table(model):
    """The figures panel: J_sparse and its three terms as numbers and as a stacked bar."""
    parts = [("reconstruction error", model.reconstruction_error, "#4c78a8"),
             ("weight decay", model.weight_decay, "#9ecae9"),
             ("sparsity penalty", model.sparsity_penalty, "#e45756")]
    bar = "".join(
        f'<div title="{name}" style="width:{100 * value / model.cost:.2f}%;'
        f'background:{colour};height:14px"></div>' for name, value, colour in parts)
    rows = "".join(
        f'<tr><td><span style="color:{colour}">■</span> {name}</td>'
        f'<td style="text-align:right">{value:.3g}</td>'
        f'<td style="text-align:right">{100 * value / model.cost:.2g}%</td></tr>'
        for name, value, colour in parts)
    return (
        '<div style="font-size:13px;line-height:1.5;padding-left:8px">'
        f"<b>cost J<sub>sparse</sub> = {model.cost:.3g}</b>"
        f'<div style="display:flex;width:100%;margin:4px 0 6px 0">{bar}</div>'
        f"<table>{rows}</table>"
        f"<p>penalty share of the cost: <b>{100 * model.penalty_share:.2g}%</b><br>"
        f"mean activation mean<sub>j</sub> ρ̂<sub>j</sub> = <b>{model.mean_activation:.3g}</b>"
        f" (target ρ = {model.rho:.3g})<br>"
        f"ρ̂<sub>j</sub> from {model.rho_hat.min():.3g} to {model.rho_hat.max():.3g}</p>"
        "</div>")


class ExplorerPanels:
    """The explorer's pictures of one model -- drawing only, no widgets, no threads.

    Three matplotlib figures (``filters_figure``, ``histogram_figure``, ``kl_figure``),
    drawn once at construction; :meth:`draw` puts a model into them by updating their
    artists in place (``filters_artist``, ``histogram_artist``, ``kl_curve``, ...) and
    returns the PNG of each and the HTML of the figures table. matplotlib is not
    thread-safe: :meth:`draw` runs only on the thread that built the panels.
    """

    def __init__(self, model):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.thread = _threading.current_thread()
        hidden_size = model.hidden_size
        # fixed margins (a layout engine would cost seconds at every first draw)
        self.filters_figure = Figure(figsize=(3.5, 3.7), dpi=80)
        FigureCanvasAgg(self.filters_figure)
        ax = self.filters_figure.add_axes((0.03, 0.02, 0.94, 0.89))
        self.filters_artist = ax.imshow(_tile_filters(model.W1.T), cmap="gray", vmin=-1,
                                        vmax=1, interpolation="nearest")
        ax.set_axis_off()
        self.filters_title = ax.set_title(_filters_title(model), fontsize=11)

        self.histogram_figure = Figure(figsize=(4.4, 3.7), dpi=80)
        FigureCanvasAgg(self.histogram_figure)
        ax = self.histogram_figure.add_axes((0.14, 0.15, 0.82, 0.76))
        self.histogram_edges = _np.geomspace(*_RHO_HAT_RANGE, 101)   # 0.04 decade
        counts, _ = _np.histogram(model.rho_hat, self.histogram_edges)
        self.histogram_artist = ax.stairs(counts, self.histogram_edges, fill=True,
                                          color="C0", alpha=0.8, label=r"units' $\hat\rho_j$")
        self.histogram_rho_line = ax.axvline(model.rho, color="C3", lw=2, label=r"target $\rho$")
        self.histogram_mean_line = ax.axvline(model.mean_activation, color="k", ls="--",
                                              lw=1.2, label=r"mean of $\hat\rho_j$")
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xlim(*_RHO_HAT_RANGE)
        ax.set_ylim(0, hidden_size + 1)
        ax.set_xlabel(r"average activation $\hat\rho_j$ of a hidden unit")
        ax.set_ylabel("number of units")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        ax.set_title(rf"$\hat\rho_j$ of the {hidden_size} hidden units", fontsize=11)

        self.kl_figure = Figure(figsize=(4.4, 3.4), dpi=80)
        FigureCanvasAgg(self.kl_figure)
        ax = self.kl_figure.add_axes((0.14, 0.16, 0.82, 0.74))
        self.kl_rho_hat = _np.geomspace(_RHO_HAT_RANGE[0], 0.999, 400)
        self.kl_curve, = ax.plot(self.kl_rho_hat, model.beta * _kl(model.rho, self.kl_rho_hat),
                                 color="C0", lw=2, label=r"$\beta\,$KL$(\rho\,\|\,\hat\rho)$")
        self.kl_units, = ax.plot(model.rho_hat, model.beta * _kl(model.rho, model.rho_hat),
                                 "o", color="k", ms=4, alpha=0.7,
                                 label=r"the units, at their $\hat\rho_j$")
        self.kl_rho_line = ax.axvline(model.rho, color="C3", lw=2)
        ax.set_xscale("log")
        ax.minorticks_off()
        ax.set_xlim(*_RHO_HAT_RANGE)
        ax.set_ylim(0, 5)
        ax.set_xlabel(r"average activation $\hat\rho$")
        ax.set_ylabel("penalty one unit pays")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        self.kl_title = ax.set_title(_kl_title(model), fontsize=11)

        # static parts drawn once; these artists are redrawn on each change (blitting)
        self._panels = {
            "filters": _BlitPanel(self.filters_figure, [self.filters_artist,
                                                        self.filters_title]),
            "histogram": _BlitPanel(self.histogram_figure, [
                self.histogram_artist, self.histogram_rho_line, self.histogram_mean_line]),
            "kl": _BlitPanel(self.kl_figure, [self.kl_rho_line, self.kl_curve,
                                              self.kl_units, self.kl_title]),
        }
        self.model = None

    def figure_size_px(self, name):
        """(width, height) in pixels of the panel ``name``: filters, histogram or kl."""
        figure = self._panels[name].figure
        return tuple(int(round(x)) for x in figure.get_size_inches() * figure.dpi)

    def draw(self, model):
        """Put ``model`` into every panel; returns {"filters", "histogram", "kl": PNG bytes,
        "figures": HTML}."""
        if _threading.current_thread() is not self.thread:
            raise RuntimeError("the explorer's panels are drawn on the thread that made them "
                               f"({self.thread.name}) -- matplotlib is not thread-safe; "
                               f"this is {_threading.current_thread().name}.")
        self.filters_artist.set_data(_tile_filters(model.W1.T))
        self.filters_title.set_text(_filters_title(model))
        counts, _ = _np.histogram(model.rho_hat, self.histogram_edges)
        self.histogram_artist.set_data(counts)
        self.histogram_rho_line.set_xdata([model.rho, model.rho])
        self.histogram_mean_line.set_xdata([model.mean_activation] * 2)
        self.kl_curve.set_ydata(model.beta * _kl(model.rho, self.kl_rho_hat))
        self.kl_units.set_data(model.rho_hat, model.beta * _kl(model.rho, model.rho_hat))
        self.kl_rho_line.set_xdata([model.rho, model.rho])
        self.kl_title.set_text(_kl_title(model))
        self.model = model
        out = {name: panel.png() for name, panel in self._panels.items()}
        out["figures"] = _figures_table(model)
        return out

    @property
    def histogram_counts(self):
        """The bar heights of the ρ̂_j histogram as drawn."""
        return _np.asarray(self.histogram_artist.get_data().values)


# ---------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------
class RhoBetaExplorer(_ipw.VBox):
    """The ρ/β explorer: two sliders and four panels that update together.

    Panels: the 25 learned filters (``filters_image``), the histogram of the units'
    ρ̂_j with ρ marked (``histogram_image``), the penalty curve β·KL(ρ‖ρ̂) with the units
    on it (``kl_image``) and the figures of the model (``figures_html``), drawn by
    ``panels`` (:class:`ExplorerPanels`).

    A value on the grid shows the precomputed model at once. Any other value (typed into
    a slider's number box) shows the nearest grid model at once and trains the requested
    one in a background thread (:class:`~sae_lib.widgets.explorer_training.BackgroundTrainer`:
    one training at a time, a new value cancels the running one within an iteration) by
    the grid's own recipe -- from the same initial weights, with the same stopping rule
    and at most ``off_grid_iterations`` L-BFGS iterations (default: the grid's 400) -- so
    that it can be compared with the grid's models. Trained models are kept, so going
    back is instant.

    Threads: everything that draws runs on the thread that made the explorer (the
    kernel's main thread). Slider changes that arrive on another thread (JupyterLab
    sends widget messages over a kernel subshell, whose thread runs beside the main one)
    and results of the background training are posted to it and done by the kernel's
    event loop as soon as the main thread is free.

    ``model`` is the model on show (read-only); ``wait()`` blocks until no training runs
    and its result is on show.
    """

    def __init__(self, grid=None, rho=0.01, beta=3.0, off_grid_iterations=None):
        self.grid = load_explorer_grid() if grid is None else grid
        g = self.grid
        if off_grid_iterations is None:
            off_grid_iterations = g.max_iter
        if (isinstance(off_grid_iterations, bool)
                or not isinstance(off_grid_iterations, _numbers.Integral)
                or off_grid_iterations < 1):
            raise ValueError(f"off_grid_iterations must be a positive integer (the grid's "
                             f"models had up to {g.max_iter}), got {off_grid_iterations!r}.")
        self.off_grid_iterations = int(off_grid_iterations)
        self._trainer = BackgroundTrainer()
        self._inbox = OwnerThreadQueue()
        self._awaited = None      # the id of the training job whose result is awaited
        self._trained = {}
        self._latest_request = None  # (rho, beta, time) posted from another thread
        self._request_lock = _threading.Lock()
        self.last_update_seconds = None
        log_rho = _np.log10(g.rho)
        rho_step = float(_np.mean(_np.diff(log_rho)))
        beta_step = float(_np.mean(_np.diff(g.beta)))
        style = {"description_width": "initial"}
        self.rho_slider = _ipw.FloatLogSlider(
            value=rho, base=10, min=float(log_rho[0]), max=float(log_rho[-1]), step=rho_step,
            description="target activation ρ", readout_format=".3g",
            continuous_update=False, style=style, layout=_ipw.Layout(width="48%"))
        self.beta_slider = _ipw.FloatSlider(
            value=beta, min=float(g.beta[0]), max=float(g.beta[-1]), step=beta_step,
            description="sparsity weight β", readout_format=".3g",
            continuous_update=False, style=style, layout=_ipw.Layout(width="48%"))
        self.rho_slider.add_class("sae-explorer-rho")
        self.beta_slider.add_class("sae-explorer-beta")
        self.status = _ipw.HTML(layout=_ipw.Layout(flex="1 1 auto"))
        self.status.add_class("sae-explorer-status")
        self.progress = _ipw.IntProgress(value=0, min=0, max=self.off_grid_iterations,
                                         description="training", bar_style="info",
                                         layout=_ipw.Layout(visibility="hidden", width="240px",
                                                            flex="0 0 auto"))

        self.panels = ExplorerPanels(g.model(*g.nearest(rho, beta)))

        def image(name, css):
            w, h = self.panels.figure_size_px(name)
            img = _ipw.Image(format="png", layout=_ipw.Layout(
                width=f"{w}px", height=f"{h}px", flex="0 0 auto", object_fit="contain"))
            img.add_class(css)
            return img

        self.filters_image = image("filters", "sae-explorer-filters")
        self.histogram_image = image("histogram", "sae-explorer-histogram")
        self.kl_image = image("kl", "sae-explorer-kl")
        self.figures_html = _ipw.HTML(layout=_ipw.Layout(width="420px"))
        self.figures_html.add_class("sae-explorer-figures")

        self.rho_slider.observe(self._on_change, names="value")
        self.beta_slider.observe(self._on_change, names="value")
        super().__init__([
            _ipw.HBox([self.rho_slider, self.beta_slider]),
            _ipw.HBox([self.status, self.progress]),
            _ipw.HBox([self.filters_image, self.histogram_image]),
            _ipw.HBox([self.kl_image, self.figures_html]),
        ])
        self.add_class("sae-explorer")
        self.model = None
        self.requested = None
        self.request(rho, beta)

    # -- what the sliders do -----------------------------------------------------------
    def _on_change(self, change):
        self.request(self.rho_slider.value, self.beta_slider.value)

    def request(self, rho, beta):
        """Show the model at (rho, beta): at once if known, else train it in the background.

        May be called from any thread: JupyterLab can deliver slider changes on a kernel
        subshell's thread while the kernel's main thread runs cells. The work -- which
        draws -- is always done on the thread that made the explorer: at once when called
        there, else as soon as that thread is free (only the latest of several waiting
        requests is done).
        """
        start = _time.perf_counter()
        if _threading.current_thread() is self._inbox.owner:
            with self._request_lock:
                self._latest_request = None      # superseded by this one
            self._request_now(rho, beta, start)
            return
        with self._request_lock:
            first = self._latest_request is None
            self._latest_request = (rho, beta, start)
        if first:
            self._inbox.post(self._take_latest_request)

    def _take_latest_request(self):
        with self._request_lock:
            latest, self._latest_request = self._latest_request, None
        if latest is not None:
            self._request_now(*latest)

    def _request_now(self, rho, beta, start):
        g = self.grid
        self._awaited = None           # whatever was being trained is no longer wanted
        self._trainer.cancel()
        idx = g.find(rho, beta)
        near = g.nearest(rho, beta)
        key = (round(float(_np.log10(rho)), 6), round(float(beta), 6))
        if idx is not None:
            self._show(g.model(*idx), rho, beta,
                       "precomputed model from the grid (<code>explorer_grid.npz</code>)")
        elif g.beta[near[1]] == 0 and abs(beta) <= _BETA_TOLERANCE:
            # beta = 0: rho does not enter the objective, the grid model is the answer
            self._show(_dataclasses.replace(g.model(*near), rho=float(rho)), rho, beta,
                       "β = 0: ρ plays no part in training, so the grid model is this model")
        elif key in self._trained:
            self._show(self._trained[key], rho, beta,
                       "trained live earlier (kept): " + self._trained_note(self._trained[key]))
        else:
            base = g.model(*near)
            self._show(base, rho, beta,
                       f"ρ = {rho:.3g}, β = {beta:.3g} is off the grid: showing the nearest "
                       f"grid model (ρ = {base.rho:.3g}, β = {base.beta:g}) while the "
                       f"requested one trains as the grid's models were trained (same "
                       f"initial weights, same stopping rule, at most "
                       f"{self.off_grid_iterations} L-BFGS iterations)",
                       training=True)
            self._start_training(float(rho), float(beta), key)
        self.last_update_seconds = _time.perf_counter() - start

    def _trained_note(self, model):
        like_grid = model.trained_like(self.grid)
        note = (f"{model.n_iter} L-BFGS iterations from the grid's initial weights"
                if model.warm_start is None else
                f"{model.n_iter} L-BFGS iterations warm-started from grid model "
                f"{model.warm_start}")
        if like_grid:
            return note + ", with the grid's stopping rule: comparable with the grid's models"
        return (note + f" (at most {model.max_iter}; the grid's models had up to "
                f"{self.grid.max_iter}): not directly comparable with them")

    def _start_training(self, rho, beta, key):
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.progress.layout.visibility = "visible"
        inbox, grid, max_iter = self._inbox, self.grid, self.off_grid_iterations

        def work(job):                     # in the background thread: train, never draw
            def on_progress(evaluations):
                if evaluations % _PROGRESS_EVERY == 0:
                    inbox.post(lambda: self._on_progress(job.id, evaluations))
            return grid.train_model(rho, beta, max_iter=max_iter, on_progress=on_progress,
                                    cancel=job.cancel)

        def deliver(job):                  # in the background thread: hand over, never draw
            inbox.post(lambda: self._on_trained(job, key, rho, beta))

        self._awaited = self._trainer.submit(work, deliver).id

    # -- results, on the owner thread --------------------------------------------------
    def _on_progress(self, job_id, evaluations):
        if job_id == self._awaited:
            self.progress.value = min(evaluations, self.progress.max)

    def _on_trained(self, job, key, rho, beta):
        if job.result is not None:         # a finished model is worth keeping
            self._trained[key] = job.result
        if job.id != self._awaited:
            return                         # a newer request has replaced this one
        self._awaited = None
        if job.state == "failed":
            self.progress.bar_style = "danger"
            self.status.value = (f"<i>training failed: {type(job.error).__name__}: "
                                 f"{job.error}</i>")
            return
        if job.state != "done":
            return
        self._show(job.result, rho, beta, "trained live: " + self._trained_note(job.result))
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"

    def wait(self, timeout=None):
        """Block until no training runs or waits and its result is on show; True if so.

        On the explorer's own thread this also does the requests and draws the results
        that arrived meanwhile (in a notebook cell the kernel's event loop cannot, while
        the cell runs).
        """
        deadline = None if timeout is None else _time.monotonic() + timeout
        owner = _threading.current_thread() is self._inbox.owner
        while True:
            if owner:
                self._inbox.run_pending()
            left = None if deadline is None else max(0.0, deadline - _time.monotonic())
            if not owner:                  # the owner's event loop does the drawing
                left = 0.01 if left is None else min(left, 0.01)
            self._trainer.wait_idle(left)
            if owner:
                self._inbox.run_pending()
            if not self._trainer.busy and not len(self._inbox):
                return True
            if deadline is not None and _time.monotonic() >= deadline:
                return False

    @property
    def training(self):
        """True while a model is being trained (or waits to be) in the background."""
        return self._trainer.busy

    # -- drawing -----------------------------------------------------------------------
    def _show(self, model, rho, beta, note, training=False):
        """Put ``model`` into every panel; ``rho``, ``beta`` are the requested values."""
        out = self.panels.draw(model)
        self.model = model
        self.requested = (float(rho), float(beta))
        self.filters_image.value = out["filters"]
        self.histogram_image.value = out["histogram"]
        self.kl_image.value = out["kl"]
        self.figures_html.value = out["figures"]
        self.status.value = f"<i>{note}</i>"
        if not training:
            self.progress.layout.visibility = "hidden"

    def __repr__(self):
        return (f"RhoBetaExplorer(rho={self.rho_slider.value:.3g}, "
                f"beta={self.beta_slider.value:.3g})")


def rho_beta_explorer(rho=0.01, beta=3.0, grid=None, off_grid_iterations=None):
    """The interactive ρ/β explorer of notebook 06.

    A log-scale slider for the target activation ``rho`` (0.001 to 0.46) and a slider for
    the sparsity weight ``beta`` (0 to 10) select a sparse autoencoder (25 hidden units,
    lambda = 1e-4, 8x8 whitened natural-image patches); four panels show its filters,
    the histogram of its units' ρ̂_j with ρ marked, the penalty curve β·KL(ρ‖ρ̂) with the
    units on it, and its cost split into reconstruction error, weight decay and sparsity
    penalty. Slider positions are the precomputed grid (``grid``, default
    :func:`load_explorer_grid`), shown at once; a value typed into a number box between
    grid points is trained live in the background as the grid's models were (same initial
    weights and stopping rule, at most ``off_grid_iterations`` L-BFGS iterations, default
    the grid's 400). Returns a :class:`RhoBetaExplorer` (an ipywidgets VBox) to display.
    """
    return RhoBetaExplorer(grid=grid, rho=rho, beta=beta,
                           off_grid_iterations=off_grid_iterations)
