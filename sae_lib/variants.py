"""Beyond KL: sparse autoencoders with an L1 penalty and with TopK codes, and how to compare them.

The sparse autoencoder of the CS294A notes (:mod:`sae_lib.objective`) makes sigmoid units
sparse *on average*: the KL penalty pulls each unit's mean activation rho_hat_j towards a
small rho, but no activation is ever exactly 0. The sparse autoencoders used today to
read features out of neural networks make each *code* sparse instead, with exact zeros:

* **L1** (a ReLU autoencoder with an L1 penalty on the codes, as in Anthropic's
  "Towards Monosemanticity", 2023)::

      z2 = W1 x + b1,   a2 = max(0, z2),   x_hat = W2 a2 + b2          (linear decoder)
      J_L1 = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2
             + lambda_/2 (||W1||^2 + ||W2||^2)
             + beta (1/m) sum_i sum_j a2_ji ||W2[:, j]||

  The penalty weighs each code by the length of its decoder column. Without that
  weight the network could halve every code and double every decoder column: the same
  reconstruction at half the penalty, repeated until the codes are tiny and meaningless.
  With it, J_L1 does not change under that rescaling (the penalty measures how much of
  each decoder direction is *put back*, not how the product is split).

* **TopK** (k-sparse; Makhzani & Frey 2013, Gao et al. 2024)::

      z2 = W1 x + b1,   a2 = max(0, TopK(z2)),   x_hat = W2 a2 + b2
      J_TopK = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + lambda_/2 (||W1||^2 + ||W2||^2)

  where TopK keeps, in every column (every example), the k largest pre-activations and
  sets the others to 0. Sparsity is a hard constraint: at most k units fire per example,
  and no penalty shrinks the codes that do fire.

Conventions are those of :mod:`sae_lib.objective`: ``data`` has shape (visible_size, m),
one example per column; ``theta = concatenate([W1.ravel(), W2.ravel(), b1, b2])`` with W1
(hidden_size, visible_size), W2 (visible_size, hidden_size); cost functions return
``(cost, grad)`` with grad laid out like theta; ``lambda_`` is weight decay (weights only)
and ``beta`` weighs the sparsity penalty, as in the notes. (Papers on L1 autoencoders
usually call the L1 coefficient lambda; here beta keeps the notes' meaning.)

The module also holds a toy dataset of known sparse features in superposition
(:func:`make_superposition_data`), training by Adam (:func:`train_l1`, :func:`train_topk`)
and the metrics used to compare sparse autoencoders: :func:`l0`,
:func:`fraction_variance_unexplained`, :func:`firing_rates`, :func:`feature_density`,
:func:`dead_units`, :func:`feature_recovery`, :func:`coefficient_shrinkage`.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .training import ParameterViews
from .objective import (
    _positive_int,
    initialize_parameters,
    pack_parameters,
    unpack_parameters,
    validate_data,
    validate_theta,
)

__all__ = [
    "relu",
    "topk",
    "topk_mask",
    "initialize_tied_parameters",
    "l1_forward",
    "topk_forward",
    "l1_autoencoder_cost",
    "topk_autoencoder_cost",
    "SuperpositionData",
    "make_superposition_data",
    "rescale_for_sigmoid",
    "VariantResult",
    "adam",
    "train_l1",
    "train_topk",
    "l0",
    "fraction_variance_unexplained",
    "firing_rates",
    "feature_density",
    "dead_units",
    "feature_recovery",
    "Shrinkage",
    "coefficient_shrinkage",
    "l1_optimal_code",
]


# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------
def relu(z):
    """max(0, z), elementwise. Its derivative is 1 where z > 0 and 0 where z < 0."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def topk_mask(z2, k):
    """Boolean mask of the units TopK keeps: per column, the k largest entries that are > 0.

    ``z2`` has shape (hidden_size, m), one example per column. Exactly k entries per
    column are selected (ties at the k-th place are broken by position, via
    ``np.argpartition``), then those that are not positive are dropped -- the ReLU that
    follows TopK in Gao et al. (2024). So every column has at most k True entries.
    """
    z2 = np.asarray(z2, dtype=float)
    if z2.ndim != 2:
        raise ValueError(f"z2 must be a 2-D array (hidden_size, m), one example per column; "
                         f"got shape {z2.shape}. For one example use z.reshape(-1, 1).")
    h = z2.shape[0]
    k = _check_k(k, h)
    mask = np.zeros(z2.shape, dtype=bool)
    if k == h:
        mask[:] = True
    else:
        idx = np.argpartition(-z2, k - 1, axis=0)[:k]      # rows of the k largest, per column
        mask[idx, np.arange(z2.shape[1])] = True
    mask &= z2 > 0
    return mask


