"""Training a sparse autoencoder: L-BFGS (as UFLDL's minFunc) and plain gradient descent.

Both return a :class:`TrainResult` holding the learned parameters (``W1``, ``b1``,
``W2``, ``b2`` and the packed ``theta``), the cost after every iteration and the
optimiser's message. :func:`save_model` / :func:`load_model` store one in a plain
``.npz`` file (no pickle).
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from .objective import (
    cost_and_grad,
    initialize_parameters,
    unpack_parameters,
    validate_data,
    validate_hyperparameters,
    validate_theta,
    _DASK_CHUNK_SIZE_MESSAGE,
    _is_dask_array,
    _positive_int,
)

__all__ = ["ParameterViews", "TrainResult", "train", "gradient_descent", "save_model", "load_model"]

MODEL_FORMAT = "sae_lib.sparse_autoencoder"
MODEL_VERSION = 1


class ParameterViews:
    """``W1``, ``W2``, ``b1``, ``b2`` as views into ``self.theta``.

    For any result that stores a packed ``theta`` with ``visible_size`` and
    ``hidden_size`` (used by :class:`TrainResult` and :class:`sae_lib.variants.VariantResult`).
    """

    @property
    def W1(self):
        return unpack_parameters(self.theta, self.visible_size, self.hidden_size)[0]

    @property
    def W2(self):
        return unpack_parameters(self.theta, self.visible_size, self.hidden_size)[1]

    @property
    def b1(self):
        return unpack_parameters(self.theta, self.visible_size, self.hidden_size)[2]

    @property
    def b2(self):
        return unpack_parameters(self.theta, self.visible_size, self.hidden_size)[3]


@dataclass
class TrainResult(ParameterViews):
    """A trained sparse autoencoder and how it got there.

    ``theta`` is packed as ``concatenate([W1.ravel(), W2.ravel(), b1, b2])``;
    ``W1`` (hidden, visible), ``W2`` (visible, hidden), ``b1`` (hidden,), ``b2``
    (visible,) are views into it. ``cost_history[k]`` is the cost after iteration k
    (``cost_history[0]`` is the initial cost).
    """

    theta: np.ndarray
    visible_size: int
    hidden_size: int
    lambda_: float
    sparsity_param: float
    beta: float
    cost_history: np.ndarray = field(default_factory=lambda: np.empty(0))
    message: str = ""
    n_iter: int = 0
    n_evaluations: int = 0
    seconds: float = 0.0


    @property
    def cost(self):
        """Final cost."""
        return float(self.cost_history[-1]) if len(self.cost_history) else float("nan")

    def hidden_activations(self, data):
        """a2 = f(W1 x + b1) for data (visible_size, m); returns (hidden_size, m)."""
        from .objective import sigmoid

        data = validate_data(data, self.visible_size)
        return sigmoid(self.W1 @ data + self.b1[:, None])

    def reconstruct(self, data):
        """a3, the network's output for data (visible_size, m); returns (visible_size, m)."""
        from .objective import sigmoid

        a2 = self.hidden_activations(data)
        return sigmoid(self.W2 @ a2 + self.b2[:, None])

    def __repr__(self):
        return (f"TrainResult(visible_size={self.visible_size}, hidden_size={self.hidden_size}, "
                f"lambda_={self.lambda_:g}, sparsity_param={self.sparsity_param:g}, "
                f"beta={self.beta:g}, cost={self.cost:.6g}, n_iter={self.n_iter}, "
                f"message={self.message!r})")


# ---------------------------------------------------------------------------------------
# Progress display
# ---------------------------------------------------------------------------------------
def _in_notebook():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class _Progress:
    """A widget progress bar in a notebook; nothing elsewhere (scripts, tests).

    Shown only for runs whose estimated work exceeds about a second (a deterministic
    estimate from the problem size, so a notebook's stored output does not depend on the
    machine's speed).
    """

    def __init__(self, total, show, description):
        self.bar = None
        if not show:
            return
        import ipywidgets as widgets
        from IPython.display import display

        self.bar = widgets.IntProgress(value=0, min=0, max=total, description=description,
                                       layout=widgets.Layout(width="60%"))
        self.label = widgets.Label(value="")
        display(widgets.HBox([self.bar, self.label]))

    def update(self, it, cost):
        if self.bar is not None:
            self.bar.value = min(it, self.bar.max)
            self.label.value = f"iteration {it}, cost {cost:.5g}"

    def close(self, message):
        if self.bar is not None:
            self.bar.value = self.bar.max
            self.bar.bar_style = "success"
            self.label.value = message


