"""The rho/beta explorer of notebook 06: a precomputed grid of trained models, a live
explorer that shows the nearest one at once and trains an off-grid model in the background.

Figures are drawn once and their artists updated in place on each change; sliders use
``continuous_update=False``.
"""

from __future__ import annotations

import io as _io
import threading as _threading
import time as _time
from dataclasses import dataclass as _dataclass, replace as _replace
from pathlib import Path as _Path

import ipywidgets as _ipw
import numpy as _np

from ..data import DATA_DIR as _DATA_DIR, load_natural_images as _load_natural_images
from ..data import sample_images as _sample_images
from ..objective import forward as _forward, kl_divergence as _kl
from ..objective import unpack_parameters as _unpack
from .._blas_threads import one_blas_thread as _one_blas_thread
from ..visualization import tile_filters as _tile_filters

#: The precomputed models of the explorer, written by ``scripts/make_explorer_grid.py``.
EXPLORER_GRID_FILE = _DATA_DIR / "explorer_grid.npz"
_EXPLORER_GRID_FORMAT = "sae_lib.explorer_grid"
#: log10(rho) within this distance of a grid value counts as on the grid (the readout
#: shows 3 significant digits, so typing the shown 0.00215 finds the model at 0.0021544).
_LOG_RHO_TOLERANCE = 1e-3
_BETA_TOLERANCE = 1e-6
#: the rho_hat axis of the KL and histogram panels (log scale)
_RHO_HAT_RANGE = (1e-4, 1.0)


def model_figures(theta, rho, beta, lambda_, data, hidden_size):
    """The explorer's figures for one model, measured on ``data`` (visible_size, m).

    Returns a dict: ``reconstruction_error`` (1/m) sum_i 1/2 ||a3_i - x_i||^2 (the first
    term of J_sparse), ``weight_decay`` lambda/2 (||W1||^2 + ||W2||^2),
    ``sparsity_penalty`` beta sum_j KL(rho || rho_hat_j), ``cost`` (their sum, J_sparse)
    and ``rho_hat`` (hidden_size,), each unit's average activation.
    """
    data = _np.asarray(data, dtype=_np.float64)
    W1, W2, b1, b2 = _unpack(_np.asarray(theta, dtype=_np.float64), data.shape[0],
                             hidden_size)
    _, a2, _, a3 = _forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)
    reconstruction = 0.5 * float(_np.sum((a3 - data) ** 2)) / data.shape[1]
    decay = 0.5 * float(lambda_) * float(_np.sum(W1**2) + _np.sum(W2**2))
    penalty = float(beta) * float(_np.sum(_kl(rho, rho_hat)))
    return {"reconstruction_error": reconstruction, "weight_decay": decay,
            "sparsity_penalty": penalty, "cost": reconstruction + decay + penalty,
            "rho_hat": rho_hat}


@_dataclass
class ExplorerModel:
    """One trained model as the explorer shows it: parameters and measured figures.

    ``source`` says where it comes from: ``"grid"`` (precomputed by
    ``scripts/make_explorer_grid.py``) or ``"trained"`` (trained live, warm-started from
    the grid model at ``grid_index``).
    """

    rho: float
    beta: float
    lambda_: float
    theta: _np.ndarray
    visible_size: int
    hidden_size: int
    rho_hat: _np.ndarray
    reconstruction_error: float
    weight_decay: float
    sparsity_penalty: float
    cost: float
    source: str = "grid"
    grid_index: tuple = None
    n_iter: int = 0

    @property
    def W1(self):
        return _unpack(self.theta, self.visible_size, self.hidden_size)[0]

    @property
    def mean_activation(self):
        """The hidden units' activation averaged over units and patches: mean_j rho_hat_j."""
        return float(_np.mean(self.rho_hat))

    @property
    def penalty_share(self):
        """The share of the cost J_sparse that is the sparsity penalty (0 to 1)."""
        return self.sparsity_penalty / self.cost if self.cost > 0 else 0.0

    def __repr__(self):
        return (f"ExplorerModel(rho={self.rho:.3g}, beta={self.beta:.3g}, "
                f"source={self.source!r}, reconstruction_error={self.reconstruction_error:.4g}, "
                f"mean_activation={self.mean_activation:.3g}, "
                f"penalty_share={self.penalty_share:.3g})")