def topk(z2, k):
    """a2 = max(0, TopK(z2)): in each column keep the k largest entries, zero the rest.

    ``z2`` has shape (hidden_size, m), one example per column, so the k units are chosen
    separately for every example. Kept entries that are negative become 0 (the ReLU).
    Returns a new array; ``z2`` is not modified.
    """
    z2 = np.asarray(z2, dtype=float)
    return np.where(topk_mask(z2, k), z2, 0.0)


def _check_k(k, hidden_size):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ValueError(f"k (units kept per example) must be an integer, got {k!r}.")
    if not 1 <= k <= hidden_size:
        raise ValueError(
            f"k (units kept per example) must lie between 1 and hidden_size={hidden_size}, "
            f"got {k}. k = hidden_size keeps every unit (a plain ReLU autoencoder); smaller k "
            "means sparser codes.")
    return int(k)


# ---------------------------------------------------------------------------------------
# Forward passes
# ---------------------------------------------------------------------------------------
def l1_forward(W1, b1, W2, b2, data):
    """ReLU encoder, linear decoder: returns ``(z2, a2, x_hat)``.

    z2, a2: (hidden_size, m); x_hat: (visible_size, m).
    """
    z2 = W1 @ data + b1[:, None]
    a2 = np.maximum(z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]
    return z2, a2, x_hat


def topk_forward(W1, b1, W2, b2, data, k):
    """TopK encoder, linear decoder: returns ``(z2, a2, x_hat)``; a2 has <= k nonzeros per column."""
    z2 = W1 @ data + b1[:, None]
    a2 = np.where(topk_mask(z2, k), z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]
    return z2, a2, x_hat


def initialize_tied_parameters(hidden_size, visible_size, rng=None):
    """Initial theta with W1 = W2^T: decoder columns random unit vectors, biases 0.

    The initialisation Gao et al. (2024) use for TopK autoencoders: each unit starts by
    encoding along the same direction it decodes, so it responds to the inputs it can
    reconstruct. Compared with the uniform initialisation of the notes
    (:func:`sae_lib.objective.initialize_parameters`) it leaves far fewer TopK units dead.
    ``rng`` is a seed or a Generator. Returns theta (same layout as the notes).
    """
    hidden_size = _positive_int(hidden_size, "hidden_size")
    visible_size = _positive_int(visible_size, "visible_size")
    rng = np.random.default_rng(rng)
    W2 = rng.standard_normal((visible_size, hidden_size))
    W2 /= np.linalg.norm(W2, axis=0)
    return pack_parameters(W2.T.copy(), W2, np.zeros(hidden_size), np.zeros(visible_size))