def _show_progress(progress, data, hidden_size, max_iter):
    if progress is not None:
        return bool(progress) and _in_notebook()
    # An evaluation costs about 6 multiply-adds per weight per example; numpy does about
    # 1e10 of those a second on a 2-core laptop, so this is "expected to take over 1 s".
    work = 6.0 * data.shape[0] * hidden_size * data.shape[1] * max_iter
    return work > 1e10 and _in_notebook()


def _prepare(data, hidden_size, lambda_, sparsity_param, beta, theta0, rng, chunk_size=None):
    hidden_size = _positive_int(hidden_size, "hidden_size")
    lambda_, sparsity_param, beta = validate_hyperparameters(lambda_, sparsity_param, beta)
    if _is_dask_array(data):
        # Shape and dtype from the metadata; the values are checked by pass 1 of every
        # evaluation, so validating them costs no pass of its own.
        if chunk_size is not None:
            raise ValueError(_DASK_CHUNK_SIZE_MESSAGE)
        from .map_reduce import validate_dask_data

        if data.ndim != 2:
            raise ValueError(f"data must be a 2-D array (visible_size, m), one example per "
                             f"column; got a Dask array of shape {data.shape}.")
        data = validate_dask_data(data, data.shape[0])
        visible_size = data.shape[0]
    else:
        data, visible_size = _prepare_array(data)
    if theta0 is None:
        theta0 = initialize_parameters(hidden_size, visible_size, rng)
    else:
        theta0 = np.array(validate_theta(theta0, visible_size, hidden_size), dtype=np.float64)
    return data, visible_size, hidden_size, lambda_, sparsity_param, beta, theta0


def _prepare_array(data):
    if not isinstance(data, np.ndarray) or data.ndim != 2:
        data = np.asarray(data, dtype=float)
        if data.ndim != 2:
            raise ValueError(f"data must be a 2-D array (visible_size, m), one example per "
                             f"column; got shape {data.shape}.")
    visible_size = data.shape[0]
    return validate_data(data, visible_size), visible_size


# ---------------------------------------------------------------------------------------
# Keeping two BLAS thread pools from fighting
# ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _other_blas_pools():
    """The BLAS thread pools of libraries other than numpy's, as a threadpoolctl selection.

    PyPI wheels of numpy and scipy each bundle an OpenBLAS with its own thread pool. The
    L-BFGS-B code calls scipy's for small vector operations, after which its threads spin,
    stealing the cores numpy's matrix products need: on a 2-core machine that made each
    evaluation of the objective about 1.8x slower during training. Where numpy and scipy
    share one BLAS (conda, a system BLAS) there is nothing to separate and the selection
    is empty. threadpoolctl handles OpenBLAS, MKL, BLIS and Accelerate on every platform.
    """
    from threadpoolctl import ThreadpoolController

    import scipy.optimize  # noqa: F401  (loads scipy's BLAS so that it can be seen)

    controller = ThreadpoolController().select(user_api="blas")
    paths = [lib.filepath for lib in controller.lib_controllers]
    others = [p for p in paths if "numpy" not in Path(p).parent.name]
    if len(others) == len(paths):  # numpy's own BLAS is not among them: leave all alone
        others = []
    return controller.select(filepath=others) if others else None


@contextlib.contextmanager
def _scipy_blas_single_threaded():
    """Run the BLAS libraries other than numpy's single-threaded inside the block."""
    pools = _other_blas_pools()
    if pools is None:
        yield
        return
    with pools.limit(limits=1):
        yield


