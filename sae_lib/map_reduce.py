"""The two passes as a map and a reduce, run by Dask (notebook 07, last section).

The sparsity penalty needs rho_hat, an average over all m examples, before any example's
delta2 can be computed -- hence the two passes of the CS294A notes. Each is a map over
chunks of the data followed by a reduce (a sum)::

    pass 1   map:    chunk X_k  ->  sum over its examples of a2 = f(W1 x + b1)     (h numbers)
             reduce: add them up;  rho_hat = total / m
    pass 2   map:    chunk X_k  ->  its share of 1/2 ||a3 - x||^2, delta2 x^T,
                                    delta3 [a2; 1]^T and delta2           (theta-sized)
             reduce: add them up;  divide by m, add weight decay and beta * KL

:func:`sae_lib.objective.cost_and_grad` runs these on one machine with a ``for`` loop over
chunks of an array or an ``np.memmap``. Here the data are a ``dask.array.Array`` of shape
(visible_size, m), chunked along the examples, and Dask runs them: the map is
``Array.map_blocks`` with the *same* chunk functions as the loop, the reduce is Dask's tree
sum (``Array.sum``), and each pass is one ``dask.compute`` -- on whatever scheduler is active:
threads by default, a ``dask.distributed`` cluster when a ``Client`` exists. The parameters
enter the graph once (``dask.delayed``) and go to each worker; only sums come back. No
chunk of data and no activation leaves the worker that made it.

Why two computes and not one graph: in a single graph the scheduler would keep every chunk
in memory from pass 1 until pass 2 had used it. Computing pass 1 first lets each chunk be
dropped as soon as it is summed and be made again (read, or sampled) in pass 2 -- the
bargain of the two-pass method, a second pass for bounded memory.

Validation as for numpy input, without a pass of its own: shape and dtype come from the
array's metadata; NaN and infinite values are looked for by pass 1's map, chunk by chunk.

Dask is an optional extra (``pip install 'sae_lib[scale]'``); the rest of sae_lib imports
and works without it, and every function here that needs it says so when it is missing.

:func:`patch_array` makes a Dask array of 8x8 patches sampled from the shipped photographs
on whichever worker computes each chunk (from a seed), so that no data array is ever built
where the computation is driven; :func:`patch_chunk` gives any one chunk with numpy alone.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .data import load_natural_images, sample_images
from .objective import (
    _check_data_layout,
    _chunk_activation_sum,
    _chunk_gradient_sums,
    _ChunkWeights,
    _compute_dtype,
    _cost_and_grad_from_sums,
    _gradient_sums_size,
    _hidden_activations,
    _non_finite_message,
    _positive_int,
    sparsity_delta,
)

__all__ = [
    "require_dask",
    "validate_dask_data",
    "activation_sum_pass",
    "gradient_pass",
    "dask_cost_and_grad",
    "patch_chunk",
    "patch_array",
]

_MISSING_DASK = (
    "{what} needs Dask, an optional extra of sae_lib that is not installed here. Install it "
    "with  pip install 'sae_lib[scale]'  (or  pip install 'dask[distributed]'); everything "
    "else in sae_lib works without it."
)


def require_dask(what="this function"):
    """Import Dask; return ``(dask, dask.array)``, or raise ImportError saying how to
    install it."""
    try:
        import dask
        import dask.array as da
    except ImportError as exc:
        raise ImportError(_MISSING_DASK.format(what=what)) from exc
    return dask, da


# ---------------------------------------------------------------------------------------
# Validation (metadata only; the values are checked by pass 1)
# ---------------------------------------------------------------------------------------
def validate_dask_data(data, visible_size, name="data"):
    """Check a Dask array's shape and dtype as :func:`~sae_lib.objective.validate_data`
    does for numpy, from its metadata alone; return it with a single chunk along the rows.

    The values are not looked at here: pass 1 of every evaluation checks them for NaN and
    infinity as it goes (:func:`activation_sum_pass`), so no extra pass over the data is
    needed. Chunks along the rows are merged lazily (``rechunk``): each chunk must hold
    whole examples.
    """
    _, da = require_dask("validate_dask_data")
    if not isinstance(data, da.Array):
        raise ValueError(f"{name} must be a dask.array.Array, got {type(data).__name__}.")
    if any(np.isnan(n) for n in data.shape) or any(np.isnan(c) for cs in data.chunks
                                                     for c in cs):
        raise ValueError(
            f"{name} has chunks of unknown size (shape {data.shape}), as after boolean "
            "indexing; call data.compute_chunk_sizes() first, so that m is known.")
    _check_data_layout(data.shape, data.dtype, visible_size, name)
    if data.numblocks[0] > 1:
        data = data.rechunk({0: -1})       # whole examples in every chunk
    return data


# ---------------------------------------------------------------------------------------
# The two passes: map (per chunk, on the workers) and reduce (Dask's tree sum)
# ---------------------------------------------------------------------------------------
def activation_sum_pass(data, theta, visible_size, hidden_size):
    """Pass 1 as a map and a reduce, lazily. Returns two Dask arrays, to be computed together:

    * ``a2_sum`` (hidden_size,): the sum over all m examples of a2 = f(W1 x + b1);
      rho_hat = a2_sum / m;
    * ``first_bad`` (a scalar): where the first NaN or infinite value is, as the index
      ``column * visible_size + row``, or inf if there is none -- the validation, made by
      the same map.

    ``data``: a Dask array (visible_size, m) with one chunk along the rows
    (:func:`validate_dask_data`).
    """
    dask, _ = require_dask("activation_sum_pass")
    h = hidden_size
    params = dask.delayed(np.asarray(theta, dtype=np.float64), pure=True)
    per_chunk = data.map_blocks(                           # map: (h + 1, 1) per chunk
        _activation_sum_map, params, visible_size, hidden_size,
        chunks=((h + 1,), (1,) * data.numblocks[1]), dtype=np.float64,
        meta=np.empty((0, 0)), token="rho-hat-map")
    return per_chunk[:h].sum(axis=1), per_chunk[h].min()  # reduce: a tree of sums (min)


def _activation_sum_map(X, theta, visible_size, hidden_size, block_info=None):
    """Pass 1 on one chunk X (visible_size, n): a column of its h activation sums and the
    index of its first non-finite value (inf if none)."""
    weights = _ChunkWeights.of(theta, visible_size, hidden_size, _compute_dtype(X.dtype))
    X = np.asarray(X, dtype=weights.dtype)
    out = np.empty((hidden_size + 1, 1))
    out[-1, 0] = np.inf
    if not np.isfinite(X.sum()):     # a NaN or an infinity makes the sum non-finite
        bad = np.flatnonzero(~np.isfinite(X.T))      # column-major: the first column first
        if bad.size:
            first_column = block_info[0]["array-location"][1][0]
            out[-1, 0] = first_column * visible_size + bad[0]
    out[:-1, 0] = _chunk_activation_sum(weights, X)
    return out


def gradient_pass(data, theta, visible_size, hidden_size, sparsity_term):
    """Pass 2 as a map and a reduce, lazily: a Dask array holding the sums the cost and
    gradient are made of (the layout of ``sae_lib.objective._chunk_gradient_sums``), added
    over every chunk.

    ``sparsity_term`` = beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat)), shape
    (hidden_size,), from pass 1.
    """
    dask, _ = require_dask("gradient_pass")
    params = dask.delayed(np.asarray(theta, dtype=np.float64), pure=True)
    term = dask.delayed(np.asarray(sparsity_term, dtype=np.float64), pure=True)
    size = _gradient_sums_size(visible_size, hidden_size)
    per_chunk = data.map_blocks(                           # map: (size, 1) per chunk
        _gradient_sums_map, params, term, visible_size, hidden_size,
        chunks=((size,), (1,) * data.numblocks[1]), dtype=np.float64,
        meta=np.empty((0, 0)), token="gradient-map")
    return per_chunk.sum(axis=1)                           # reduce: a tree of sums


def _gradient_sums_map(X, theta, sparsity_term, visible_size, hidden_size):
    """Pass 2 on one chunk X: its share of the cost and gradient sums, as a column."""
    weights = _ChunkWeights.of(theta, visible_size, hidden_size, _compute_dtype(X.dtype))
    X = np.asarray(X, dtype=weights.dtype)
    A = _hidden_activations(weights, X)
    return _chunk_gradient_sums(weights, X, A, sparsity_term)[:, None]


def dask_cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param, beta,
                       data):
    """Cost and gradient (as :func:`~sae_lib.objective.cost_and_grad`) of a Dask array
    ``data`` (visible_size, m): pass 1 is computed, then pass 2.

    Raises ValueError if the data hold NaN or infinite values (found during pass 1).
    ``cost_and_grad``, ``sparse_autoencoder_cost`` and ``train`` call this when given a
    Dask array.
    """
    dask, _ = require_dask("dask_cost_and_grad")
    data = validate_dask_data(data, visible_size)
    theta = np.asarray(theta, dtype=np.float64)
    m = data.shape[1]

    a2_sum, first_bad = dask.compute(*activation_sum_pass(data, theta, visible_size,
                                                          hidden_size))
    if np.isfinite(first_bad):
        column, row = divmod(int(first_bad), visible_size)
        raise ValueError(_non_finite_message("data", row, column))
    rho_hat = a2_sum / m

    sums = gradient_pass(data, theta, visible_size, hidden_size,
                         sparsity_delta(sparsity_param, rho_hat, beta)).compute()
    return _cost_and_grad_from_sums(theta, visible_size, hidden_size, lambda_,
                                    sparsity_param, beta, m, rho_hat, sums)


# ---------------------------------------------------------------------------------------
# A data set made where it is used: patches sampled chunk by chunk from a seed
# ---------------------------------------------------------------------------------------
def patch_chunk(index, num_patches, seed=0, patch_size=8, normalize=True):
    """Chunk ``index`` of a seeded patch set: ``num_patches`` patches from the shipped
    photographs, shape (patch_size**2, num_patches).

    The random draws come from ``np.random.default_rng([seed, index])``, so any process on
    any machine makes the same chunk, independently of the others. Each chunk is
    normalised on its own (:func:`~sae_lib.data.normalize_data`; ``normalize=False`` gives
    the raw whitened patches of the same draws).
    """
    index = _non_negative_int(index, "index")
    seed = _non_negative_int(seed, "seed")
    rng = np.random.default_rng([seed, index])
    return sample_images(_photographs(), patch_size, num_patches, rng=rng,
                         normalize=normalize)


@functools.lru_cache(maxsize=1)
def _photographs():
    """The whitened photographs, loaded once per process (each worker keeps its own copy,
    7 MB) and read-only, so that no chunk pays for a fresh copy."""
    images = load_natural_images()
    images.flags.writeable = False
    return images


def patch_array(num_patches, chunk_size, seed=0, patch_size=8):
    """A Dask array (patch_size**2, num_patches) of patches, chunk k being
    ``patch_chunk(k, ...)`` -- made lazily, on whichever worker computes it.

    Nothing is sampled when the array is created: the graph holds only the seed and the
    chunk sizes (the last chunk may be shorter). Computed twice, a chunk is the same both
    times, which is what the two passes need.
    """
    _, da = require_dask("patch_array")
    num_patches = _positive_int(num_patches, "num_patches")
    chunk_size = _positive_int(chunk_size, "chunk_size")
    seed = _non_negative_int(seed, "seed")
    patch_size = _positive_int(patch_size, "patch_size")
    lengths = tuple(min(chunk_size, num_patches - s) for s in range(0, num_patches, chunk_size))
    return da.map_blocks(_patch_block, chunks=((patch_size**2,), lengths), dtype=np.float64,
                         meta=np.empty((0, 0)), token="patches", seed=seed,
                         patch_size=patch_size)


def _patch_block(block_info=None, seed=0, patch_size=8):
    info = block_info[None]
    return patch_chunk(info["chunk-location"][1], info["chunk-shape"][1], seed, patch_size)


def _non_negative_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}.")
    return int(value)
