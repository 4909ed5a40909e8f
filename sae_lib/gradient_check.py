"""Gradient checking: numerical derivatives that prove backpropagation right.

As in UFLDL's ``computeNumericalGradient.m`` and ``checkNumericalGradient.m``: the
derivative of J with respect to each theta_i is estimated by the central difference

    (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

whose error shrinks as eps^2 (truncation) until rounding error, which grows as 1/eps,
takes over. The two gradients are compared by their *relative* difference
``||num - grad|| / ||num + grad||``, which does not depend on the scale of J.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "compute_numerical_gradient",
    "relative_difference",
    "simple_quadratic_function",
    "check_numerical_gradient",
]


def compute_numerical_gradient(J, theta, epsilon=1e-4):
    """Central-difference estimate of the gradient of the scalar function J at theta.

    ``J(theta)`` must return a number (or a ``(cost, grad)`` pair, whose cost is used).
    Costs 2 * theta.size evaluations of J, so use it on small problems only.

    Returns an array shaped like theta (float64).
    """
    theta = np.array(theta, dtype=np.float64)
    if theta.ndim != 1:
        raise ValueError(f"theta must be a 1-D vector, got shape {theta.shape}; "
                         "flatten it with theta.ravel().")
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive number such as 1e-4, got {epsilon!r}.")

    def value(t):
        out = J(t)
        if isinstance(out, tuple):
            out = out[0]
        out = np.asarray(out)
        if out.size != 1:
            raise ValueError(f"J must return a scalar cost, got an array of shape {out.shape}.")
        return float(out)

    numgrad = np.empty_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + epsilon
        j_plus = value(theta)
        theta[i] = old - epsilon
        j_minus = value(theta)
        theta[i] = old
        numgrad[i] = (j_plus - j_minus) / (2 * epsilon)
    return numgrad


def relative_difference(numgrad, grad):
    """||numgrad - grad|| / ||numgrad + grad|| (0 when both are zero).

    About 1e-9 or smaller for a correct float64 gradient with epsilon = 1e-4; a bug
    typically gives 1e-3 or more.
    """
    numgrad = np.asarray(numgrad, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    if numgrad.shape != grad.shape:
        raise ValueError(f"numgrad has shape {numgrad.shape} but grad has shape {grad.shape}; "
                         "they must match element for element.")
    denom = np.linalg.norm(numgrad + grad)
    if denom == 0:
        return 0.0 if np.linalg.norm(numgrad - grad) == 0 else np.inf
    return float(np.linalg.norm(numgrad - grad) / denom)


def simple_quadratic_function(x):
    """h(x) = x1^2 + 3 x1 x2 and its gradient (2 x1 + 3 x2, 3 x1): UFLDL's test function."""
    x = np.asarray(x, dtype=np.float64)
    value = x[0] ** 2 + 3 * x[0] * x[1]
    grad = np.array([2 * x[0] + 3 * x[1], 3 * x[0]])
    return value, grad


def check_numerical_gradient(verbose=True):
    """UFLDL's sanity check of :func:`compute_numerical_gradient` on h at x = (4, 10).

    The analytic gradient there is (38, 12); UFLDL documents a relative difference of
    2.1452e-12. Returns the relative difference (and prints both gradients if verbose).
    """
    x = np.array([4.0, 10.0])
    _, grad = simple_quadratic_function(x)
    numgrad = compute_numerical_gradient(lambda t: simple_quadratic_function(t)[0], x)
    diff = relative_difference(numgrad, grad)
    if verbose:
        print("numerical   analytical")
        for n, g in zip(numgrad, grad):
            print(f"{n:10.6f}  {g:10.6f}")
        print(f"relative difference: {diff:.4e} (should be about 2.1452e-12)")
    return diff