# ---------------------------------------------------------------------------------------
# Cost and gradient
# ---------------------------------------------------------------------------------------
def l1_autoencoder_cost(theta, visible_size, hidden_size, lambda_, beta, data):
    """Cost J_L1 and its gradient for data (visible_size, m); see the module docstring.

    J_L1 = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2                 (reconstruction, linear output)
           + lambda_/2 (||W1||^2 + ||W2||^2)                  (weight decay, weights only)
           + beta (1/m) sum_i sum_j a2_ji ||W2[:, j]||        (L1 penalty, a2 >= 0)

    Since a2 >= 0, the penalty equals beta sum_j ||W2[:, j]|| rho_hat_j with rho_hat_j the
    average code of unit j: *linear* in rho_hat, where the KL penalty is a curve with its
    minimum at rho.

    Backpropagation as in the notes, with a linear output (f'(z3) = 1) and ReLU hidden
    units (f'(z2) = 1 where z2 > 0, else 0)::

        delta3 = x_hat - x
        delta2 = (W2^T delta3 + beta ||W2[:, j]||) * [z2 > 0]

    The penalty adds beta ||W2[:, j]|| to unit j's delta -- the L1 counterpart of the KL
    term beta (-rho/rho_hat_j + (1-rho)/(1-rho_hat_j)) -- and, through the column norm,
    beta mean_i(a2_ji) W2[:, j] / ||W2[:, j]|| to W2's gradient.

    The cost is continuous but has kinks where a pre-activation crosses 0; away from them
    the gradient is exact (a gradient check must use points with no z2 near 0).
    Returns ``(cost, grad)``.
    """
    lambda_ = _finite_nonneg(lambda_, "lambda_ (weight decay)")
    beta = _finite_nonneg(beta, "beta (L1 weight)")
    data = validate_data(data, visible_size)
    validate_theta(theta, visible_size, hidden_size)

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]

    # Feed-forward pass: ReLU codes, linear reconstruction.
    z2, a2, x_hat = l1_forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)                          # average code of each unit
    col_norm = np.sqrt(np.sum(W2 ** 2, axis=0))        # ||W2[:, j]||, (hidden_size,)

    # Cost: reconstruction error + weight decay + L1 penalty (= beta sum_j ||W2_j|| rho_hat_j).
    cost = (0.5 * np.sum((x_hat - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(col_norm * rho_hat))

    # Backpropagation. The penalty adds beta ||W2_j|| to delta2 of every unit j.
    delta3 = x_hat - data
    delta2 = (W2.T @ delta3 + beta * col_norm[:, None]) * (z2 > 0)

    # d||w||/dw = w/||w|| (for a column of zeros, which has no direction: 0).
    unit_cols = np.divide(W2, col_norm, out=np.zeros_like(W2), where=col_norm > 0)
    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2 + beta * unit_cols * rho_hat
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)


def topk_autoencoder_cost(theta, visible_size, hidden_size, lambda_, k, data):
    """Cost J_TopK and its gradient for data (visible_size, m); see the module docstring.

    J_TopK = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + lambda_/2 (||W1||^2 + ||W2||^2)

    with a2 = max(0, TopK(z2)). The gradient flows only through the selected units::

        delta3 = x_hat - x
        delta2 = (W2^T delta3) * S          S = topk_mask(z2, k): kept and positive

    An unselected unit gets no gradient from this example at all -- it does not learn
    that it *should* have fired. The cost jumps where the selection changes (a tie
    between the k-th and (k+1)-th pre-activation swaps one decoder column for another),
    so the gradient is exact only for a fixed selected set: check it away from ties.
    Returns ``(cost, grad)``.
    """
    lambda_ = _finite_nonneg(lambda_, "lambda_ (weight decay)")
    k = _check_k(k, _positive_int(hidden_size, "hidden_size"))
    data = validate_data(data, visible_size)
    validate_theta(theta, visible_size, hidden_size)

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]

    # Feed-forward pass: per example (column) keep the k largest positive z2.
    z2 = W1 @ data + b1[:, None]
    S = topk_mask(z2, k)                               # (hidden_size, m) booleans
    a2 = np.where(S, z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]

    # Cost: reconstruction error + weight decay; sparsity is the constraint, not a penalty.
    cost = (0.5 * np.sum((x_hat - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))

    # Backpropagation through the selected units only (a2 = z2 there, so f' = 1; else 0).
    delta3 = x_hat - data
    delta2 = (W2.T @ delta3) * S

    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)


def _finite_nonneg(value, name):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value)):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}. A negative weight would reward "
                         "what the term penalises; use 0 to switch the term off.")
    return float(value)


# ---------------------------------------------------------------------------------------
# A toy dataset of known sparse features in superposition
# ---------------------------------------------------------------------------------------
class SuperpositionData(NamedTuple):
    """Toy data with known ground truth: ``data = features @ coefficients``.

    data: (visible_size, m); features: (visible_size, n_features), unit-norm columns;
    coefficients: (n_features, m), sparse and nonnegative; p_active: (n_features,), the
    probability that each feature is present in an example.
    """

    data: np.ndarray
    features: np.ndarray
    coefficients: np.ndarray
    p_active: np.ndarray


