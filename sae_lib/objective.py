"""The sparse autoencoder objective: cost and gradient, as in the CS294A notes.

Names follow the UFLDL exercise code (``sparseAutoencoderCost.m``) in snake_case, so a
learner can map one to the other:

=================  =====================  ===========================================
math               code                   shape
=================  =====================  ===========================================
x (m examples)     ``data``               (visible_size, m) -- one example per column
W^(1), b^(1)       ``W1``, ``b1``         (hidden_size, visible_size), (hidden_size,)
W^(2), b^(2)       ``W2``, ``b2``         (visible_size, hidden_size), (visible_size,)
z^(2), a^(2)       ``z2``, ``a2``         (hidden_size, m)
z^(3), a^(3)       ``z3``, ``a3``         (visible_size, m)
rho, rho_hat       ``rho``, ``rho_hat``   scalar, (hidden_size,)
delta^(3), ^(2)    ``delta3``, ``delta2`` (visible_size, m), (hidden_size, m)
=================  =====================  ===========================================

The parameter vector is ``theta = concatenate([W1.ravel(), W2.ravel(), b1, b2])`` (C order),
exactly the layout of the UFLDL starter code; :func:`pack_parameters` and
:func:`unpack_parameters` convert between the two forms.

Two implementations of the objective live here:

* :func:`sparse_autoencoder_cost` -- the readable one the notebooks show. It validates its
  input and computes cost and gradient in a dozen lines that mirror the notes.
* :func:`cost_and_grad` -- the same mathematics, written for speed (in-place
  operations, optional float32, optional two-pass evaluation in chunks for data that does
  not fit in memory). Training uses it. ``tests/test_objective.py`` proves the two equal.

Both also take a ``dask.array.Array``: the two passes then run as a map and a reduce on
Dask (:mod:`sae_lib.map_reduce`, an optional extra; nothing here imports Dask).
"""

from __future__ import annotations

import numbers
import sys
from typing import NamedTuple

import numpy as np
from scipy.special import expit

__all__ = [
    "sigmoid",
    "sigmoid_prime",
    "kl_divergence",
    "kl_divergence_prime",
    "sparsity_delta",
    "initialize_parameters",
    "pack_parameters",
    "unpack_parameters",
    "theta_size",
    "forward",
    "sparse_autoencoder_cost",
    "cost_and_grad",
    "validate_hyperparameters",
    "validate_data",
    "validate_theta",
]


# ---------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------
def sigmoid(z):
    """The logistic function f(z) = 1 / (1 + exp(-z)), elementwise.

    Computed with :func:`scipy.special.expit`, which neither overflows for large negative
    ``z`` nor loses precision for large positive ``z``.
    """
    return expit(z)


def sigmoid_prime(a):
    """f'(z) written in terms of the activation a = f(z): f'(z) = a (1 - a)."""
    return a * (1.0 - a)


def kl_divergence(rho, rho_hat):
    """KL(rho || rho_hat) between Bernoulli variables with means rho and rho_hat.

    ``rho * log(rho / rho_hat) + (1 - rho) * log((1 - rho) / (1 - rho_hat))``,
    elementwise with numpy broadcasting. It is 0 when ``rho_hat == rho``, positive
    otherwise, and grows without bound as ``rho_hat`` approaches 0 or 1.
    """
    rho = np.asarray(rho, dtype=float)
    rho_hat = np.asarray(rho_hat, dtype=float)
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def kl_divergence_prime(rho, rho_hat):
    """d KL(rho || rho_hat) / d rho_hat = -rho / rho_hat + (1 - rho) / (1 - rho_hat)."""
    rho = np.asarray(rho, dtype=float)
    rho_hat = np.asarray(rho_hat, dtype=float)
    return -rho / rho_hat + (1 - rho) / (1 - rho_hat)


def sparsity_delta(rho, rho_hat, beta):
    """The term the sparsity penalty adds to each hidden unit's delta.

    ``beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))``, shape (hidden_size,). It is
    the derivative of ``beta * sum_j KL(rho || rho_hat_j)`` with respect to ``rho_hat``;
    the 1/m of rho_hat's average cancels the 1/m of the cost average, which is why no m
    appears here.
    """
    return beta * kl_divergence_prime(rho, rho_hat)


