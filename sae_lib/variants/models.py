"""The L1 and TopK autoencoders: forward passes, the tied initialisation, cost and gradient.

Conventions of :mod:`sae_lib.objective`: theta = concatenate([W1.ravel(), W2.ravel(), b1,
b2]); data (visible_size, m); cost functions return ``(cost, grad)``.
"""

from __future__ import annotations

import numpy as np

from ..objective import pack_parameters, unpack_parameters, validate_data, validate_theta
from ._checks import _check_k, _finite_nonneg, _positive_int
from .activations import topk_mask

__all__ = [
    "initialize_tied_parameters",
    "l1_forward",
    "topk_forward",
    "l1_autoencoder_cost",
    "topk_autoencoder_cost",
]


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

