"""What each hidden unit of a trained autoencoder responds to, as numbers.

:func:`top_activating` finds every unit's favourite examples; :func:`summarize_units`
gathers everything a feature card shows into a :class:`UnitSummaries`: mean and peak
activation, firing density (where units have a true zero), dead and dense units, a
histogram of each unit's activations, and how oriented its encoder filter is.

Any model works that has ``hidden_activations(data)`` -> (hidden_size, m) and ``W1``
(hidden_size, visible_size), ``W2`` (visible_size, hidden_size): a
:class:`sae_lib.training.TrainResult` (sigmoid units, KL penalty) or a
:class:`sae_lib.variants.VariantResult` (ReLU codes of the L1 and TopK autoencoders,
which are exactly 0 where a unit does not fire). Activations are computed in chunks of
examples, so m = 100,000 never needs a (hidden_size, m) array at once.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..variants import firing_rates

__all__ = ["top_activating", "summarize_units", "UnitSummaries", "UnitCard",
           "orientation_selectivity", "lifetime_sparseness", "has_true_zero", "ORDERS",
           "DENSE_ABOVE", "SIGMOID_DENSE_ABOVE"]

#: The orderings :meth:`UnitSummaries.order` knows, largest first.
ORDERS = ("rho_hat", "peak", "selectivity", "density")
#: Default "dense" threshold for units with a true zero: firing density above 0.1, active
#: on more than one example in ten (the SAE literature's usual line).
DENSE_ABOVE = 0.1
#: Default "dense" threshold for sigmoid units, on rho_hat: on average more on than off
#: (see :class:`UnitSummaries` for why not 0.1).
SIGMOID_DENSE_ABOVE = 0.5
#: Activations are computed on at most about this many (unit, example) entries at a time.
_CHUNK_ENTRIES = 1 << 21


# ---------------------------------------------------------------------------------------
# Checking what we are given
# ---------------------------------------------------------------------------------------
def _check_model(model):
    missing = [name for name in ("hidden_activations", "W1", "W2") if not hasattr(model, name)]
    if missing:
        raise ValueError(
            f"model must be a trained autoencoder with hidden_activations(data), W1 and W2 "
            f"(a TrainResult from sae_lib.train or a VariantResult from sae_lib.variants); "
            f"got {type(model).__name__}, which lacks {', '.join(missing)}.")
    W1 = np.asarray(model.W1)
    W2 = np.asarray(model.W2)
    if W1.ndim != 2 or W2.ndim != 2 or W2.shape != W1.shape[::-1]:
        raise ValueError(f"model.W1 must be (hidden_size, visible_size) and model.W2 "
                         f"(visible_size, hidden_size); got {W1.shape} and {W2.shape}.")
    return W1, W2


def _check_data(data, visible_size):
    if not isinstance(data, np.ndarray):
        data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError(f"data must be a 2-D array (visible_size, m) with one example per "
                         f"column; got shape {data.shape}.")
    if data.shape[0] != visible_size:
        hint = (" It looks transposed: pass data.T (one example per column, as the notes "
                "and sae_lib.sample_images lay them out)."
                if data.shape[1] == visible_size else "")
        raise ValueError(f"data has {data.shape[0]} rows but the model has visible_size="
                         f"{visible_size} inputs; data must be (visible_size, m).{hint}")
    if data.shape[1] == 0:
        raise ValueError("data has no examples (m = 0).")
    return data


def _check_k(k, m):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ValueError(f"k (examples shown per unit) must be an integer, got {k!r}.")
    if not 1 <= k <= m:
        raise ValueError(f"k (examples shown per unit) must lie between 1 and the number of "
                         f"examples m = {m}, got {k}. Pick a few (9 fill a 3 x 3 grid).")
    return int(k)


def has_true_zero(model):
    """True for units that are exactly 0 when they do not fire (ReLU, TopK), False for sigmoid.

    A :class:`~sae_lib.variants.VariantResult` (``kind`` "l1" or "topk") has ReLU codes;
    everything else -- a :class:`~sae_lib.training.TrainResult` -- has sigmoid units,
    f(z) = 1/(1 + e^-z) > 0 for every z. A model may say so itself with a boolean
    ``true_zero`` attribute.
    """
    flag = getattr(model, "true_zero", None)
    if isinstance(flag, (bool, np.bool_)):
        return bool(flag)
    return getattr(model, "kind", None) in ("l1", "topk")


# ---------------------------------------------------------------------------------------
# Top-activating examples
# ---------------------------------------------------------------------------------------
def _chunk_bounds(m, hidden_size, k, chunk_size=None):
    if chunk_size is None:
        chunk_size = max(_CHUNK_ENTRIES // max(hidden_size, 1), 1)
    chunk_size = max(int(chunk_size), 1)
    for start in range(0, m, chunk_size):
        yield start, min(start + chunk_size, m)


def _chunk_top(values, start, k):
    """The k largest entries of every row of ``values`` (h, c), ties to the lower column.

    Returns (top_values, top_indices), both (h, min(k, c)), indices offset by ``start``,
    each row sorted largest first (ties: lower index first). Linear in c: np.partition
    finds each row's k-th largest value v; every entry above v is taken, and of the
    entries equal to v the first ones by position until k are taken.
    """
    h, c = values.shape
    if c <= k:
        idx = np.broadcast_to(np.arange(start, start + c), (h, c))
        return _sort_rows(values, idx, c)
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1 : k]      # (h, 1)
    above = values > kth
    equal = values == kth
    need = k - above.sum(axis=1, keepdims=True)                    # >= 1
    take = above | (equal & (np.cumsum(equal, axis=1) <= need))
    rows, cols = np.nonzero(take)                                  # row-major: k per row
    cols = cols.reshape(h, k)
    vals = values[rows.reshape(h, k), cols]
    return _sort_rows(vals, cols + start, k)


def _sort_rows(values, indices, k):
    """Sort each row by value (largest first), ties by lower index; keep the first k."""
    order = np.lexsort((indices, -values), axis=-1)[:, :k]
    return (np.take_along_axis(values, order, axis=1),
            np.take_along_axis(np.asarray(indices), order, axis=1))


def _merge_top(best, new, k):
    if best is None:
        return new
    values = np.concatenate([best[0], new[0]], axis=1)
    indices = np.concatenate([best[1], new[1]], axis=1)
    return _sort_rows(values, indices, k)


def _activations(model, block, hidden_size):
    a = np.asarray(model.hidden_activations(block), dtype=np.float64)
    if a.shape != (hidden_size, block.shape[1]):
        raise ValueError(f"model.hidden_activations returned shape {a.shape}; expected "
                         f"(hidden_size, m) = {(hidden_size, block.shape[1])}.")
    if not np.isfinite(a).all():
        raise ValueError("the model's activations contain NaN or infinite values; was "
                         "training diverging?")
    return a


def _scan(model, data, k, chunk_size=None):
    """One pass over the data in chunks: top k, sums, maxima, firing counts."""
    W1, _ = _check_model(model)
    hidden_size, visible_size = W1.shape
    data = _check_data(data, visible_size)
    m = data.shape[1]
    k = _check_k(k, m)
    best = None
    total = np.zeros(hidden_size)
    peak = np.full(hidden_size, -np.inf)
    low = np.full(hidden_size, np.inf)
    fired = np.zeros(hidden_size)
    for start, stop in _chunk_bounds(m, hidden_size, k, chunk_size):
        a = _activations(model, data[:, start:stop], hidden_size)
        best = _merge_top(best, _chunk_top(a, start, k), k)
        total += a.sum(axis=1)
        np.maximum(peak, a.max(axis=1), out=peak)
        np.minimum(low, a.min(axis=1), out=low)
        fired += np.rint(firing_rates(a) * (stop - start))  # examples with |a_j| > 0
    return data, best, total / m, peak, low, fired / m


def top_activating(model, data, k=9, *, chunk_size=None):
    """Per hidden unit, the k examples that activate it most: int array (hidden_size, k).

    ``model``: anything with ``hidden_activations(data)`` and W1/W2 (a ``TrainResult`` or
    ``VariantResult``); ``data`` (visible_size, m), one example per column. Row j holds
    the column indices of ``data`` with the k largest activations a_j, largest first;
    equal activations are ordered by lower index (so the answer is deterministic -- a
    ReLU unit that is 0 on most examples lists the first of them).

    The activations are computed ``chunk_size`` examples at a time (default: about two
    million numbers per chunk); each chunk's k best are found with ``np.partition``
    (linear time, no full sort) and merged with the best so far.
    """
    return _scan(model, data, k, chunk_size)[1][1]


# ---------------------------------------------------------------------------------------
# Filter and response statistics
# ---------------------------------------------------------------------------------------
def orientation_selectivity(filters, patch_shape, pad=4):
    """How concentrated each filter's 2-D power spectrum is in one orientation.

    ``filters`` (n, height * width), one filter per row (e.g. W1), pixels in row-major
    order; ``patch_shape`` (height, width). Each filter has its mean removed and is
    zero-padded to ``pad`` times its size (a finer grid of frequencies); every frequency
    (fx, fy) is a direction theta = atan2(fy, fx) carrying power P. The score is the
    length of the power-weighted mean of e^(2 i theta),

        S = |sum P e^(2i theta)| / sum P,        preferred orientation = arg(...) / 2,

    the doubled angle because a real filter's spectrum is symmetric (theta and theta + pi
    are one orientation). S = 1: all power along one direction (an edge or grating); S
    near 0: power spread over all orientations (a blob, a dot, noise). Returns
    ``(selectivity, orientation)``, each (n,); orientation in radians in [0, pi), the
    direction of the filter's frequency vector -- across the stripes, perpendicular to
    the edge. A constant filter has S = 0.
    """
    filters = np.asarray(filters, dtype=np.float64)
    ph, pw = patch_shape
    n = filters.shape[0]
    img = filters.reshape(n, ph, pw)
    img = img - img.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(img, s=(pad * ph, pad * pw))) ** 2
    fy = np.fft.fftfreq(pad * ph)[:, None]
    fx = np.fft.fftfreq(pad * pw)[None, :]
    phase = np.exp(2j * np.arctan2(fy, fx))
    phase[0, 0] = 0.0
    total = power.sum(axis=(1, 2))
    resultant = (power * phase).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(total > 1e-300, np.abs(resultant) / total, 0.0)
    orientation = np.mod(np.angle(resultant) / 2, np.pi)
    orientation[orientation >= np.pi - 1e-9] = 0.0      # mod's rounding: pi is 0
    return np.clip(s, 0.0, 1.0), orientation


def lifetime_sparseness(mean, mean_square, m):
    """Lifetime sparseness of each unit's responses (Vinje & Gallant 2000), in [0, 1].

    S = (1 - mean^2 / mean_square) / (1 - 1/m): 0 when a unit responds equally to every
    example, 1 when it responds to one example only; nan for a unit that is 0 on every
    example (it responds to nothing, so it is neither). Used as the selectivity of units
    whose inputs are not image patches (no filter orientation to measure).
    """
    mean = np.asarray(mean, dtype=np.float64)
    mean_square = np.asarray(mean_square, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = mean**2 / mean_square
        s = (1.0 - ratio) / (1.0 - 1.0 / m) if m > 1 else np.zeros_like(ratio)
    return np.where(mean_square > 0, np.clip(s, 0.0, 1.0), np.nan)


def _patch_shape(visible_size, patch_shape):
    if patch_shape is None:
        side = math.isqrt(visible_size)
        return (side, side) if side * side == visible_size else None
    try:
        ph, pw = (int(x) for x in patch_shape)
    except (TypeError, ValueError):
        raise ValueError(f"patch_shape must be (height, width), got {patch_shape!r}.") from None
    if ph < 1 or pw < 1 or ph * pw != visible_size:
        raise ValueError(f"patch_shape {tuple(patch_shape)} holds {ph * pw} pixels but each "
                         f"example has visible_size = {visible_size}.")
    return ph, pw


# ---------------------------------------------------------------------------------------
# The summary
# ---------------------------------------------------------------------------------------
@dataclass
class UnitCard:
    """One unit's numbers and pictures, as its feature card shows them.

    ``unit`` index; ``rho_hat`` mean activation; ``peak`` largest activation; ``density``
    fraction of examples with a_j > 0 (None for sigmoid units); ``dead`` / ``dense``
    flags (None where undefined); ``selectivity`` (see
    :attr:`UnitSummaries.selectivity_name`) and ``orientation`` (radians, image patches
    only); ``encoder`` row j of W1 and ``decoder`` column j of W2, both (visible_size,);
    ``top_indices`` / ``top_values`` (k,); ``hist_counts`` (bins,) over ``hist_edges``
    (bins + 1,); ``zeros``: examples with a_j exactly 0, left out of the histogram
    (0 for sigmoid units).
    """

    unit: int
    rho_hat: float
    peak: float
    density: float | None
    dead: bool | None
    dense: bool | None
    selectivity: float
    orientation: float | None
    encoder: np.ndarray
    decoder: np.ndarray
    top_indices: np.ndarray
    top_values: np.ndarray
    hist_counts: np.ndarray
    hist_edges: np.ndarray
    zeros: int


@dataclass
class UnitSummaries:
    """Per-unit numbers of a trained autoencoder on some data (see :func:`summarize_units`).

    Arrays have one entry (or row) per hidden unit j:

    * ``rho_hat`` (h,): mean activation (1/m) sum_i a_j(x_i), the notes' rho_hat_j;
    * ``peak`` (h,): largest activation over the data;
    * ``density`` (h,) or None: fraction of examples with a_j > 0 -- only where units
      have a true zero (``true_zero``: ReLU/TopK codes). Sigmoid units are never exactly
      0, so *every* sigmoid unit is "on" for every example; calling it "on" above some
      level (0.1? 0.5?) would be a choice of ours, not a property of the model, so
      ``density`` is None for them and the honest numbers are ``rho_hat`` and the
      histogram;
    * ``dead`` / ``dense`` (h,) bool: the unit's *firing statistic* -- ``density`` for
      true-zero units, ``rho_hat`` for sigmoid units (rho_hat is what the density would
      be if a sigmoid unit were only ever fully on or fully off) -- below
      ``dead_below`` / above ``dense_above``. By default a true-zero unit is dead when it
      never fires on the data (as :func:`sae_lib.variants.dead_units`); a sigmoid unit
      when rho_hat_j < 1/m, i.e. its activations over all m examples add up to less than
      one example fully on. Dense by default: a true-zero unit with density > 0.1
      (active on more than one example in ten, the usual line in the SAE literature); a
      sigmoid unit with rho_hat_j > 0.5, on average more on than off. Not 0.1 for
      sigmoid units: the KL penalty holds rho_hat_j near the target rho *by
      construction*, so with rho = 0.1 (UFLDL's digits setting) a 0.1 line would only
      report the target. rho_hat_j > 0.5 is dense whatever "on" means: since
      a_j <= 1, the fraction of examples with a_j > 0.1 is at least
      (rho_hat_j - 0.1) / 0.9 > 44%;
    * ``top_indices`` / ``top_values`` (h, k): the k most activating examples (columns
      of the data) and their activations, largest first (:func:`top_activating`);
    * ``hist_counts`` (h, bins) over per-unit ``hist_edges`` (h, bins + 1) spanning
      [0, peak_j]; for true-zero units the exact zeros are left out (they would bury
      everything else in one bar) and counted in ``zeros`` (h,);
    * ``selectivity`` (h,) in [0, 1], named by ``selectivity_name``: for image patches
      (``patch_shape`` not None) the orientation selectivity of the encoder filter
      (:func:`orientation_selectivity`, with ``orientation`` its preferred orientation);
      otherwise the lifetime sparseness of the activations (:func:`lifetime_sparseness`)
      and ``orientation`` is None;
    * ``encoder`` = W1 (h, visible_size), one filter per row; ``decoder`` = W2
      (visible_size, h), one output direction per column.

    :meth:`unit` gives one unit's :class:`UnitCard`; :meth:`order` sorts units.
    """

    m: int
    k: int
    true_zero: bool
    rho_hat: np.ndarray
    peak: np.ndarray
    density: np.ndarray | None
    dead: np.ndarray
    dense: np.ndarray
    dead_below: float
    dense_above: float
    top_indices: np.ndarray
    top_values: np.ndarray
    hist_counts: np.ndarray
    hist_edges: np.ndarray
    zeros: np.ndarray
    selectivity: np.ndarray
    selectivity_name: str
    orientation: np.ndarray | None
    encoder: np.ndarray
    decoder: np.ndarray
    patch_shape: tuple | None

    @property
    def hidden_size(self):
        return self.encoder.shape[0]

    @property
    def visible_size(self):
        return self.encoder.shape[1]

    @property
    def statistic_name(self):
        """What ``dead``/``dense`` are measured on: "density" or "rho_hat"."""
        return "density" if self.true_zero else "rho_hat"

    @property
    def n_dead(self):
        return int(self.dead.sum())

    @property
    def n_dense(self):
        return int(self.dense.sum())

    @property
    def l0(self):
        """Mean number of active units per example (sum of the densities); for sigmoid
        units every unit is above 0 on every example, so this is hidden_size."""
        return float(self.density.sum()) if self.true_zero else float(self.hidden_size)

    def _unit_index(self, j):
        if isinstance(j, bool) or not isinstance(j, numbers.Integral):
            raise ValueError(f"unit must be an integer index, got {j!r}.")
        if not 0 <= j < self.hidden_size:
            raise ValueError(f"unit {j} does not exist: the model has {self.hidden_size} "
                             f"hidden units, numbered 0 to {self.hidden_size - 1}.")
        return int(j)

    def unit(self, j):
        """Unit j's card data as a :class:`UnitCard`."""
        j = self._unit_index(j)
        return UnitCard(
            unit=j, rho_hat=float(self.rho_hat[j]), peak=float(self.peak[j]),
            density=None if self.density is None else float(self.density[j]),
            dead=bool(self.dead[j]), dense=bool(self.dense[j]),
            selectivity=float(self.selectivity[j]),
            orientation=None if self.orientation is None else float(self.orientation[j]),
            encoder=self.encoder[j].copy(), decoder=self.decoder[:, j].copy(),
            top_indices=self.top_indices[j].copy(), top_values=self.top_values[j].copy(),
            hist_counts=self.hist_counts[j].copy(), hist_edges=self.hist_edges[j].copy(),
            zeros=int(self.zeros[j]))

    def order(self, by="rho_hat"):
        """Unit indices sorted by ``by`` ("rho_hat", "peak", "selectivity" or "density"),
        largest first; equal values keep the lower index first."""
        if by not in ORDERS:
            raise ValueError(f"unknown order {by!r}; choose one of {', '.join(ORDERS)}.")
        if by == "density" and self.density is None:
            raise ValueError("order by density needs units with a true zero (ReLU/TopK); "
                             "sigmoid units are never exactly 0, so they have no firing "
                             "density. Order by 'rho_hat' (their mean activation) instead.")
        # nan (the selectivity of a unit that never responds) sorts last
        return np.argsort(-getattr(self, by), kind="stable")

    def available_orders(self):
        """The orderings that make sense for this model (no "density" for sigmoid units)."""
        return tuple(o for o in ORDERS if o != "density" or self.density is not None)

    def __repr__(self):
        kind = "true-zero (ReLU/TopK)" if self.true_zero else "sigmoid"
        return (f"UnitSummaries({self.hidden_size} {kind} units on m={self.m} examples, "
                f"k={self.k}, rho_hat {self.rho_hat.min():.3g}..{self.rho_hat.max():.3g}, "
                f"{self.n_dead} dead, {self.n_dense} dense)")


def _threshold(value, name):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value) or value < 0):
        raise ValueError(f"{name} must be a finite number >= 0 (a fraction of examples or a "
                         f"mean activation), got {value!r}.")
    return float(value)