class ExplorerGrid:
    """The precomputed grid of models behind :func:`rho_beta_explorer`.

    Read from a file written by ``scripts/make_explorer_grid.py`` (a plain .npz). Arrays
    are indexed ``[i, j]`` for ``rho[i]``, ``beta[j]``: ``theta`` (parameters),
    ``rho_hat`` (per unit), ``reconstruction_error``, ``weight_decay``,
    ``sparsity_penalty``, ``cost``, ``n_iter``; also ``lambda_``, ``hidden_size``,
    ``visible_size`` and how the training patches were drawn (``patch_size``,
    ``num_patches``, ``patch_seed``).
    """

    def __init__(self, path=None):
        path = _Path(path) if path is not None else EXPLORER_GRID_FILE
        try:
            f = _np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ValueError(f"no explorer grid at {str(path)!r}; make it with "
                             "`.venv/bin/python scripts/make_explorer_grid.py`.") from None
        with f:
            if "format" not in f.files or str(f["format"]) != _EXPLORER_GRID_FORMAT:
                raise ValueError(f"{str(path)!r} is not an explorer grid written by "
                                 "scripts/make_explorer_grid.py.")
            self.path = path
            self.rho = _np.asarray(f["rho"], dtype=_np.float64)
            self.beta = _np.asarray(f["beta"], dtype=_np.float64)
            self.lambda_ = float(f["lambda_"])
            self.hidden_size = int(f["hidden_size"])
            self.visible_size = int(f["visible_size"])
            self.patch_size = int(f["patch_size"])
            self.num_patches = int(f["num_patches"])
            self.patch_seed = int(f["patch_seed"])
            self.max_iter = int(f["max_iter"])
            self.theta = _np.asarray(f["theta"], dtype=_np.float64)
            self.n_iter = _np.asarray(f["n_iter"])
            self.rho_hat = _np.asarray(f["rho_hat"], dtype=_np.float64)
            for name in ("reconstruction_error", "weight_decay", "sparsity_penalty", "cost"):
                setattr(self, name, _np.asarray(f[name], dtype=_np.float64))
        self._log_rho = _np.log10(self.rho)
        self._patches = None
        self._patches_lock = _threading.Lock()

    @property
    def shape(self):
        return (len(self.rho), len(self.beta))

    @property
    def mean_activation(self):
        """(n_rho, n_beta): mean_j rho_hat_j of every model."""
        return self.rho_hat.mean(axis=-1)

    @property
    def penalty_share(self):
        """(n_rho, n_beta): the share of the cost that is the sparsity penalty."""
        return self.sparsity_penalty / self.cost

    def find(self, rho, beta):
        """The grid index ``(i, j)`` of the model at (rho, beta), or None if off the grid."""
        i = int(_np.argmin(_np.abs(self._log_rho - _np.log10(rho))))
        j = int(_np.argmin(_np.abs(self.beta - beta)))
        on_rho = abs(self._log_rho[i] - _np.log10(rho)) <= _LOG_RHO_TOLERANCE
        on_beta = abs(self.beta[j] - beta) <= _BETA_TOLERANCE
        return (i, j) if on_rho and on_beta else None

    def nearest(self, rho, beta):
        """The grid index ``(i, j)`` nearest to (rho, beta): rho on a log scale."""
        i = int(_np.argmin(_np.abs(self._log_rho - _np.log10(rho))))
        j = int(_np.argmin(_np.abs(self.beta - beta)))
        return i, j

    def model(self, i, j):
        """The grid model ``(i, j)`` as an :class:`ExplorerModel`."""
        return ExplorerModel(
            rho=float(self.rho[i]), beta=float(self.beta[j]), lambda_=self.lambda_,
            theta=self.theta[i, j], visible_size=self.visible_size,
            hidden_size=self.hidden_size, rho_hat=self.rho_hat[i, j],
            reconstruction_error=float(self.reconstruction_error[i, j]),
            weight_decay=float(self.weight_decay[i, j]),
            sparsity_penalty=float(self.sparsity_penalty[i, j]),
            cost=float(self.cost[i, j]), source="grid", grid_index=(i, j),
            n_iter=int(self.n_iter[i, j]))

    def training_patches(self):
        """The patches the grid was trained on (drawn again from the stored seed; cached)."""
        with self._patches_lock:
            if self._patches is None:
                self._patches = _sample_images(
                    _load_natural_images(), self.patch_size, self.num_patches,
                    rng=_np.random.default_rng(self.patch_seed))
            return self._patches

    def train_model(self, rho, beta, max_iter=100, chunk=25, start=None, on_progress=None,
                    cancelled=None):
        """Train the model at (rho, beta), warm-started from the nearest grid model.

        Runs :func:`sae_lib.train` in chunks of ``chunk`` iterations (at most ``max_iter``
        in all, stopping early once L-BFGS converges), calling ``on_progress(iterations)``
        after each chunk and giving up (returning None) as soon as ``cancelled()`` is true.
        ``start``: the grid index to warm-start from (default: the nearest). numpy's BLAS
        runs on one thread meanwhile (see :func:`_one_blas_thread`). Returns an
        :class:`ExplorerModel` with ``source="trained"``.
        """
        i, j = self.nearest(rho, beta) if start is None else start
        data = self.training_patches()
        with _one_blas_thread():
            theta, done = self._train_chunks(data, rho, beta, self.theta[i, j], max_iter,
                                             chunk, on_progress, cancelled)
            if theta is None:
                return None
            figs = model_figures(theta, rho, beta, self.lambda_, data, self.hidden_size)
        return ExplorerModel(rho=float(rho), beta=float(beta), lambda_=self.lambda_,
                             theta=theta, visible_size=self.visible_size,
                             hidden_size=self.hidden_size, source="trained",
                             grid_index=(i, j), n_iter=done, **figs)

    def _train_chunks(self, data, rho, beta, theta, max_iter, chunk, on_progress, cancelled):
        from ..training import train

        done = 0
        while done < max_iter:
            if cancelled is not None and cancelled():
                return None, done
            step = min(chunk, max_iter - done)
            result = train(data, self.hidden_size, lambda_=self.lambda_, sparsity_param=rho,
                           beta=beta, max_iter=step, theta0=theta, progress=False)
            theta = result.theta
            done += max(result.n_iter, 1)
            if on_progress is not None:
                on_progress(done)
            if result.n_iter < step:  # converged before the chunk's end
                break
        if cancelled is not None and cancelled():
            return None, done
        return theta, done

    def __repr__(self):
        return (f"ExplorerGrid({len(self.rho)} rho x {len(self.beta)} beta models, "
                f"rho {self.rho[0]:.3g}..{self.rho[-1]:.3g}, beta {self.beta[0]:g}.."
                f"{self.beta[-1]:g}, lambda={self.lambda_:g}, {self.hidden_size} hidden units)")