def make_superposition_data(n_features, visible_size, m, *, p_active=0.05,
                            coefficient_range=(0.0, 1.0), rng=None):
    """Sparse nonnegative combinations of more unit-norm feature directions than dimensions.

    ``n_features`` random directions (Gaussian vectors normalised to length 1) in
    ``visible_size`` dimensions -- with n_features > visible_size they cannot all be
    orthogonal: they are in *superposition*. Each of the ``m`` examples switches feature
    f on with probability ``p_active[f]`` (a number, or one per feature), independently,
    with a coefficient drawn uniformly from ``coefficient_range``; the example is the sum
    of the active features times their coefficients. Because few features are on at once,
    the example still determines which ones they were -- the premise of dictionary
    learning.

    Returns a :class:`SuperpositionData` (data (visible_size, m), features, coefficients,
    p_active).
    """
    n_features = _positive_int(n_features, "n_features")
    visible_size = _positive_int(visible_size, "visible_size")
    m = _positive_int(m, "m")
    p = np.asarray(p_active, dtype=float)
    if p.ndim == 0:
        p = np.full(n_features, float(p))
    if p.shape != (n_features,):
        raise ValueError(f"p_active must be a number or an array of n_features={n_features} "
                         f"probabilities, got shape {p.shape}.")
    if not (np.all(np.isfinite(p)) and np.all(p >= 0) and np.all(p <= 1)):
        raise ValueError(f"p_active must hold probabilities in [0, 1], got values from "
                         f"{np.min(p):.3g} to {np.max(p):.3g}.")
    low, high = (float(c) for c in coefficient_range)
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(f"coefficient_range must be (low, high) with 0 <= low < high, got "
                         f"{coefficient_range!r}; coefficients are nonnegative amounts.")
    rng = np.random.default_rng(rng)
    features = rng.standard_normal((visible_size, n_features))
    features /= np.linalg.norm(features, axis=0)
    active = rng.random((n_features, m)) < p[:, None]
    coefficients = np.where(active, rng.uniform(low, high, size=(n_features, m)), 0.0)
    data = features @ coefficients
    return SuperpositionData(data, features, coefficients, p)


def rescale_for_sigmoid(data, low=0.1, high=0.9):
    """Map data affinely into [low, high] with one scale for every entry: x' = s x + c.

    Returns ``(scaled, s, c)``; the inverse is x = (x' - c) / s. The sigmoid output layer
    of the CS294A autoencoder can only produce values in (0, 1), so its data must lie
    there ([0.1, 0.9] keeps away from the flat ends, as UFLDL's ``sample_images`` does).
    A single scale s (not one per dimension) keeps the geometry: directions and cosines
    are unchanged, and the fraction of variance unexplained of a reconstruction is the
    same measured in either space.
    """
    data = np.asarray(data, dtype=float)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"need low < high, got low={low!r}, high={high!r}.")
    lo, hi = float(np.min(data)), float(np.max(data))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("data contains NaN or infinite values.")
    if hi == lo:
        raise ValueError("data is constant; there is nothing to rescale.")
    s = (high - low) / (hi - lo)
    c = low - s * lo
    return s * data + c, s, c


# ---------------------------------------------------------------------------------------
# Training with Adam
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------
def _codes(codes):
    codes = np.asarray(codes, dtype=float)
    if codes.ndim != 2:
        raise ValueError(f"codes must be a 2-D array (hidden_size, m), one example per "
                         f"column; got shape {codes.shape}.")
    if codes.shape[1] == 0:
        raise ValueError("codes has no examples (m = 0).")
    return codes


def _threshold(threshold):
    if (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)
            or not np.isfinite(threshold) or threshold < 0):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}.")
    return float(threshold)


def l0(codes, threshold=0.0):
    """L0: the mean number of active units per example, for codes (hidden_size, m).

    A unit is active on an example when |a| > threshold (default: when it is not exactly
    0). Units are counted down each column (one example), then averaged over the m
    columns. For sigmoid units this is always hidden_size: f(z) = 1/(1 + e^-z) is
    positive for every z, so no unit is ever exactly off -- KL sparsity makes the
    *average* activation small, not the code sparse. A positive threshold (say 0.1)
    counts "clearly on" sigmoid units, at the price of an arbitrary choice.
    """
    codes = _codes(codes)
    return float(np.mean(np.sum(np.abs(codes) > _threshold(threshold), axis=0)))


