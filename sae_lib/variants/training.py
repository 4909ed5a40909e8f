"""Training the L1 and TopK autoencoders with minibatch Adam."""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from ..objective import initialize_parameters, validate_data, validate_theta
from ..training import ParameterViews
from ._checks import _check_k, _finite_nonneg, _positive_int
from .models import l1_autoencoder_cost, l1_forward, topk_autoencoder_cost, topk_forward

__all__ = ["VariantResult", "adam", "train_l1", "train_topk"]


@dataclass
class VariantResult(ParameterViews):
    """A trained L1 or TopK autoencoder (``kind`` is "l1" or "topk").

    Same layout as :class:`sae_lib.training.TrainResult`: ``theta`` packed as
    ``concatenate([W1.ravel(), W2.ravel(), b1, b2])``, W1..b2 views into it,
    ``hidden_activations(data)`` gives a2 and ``reconstruct(data)`` x_hat.
    ``cost_history[t]`` is the cost of the minibatch used at step t.
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


    def _forward(self, data):
        data = validate_data(data, self.visible_size)
        if self.kind == "topk":
            return topk_forward(self.W1, self.b1, self.W2, self.b2, data, self.k)
        return l1_forward(self.W1, self.b1, self.W2, self.b2, data)

    def hidden_activations(self, data):
        """a2, the codes, for data (visible_size, m); returns (hidden_size, m)."""
        return self._forward(data)[1]

    def reconstruct(self, data):
        """x_hat = W2 a2 + b2 for data (visible_size, m); returns (visible_size, m)."""
        return self._forward(data)[2]

    def cost(self, data):
        """The full objective (J_L1 or J_TopK) on ``data``."""
        data = validate_data(data, self.visible_size)
        if self.kind == "topk":
            return topk_autoencoder_cost(self.theta, self.visible_size, self.hidden_size,
                                   self.lambda_, self.k, data)[0]
        return l1_autoencoder_cost(self.theta, self.visible_size, self.hidden_size, self.lambda_,
                             self.beta, data)[0]

    def __repr__(self):
        setting = f"k={self.k}" if self.kind == "topk" else f"beta={self.beta:g}"
        return (f"VariantResult(kind={self.kind!r}, visible_size={self.visible_size}, "
                f"hidden_size={self.hidden_size}, {setting}, lambda_={self.lambda_:g}, "
                f"n_steps={self.n_steps})")


def adam(fun, theta0, data, *, n_steps, batch_size, learning_rate, decay_fraction, rng):
    """Minibatch Adam (Kingma & Ba 2015): minimise fun(theta, batch) -> (cost, grad).

    ``theta0`` is the starting theta (1-D); ``data`` (visible_size, m) is cut into
    minibatches of ``batch_size`` columns, in a fresh random order (from the Generator
    ``rng``) on every pass over the data. Each step moves every parameter by about
    ``learning_rate`` in the direction of its recent average gradient, divided by its
    recent gradient size -- so the step does not depend on the scale of the cost. The
    rate is constant, then falls linearly towards 0 over the last ``decay_fraction`` of
    the steps, so the final parameters are not left jittering at the size of a full step.

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
    for t in range(n_steps):
        if pos + batch_size > m:                     # next pass over the data
            order, pos = rng.permutation(m), 0
        batch = data[:, order[pos : pos + batch_size]]
        pos += batch_size

        history[t], grad = fun(theta, batch)
        mean_grad = decay1 * mean_grad + (1 - decay1) * grad
        mean_sq = decay2 * mean_sq + (1 - decay2) * grad ** 2
        unbiased_grad = mean_grad / (1 - decay1 ** (t + 1))   # both start at 0: correct
        unbiased_sq = mean_sq / (1 - decay2 ** (t + 1))

        rate = learning_rate
        if t >= decay_start:
            rate *= (n_steps - t) / (n_steps - decay_start)
        theta -= rate * unbiased_grad / (np.sqrt(unbiased_sq) + eps)
    return theta, history


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


def train_l1(data, hidden_size, *, beta, lambda_=0.0, n_steps=2000, batch_size=256,
             learning_rate=3e-3, decay_fraction=0.2, rng=None, theta0=None):
    """Train a ReLU autoencoder with the L1 penalty (:func:`l1_autoencoder_cost`) by Adam.

    ``data`` (visible_size, m); ``beta`` weighs the L1 penalty, ``lambda_`` weight decay.
    ``rng`` seeds the initial weights (as :func:`sae_lib.objective.initialize_parameters`,
    unless ``theta0`` is given) and the minibatch order.

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
    start = time.perf_counter()
    theta, history = adam(lambda t, X: l1_autoencoder_cost(t, v, h, lambda_, beta, X), theta0,
                           data, n_steps=n_steps, batch_size=batch_size,
                           learning_rate=learning_rate, decay_fraction=decay_fraction, rng=rng)
    return VariantResult("l1", theta, v, h, lambda_, beta=beta, cost_history=history,
                         n_steps=n_steps, seconds=time.perf_counter() - start)


def train_topk(data, hidden_size, *, k, lambda_=0.0, n_steps=2000, batch_size=256,
               learning_rate=3e-3, decay_fraction=0.2, rng=None, theta0=None):
    """Train a TopK autoencoder (:func:`topk_autoencoder_cost`) by Adam.

    ``k`` units at most fire per example. Other arguments as :func:`train_l1`.

    Why Adam, not L-BFGS: J_TopK is not even continuous -- when two pre-activations swap
    places around the k-th rank, one decoder column replaces another in x_hat and the
    cost jumps. L-BFGS assumes a smooth function (its line search can stall on a jump and
    its curvature pairs become meaningless); a stochastic first-order method only follows
    the gradient of the current selection, which is how Gao et al. (2024) train TopK
    autoencoders. Returns a :class:`VariantResult`.
    """
    (data, v, h, lambda_, n_steps, batch_size, learning_rate, decay_fraction, theta0,
     rng) = _prepare_training(data, hidden_size, lambda_, n_steps, batch_size,
                              learning_rate, decay_fraction, theta0, rng)
    k = _check_k(k, h)
    start = time.perf_counter()
    theta, history = adam(lambda t, X: topk_autoencoder_cost(t, v, h, lambda_, k, X), theta0,
                           data, n_steps=n_steps, batch_size=batch_size,
                           learning_rate=learning_rate, decay_fraction=decay_fraction, rng=rng)
    return VariantResult("topk", theta, v, h, lambda_, k=k, cost_history=history,
                         n_steps=n_steps, seconds=time.perf_counter() - start)