def initialize_parameters(hidden_size, visible_size, rng=None):
    """Random initial theta, as UFLDL's ``initializeParameters.m``.

    Weights are drawn uniformly from [-r, r] with r = sqrt(6) / sqrt(hidden_size +
    visible_size + 1); biases start at zero. ``rng`` is a seed or a
    :class:`numpy.random.Generator` (None: fresh entropy).

    Returns theta of length ``2 * hidden_size * visible_size + hidden_size + visible_size``.
    """
    hidden_size = _positive_int(hidden_size, "hidden_size")
    visible_size = _positive_int(visible_size, "visible_size")
    rng = np.random.default_rng(rng)
    r = np.sqrt(6) / np.sqrt(hidden_size + visible_size + 1)
    W1 = rng.uniform(-r, r, size=(hidden_size, visible_size))
    W2 = rng.uniform(-r, r, size=(visible_size, hidden_size))
    b1 = np.zeros(hidden_size)
    b2 = np.zeros(visible_size)
    return pack_parameters(W1, W2, b1, b2)


def theta_size(visible_size, hidden_size):
    """Length of theta: 2 * hidden_size * visible_size + hidden_size + visible_size."""
    return 2 * hidden_size * visible_size + hidden_size + visible_size


def pack_parameters(W1, W2, b1, b2):
    """theta = concatenate([W1.ravel(), W2.ravel(), b1, b2]) (C order)."""
    W1, W2 = np.asarray(W1), np.asarray(W2)
    b1, b2 = np.asarray(b1), np.asarray(b2)
    hidden_size, visible_size = W1.shape
    if W2.shape != (visible_size, hidden_size):
        raise ValueError(
            f"W2 has shape {W2.shape} but W1 has shape {W1.shape}; W2 must have shape "
            f"(visible_size, hidden_size) = {(visible_size, hidden_size)}."
        )
    if b1.shape != (hidden_size,) or b2.shape != (visible_size,):
        raise ValueError(
            f"b1 must have shape {(hidden_size,)} and b2 shape {(visible_size,)}; "
            f"got {b1.shape} and {b2.shape}."
        )
    return np.concatenate([W1.ravel(), W2.ravel(), b1.ravel(), b2.ravel()])


def unpack_parameters(theta, visible_size, hidden_size):
    """Split theta into ``(W1, W2, b1, b2)`` -- views into theta, not copies.

    W1: (hidden_size, visible_size), W2: (visible_size, hidden_size), b1: (hidden_size,),
    b2: (visible_size,).
    """
    theta = validate_theta(theta, visible_size, hidden_size)
    hv = hidden_size * visible_size
    W1 = theta[:hv].reshape(hidden_size, visible_size)
    W2 = theta[hv : 2 * hv].reshape(visible_size, hidden_size)
    b1 = theta[2 * hv : 2 * hv + hidden_size]
    b2 = theta[2 * hv + hidden_size :]
    return W1, W2, b1, b2


def forward(W1, b1, W2, b2, data):
    """Feed-forward pass: returns ``(z2, a2, z3, a3)`` for data of shape (visible_size, m)."""
    z2 = W1 @ data + b1[:, None]
    a2 = sigmoid(z2)
    z3 = W2 @ a2 + b2[:, None]
    a3 = sigmoid(z3)
    return z2, a2, z3, a3