def fraction_variance_unexplained(data, reconstruction):
    """FVU = sum_i ||x_hat_i - x_i||^2 / sum_i ||x_i - x_bar||^2, x_bar the mean example.

    Both arrays (visible_size, m). 0 for a perfect reconstruction, 1 for the best
    constant guess (x_hat_i = x_bar for every i). Unchanged when data and reconstruction
    go through the same map x -> s x + c with one scalar s (see
    :func:`rescale_for_sigmoid`).
    """
    data = np.asarray(data, dtype=float)
    reconstruction = np.asarray(reconstruction, dtype=float)
    if data.shape != reconstruction.shape or data.ndim != 2:
        raise ValueError(f"data and reconstruction must be 2-D arrays of the same shape "
                         f"(visible_size, m); got {data.shape} and {reconstruction.shape}.")
    total = np.sum((data - data.mean(axis=1, keepdims=True)) ** 2)
    if total == 0:
        raise ValueError("the data has no variance (every example is the same), so the "
                         "fraction of variance unexplained is undefined.")
    return float(np.sum((reconstruction - data) ** 2) / total)


def firing_rates(codes, threshold=0.0):
    """Fraction of examples on which each unit is active (|a| > threshold): (hidden_size,)."""
    codes = _codes(codes)
    return np.mean(np.abs(codes) > _threshold(threshold), axis=1)


def feature_density(codes, threshold=0.0):
    """log10 of each unit's firing rate, (hidden_size,); -inf for a unit that never fires.

    The "feature density" histograms of the SAE literature plot this: a unit at -1 fires
    on one example in ten, at -3 on one in a thousand.
    """
    rates = firing_rates(codes, threshold)
    with np.errstate(divide="ignore"):
        return np.log10(rates)


def dead_units(codes, threshold=0.0):
    """Number of units that never fire (|a| <= threshold on every example)."""
    return int(np.sum(firing_rates(codes, threshold) == 0))


def feature_recovery(true_features, decoder):
    """Best cosine similarity of each true feature with any decoder column.

    ``true_features`` (visible_size, n_features) and ``decoder`` = W2 (visible_size,
    hidden_size), one direction per column. Returns ``(best_cosine, best_unit)``, both of
    shape (n_features,): for true feature f, the largest cosine between f and a decoder
    column, and which column. 1 means the feature was found exactly; the mean over
    features is the "mean max cosine similarity" of Sharkey et al. (2022). A decoder
    column of zeros has cosine 0 with everything.
    """
    F = np.asarray(true_features, dtype=float)
    D = np.asarray(decoder, dtype=float)
    if F.ndim != 2 or D.ndim != 2 or F.shape[0] != D.shape[0]:
        raise ValueError(f"true_features (visible_size, n_features) and decoder (visible_size, "
                         f"hidden_size) must be 2-D with the same number of rows; got "
                         f"{F.shape} and {D.shape}. Pass W2, not W1 (whose rows are the "
                         "encoder's directions).")
    Fn = np.linalg.norm(F, axis=0)
    if np.any(Fn == 0):
        raise ValueError("a true feature is the zero vector; it has no direction.")
    Dn = np.linalg.norm(D, axis=0)
    Dunit = np.divide(D, Dn, out=np.zeros_like(D), where=Dn > 0)
    cos = (F / Fn).T @ Dunit                          # (n_features, hidden_size)
    best_unit = np.argmax(cos, axis=1)
    return cos[np.arange(cos.shape[0]), best_unit], best_unit


class Shrinkage(NamedTuple):
    """Result of :func:`coefficient_shrinkage`.

    ratio: sum of coded coefficients / sum of true coefficients, over the pairs where the
    matched unit fired (1: codes as large as the truth; below 1: shrinkage);
    fired_fraction: fraction of the (feature, example) pairs where it fired at all;
    true_coefficient, coded_coefficient, feature: one entry per (feature, example) pair
    with the feature present (coded 0 where the unit did not fire), for scatter plots.
    """

    ratio: float
    fired_fraction: float
    true_coefficient: np.ndarray
    coded_coefficient: np.ndarray
    feature: np.ndarray


