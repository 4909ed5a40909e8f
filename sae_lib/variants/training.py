"""Training the autoencoders of notebook 09, and the training tricks of today's SAEs.

* :func:`adam` -- minibatch Adam, with optional hooks to project each gradient and to
  repair the parameters after each step;
* :func:`train_l1`, :func:`train_topk` -- Adam on the L1 and TopK objectives, with the
  options modern sparse autoencoders use: a pre-encoder bias (``pre_bias``), decoder
  columns held at unit length (``unit_norm_decoder``), and the AuxK loss that revives dead
  latents (``aux_k``);
* :func:`train_kl_linear` -- the notes' KL autoencoder with a linear decoder, by L-BFGS;
* :func:`unit_norm_columns`, :func:`remove_parallel_component` -- the two halves of
  training with unit-norm decoder columns (Gao et al. 2024; Bricken et al. 2023).
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from .._blas_threads import one_blas_thread
from ..objective import initialize_parameters, unpack_parameters, validate_data, validate_theta
from ..training import ParameterViews
from ..training import train as _train_lbfgs
from ._checks import _check_k, _finite_nonneg, _positive_int
from .activations import topk_mask
from .models import (
    auxk_cost,
    encoder_input,
    kl_linear_autoencoder_cost,
    kl_linear_forward,
    l1_autoencoder_cost,
    l1_forward,
    topk_autoencoder_cost,
    topk_forward,
)

__all__ = [
    "VariantResult",
    "adam",
    "unit_norm_columns",
    "remove_parallel_component",
    "train_l1",
    "train_topk",
    "train_kl_linear",
]

KINDS = ("l1", "topk", "kl_linear")


@dataclass
class VariantResult(ParameterViews):
    """A trained autoencoder of notebook 09: ``kind`` is "l1", "topk" or "kl_linear".

    Same layout as :class:`sae_lib.training.TrainResult`: ``theta`` packed as
    ``concatenate([W1.ravel(), W2.ravel(), b1, b2])``, W1..b2 views into it,
    ``hidden_activations(data)`` gives a2 (ReLU codes for "l1" and "topk", sigmoid codes
    for "kl_linear") and ``reconstruct(data)`` x_hat = W2 a2 + b2 (a linear decoder for
    all three). ``cost_history[t]`` is the cost of the minibatch used at Adam step t (for
    "kl_linear", the full cost after L-BFGS iteration t). ``n_steps``: Adam steps or
    L-BFGS iterations. The training options are recorded: ``pre_bias``,
    ``unit_norm_decoder``, ``aux_k`` and ``aux_coef``.
    """

    kind: str
    theta: np.ndarray
    visible_size: int
    hidden_size: int
    lambda_: float
    beta: float = 0.0
    k: int | None = None
    cost_history: np.ndarray = field(default_factory=lambda: np.empty(0))
    n_steps: int = 0
    seconds: float = 0.0
    sparsity_param: float | None = None
    pre_bias: bool = False
    unit_norm_decoder: bool = False
    aux_k: int | None = None
    aux_coef: float = 0.0
    message: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}.")

    def _forward(self, data):
        data = validate_data(data, self.visible_size)
        if self.kind == "topk":
            return topk_forward(self.W1, self.b1, self.W2, self.b2, data, self.k, self.pre_bias)
        if self.kind == "kl_linear":
            return kl_linear_forward(self.W1, self.b1, self.W2, self.b2, data)
        return l1_forward(self.W1, self.b1, self.W2, self.b2, data, self.pre_bias)

    def hidden_activations(self, data):
        """a2, the codes, for data (visible_size, m); returns (hidden_size, m)."""
        return self._forward(data)[1]

    def reconstruct(self, data):
        """x_hat = W2 a2 + b2 for data (visible_size, m); returns (visible_size, m)."""
        return self._forward(data)[2]

    def cost(self, data):
        """The main objective (J_L1, J_TopK or the linear-decoder J_sparse) on ``data``."""
        data = validate_data(data, self.visible_size)
        v, h = self.visible_size, self.hidden_size
        if self.kind == "topk":
            return topk_autoencoder_cost(self.theta, v, h, self.lambda_, self.k, data,
                                         pre_bias=self.pre_bias)[0]
        if self.kind == "kl_linear":
            return kl_linear_autoencoder_cost(self.theta, v, h, self.lambda_,
                                              self.sparsity_param, self.beta, data)[0]
        return l1_autoencoder_cost(self.theta, v, h, self.lambda_, self.beta, data,
                                   pre_bias=self.pre_bias)[0]

    def __repr__(self):
        if self.kind == "topk":
            setting = f"k={self.k}"
        elif self.kind == "kl_linear":
            setting = f"rho={self.sparsity_param:g}, beta={self.beta:g}"
        else:
            setting = f"beta={self.beta:g}"
        extras = "".join(f", {name}=True" for name in ("pre_bias", "unit_norm_decoder")
                         if getattr(self, name))
        if self.aux_k:
            extras += f", aux_k={self.aux_k}"
        return (f"VariantResult(kind={self.kind!r}, visible_size={self.visible_size}, "
                f"hidden_size={self.hidden_size}, {setting}, lambda_={self.lambda_:g}"
                f"{extras}, n_steps={self.n_steps})")


# ---------------------------------------------------------------------------------------
# Adam
# ---------------------------------------------------------------------------------------
def adam(fun, theta0, data, *, n_steps, batch_size, learning_rate, decay_fraction, rng,
         project=None, after_step=None):
    """Minibatch Adam (Kingma & Ba 2015): minimise fun(theta, batch) -> (cost, grad).

    ``theta0`` is the starting theta (1-D); ``data`` (visible_size, m) is cut into
    minibatches of ``batch_size`` columns, in a fresh random order (from the Generator
    ``rng``) on every pass over the data. Each step moves every parameter by about
    ``learning_rate`` in the direction of its recent average gradient, divided by its
    recent gradient size -- so the step does not depend on the scale of the cost. The
    rate is constant, then falls linearly towards 0 over the last ``decay_fraction`` of
    the steps, so the final parameters are not left jittering at the size of a full step.

    Two optional hooks, for constrained training: ``project(theta, grad) -> grad`` changes
    each gradient before Adam uses it, and ``after_step(theta)`` repairs theta in place
    after each step (both: unit-norm decoder columns, see :func:`train_topk`).

    The matrix products of a minibatch are small, so numpy's BLAS runs on one thread
    meanwhile (:func:`sae_lib._blas_threads.one_blas_thread`): a second thread only adds
    synchronisation (and spins against other processes on a busy machine), and the result
    is then the same whatever the BLAS thread count.

    Returns ``(theta, cost_history)``; ``cost_history[t]`` is the cost of step t's batch.
    """
    decay1, decay2, eps = 0.9, 0.999, 1e-8           # Adam's usual averaging rates
    theta = np.array(theta0, dtype=np.float64)
    mean_grad = np.zeros_like(theta)                 # running average of the gradient
    mean_sq = np.zeros_like(theta)                   # ... and of its square
    m = data.shape[1]
    batch_size = min(batch_size, m)
    decay_start = int(round(n_steps * (1 - decay_fraction)))
    history = np.empty(n_steps)
    order, pos = rng.permutation(m), 0
    with one_blas_thread():
        for t in range(n_steps):
            if pos + batch_size > m:                 # next pass over the data
                order, pos = rng.permutation(m), 0
            batch = data[:, order[pos : pos + batch_size]]
            pos += batch_size

            history[t], grad = fun(theta, batch)
            if project is not None:
                grad = project(theta, grad)
            mean_grad = decay1 * mean_grad + (1 - decay1) * grad
            mean_sq = decay2 * mean_sq + (1 - decay2) * grad ** 2
            unbiased_grad = mean_grad / (1 - decay1 ** (t + 1))   # both start at 0: correct
            unbiased_sq = mean_sq / (1 - decay2 ** (t + 1))

            rate = learning_rate
            if t >= decay_start:
                rate *= (n_steps - t) / (n_steps - decay_start)
            theta -= rate * unbiased_grad / (np.sqrt(unbiased_sq) + eps)
            if after_step is not None:
                after_step(theta)
    return theta, history


# ---------------------------------------------------------------------------------------
# Unit-norm decoder columns
# ---------------------------------------------------------------------------------------
def unit_norm_columns(theta, visible_size, hidden_size):
    """Rescale every decoder column W2[:, j] of ``theta`` to length 1, in place.

    A column of zeros has no direction and is left as it is. Returns ``theta``.
    """
    _, W2, _, _ = unpack_parameters(theta, visible_size, hidden_size)   # a view into theta
    norms = np.linalg.norm(W2, axis=0)
    W2 /= np.where(norms > 0, norms, 1.0)
    return theta


def remove_parallel_component(theta, grad, visible_size, hidden_size):
    """The gradient with, for each decoder column w_j, its component along w_j removed.

    g_j <- g_j - (g_j . w_j) w_j / ||w_j||^2 for the W2 part of ``grad``; the other parts
    are returned unchanged (a new array). If the columns are held at unit length, moving
    w_j along itself only changes its length, which the renormalisation undoes -- so
    that component of the gradient is useless, and with Adam (which rescales every
    coordinate) it would also distort the useful part. Gao et al. (2024) remove it before
    every step and renormalise after.
    """
    grad = np.array(grad, dtype=np.float64)
    _, W2, _, _ = unpack_parameters(theta, visible_size, hidden_size)
    _, G2, _, _ = unpack_parameters(grad, visible_size, hidden_size)  # a view into grad
    sq = np.sum(W2 ** 2, axis=0)
    along = np.divide(np.sum(W2 * G2, axis=0), sq, out=np.zeros_like(sq), where=sq > 0)
    G2 -= along * W2
    return grad


# ---------------------------------------------------------------------------------------
# Training with Adam
# ---------------------------------------------------------------------------------------
def _prepare_training(data, hidden_size, lambda_, n_steps, batch_size, learning_rate,
                      decay_fraction, theta0, rng):
    hidden_size = _positive_int(hidden_size, "hidden_size")
    data = np.asarray(data, dtype=float) if not isinstance(data, np.ndarray) else data
    if data.ndim != 2:
        raise ValueError(f"data must be a 2-D array (visible_size, m), one example per column; "
                         f"got shape {data.shape}.")
    visible_size = data.shape[0]
    data = np.asarray(validate_data(data, visible_size), dtype=np.float64)
    lambda_ = _finite_nonneg(lambda_, "lambda_ (weight decay)")
    n_steps = _positive_int(n_steps, "n_steps")
    batch_size = _positive_int(batch_size, "batch_size")
    learning_rate = _finite_nonneg(learning_rate, "learning_rate")
    if learning_rate == 0:
        raise ValueError("learning_rate must be > 0 (about 1e-3 to 1e-2 for Adam).")
    if not (isinstance(decay_fraction, numbers.Real) and 0 <= decay_fraction <= 1):
        raise ValueError(f"decay_fraction must lie in [0, 1], got {decay_fraction!r}.")
    rng = np.random.default_rng(rng)
    if theta0 is None:
        theta0 = initialize_parameters(hidden_size, visible_size, rng)
    else:
        theta0 = np.array(validate_theta(theta0, visible_size, hidden_size), dtype=np.float64)
    return data, visible_size, hidden_size, lambda_, n_steps, batch_size, learning_rate, \
        float(decay_fraction), theta0, rng


def _unit_norm_hooks(theta0, v, h, unit_norm_decoder):
    """(project, after_step) for adam, and theta0 with unit columns if asked for."""
    if not unit_norm_decoder:
        return theta0, None, None
    theta0 = unit_norm_columns(np.array(theta0, dtype=np.float64), v, h)
    return (theta0,
            lambda theta, grad: remove_parallel_component(theta, grad, v, h),
            lambda theta: unit_norm_columns(theta, v, h))


def train_l1(data, hidden_size, *, beta, lambda_=0.0, n_steps=2000, batch_size=256,
             learning_rate=3e-3, decay_fraction=0.2, rng=None, theta0=None, pre_bias=False,
             unit_norm_decoder=False):
    """Train a ReLU autoencoder with the L1 penalty (:func:`l1_autoencoder_cost`) by Adam.

    ``data`` (visible_size, m); ``beta`` weighs the L1 penalty, ``lambda_`` weight decay.
    ``rng`` seeds the initial weights (as :func:`sae_lib.objective.initialize_parameters`,
    unless ``theta0`` is given) and the minibatch order. ``pre_bias`` and
    ``unit_norm_decoder`` as in :func:`train_topk` (with unit columns the penalty's column
    norms are all 1: the L1 penalty of "Towards Monosemanticity").

    Why Adam on minibatches, not the L-BFGS of :func:`sae_lib.training.train`: the ReLU
    objective has kinks wherever a pre-activation crosses 0, which break the smoothness
    L-BFGS's curvature estimates and line search rely on; first-order methods only need
    a (sub)gradient, and Adam is what the L1 sparse autoencoders of the literature are
    trained with. Returns a :class:`VariantResult`.
    """
    beta = _finite_nonneg(beta, "beta (L1 weight)")
    (data, v, h, lambda_, n_steps, batch_size, learning_rate, decay_fraction, theta0,
     rng) = _prepare_training(data, hidden_size, lambda_, n_steps, batch_size,
                              learning_rate, decay_fraction, theta0, rng)
    pre_bias, unit_norm_decoder = bool(pre_bias), bool(unit_norm_decoder)
    theta0, project, after_step = _unit_norm_hooks(theta0, v, h, unit_norm_decoder)
    start = time.perf_counter()
    theta, history = adam(
        lambda t, X: l1_autoencoder_cost(t, v, h, lambda_, beta, X, pre_bias=pre_bias),
        theta0, data, n_steps=n_steps, batch_size=batch_size, learning_rate=learning_rate,
        decay_fraction=decay_fraction, rng=rng, project=project, after_step=after_step)
    return VariantResult("l1", theta, v, h, lambda_, beta=beta, cost_history=history,
                         n_steps=n_steps, seconds=time.perf_counter() - start,
                         pre_bias=pre_bias, unit_norm_decoder=unit_norm_decoder)


def train_topk(data, hidden_size, *, k, lambda_=0.0, n_steps=2000, batch_size=256,
               learning_rate=3e-3, decay_fraction=0.2, rng=None, theta0=None, pre_bias=False,
               unit_norm_decoder=False, aux_k=None, aux_coef=1 / 32, dead_after=None):
    """Train a TopK autoencoder (:func:`topk_autoencoder_cost`) by Adam.

    ``k`` units at most fire per example. Other arguments as :func:`train_l1`, and the
    options of Gao et al. (2024):

    * ``pre_bias``: the encoder sees x - b2 (b2 is b_dec; start it at the data's
      :func:`~sae_lib.variants.geometric_median` through ``theta0``, as they do);
    * ``unit_norm_decoder``: every decoder column is scaled to length 1 at the start and
      after every step, and each step's W2 gradient loses its component along the column
      (:func:`remove_parallel_component`) -- the code a2_j then *is* the amount of
      direction j in x_hat;
    * ``aux_k``: add ``aux_coef`` * :func:`~sae_lib.variants.auxk_cost` on every batch,
      with the ``aux_k`` largest pre-activations among the latents that have not fired on
      any of the last ``dead_after`` training examples (default: m, one pass over the
      data) and the batch's residual x - x_hat held fixed. A latent counts as firing when
      TopK selects it with a positive code.

    Why Adam, not L-BFGS: J_TopK is not even continuous -- when two pre-activations swap
    places around the k-th rank, one decoder column replaces another in x_hat and the
    cost jumps. L-BFGS assumes a smooth function (its line search can stall on a jump and
    its curvature pairs become meaningless); a stochastic first-order method only follows
    the gradient of the current selection, which is how Gao et al. (2024) train TopK
    autoencoders. ``cost_history`` holds J_TopK (plus aux_coef * J_aux with AuxK).
    Returns a :class:`VariantResult`.
    """
    (data, v, h, lambda_, n_steps, batch_size, learning_rate, decay_fraction, theta0,
     rng) = _prepare_training(data, hidden_size, lambda_, n_steps, batch_size,
                              learning_rate, decay_fraction, theta0, rng)
    k = _check_k(k, h)
    pre_bias, unit_norm_decoder = bool(pre_bias), bool(unit_norm_decoder)
    if aux_k is not None:
        aux_k = _positive_int(aux_k, "aux_k (dead latents used by the auxiliary loss)")
        aux_coef = _finite_nonneg(aux_coef, "aux_coef")
        dead_after = data.shape[1] if dead_after is None else _positive_int(
            dead_after, "dead_after (examples without firing before a latent counts as dead)")
    theta0, project, after_step = _unit_norm_hooks(theta0, v, h, unit_norm_decoder)

    since_fired = np.zeros(h)                          # training examples since last firing

    def fun(theta, X):
        cost, grad = topk_autoencoder_cost(theta, v, h, lambda_, k, X, pre_bias=pre_bias)
        if aux_k is None:
            return cost, grad
        W1, W2, b1, b2 = unpack_parameters(theta, v, h)
        z2 = W1 @ encoder_input(X, b2, pre_bias) + b1[:, None]
        S = topk_mask(z2, k)
        fired = S.any(axis=1)
        since_fired[fired] = 0
        since_fired[~fired] += X.shape[1]
        dead = since_fired >= dead_after
        if not dead.any():
            return cost, grad
        residual = X - (W2 @ np.where(S, z2, 0.0) + b2[:, None])     # e = x - x_hat, fixed
        aux, aux_grad = auxk_cost(theta, v, h, X, residual, dead, aux_k, pre_bias=pre_bias)
        return cost + aux_coef * aux, grad + aux_coef * aux_grad

    start = time.perf_counter()
    theta, history = adam(fun, theta0, data, n_steps=n_steps, batch_size=batch_size,
                          learning_rate=learning_rate, decay_fraction=decay_fraction, rng=rng,
                          project=project, after_step=after_step)
    return VariantResult("topk", theta, v, h, lambda_, k=k, cost_history=history,
                         n_steps=n_steps, seconds=time.perf_counter() - start,
                         pre_bias=pre_bias, unit_norm_decoder=unit_norm_decoder,
                         aux_k=aux_k, aux_coef=aux_coef if aux_k is not None else 0.0)


# ---------------------------------------------------------------------------------------
# The KL autoencoder with a linear decoder, by L-BFGS
# ---------------------------------------------------------------------------------------
def train_kl_linear(data, hidden_size, *, lambda_=1e-4, sparsity_param=0.01, beta=3.0,
                    max_iter=400, rng=None, theta0=None):
    """Train the KL autoencoder with a linear decoder (:func:`kl_linear_autoencoder_cost`).

    L-BFGS, exactly as :func:`sae_lib.train` trains the notes' model (the cost is smooth,
    so there is no reason to switch to Adam; numpy's BLAS on one thread, as in
    :func:`adam`), from the notes' initialisation
    (:func:`sae_lib.initialize_parameters` with ``rng``) unless ``theta0`` is given.
    ``data`` (visible_size, m) need not lie in (0, 1). Returns a :class:`VariantResult`
    with ``kind="kl_linear"``; ``n_steps`` is the number of L-BFGS iterations and
    ``message`` the optimiser's reason for stopping.
    """
    with one_blas_thread():                            # small products: see :func:`adam`
        result = _train_lbfgs(data, hidden_size, lambda_=lambda_,
                              sparsity_param=sparsity_param, beta=beta, max_iter=max_iter,
                              rng=rng, theta0=theta0, progress=False,
                              objective=kl_linear_autoencoder_cost)
    return VariantResult("kl_linear", result.theta, result.visible_size, result.hidden_size,
                         result.lambda_, beta=result.beta, cost_history=result.cost_history,
                         n_steps=result.n_iter, seconds=result.seconds,
                         sparsity_param=result.sparsity_param, message=result.message)
