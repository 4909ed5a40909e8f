"""The state behind notebook 06's rho/beta explorer: a precomputed grid of trained models.

:class:`ExplorerGrid` reads the grid written by ``scripts/make_explorer_grid.py`` and hands
out its models as :class:`ExplorerModel` objects. Everything here is **read-only**: the
grid is loaded once per session and shared by the explorer, the notebook and the exercise
checkers, so a learner's ``model.W1 *= 2`` or ``model.rho_hat.sort()`` must not rewrite
it. Arrays handed out are read-only views (numpy raises ``ValueError: ... read-only``);
copy one to change it: ``W1 = model.W1.copy()``.

No widgets and no drawing here (see :mod:`.rho_beta`), and no threads (see
:mod:`.explorer_training`, which trains models between grid points).
"""

from __future__ import annotations

import dataclasses as _dataclasses
import math as _math
import numbers as _numbers
import threading as _threading
from pathlib import Path as _Path

import numpy as _np

from ..data import DATA_DIR as _DATA_DIR
from ..data import load_natural_images as _load_natural_images
from ..data import sample_images as _sample_images
from ..objective import forward as _forward
from ..objective import initialize_parameters as _initialize_parameters
from ..objective import kl_divergence as _kl
from ..objective import unpack_parameters as _unpack
from ..training import ParameterViews as _ParameterViews

__all__ = ["EXPLORER_GRID_FILE", "ExplorerGrid", "ExplorerModel", "load_explorer_grid",
           "model_figures"]

#: The precomputed models of the explorer, written by ``scripts/make_explorer_grid.py``.
EXPLORER_GRID_FILE = _DATA_DIR / "explorer_grid.npz"
_EXPLORER_GRID_FORMAT = "sae_lib.explorer_grid"
#: log10(rho) within this distance of a grid value counts as on the grid (the readout
#: shows 3 significant digits, so typing the shown 0.00215 finds the model at 0.0021544).
_LOG_RHO_TOLERANCE = 1e-3
_BETA_TOLERANCE = 1e-6


def _read_only(array, dtype=_np.float64, copy=False):
    """``array`` as a read-only ``dtype`` array.

    A read-only view of it (``copy=False``: whoever holds ``array`` itself can still
    write to it) or a read-only copy (``copy=True``: nobody can).
    """
    out = _np.array(array, dtype=dtype) if copy else _np.asarray(array, dtype=dtype).view()
    out.flags.writeable = False
    return out


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


@_dataclasses.dataclass(frozen=True, repr=False)
class ExplorerModel(_ParameterViews):
    """One trained model as the explorer shows it: parameters and measured figures.

    Immutable: ``theta`` (packed parameters; ``W1``, ``W2``, ``b1``, ``b2`` are views into
    it) and ``rho_hat`` (each hidden unit's average activation, (hidden_size,)) are
    read-only arrays -- copy them to experiment.

    ``source`` says where the model comes from: ``"grid"`` (precomputed by
    ``scripts/make_explorer_grid.py``; ``grid_index`` is its ``(i, j)``) or ``"trained"``
    (trained live by :meth:`ExplorerGrid.train_model`; ``warm_start`` is the grid index it
    started from, or None when it started from the grid's own initial weights).
    ``n_iter`` L-BFGS iterations were run out of at most ``max_iter``; ``message`` is the
    optimiser's reason for stopping (empty for grid models).
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
    warm_start: tuple = None
    n_iter: int = 0
    max_iter: int = 0
    message: str = ""

    def __post_init__(self):
        object.__setattr__(self, "theta", _read_only(self.theta))
        object.__setattr__(self, "rho_hat", _read_only(self.rho_hat))

    @property
    def mean_activation(self):
        """The hidden units' activation averaged over units and patches: mean_j rho_hat_j."""
        return float(_np.mean(self.rho_hat))

    @property
    def penalty_share(self):
        """The share of the cost J_sparse that is the sparsity penalty (0 to 1)."""
        return self.sparsity_penalty / self.cost if self.cost > 0 else 0.0

    def trained_like(self, grid):
        """True if this model was made by ``grid``'s recipe: a grid model, or one trained
        from the grid's initial weights with the grid's iteration limit and stopping rule."""
        if self.source == "grid":
            return True
        return self.warm_start is None and self.max_iter == grid.max_iter

    def __repr__(self):
        return (f"ExplorerModel(rho={self.rho:.3g}, beta={self.beta:.3g}, "
                f"source={self.source!r}, reconstruction_error={self.reconstruction_error:.3g}, "
                f"mean_activation={self.mean_activation:.3g}, "
                f"penalty_share={self.penalty_share:.2g})")