def coefficient_shrinkage(true_features, true_coefficients, codes, decoder, *,
                          min_cosine=0.9):
    """How much of each true feature's coefficient its matched unit puts back.

    For each true feature f that some decoder column matches with cosine >= min_cosine
    (its best unit j from :func:`feature_recovery`), and each example i where f is
    present, the *coded coefficient* is a2_ji (f . W2[:, j]) with f of unit length: the
    amount of direction f that unit j adds to the reconstruction. Measuring along f,
    rather than a2 alone, corrects for the length of the decoder column, so models that
    split the product a2 W2 differently are compared fairly.

    Two questions are kept apart: *does* the unit fire when its feature is present
    (``fired_fraction``), and when it fires, is its code as large as the truth
    (``ratio``, below 1 for shrinkage -- what an L1 penalty does)?

    true_features (visible_size, n_features), true_coefficients (n_features, m), codes
    (hidden_size, m), decoder = W2 (visible_size, hidden_size). Returns a
    :class:`Shrinkage` (ratio and fired_fraction are nan if no feature is matched).
    """
    F = np.asarray(true_features, dtype=float)
    C = np.asarray(true_coefficients, dtype=float)
    A = _codes(codes)
    D = np.asarray(decoder, dtype=float)
    best_cos, best_unit = feature_recovery(F, D)
    if C.shape != (F.shape[1], A.shape[1]):
        raise ValueError(f"true_coefficients must have shape (n_features, m) = "
                         f"{(F.shape[1], A.shape[1])}, got {C.shape}.")
    if A.shape[0] != D.shape[1]:
        raise ValueError(f"codes has {A.shape[0]} units but the decoder has {D.shape[1]} "
                         "columns; pass the codes and W2 of the same model.")
    Fu = F / np.linalg.norm(F, axis=0)
    trues, coded, feats = [np.empty(0)], [np.empty(0)], [np.empty(0, dtype=int)]
    for f in np.flatnonzero(best_cos >= min_cosine):
        j = best_unit[f]
        on = C[f] > 0
        trues.append(C[f, on])
        coded.append(A[j, on] * (Fu[:, f] @ D[:, j]))
        feats.append(np.full(int(on.sum()), f))
    trues, coded, feats = np.concatenate(trues), np.concatenate(coded), np.concatenate(feats)
    fired = coded != 0
    if trues.size == 0:
        return Shrinkage(float("nan"), float("nan"), trues, coded, feats)
    ratio = float(coded[fired].sum() / trues[fired].sum()) if fired.any() else float("nan")
    return Shrinkage(ratio, float(fired.mean()), trues, coded, feats)


def l1_optimal_code(x, dictionary, beta, n_iter=500):
    """The best nonnegative L1 code for fixed decoder directions, by projected ISTA.

    Minimises 1/2 ||x - D a||^2 + beta sum_j a_j over a >= 0, for x (visible_size, m) and
    D = ``dictionary`` (visible_size, n_atoms); returns a (n_atoms, m). Each iteration
    is a gradient step on the squared error followed by the proximal step of the
    penalty, a <- max(0, a - t (D^T (D a - x) + beta)) with t = 1 / ||D||_2^2 (ISTA,
    Daubechies et al. 2004). For an orthonormal D the answer is immediate:
    a = max(0, D^T x - beta), "soft thresholding" -- every coefficient that survives is
    beta smaller than the truth. That is the shrinkage the L1 penalty builds in, whatever
    the encoder.
    """
    x = np.asarray(x, dtype=float)
    D = np.asarray(dictionary, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if D.ndim != 2 or x.ndim != 2 or D.shape[0] != x.shape[0]:
        raise ValueError(f"x (visible_size, m) and dictionary (visible_size, n_atoms) must "
                         f"have the same number of rows; got {x.shape} and {D.shape}.")
    beta = _finite_nonneg(beta, "beta (L1 weight)")
    n_iter = _positive_int(n_iter, "n_iter")
    t = 1.0 / np.linalg.norm(D, 2) ** 2
    a = np.zeros((D.shape[1], x.shape[1]))
    DtX = D.T @ x
    DtD = D.T @ D
    for _ in range(n_iter):
        a = np.maximum(a - t * (DtD @ a - DtX + beta), 0.0)
    return a