def summarize_units(model, data, *, k=9, bins=40, dead_below=None, dense_above=None,
                    patch_shape=None, chunk_size=None):
    """Everything the feature cards show, for every hidden unit: a :class:`UnitSummaries`.

    ``model``: a ``TrainResult`` (sigmoid) or ``VariantResult`` (ReLU/TopK), or anything
    with ``hidden_activations`` and W1/W2; ``data`` (visible_size, m). ``k`` top examples
    per unit; ``bins`` histogram bins per unit. ``dead_below`` / ``dense_above``:
    thresholds on the firing statistic (density for true-zero units, rho_hat for sigmoid
    units; see :class:`UnitSummaries` for the defaults and why). ``patch_shape``
    (height, width) of an example seen as an image; default square when visible_size is
    a square number, else the examples are treated as plain vectors. Two passes over the
    data in chunks: the first finds means, peaks, firing counts and the top k; the second
    fills the histograms, whose range [0, peak_j] the first pass found.
    """
    W1, W2 = _check_model(model)
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}.")
    bins = int(bins)
    shape = _patch_shape(W1.shape[1], patch_shape)
    if dense_above is not None:
        dense_above = _threshold(dense_above, "dense_above")
    data, (top_values, top_indices), rho_hat, peak, low, fired = _scan(model, data, k,
                                                                       chunk_size)
    m = data.shape[1]
    true_zero = has_true_zero(model)
    if true_zero and low.min() < 0:
        raise ValueError("the model says its units have a true zero (ReLU/TopK) but some "
                         "activations are negative; firing density would be meaningless.")

    # second pass: histograms over [0, peak_j], and sum of squares for lifetime sparseness
    h = W1.shape[0]
    top = np.where(peak > 0, peak, 1.0)
    edges = np.linspace(0.0, 1.0, bins + 1)[None, :] * top[:, None]
    counts = np.zeros(h * bins, dtype=np.int64)
    zeros = np.zeros(h, dtype=np.int64)
    square = np.zeros(h)
    offsets = (np.arange(h) * bins)[:, None]
    for start, stop in _chunk_bounds(m, h, k, chunk_size):
        a = _activations(model, data[:, start:stop], h)
        square += (a * a).sum(axis=1)
        b = np.minimum((a / top[:, None] * bins).astype(np.int64), bins - 1)
        b = np.maximum(b, 0) + offsets
        if true_zero:
            nonzero = a > 0
            zeros += (~nonzero).sum(axis=1)
            b = b[nonzero]
        counts += np.bincount(b.ravel(), minlength=h * bins)
    counts = counts.reshape(h, bins)

    density = fired if true_zero else None
    statistic = density if true_zero else rho_hat
    # default 1/m: a true-zero unit fires on no example; a sigmoid unit's activations
    # add up to less than one example fully on
    dead_below = 1.0 / m if dead_below is None else _threshold(dead_below, "dead_below")
    dead = statistic < dead_below
    if dense_above is None:
        dense_above = DENSE_ABOVE if true_zero else SIGMOID_DENSE_ABOVE
    dense = statistic > dense_above

    if shape is not None:
        selectivity, orientation = orientation_selectivity(W1, shape)
        name = "orientation selectivity of the encoder filter"
    else:
        selectivity = lifetime_sparseness(rho_hat, square / m, m)
        orientation = None
        name = "lifetime sparseness of the activations"
    return UnitSummaries(
        m=m, k=top_indices.shape[1], true_zero=true_zero, rho_hat=rho_hat, peak=peak,
        density=density, dead=dead, dense=dense, dead_below=float(dead_below),
        dense_above=dense_above, top_indices=top_indices, top_values=top_values,
        hist_counts=counts, hist_edges=edges, zeros=zeros, selectivity=selectivity,
        selectivity_name=name, orientation=orientation, encoder=np.array(W1),
        decoder=np.array(W2), patch_shape=shape)