# ---------------------------------------------------------------------------------------
# The readable objective (shown in the notebooks)
# ---------------------------------------------------------------------------------------
def sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                            beta, data, chunk_size=None):
    """Cost J_sparse(W, b) and its gradient, for data of shape (visible_size, m).

    J_sparse = (1/m) sum_i 1/2 ||a3_i - x_i||^2            (average reconstruction error)
               + lambda_/2 (||W1||^2 + ||W2||^2)           (weight decay, weights only)
               + beta sum_j KL(rho || rho_hat_j)           (sparsity penalty)

    Returns ``(cost, grad)`` with grad laid out like theta. With ``chunk_size`` set, the
    data are processed in chunks of that many examples in two passes (first rho_hat, then
    the gradient), so memory stays bounded even for an ``np.memmap`` larger than RAM;
    the result is the same. A ``dask.array.Array`` (chunked along the examples) is
    evaluated with the same two passes, as a map and a reduce over its chunks (see
    :mod:`sae_lib.map_reduce`); its values are checked for NaN during the first pass.
    """
    validate_hyperparameters(lambda_, sparsity_param, beta)
    validate_theta(theta, visible_size, hidden_size)
    if _is_dask_array(data):
        if chunk_size is not None:
            raise ValueError(_DASK_CHUNK_SIZE_MESSAGE)
        from .map_reduce import dask_cost_and_grad, validate_dask_data

        return dask_cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                  beta, validate_dask_data(data, visible_size))
    data = validate_data(data, visible_size)
    if chunk_size is not None:
        return cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param,
                             beta, data, chunk_size=chunk_size)

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]
    rho = sparsity_param

    # Feed-forward pass over all m examples at once.
    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)                          # average activation of each unit

    # Cost: reconstruction error + weight decay + sparsity penalty.
    cost = (0.5 * np.sum((a3 - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl_divergence(rho, rho_hat)))

    # Backpropagation. The sparsity penalty changes only delta2.
    delta3 = (a3 - data) * sigmoid_prime(a3)
    delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)

    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    return cost, pack_parameters(W1grad, W2grad, b1grad, b2grad)


# ---------------------------------------------------------------------------------------
# The fast objective (used for training)
# ---------------------------------------------------------------------------------------
def cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data,
                  chunk_size=None):
    """Same result as :func:`sparse_autoencoder_cost`, computed for speed.

    No validation: callers validate once (``train`` does) and then call this in the
    optimiser's loop. The arithmetic runs in ``data.dtype`` when that is float32 (float64
    otherwise); cost and gradient are returned in float64.

    ``chunk_size=None`` keeps every activation of the batch in memory. With an integer
    chunk size the lesson's two-pass method is used: pass 1 adds up each chunk's hidden
    activations to get rho_hat; pass 2 recomputes each chunk's activations and adds up
    its share of the cost and gradient. One extra forward pass buys memory bounded by
    ``chunk_size`` examples, independent of m -- ``data`` may be an ``np.memmap``.

    ``data`` may also be a ``dask.array.Array`` chunked along the examples: the same two
    passes then run as a map and a reduce over its chunks, wherever Dask computes them
    (see :mod:`sae_lib.map_reduce`); it brings its own chunks, so ``chunk_size`` stays None.

    What happens to one chunk -- :func:`_chunk_activation_sum` (pass 1) and
    :func:`_chunk_gradient_sums` (pass 2) -- is written for speed with the same
    mathematics: the weights are negated once, so each product yields -z and the sigmoid
    ``1 / (1 + exp(-z))`` is computed in place; the output bias rides inside the product
    ``[-W2, -b2] @ [a2; 1]``; every elementwise step overwrites a buffer.
    """
    if _is_dask_array(data):
        if chunk_size is not None:
            raise ValueError(_DASK_CHUNK_SIZE_MESSAGE)
        from .map_reduce import dask_cost_and_grad

        return dask_cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                  beta, data)
    weights = _ChunkWeights.of(theta, visible_size, hidden_size, _compute_dtype(data.dtype))
    m = data.shape[1]
    if chunk_size is not None:
        chunk_size = _positive_int(chunk_size, "chunk_size")
    step = m if chunk_size is None else min(chunk_size, m)

    rho_hat = None
    if step < m:                                     # pass 1: rho_hat from a running sum
        a2_sum = np.zeros(hidden_size)
        for s, e in _chunk_bounds(m, step):
            a2_sum += _chunk_activation_sum(weights, _read_chunk(data, s, e, weights.dtype))
        rho_hat = a2_sum / m

    sums = np.zeros(_gradient_sums_size(visible_size, hidden_size))
    for s, e in _chunk_bounds(m, step):             # pass 2 (the only pass if unchunked)
        X = _read_chunk(data, s, e, weights.dtype)
        A = _hidden_activations(weights, X)
        if rho_hat is None:                          # one chunk: rho_hat from this pass
            rho_hat = A[:hidden_size].mean(axis=1, dtype=np.float64)
        sums += _chunk_gradient_sums(weights, X, A,                # (A is used up)
                                     sparsity_delta(sparsity_param, rho_hat, beta))
        del X, A          # free this chunk before the next is read: one chunk at a time
    return _cost_and_grad_from_sums(theta, visible_size, hidden_size, lambda_,
                                    sparsity_param, beta, m, rho_hat, sums)