def _check_number(value, name, low, high, low_open, hint):
    if isinstance(value, bool) or not isinstance(value, _numbers.Real) or not _math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}. {hint}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    if too_low or (high is not None and value >= high):
        raise ValueError(f"{name} = {value:g} is outside its range. {hint}")
    return value


def _check_rho_beta(rho, beta):
    rho = _check_number(rho, "rho", 0.0, 1.0, True,
                        "The target activation rho is a probability strictly between 0 and 1 "
                        "(the grid has 0.001 to 0.464).")
    beta = _check_number(beta, "beta", 0.0, None, False,
                         "The sparsity weight beta is a number >= 0 (the grid has 0 to 10).")
    return rho, beta


class ExplorerGrid:
    """The precomputed grid of models behind :func:`~sae_lib.widgets.rho_beta_explorer`.

    Read from a file written by ``scripts/make_explorer_grid.py`` (a plain .npz). Arrays
    are indexed ``[i, j]`` for ``rho[i]``, ``beta[j]``: ``theta`` (parameters),
    ``rho_hat`` (per unit), ``reconstruction_error``, ``weight_decay``,
    ``sparsity_penalty``, ``cost``, ``n_iter``; also ``lambda_``, ``hidden_size``,
    ``visible_size``, ``max_iter``, how the training patches were drawn (``patch_size``,
    ``num_patches``, ``patch_seed``) and the seed of the initial weights every model
    started from (``init_seed``).

    Read-only: every array is a read-only numpy array and attributes cannot be reassigned,
    so the grid the checkers read is the grid in the file. Copy to experiment:
    ``rho_hat = grid.rho_hat.copy()``.
    """

    _ARRAYS = ("rho", "beta", "theta", "n_iter", "rho_hat", "reconstruction_error",
               "weight_decay", "sparsity_penalty", "cost")

    def __init__(self, path=None):
        path = _Path(path) if path is not None else EXPLORER_GRID_FILE
        try:
            f = _np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ValueError(f"no explorer grid at {str(path)!r}; make it with "
                             "`.venv/bin/python scripts/make_explorer_grid.py`.") from None
        except Exception as exc:
            raise ValueError(f"{str(path)!r} is not an explorer grid written by "
                             f"scripts/make_explorer_grid.py ({exc}).") from exc
        if not hasattr(f, "files"):
            raise ValueError(f"{str(path)!r} holds a single array, not an explorer grid "
                             "written by scripts/make_explorer_grid.py.")
        with f:
            if "format" not in f.files or str(f["format"]) != _EXPLORER_GRID_FORMAT:
                raise ValueError(f"{str(path)!r} is not an explorer grid written by "
                                 "scripts/make_explorer_grid.py.")
            values = {"path": path}
            for name in ("lambda_",):
                values[name] = float(f[name])
            for name in ("hidden_size", "visible_size", "patch_size", "num_patches",
                         "patch_seed", "init_seed", "max_iter"):
                values[name] = int(f[name])
            for name in self._ARRAYS:
                dtype = _np.int64 if name == "n_iter" else _np.float64
                values[name] = _read_only(f[name], dtype, copy=True)
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_log_rho", _np.log10(self.rho))
        object.__setattr__(self, "_patches", None)
        object.__setattr__(self, "_patches_lock", _threading.Lock())

    def __setattr__(self, name, value):
        raise AttributeError(
            f"the explorer grid is read-only (it is shared by the explorer and the "
            f"exercise checkers): cannot set {name!r}. Work on a copy, e.g. "
            f"`my_{name} = grid.{name}.copy()`.")

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
        rho, beta = _check_rho_beta(rho, beta)
        i, j = self.nearest(rho, beta)
        on_rho = abs(self._log_rho[i] - _np.log10(rho)) <= _LOG_RHO_TOLERANCE
        on_beta = abs(self.beta[j] - beta) <= _BETA_TOLERANCE
        return (i, j) if on_rho and on_beta else None

    def nearest(self, rho, beta):
        """The grid index ``(i, j)`` nearest to (rho, beta): rho on a log scale."""
        rho, beta = _check_rho_beta(rho, beta)
        i = int(_np.argmin(_np.abs(self._log_rho - _np.log10(rho))))
        j = int(_np.argmin(_np.abs(self.beta - beta)))
        return i, j

    def check_index(self, index, what="the index", fix=None):
        """``index`` as a valid grid index ``(i, j)``; else a ValueError saying how to get one.

        ``fix``: what to do instead when ``index`` is None (the commonest slip:
        ``grid.find`` of a value between grid points).
        """
        n_rho, n_beta = self.shape
        if index is None:
            raise ValueError(
                f"{what} is None: grid.find(rho, beta) returns None when (rho, beta) lies "
                f"between grid points. "
                f"{fix or 'For the nearest grid model use grid.nearest(rho, beta).'}")
        try:
            i, j = index
        except (TypeError, ValueError):
            i = j = None
        ok = all(isinstance(k, _numbers.Integral) and not isinstance(k, bool) for k in (i, j))
        if not ok or not (0 <= i < n_rho and 0 <= j < n_beta):
            raise ValueError(
                f"{what} {index!r} is not a grid index: it must be (i, j) with i in "
                f"0..{n_rho - 1} (rho) and j in 0..{n_beta - 1} (beta), as "
                f"grid.find(rho, beta) and grid.nearest(rho, beta) return it.")
        return int(i), int(j)

    def model(self, i, j=None):
        """The grid model ``(i, j)`` as an :class:`ExplorerModel` (read-only views).

        Also ``grid.model(index)`` with ``index = (i, j)`` from :meth:`find` or
        :meth:`nearest`.
        """
        index = i if j is None else (i, j)
        i, j = self.check_index(index)
        return ExplorerModel(
            rho=float(self.rho[i]), beta=float(self.beta[j]), lambda_=self.lambda_,
            theta=self.theta[i, j], visible_size=self.visible_size,
            hidden_size=self.hidden_size, rho_hat=self.rho_hat[i, j],
            reconstruction_error=float(self.reconstruction_error[i, j]),
            weight_decay=float(self.weight_decay[i, j]),
            sparsity_penalty=float(self.sparsity_penalty[i, j]),
            cost=float(self.cost[i, j]), source="grid", grid_index=(i, j),
            n_iter=int(self.n_iter[i, j]), max_iter=self.max_iter)

    def training_patches(self):
        """The patches the grid was trained on, (visible_size, num_patches), read-only.

        Drawn again from the stored seed on first use, then kept.
        """
        with self._patches_lock:
            if self._patches is None:
                patches = _sample_images(_load_natural_images(), self.patch_size,
                                         self.num_patches,
                                         rng=_np.random.default_rng(self.patch_seed))
                object.__setattr__(self, "_patches", _read_only(patches, copy=True))
            return self._patches

    def initial_theta(self):
        """The initial weights every grid model started from (a fresh, writable array)."""
        return _initialize_parameters(self.hidden_size, self.visible_size,
                                      _np.random.default_rng(self.init_seed))

    def train_model(self, rho, beta, *, start="initial", max_iter=None, on_progress=None,
                    cancel=None):
        """Train the model at (rho, beta) -- by default exactly as the grid's were trained.

        ``start="initial"`` (default) starts from the grid's initial weights
        (:meth:`initial_theta`) and runs L-BFGS with the grid's stopping rule and limit
        (``max_iter`` defaults to the grid's), so the result is what
        ``scripts/make_explorer_grid.py`` would have stored at (rho, beta) and can be
        compared with the grid's models. ``start=(i, j)`` warm-starts from the grid
        model ``(i, j)`` instead (e.g. ``grid.nearest(rho, beta)``) -- a different
        experiment: where training ends can depend on where it starts.

        ``on_progress(evaluations)`` is called after each evaluation of the cost (from the
        thread that trains); ``cancel`` (a :class:`threading.Event` or a function
        returning True to stop) is checked before each evaluation, and training stops
        there and returns None. Returns an :class:`ExplorerModel` (``source="trained"``).
        See :func:`sae_lib.widgets.explorer_training.train_explorer_model`.
        """
        from .explorer_training import train_explorer_model

        return train_explorer_model(self, rho, beta, start=start, max_iter=max_iter,
                                    on_progress=on_progress, cancel=cancel)

    def __repr__(self):
        return (f"ExplorerGrid({len(self.rho)} rho x {len(self.beta)} beta models, "
                f"rho {self.rho[0]:.3g}..{self.rho[-1]:.3g}, beta {self.beta[0]:g}.."
                f"{self.beta[-1]:g}, lambda={self.lambda_:g}, {self.hidden_size} hidden units)")


_GRID_CACHE = {}
_GRID_CACHE_LOCK = _threading.Lock()


def load_explorer_grid(path=None):
    """Load the precomputed ρ×β grid of models (cached per path). See :class:`ExplorerGrid`."""
    key = str(_Path(path).resolve()) if path is not None else str(EXPLORER_GRID_FILE)
    with _GRID_CACHE_LOCK:
        if key not in _GRID_CACHE:
            _GRID_CACHE[key] = ExplorerGrid(path)
        return _GRID_CACHE[key]