# ---------------------------------------------------------------------------------------
# L-BFGS
# ---------------------------------------------------------------------------------------
def train(data, hidden_size, *, lambda_=1e-4, sparsity_param=0.01, beta=3.0, max_iter=400,
          rng=None, theta0=None, chunk_size=None, progress=None, history_size=100,
          objective=None):
    """Train a sparse autoencoder on ``data`` (visible_size, m) with L-BFGS.

    The defaults are UFLDL's exercise settings (rho = 0.01, lambda = 1e-4, beta = 3,
    400 iterations). ``rng`` seeds the initial weights (see
    :func:`~sae_lib.objective.initialize_parameters`); ``theta0`` starts from given
    parameters instead (warm start). ``chunk_size`` evaluates the objective in two passes
    over chunks of that many examples (for data too large for memory, e.g. an
    ``np.memmap``). ``data`` may also be a ``dask.array.Array`` chunked along the
    examples: each evaluation then runs the two passes as a map and a reduce over its
    chunks, on the active Dask scheduler (:mod:`sae_lib.map_reduce`; ``chunk_size`` stays
    None). ``progress``: None shows a progress bar in a notebook for runs
    expected to take over a second, True/False force it on/off (never shown outside a
    notebook). ``objective`` replaces the library's cost function by any function with
    the signature of :func:`~sae_lib.objective.sparse_autoencoder_cost` -- e.g. a buggy
    one, to see what a wrong gradient does to training (not combined with chunk_size).

    Optimiser settings, chosen to stop where UFLDL's minFunc (L-BFGS, 100 corrections)
    would and not earlier: scipy's L-BFGS-B without bounds, ``maxcor=history_size=100``
    correction pairs like minFunc's ``Corr``; ``gtol=1e-5`` like minFunc's ``optTol``;
    ``ftol=1e-9``, which for costs below 1 is minFunc's ``progTol`` on the change in cost
    (scipy's default would be 2.2e-9); ``maxiter=max_iter`` and ``maxfun`` = 2 x max_iter
    + 20 so that line searches never end the run before ``max_iter`` iterations.

    Returns a :class:`TrainResult`.
    """
    data, visible_size, hidden_size, lambda_, sparsity_param, beta, theta0 = _prepare(
        data, hidden_size, lambda_, sparsity_param, beta, theta0, rng, chunk_size)
    max_iter = _positive_int(max_iter, "max_iter")
    if chunk_size is not None:
        chunk_size = _positive_int(chunk_size, "chunk_size")

    if objective is not None and not callable(objective):
        raise ValueError("objective must be a function (theta, visible_size, hidden_size, "
                         "lambda_, sparsity_param, beta, data) -> (cost, grad).")
    if objective is not None and chunk_size is not None:
        raise ValueError("chunk_size works with the library's objective only; pass one of "
                         "objective and chunk_size.")
    n_eval = 0

    def fun(theta):
        nonlocal n_eval
        n_eval += 1
        if objective is None:
            return cost_and_grad(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                 beta, data, chunk_size=chunk_size)
        cost, grad = objective(theta, visible_size, hidden_size, lambda_, sparsity_param,
                               beta, data)
        return float(cost), np.asarray(grad, dtype=np.float64)

    start = time.perf_counter()
    cost0, _ = fun(theta0)
    history = [cost0]
    bar = _Progress(max_iter, _show_progress(progress, data, hidden_size, max_iter),
                    "L-BFGS")

    def callback(intermediate_result):
        history.append(float(intermediate_result.fun))
        bar.update(len(history) - 1, history[-1])

    with _scipy_blas_single_threaded():
        res = minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=callback,
                       options={"maxiter": max_iter, "maxfun": 2 * max_iter + 20,
                                "maxcor": history_size, "gtol": 1e-5, "ftol": 1e-9})
    seconds = time.perf_counter() - start
    message = str(res.message)
    bar.close(f"{res.nit} iterations, cost {res.fun:.5g} ({message})")
    return TrainResult(theta=np.asarray(res.x, dtype=np.float64), visible_size=visible_size,
                       hidden_size=hidden_size, lambda_=lambda_, sparsity_param=sparsity_param,
                       beta=beta, cost_history=np.asarray(history), message=message,
                       n_iter=int(res.nit), n_evaluations=n_eval, seconds=seconds)