# ---------------------------------------------------------------------------------------
# One chunk of the two passes (shared by cost_and_grad and sae_lib.map_reduce)
# ---------------------------------------------------------------------------------------
_DASK_CHUNK_SIZE_MESSAGE = (
    "chunk_size does not apply to a Dask array: it is already divided into chunks "
    "(data.chunks), and each chunk is one step of the two passes. Leave chunk_size=None, "
    "or change the chunks with data.rechunk({1: n}).")


def _is_dask_array(data):
    """True for a ``dask.array.Array``, tested without importing Dask: if ``dask.array``
    was never imported, no Dask array can exist."""
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(data, dask_array.Array)


def _compute_dtype(dtype):
    """float32 data is processed in float32 (half the memory); anything else in float64."""
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


def _chunk_bounds(m, step):
    """(start, end) of each chunk, made on the fly: no list growing with m."""
    for s in range(0, m, step):
        yield s, min(s + step, m)


def _read_chunk(data, start, end, dtype):
    """Columns start:end of data in the compute dtype (a view when no conversion is needed;
    an integer memmap is converted one chunk at a time)."""
    return np.asarray(data[:, start:end], dtype=dtype)


class _ChunkWeights(NamedTuple):
    """The parameters in the form each chunk multiplies by, made once per evaluation."""

    neg_W1: np.ndarray       # -W1, (h, v)
    neg_b1: np.ndarray       # -b1 as a column, (h, 1)
    neg_W2b2: np.ndarray     # [-W2, -b2], (v, h + 1)
    W2T: np.ndarray          # W2^T, (h, v), contiguous
    dtype: np.dtype

    @classmethod
    def of(cls, theta, visible_size, hidden_size, dtype):
        h, v = hidden_size, visible_size
        hv = h * v
        theta = np.asarray(theta, dtype=np.float64)
        W1 = theta[:hv].reshape(h, v)
        W2 = theta[hv : 2 * hv].reshape(v, h)
        b1 = theta[2 * hv : 2 * hv + h]
        b2 = theta[2 * hv + h :]
        neg_W2b2 = np.empty((v, h + 1), dtype)
        neg_W2b2[:, :h] = -W2
        neg_W2b2[:, h] = -b2
        return cls(np.negative(W1).astype(dtype, copy=False),
                   np.negative(b1).astype(dtype, copy=False)[:, None], neg_W2b2,
                   np.ascontiguousarray(W2.T, dtype=dtype), np.dtype(dtype))


def _hidden_activations(weights, X):
    """[a2; 1] for the examples in X (v, n): shape (h + 1, n), in weights.dtype."""
    h = weights.neg_W1.shape[0]
    A = np.empty((h + 1, X.shape[1]), weights.dtype)
    a2 = A[:h]
    np.matmul(weights.neg_W1, X, out=a2)             # -W1 x
    a2 += weights.neg_b1                             # -z2
    _sigmoid_of_negated(a2)                          # a2 = f(z2)
    A[h] = 1.0
    return A


def _chunk_activation_sum(weights, X):
    """Pass 1 for one chunk: sum over its examples of a2 = f(W1 x + b1), shape (h,), float64."""
    A = _hidden_activations(weights, X)
    return A[:-1].sum(axis=1, dtype=np.float64)


def _gradient_sums_size(visible_size, hidden_size):
    """Length of the vector of pass 2's sums: 1 + h v + v (h + 1) + h."""
    return 1 + 2 * hidden_size * visible_size + visible_size + hidden_size


