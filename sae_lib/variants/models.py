"""The autoencoders compared in notebook 09: forward passes, cost and gradient.

* **L1** -- ReLU codes, linear decoder, penalty beta sum_j ||W2[:, j]|| rho_hat_j;
* **TopK** -- the k largest pre-activations per example, linear decoder, no penalty;
* **KL with a linear decoder** -- the notes' sigmoid hidden units and KL penalty, with the
  linear output of UFLDL's "Linear Decoders" page (x_hat = W2 a2 + b2, no output sigmoid),
  so it is trained on the same unsquashed data as the other two;
* **AuxK** -- the auxiliary loss of Gao et al. (2024) that gives dead TopK latents a
  gradient.

L1 and TopK take ``pre_bias=True`` for the *pre-encoder bias* of Bricken et al. (2023) and
Gao et al. (2024): the encoder sees x - b2 instead of x, so b2 (b_dec) is subtracted before
encoding and added back after decoding::

    z2 = W1 (x - b2) + b1,   x_hat = W2 a2 + b2

Conventions of :mod:`sae_lib.objective`: theta = concatenate([W1.ravel(), W2.ravel(), b1,
b2]); data (visible_size, m), one example per column; cost functions return
``(cost, grad)`` with grad laid out like theta.
"""

from __future__ import annotations

import numpy as np

from ..objective import (
    kl_divergence,
    pack_parameters,
    sigmoid,
    sigmoid_prime,
    sparsity_delta,
    unpack_parameters,
    validate_data,
    validate_hyperparameters,
    validate_theta,
)
from ._checks import _check_k, _positive_int, _finite_nonneg
from .activations import topk_mask

__all__ = [
    "initialize_tied_parameters",
    "encoder_input",
    "l1_forward",
    "topk_forward",
    "kl_linear_forward",
    "l1_autoencoder_cost",
    "topk_autoencoder_cost",
    "kl_linear_autoencoder_cost",
    "auxk_cost",
]


# ---------------------------------------------------------------------------------------
# Forward passes
# ---------------------------------------------------------------------------------------
def encoder_input(data, b2, pre_bias):
    """What the encoder sees: x - b2 with the pre-encoder bias, x without. (visible_size, m)."""
    return data - b2[:, None] if pre_bias else data


def l1_forward(W1, b1, W2, b2, data, pre_bias=False):
    """ReLU encoder, linear decoder: returns ``(z2, a2, x_hat)``.

    z2, a2: (hidden_size, m); x_hat: (visible_size, m).
    """
    z2 = W1 @ encoder_input(data, b2, pre_bias) + b1[:, None]
    a2 = np.maximum(z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]
    return z2, a2, x_hat


def topk_forward(W1, b1, W2, b2, data, k, pre_bias=False):
    """TopK encoder, linear decoder: returns ``(z2, a2, x_hat)``; a2 has <= k nonzeros per column."""
    z2 = W1 @ encoder_input(data, b2, pre_bias) + b1[:, None]
    a2 = np.where(topk_mask(z2, k), z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]
    return z2, a2, x_hat