# ---------------------------------------------------------------------------------------
# Batch gradient descent
# ---------------------------------------------------------------------------------------
def gradient_descent(data, hidden_size, *, alpha=1.0, lambda_=1e-4, sparsity_param=0.01,
                     beta=3.0, max_iter=400, rng=None, theta0=None, chunk_size=None,
                     progress=None):
    """Plain batch gradient descent, the pseudocode of the lessons.

    Repeat ``max_iter`` times: compute J(theta) and its gradient on all of ``data``, then
    theta <- theta - alpha * grad. Far slower to converge than L-BFGS -- which is the
    point of showing it. Stops early only if the cost becomes NaN or infinite (alpha too
    large), with a message saying so.
    """
    data, visible_size, hidden_size, lambda_, sparsity_param, beta, theta = _prepare(
        data, hidden_size, lambda_, sparsity_param, beta, theta0, rng, chunk_size)
    max_iter = _positive_int(max_iter, "max_iter")
    if not (isinstance(alpha, (int, float, np.floating)) and np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha (learning rate) must be a positive number, got {alpha!r}.")
    start = time.perf_counter()
    bar = _Progress(max_iter, _show_progress(progress, data, hidden_size, max_iter),
                    "Gradient descent")
    history = []
    message = f"completed {max_iter} iterations"
    n_iter = 0
    for it in range(max_iter + 1):
        with np.errstate(all="ignore"):  # a diverging run is reported in the message below
            cost, grad = cost_and_grad(theta, visible_size, hidden_size, lambda_,
                                       sparsity_param, beta, data, chunk_size=chunk_size)
        history.append(cost)
        if not np.isfinite(cost):
            message = (f"cost became {cost} at iteration {it}: the learning rate alpha={alpha:g} "
                       "is too large; try a smaller one")
            break
        bar.update(it, cost)
        if it == max_iter:
            break
        theta = theta - alpha * grad
        n_iter = it + 1
    bar.close(message)
    return TrainResult(theta=theta, visible_size=visible_size, hidden_size=hidden_size,
                       lambda_=lambda_, sparsity_param=sparsity_param, beta=beta,
                       cost_history=np.asarray(history), message=message, n_iter=n_iter,
                       n_evaluations=len(history), seconds=time.perf_counter() - start)


# ---------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------
def save_model(path, result):
    """Save a :class:`TrainResult` to ``path`` (.npz, no pickle): theta, sizes, settings."""
    if not isinstance(result, TrainResult):
        raise ValueError(f"save_model stores a TrainResult (from train or gradient_descent), "
                         f"got {type(result).__name__}.")
    np.savez(path, format=np.array(MODEL_FORMAT), version=np.array(MODEL_VERSION),
             theta=result.theta, visible_size=np.array(result.visible_size),
             hidden_size=np.array(result.hidden_size), lambda_=np.array(result.lambda_),
             sparsity_param=np.array(result.sparsity_param), beta=np.array(result.beta),
             cost_history=np.asarray(result.cost_history, dtype=np.float64),
             message=np.array(result.message), n_iter=np.array(result.n_iter))


def load_model(path):
    """Load a model written by :func:`save_model`; raise ValueError for any other file."""
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ValueError(f"no file at {str(path)!r}.") from None
    except Exception as exc:
        raise ValueError(f"{str(path)!r} is not a model saved by sae_lib.save_model "
                         f"(not a readable .npz file: {exc}).") from exc
    if not hasattr(f, "files"):
        raise ValueError(f"{str(path)!r} holds a single array, not a model saved by "
                         "sae_lib.save_model.")
    with f:
        required = {"format", "version", "theta", "visible_size", "hidden_size", "lambda_",
                    "sparsity_param", "beta"}
        missing = required - set(f.files)
        if missing or str(f["format"]) != MODEL_FORMAT:
            raise ValueError(f"{str(path)!r} is not a model saved by sae_lib.save_model "
                             f"(missing {sorted(missing) or ['format tag']}).")
        if int(f["version"]) != MODEL_VERSION:
            raise ValueError(f"{str(path)!r} is model format version {int(f['version'])}; "
                             f"this sae_lib reads version {MODEL_VERSION}.")
        try:
            visible_size = int(f["visible_size"])
            hidden_size = int(f["hidden_size"])
            theta = np.asarray(f["theta"], dtype=np.float64)
            lambda_, rho, beta = validate_hyperparameters(float(f["lambda_"]),
                                                          float(f["sparsity_param"]),
                                                          float(f["beta"]))
            validate_theta(theta, visible_size, hidden_size)
            history = np.asarray(f["cost_history"]) if "cost_history" in f.files else np.empty(0)
            message = str(f["message"]) if "message" in f.files else ""
            n_iter = int(f["n_iter"]) if "n_iter" in f.files else 0
        except Exception as exc:  # any inconsistency in the stored arrays
            raise ValueError(f"{str(path)!r} is a damaged sae_lib model: {exc}") from exc
    return TrainResult(theta=theta, visible_size=visible_size, hidden_size=hidden_size,
                       lambda_=lambda_, sparsity_param=rho, beta=beta, cost_history=history,
                       message=message, n_iter=n_iter)