def _chunk_gradient_sums(weights, X, A, sparsity_term):
    """Pass 2 for one chunk: its share of the sums the cost and gradient are made of.

    ``X`` (v, n) the chunk; ``A`` = [a2; 1] (h + 1, n) its hidden activations, used up
    here (its a2 rows are overwritten); ``sparsity_term`` = beta (-rho / rho_hat + (1 - rho)
    / (1 - rho_hat)), shape (h,), from pass 1. Returns one float64 vector (length
    :func:`_gradient_sums_size`) holding, summed over the chunk's examples: 1/2 ||a3 - x||^2;
    delta2 x^T (h, v); delta3 [a2; 1]^T (v, h + 1), which is m [W2grad, b2grad]; delta2 (h,).

    At most three arrays with a column per example are alive at once: [a2; 1], d and
    f'(z3) (h + 1 + 2v rows), or later [a2; 1], d and delta2 (2h + 1 + v rows).
    """
    h, v = weights.W2T.shape
    hv = h * v
    out = np.empty(_gradient_sums_size(v, h))
    d = np.matmul(weights.neg_W2b2, A)               # -z3
    _sigmoid_of_negated(d)                           # d holds a3
    f3 = np.multiply(d, d)
    np.subtract(d, f3, out=f3)                       # f'(z3) = a3 (1 - a3)
    d -= X                                           # d holds a3 - x
    out[0] = 0.5 * float(np.einsum("ij,ij->", d, d))  # not BLAS: same bits on any thread count
    d *= f3                                          # d holds delta3
    del f3
    out[1 + hv : 1 + hv + v * (h + 1)] = (d @ A.T).ravel()     # delta3 [a2; 1]^T
    delta2 = weights.W2T @ d                         # W2^T delta3
    del d
    delta2 += sparsity_term.astype(weights.dtype)[:, None]
    a2 = A[:h]
    delta2 *= a2                                     # times f'(z2) = a2 (1 - a2) ...
    np.subtract(1.0, a2, out=a2)
    delta2 *= a2                                     # ... in two steps, with no new array
    out[1 : 1 + hv] = (delta2 @ X.T).ravel()         # delta2 x^T
    out[1 + hv + v * (h + 1) :] = delta2.sum(axis=1, dtype=np.float64)
    return out


def _cost_and_grad_from_sums(theta, visible_size, hidden_size, lambda_, sparsity_param,
                             beta, m, rho_hat, sums):
    """The end of both passes: divide the sums by m, add weight decay and the sparsity
    penalty. ``sums`` as :func:`_chunk_gradient_sums` returns them, added over all chunks."""
    h, v = hidden_size, visible_size
    hv = h * v
    theta = np.asarray(theta, dtype=np.float64)
    W1 = theta[:hv].reshape(h, v)
    W2 = theta[hv : 2 * hv].reshape(v, h)
    W2b2grad = sums[1 + hv : 1 + hv + v * (h + 1)].reshape(v, h + 1)
    cost = (sums[0] / m
            + lambda_ / 2 * (np.sum(W1 * W1) + np.sum(W2 * W2))
            + beta * float(np.sum(kl_divergence(sparsity_param, rho_hat))))
    grad = np.empty(theta_size(v, h))
    grad[:hv] = sums[1 : 1 + hv] / m + lambda_ * W1.ravel()
    grad[hv : 2 * hv] = (W2b2grad[:, :h] / m + lambda_ * W2).ravel()
    grad[2 * hv : 2 * hv + h] = sums[1 + hv + v * (h + 1) :] / m
    grad[2 * hv + h :] = W2b2grad[:, h] / m
    return float(cost), grad


def _sigmoid_of_negated(t):
    """In place: t holds -z on entry and f(z) = 1 / (1 + exp(-z)) on return."""
    with np.errstate(over="ignore"):  # exp(-z) = inf for z < -709 gives f(z) = 0, correctly
        np.exp(t, out=t)
    t += 1.0
    np.reciprocal(t, out=t)
    return t