_GRID_CACHE = {}


def load_explorer_grid(path=None):
    """Load the precomputed ρ×β grid of models (cached per path). See :class:`ExplorerGrid`."""
    key = str(_Path(path).resolve()) if path is not None else str(EXPLORER_GRID_FILE)
    if key not in _GRID_CACHE:
        _GRID_CACHE[key] = ExplorerGrid(path)
    return _GRID_CACHE[key]


def plot_explorer_grid(grid=None, rhos=None, betas=(0.0, 1.0, 3.0, 10.0)):
    """A static figure: the learned filters of grid models, rho across, beta down.

    What the explorer shows, for readers without a running kernel. ``rhos`` / ``betas``
    pick grid values (default: every rho; beta 0, 1, 3, 10). Returns the figure.
    """
    import matplotlib.pyplot as plt

    grid = load_explorer_grid() if grid is None else grid
    rhos = grid.rho if rhos is None else rhos
    idx = [grid.find(r, b) for b in betas for r in rhos]
    if any(k is None for k in idx):
        raise ValueError("plot_explorer_grid shows grid models only; pick rhos from "
                         f"{_np.round(grid.rho, 5).tolist()} and betas from "
                         f"{grid.beta.tolist()}.")
    fig, axes = plt.subplots(len(betas), len(rhos), squeeze=False,
                             figsize=(1.15 * len(rhos) + 0.4, 1.22 * len(betas) + 0.5),
                             gridspec_kw={"wspace": 0.06, "hspace": 0.08})
    for ax, (i, j) in zip(axes.ravel(), idx):
        ax.imshow(_tile_filters(grid.model(i, j).W1.T), cmap="gray", vmin=-1, vmax=1,
                  interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    for c, r in enumerate(rhos):
        axes[0, c].set_title(f"ρ = {r:.3g}", fontsize=9)
    for rr, b in enumerate(betas):
        axes[rr, 0].set_ylabel(f"β = {b:g}", fontsize=9)
    fig.suptitle("learned filters $W^{(1)}$: ρ grows to the right, β grows downwards",
                 fontsize=11, y=0.995)
    return fig


class RhoBetaExplorer(_ipw.VBox):
    """The ρ/β explorer: two sliders and four panels that update together.

    Panels: the 25 learned filters (``filters_image``), the histogram of the units'
    ρ̂_j with ρ marked (``histogram_image``), the penalty curve β·KL(ρ‖ρ̂) with the units
    on it (``kl_image``) and the figures of the model (``figures_html``). Each figure is
    a plain matplotlib Figure drawn once; a change updates its artists in place
    (``filters_artist``, ``histogram_artist``, ``kl_curve``, ...) and puts a fresh PNG
    into the ipywidgets Image.

    A value on the grid shows the precomputed model at once. Any other value (typed into
    a slider's number box) shows the nearest grid model at once and trains the requested
    one in a background thread, warm-started from it, with a progress bar; the panels
    switch to it when it is done (trained models are kept, so going back is instant).
    ``model`` is the model shown; ``wait()`` blocks until background training is done.
    """

    def __init__(self, grid=None, rho=0.01, beta=3.0, off_grid_iterations=100):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.grid = load_explorer_grid() if grid is None else grid
        self.off_grid_iterations = int(off_grid_iterations)
        self._lock = _threading.RLock()
        self._generation = 0
        self._thread = None
        self._trained = {}
        self.last_update_seconds = None
        g = self.grid
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
        self.progress = _ipw.IntProgress(value=0, min=0, max=self.off_grid_iterations,
                                         description="training", bar_style="info",
                                         layout=_ipw.Layout(visibility="hidden", width="240px",
                                                            flex="0 0 auto"))

        # --- the filters --------------------------------------------------------------
        model = g.model(*g.nearest(rho, beta))
        # fixed margins (a layout engine would cost seconds at every first draw)
        self.filters_figure = Figure(figsize=(3.5, 3.7), dpi=80)
        FigureCanvasAgg(self.filters_figure)
        ax = self.filters_figure.add_axes((0.03, 0.02, 0.94, 0.89))
        self.filters_artist = ax.imshow(_tile_filters(model.W1.T), cmap="gray", vmin=-1,
                                        vmax=1, interpolation="nearest")
        ax.set_axis_off()
        self.filters_title = ax.set_title(_filters_title(model), fontsize=11)

        # --- the histogram of rho_hat_j -----------------------------------------------
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
        ax.set_ylim(0, g.hidden_size + 1)
        ax.set_xlabel(r"average activation $\hat\rho_j$ of a hidden unit")
        ax.set_ylabel("number of units")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        ax.set_title(rf"$\hat\rho_j$ of the {g.hidden_size} hidden units", fontsize=11)

        # --- the penalty curve beta * KL(rho || rho_hat) ------------------------------
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

        def image(figure, css):
            w, h = (int(round(x)) for x in figure.get_size_inches() * figure.dpi)
            img = _ipw.Image(format="png", layout=_ipw.Layout(
                width=f"{w}px", height=f"{h}px", flex="0 0 auto", object_fit="contain"))
            img.add_class(css)
            return img

        self.filters_image = image(self.filters_figure, "sae-explorer-filters")
        self.histogram_image = image(self.histogram_figure, "sae-explorer-histogram")
        self.kl_image = image(self.kl_figure, "sae-explorer-kl")
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
        self.request(rho, beta)

    # -- what the sliders do -----------------------------------------------------------
    def _on_change(self, change):
        self.request(self.rho_slider.value, self.beta_slider.value)

    def request(self, rho, beta):
        """Show the model at (rho, beta): at once if known, else train it in the background."""
        start = _time.perf_counter()
        g = self.grid
        with self._lock:
            self._generation += 1
            generation = self._generation
            idx = g.find(rho, beta)
            near = g.nearest(rho, beta)
            key = (round(float(_np.log10(rho)), 6), round(float(beta), 6))
            if idx is not None:
                self._show(g.model(*idx), rho, beta,
                           "precomputed model from the grid (<code>explorer_grid.npz</code>)")
            elif g.beta[near[1]] == 0 and abs(beta) <= _BETA_TOLERANCE:
                # beta = 0: rho does not enter the objective, the grid model is the answer
                self._show(_replace(g.model(*near), rho=float(rho)), rho, beta,
                           "β = 0: ρ plays no part in training, so the grid model is "
                           "this model")
            elif key in self._trained:
                self._show(self._trained[key], rho, beta, "trained live earlier (kept)")
            else:
                base = g.model(*near)
                self._show(base, rho, beta,
                           f"ρ = {rho:.3g}, β = {beta:.3g} is off the grid: showing the "
                           f"nearest grid model (ρ = {base.rho:.3g}, β = {base.beta:g}) "
                           "while training the requested one, warm-started from it",
                           training=True)
                self._start_training(rho, beta, near, key, generation)
            self.last_update_seconds = _time.perf_counter() - start

    def _start_training(self, rho, beta, near, key, generation):
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.progress.layout.visibility = "visible"

        def cancelled():
            return self._generation != generation

        def on_progress(done):
            if not cancelled():
                self.progress.value = min(done, self.progress.max)

        def work():
            try:
                model = self.grid.train_model(rho, beta, max_iter=self.off_grid_iterations,
                                              start=near, on_progress=on_progress,
                                              cancelled=cancelled)
            except Exception as exc:  # shown, not lost in a thread
                with self._lock:
                    if not cancelled():
                        self.progress.bar_style = "danger"
                        self.status.value = f"training failed: {type(exc).__name__}: {exc}"
                return
            if model is None:
                return
            with self._lock:
                self._trained[key] = model
                if cancelled():
                    return
                self._show(model, rho, beta,
                           f"trained live: {model.n_iter} L-BFGS iterations warm-started "
                           f"from the grid model at ρ = {self.grid.rho[near[0]]:.3g}, "
                           f"β = {self.grid.beta[near[1]]:g}")
                self.progress.value = self.progress.max
                self.progress.bar_style = "success"
                self.progress.layout.visibility = "hidden"

        self._thread = _threading.Thread(target=work, name="rho-beta-explorer", daemon=True)
        self._thread.start()

    def wait(self, timeout=None):
        """Block until background training (if any) has finished; True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    @property
    def training(self):
        """True while a model is being trained in the background."""
        return self._thread is not None and self._thread.is_alive()

    # -- drawing -----------------------------------------------------------------------
    def _show(self, model, rho, beta, note, training=False):
        """Put ``model`` into every panel; ``rho``, ``beta`` are the requested values."""
        self.model = model
        self.requested = (float(rho), float(beta))
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
        self.filters_image.value = self._panels["filters"].png()
        self.histogram_image.value = self._panels["histogram"].png()
        self.kl_image.value = self._panels["kl"].png()
        self.figures_html.value = _figures_table(model)
        self.status.value = f"<i>{note}</i>"
        if not training:
            self.progress.layout.visibility = "hidden"

    @property
    def histogram_counts(self):
        """The bar heights of the ρ̂_j histogram as drawn."""
        return _np.asarray(self.histogram_artist.get_data().values)

    def __repr__(self):
        return (f"RhoBetaExplorer(rho={self.rho_slider.value:.3g}, "
                f"beta={self.beta_slider.value:.3g})")


def _filters_title(model):
    return f"filters $W^{{(1)}}$: ρ = {model.rho:.3g}, β = {model.beta:.3g}"


def _kl_title(model):
    return f"penalty β·KL(ρ‖ρ̂): ρ = {model.rho:.3g}, β = {model.beta:.3g}"


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
        f'<td style="text-align:right">{value:.4g}</td>'
        f'<td style="text-align:right">{100 * value / model.cost:.1f}%</td></tr>'
        for name, value, colour in parts)
    return (
        '<div style="font-size:13px;line-height:1.5;padding-left:8px">'
        f"<b>cost J<sub>sparse</sub> = {model.cost:.4g}</b>"
        f'<div style="display:flex;width:100%;margin:4px 0 6px 0">{bar}</div>'
        f"<table>{rows}</table>"
        f"<p>penalty share of the cost: <b>{100 * model.penalty_share:.1f}%</b><br>"
        f"mean activation mean<sub>j</sub> ρ̂<sub>j</sub> = <b>{model.mean_activation:.3g}</b>"
        f" (target ρ = {model.rho:.3g})<br>"
        f"ρ̂<sub>j</sub> from {model.rho_hat.min():.3g} to {model.rho_hat.max():.3g}</p>"
        "</div>")


def rho_beta_explorer(rho=0.01, beta=3.0, grid=None, off_grid_iterations=100):
    """The interactive ρ/β explorer of notebook 06.

    A log-scale slider for the target activation ``rho`` (0.001 to 0.46) and a slider for
    the sparsity weight ``beta`` (0 to 10) select a sparse autoencoder (25 hidden units,
    lambda = 1e-4, 8x8 whitened natural-image patches); four panels show its filters,
    the histogram of its units' ρ̂_j with ρ marked, the penalty curve β·KL(ρ‖ρ̂) with the
    units on it, and its cost split into reconstruction error, weight decay and sparsity
    penalty. Slider positions are the precomputed grid (``grid``, default
    :func:`load_explorer_grid`), shown at once; a value typed into a number box between
    grid points is trained live in the background (``off_grid_iterations`` L-BFGS
    iterations at most, warm-started from the nearest grid model). Returns a
    :class:`RhoBetaExplorer` (an ipywidgets VBox) to display.
    """
    return RhoBetaExplorer(grid=grid, rho=rho, beta=beta,
                           off_grid_iterations=off_grid_iterations)