def kl_linear_forward(W1, b1, W2, b2, data):
    """Sigmoid encoder, *linear* decoder (UFLDL's "Linear Decoders"): ``(z2, a2, x_hat)``."""
    z2 = W1 @ data + b1[:, None]
    a2 = sigmoid(z2)
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
def l1_autoencoder_cost(theta, visible_size, hidden_size, lambda_, beta, data, *,
                        pre_bias=False):
    """Cost J_L1 and its gradient for data (visible_size, m).

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
    beta mean_i(a2_ji) W2[:, j] / ||W2[:, j]|| to W2's gradient. With ``pre_bias`` the
    encoder sees x - b2, so b2 also gets -W1^T delta2 from the encoder side.

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
    x_in = encoder_input(data, b2, pre_bias)           # x, or x - b2 (pre-encoder bias)
    z2, a2, x_hat = l1_forward(W1, b1, W2, b2, data, pre_bias)
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
    W1grad = delta2 @ x_in.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2 + beta * unit_cols * rho_hat
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    if pre_bias:                                       # b2 also enters through x - b2
        b2grad -= W1.T @ b1grad
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)


def topk_autoencoder_cost(theta, visible_size, hidden_size, lambda_, k, data, *,
                          pre_bias=False):
    """Cost J_TopK and its gradient for data (visible_size, m).

    J_TopK = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + lambda_/2 (||W1||^2 + ||W2||^2)

    with a2 = max(0, TopK(z2)). The gradient flows only through the selected units::

        delta3 = x_hat - x
        delta2 = (W2^T delta3) * S          S = topk_mask(z2, k): kept and positive

    An unselected unit gets no gradient from this example at all -- it does not learn
    that it *should* have fired. The cost jumps where the selection changes (a tie
    between the k-th and (k+1)-th pre-activation swaps one decoder column for another),
    so the gradient is exact only for a fixed selected set: check it away from ties.
    ``pre_bias``: the encoder sees x - b2 (see the module docstring). Returns
    ``(cost, grad)``.
    """
    lambda_ = _finite_nonneg(lambda_, "lambda_ (weight decay)")
    k = _check_k(k, _positive_int(hidden_size, "hidden_size"))
    data = validate_data(data, visible_size)
    validate_theta(theta, visible_size, hidden_size)

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]

    # Feed-forward pass: per example (column) keep the k largest positive z2.
    x_in = encoder_input(data, b2, pre_bias)           # x, or x - b2 (pre-encoder bias)
    z2 = W1 @ x_in + b1[:, None]
    S = topk_mask(z2, k)                               # (hidden_size, m) booleans
    a2 = np.where(S, z2, 0.0)
    x_hat = W2 @ a2 + b2[:, None]

    # Cost: reconstruction error + weight decay; sparsity is the constraint, not a penalty.
    cost = (0.5 * np.sum((x_hat - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)))

    # Backpropagation through the selected units only (a2 = z2 there, so f' = 1; else 0).
    delta3 = x_hat - data
    delta2 = (W2.T @ delta3) * S

    W1grad = delta2 @ x_in.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    if pre_bias:                                       # b2 also enters through x - b2
        b2grad -= W1.T @ b1grad
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)


def kl_linear_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                               beta, data):
    """J_sparse of the notes with a *linear* decoder, and its gradient (data (visible_size, m)).

    UFLDL's "Linear Decoders" page keeps the sigmoid hidden units and the KL penalty and
    drops the output sigmoid, so the data need not be squashed into (0, 1)::

        a2 = f(W1 x + b1),   x_hat = W2 a2 + b2        (f the sigmoid)
        J = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + lambda_/2 (||W1||^2 + ||W2||^2)
            + beta sum_j KL(rho || rho_hat_j)

    The only change to backpropagation is delta3: the output is linear, f'(z3) = 1, so
    delta3 = x_hat - x instead of (a3 - x) * a3 (1 - a3); delta2 is the notes' own,
    (W2^T delta3 + beta (-rho/rho_hat_j + (1-rho)/(1-rho_hat_j))) * a2 (1 - a2).

    Same signature as :func:`sae_lib.sparse_autoencoder_cost`, so
    ``sae_lib.train(..., objective=kl_linear_autoencoder_cost)`` trains it with L-BFGS (the
    cost is smooth). Weight decay matters here: a sigmoid code cannot grow, but it can
    vary by tiny amounts around rho while the decoder columns grow to compensate -- the
    same loophole the L1 penalty closes with its column norms; lambda_ closes it.
    Returns ``(cost, grad)``.
    """
    lambda_, rho, beta = validate_hyperparameters(lambda_, sparsity_param, beta)
    data = validate_data(data, visible_size)
    validate_theta(theta, visible_size, hidden_size)

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]

    # Feed-forward pass: sigmoid codes, linear reconstruction.
    z2, a2, x_hat = kl_linear_forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)                          # average activation of each unit

    cost = (0.5 * np.sum((x_hat - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl_divergence(rho, rho_hat)))

    # Backpropagation: linear output (f'(z3) = 1), the notes' delta2.
    delta3 = x_hat - data
    delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)

    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)


def auxk_cost(theta, visible_size, hidden_size, data, residual, dead, k_aux, *,
              pre_bias=False):
    """The AuxK loss of Gao et al. (2024) and its gradient, for a fixed residual.

    The dead latents try to explain what the live ones missed. With the residual
    e = x - x_hat of the main model (``residual``, (visible_size, m), held fixed -- no
    gradient flows into it), keep among the ``dead`` latents ((hidden_size,) booleans)
    the ``k_aux`` largest pre-activations per example, and decode them without bias::

        a_aux = max(0, TopK_kaux(z2 restricted to dead latents)),   e_hat = W2 a_aux
        J_aux = sum_i ||e_hat_i - e_i||^2 / sum_i ||e_i - e_bar||^2

    (Gao et al.'s "normalized MSE": the fraction of the residual's variance that the
    dead latents fail to explain.) The gradient reaches only the dead latents' rows of
    W1, entries of b1 and columns of W2 -- exactly the parameters the main TopK loss
    never updates -- and, with ``pre_bias``, b2 through the encoder input x - b2.
    Training adds ``aux_coef * J_aux`` (Gao et al.: 1/32) to the TopK cost. With no dead
    latent, or a constant residual, J_aux = 0 and the gradient is 0. Returns
    ``(cost, grad)``; as for TopK, the gradient is exact away from ties in the selection.
    """
    data = validate_data(data, visible_size)
    residual = validate_data(residual, visible_size, name="residual")
    validate_theta(theta, visible_size, hidden_size)
    if residual.shape != data.shape:
        raise ValueError(f"residual must have the shape of data, {data.shape}; got "
                         f"{residual.shape}. Pass e = x - x_hat of the same examples.")
    dead = np.asarray(dead)
    if dead.shape != (hidden_size,) or dead.dtype != bool:
        raise ValueError(f"dead must be a boolean array of shape (hidden_size,) = "
                         f"({hidden_size},), True for each dead latent; got dtype "
                         f"{dead.dtype}, shape {dead.shape}.")
    k_aux = _positive_int(k_aux, "k_aux")

    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    e_var = np.sum((residual - residual.mean(axis=1, keepdims=True)) ** 2)
    n_dead = int(dead.sum())
    if n_dead == 0 or e_var == 0:
        return 0.0, np.zeros_like(np.asarray(theta, dtype=float))

    # Feed-forward: the k_aux largest pre-activations among the dead latents only.
    x_in = encoder_input(data, b2, pre_bias)
    z2 = W1 @ x_in + b1[:, None]
    z_dead = np.where(dead[:, None], z2, -np.inf)      # live latents can never be chosen
    S = topk_mask(z_dead, min(k_aux, n_dead))
    a_aux = np.where(S, z2, 0.0)
    e_hat = W2 @ a_aux                                 # no bias: e has (about) mean 0

    cost = np.sum((e_hat - residual) ** 2) / e_var

    # Backpropagation through the chosen dead latents, as for TopK.
    g = 2.0 * (e_hat - residual) / e_var               # dJ_aux / de_hat
    delta = (W2.T @ g) * S
    W1grad = delta @ x_in.T
    W2grad = g @ a_aux.T
    b1grad = delta.sum(axis=1)
    b2grad = -W1.T @ b1grad if pre_bias else np.zeros(visible_size)
    return float(cost), pack_parameters(W1grad, W2grad, b1grad, b2grad)