# ---------------------------------------------------------------------------------------
# Validation at the public boundary (messages say what is wrong and how to fix it)
# ---------------------------------------------------------------------------------------
def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _finite_real(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    return float(value)


def validate_hyperparameters(lambda_, sparsity_param, beta):
    """Check lambda_ >= 0, 0 < sparsity_param < 1 and beta >= 0; raise ValueError if not."""
    lambda_ = _finite_real(lambda_, "lambda_ (weight decay)")
    rho = _finite_real(sparsity_param, "sparsity_param (rho)")
    beta = _finite_real(beta, "beta (sparsity weight)")
    if not 0 < rho < 1:
        raise ValueError(
            f"sparsity_param (rho) must lie strictly between 0 and 1, got {rho!r}. It is the "
            "target average activation of a sigmoid unit, such as 0.05; KL(rho||rho_hat) is "
            "undefined at 0 and 1."
        )
    if beta < 0:
        raise ValueError(
            f"beta (sparsity weight) must be >= 0, got {beta!r}. A negative beta would "
            "reward dense codes; use 0 to switch the sparsity penalty off."
        )
    if lambda_ < 0:
        raise ValueError(
            f"lambda_ (weight decay) must be >= 0, got {lambda_!r}. A negative lambda_ "
            "would reward large weights; use 0 to switch weight decay off."
        )
    return lambda_, rho, beta


def validate_data(data, visible_size, name="data"):
    """Check data is a finite 2-D array of shape (visible_size, m); return it as an array.

    ``np.memmap`` inputs are checked chunk by chunk and returned unchanged, so a file
    larger than memory is never loaded whole. A Dask array is refused: turning it into
    one array would load all of it (:func:`sae_lib.map_reduce.validate_dask_data` checks
    one where the two passes can take it).
    """
    if _is_dask_array(data):
        raise ValueError(
            f"{name} is a Dask array; this function needs the data in memory. The objective "
            "and train take a Dask array as it is; elsewhere pass data.compute() if it fits "
            "in memory (or a slice of it, data[:, :n].compute())."
        )
    if not isinstance(data, np.ndarray):
        data = np.asarray(data, dtype=float)
    _check_data_layout(data.shape, data.dtype, visible_size, name)
    if not np.issubdtype(data.dtype, np.floating) and not isinstance(data, np.memmap):
        data = data.astype(np.float64)  # a memmap stays on disk; chunks are converted as read
    step = max(1, 2**22 // max(1, data.shape[0]))
    for s in range(0, data.shape[1], step):
        block = data[:, s : s + step]
        if not np.isfinite(block).all():     # report the first example with a bad value
            first = np.flatnonzero(~np.isfinite(np.asarray(block).T))[0]
            column, row = divmod(int(first), data.shape[0])
            raise ValueError(_non_finite_message(name, row, column + s))
    return data


def _non_finite_message(name, row, column):
    return (f"{name} contains NaN or infinite values (first at row {row}, column {column}). "
            "Remove or impute those examples before training.")


def _check_data_layout(shape, dtype, visible_size, name="data"):
    """The checks of :func:`validate_data` that need only the shape and dtype (shared with
    :func:`sae_lib.map_reduce.validate_dask_data`, which has no values to look at yet)."""
    if len(shape) != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (visible_size, m) = ({visible_size}, m) "
            f"with one example per column; got an array with {len(shape)} dimension(s) and "
            f"shape {shape}. For a single example x use x.reshape(-1, 1)."
        )
    if not np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {dtype}.")
    if shape[0] != visible_size:
        if shape[1] == visible_size:
            raise ValueError(
                f"{name} has shape {shape}: examples go in columns; pass data.T "
                f"(shape {(shape[1], shape[0])}), as in the CS294A notes where "
                "x^(i) is a column vector."
            )
        raise ValueError(
            f"{name} has {shape[0]} rows but visible_size is {visible_size}; data "
            f"must have shape (visible_size, m) = ({visible_size}, m)."
        )
    if shape[1] == 0:
        raise ValueError(f"{name} has no examples (shape {shape}); m must be >= 1.")


def validate_theta(theta, visible_size, hidden_size):
    """Check theta is a 1-D float vector of the right length for these layer sizes."""
    visible_size = _positive_int(visible_size, "visible_size")
    hidden_size = _positive_int(hidden_size, "hidden_size")
    theta = np.asarray(theta)
    expected = theta_size(visible_size, hidden_size)
    if theta.ndim != 1 or theta.size != expected:
        raise ValueError(
            f"theta has shape {theta.shape} but visible_size={visible_size}, "
            f"hidden_size={hidden_size} need a 1-D vector of length {expected} = "
            f"2*{hidden_size}*{visible_size} + {hidden_size} + {visible_size}, laid out as "
            "concatenate([W1.ravel(), W2.ravel(), b1, b2]). Check the sizes, or build theta "
            "with initialize_parameters(hidden_size, visible_size)."
        )
    if not np.isfinite(theta).all():
        raise ValueError("theta contains NaN or infinite values; restart from "
                         "initialize_parameters(hidden_size, visible_size).")
    return theta
