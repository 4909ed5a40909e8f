"""Gradient checking: numerical derivatives that prove backpropagation right.

As in UFLDL's ``computeNumericalGradient.m`` and ``checkNumericalGradient.m``: the
derivative of J with respect to each theta_i is estimated by the central difference

    (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)

whose error shrinks as eps^2 (truncation) until rounding error, which grows as 1/eps,
takes over. The two gradients are compared by their *relative* difference
``||num - grad|| / ||num + grad||``, which does not depend on the scale of J.

How to read it (float64, central differences, eps = 1e-4) -- one rule for the whole
series, :func:`judge_difference`:

* below about 1e-9 (:data:`RIGHT_BELOW`): the gradient is right;
* above about 1e-7 (:data:`BUG_ABOVE`): a bug;
* in between: look closer. Repeat the check with eps ten times larger: a finite-difference
  (truncation) error grows about 100-fold, a bug's difference stays where it is. Parts of
  the gradient that are small -- a bias block, a gradient near a minimum -- land here more
  often, because the finite-difference error does not shrink with the gradient: it is the
  same absolute error divided by a smaller norm.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "compute_numerical_gradient",
    "relative_difference",
    "RIGHT_BELOW",
    "BUG_ABOVE",
    "judge_difference",
    "format_difference",
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

    Read it with :func:`judge_difference`: below about 1e-9 right, above about 1e-7 a bug,
    in between look closer. It exceeds 1 exactly when the two vectors point in opposite
    directions (numgrad . grad < 0), e.g. a gradient with the wrong sign.
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


#: Below this relative difference a float64 gradient checked with central differences
#: (epsilon = 1e-4) is right: what remains is the finite differences' own error.
RIGHT_BELOW = 1e-9
#: Above this relative difference the gradient has a bug.
BUG_ABOVE = 1e-7


def _checked_difference(d):
    try:
        d = float(d)
    except (TypeError, ValueError):
        raise ValueError(f"a relative difference must be a number, got {d!r}; compute it "
                         "with relative_difference(numgrad, grad).") from None
    if not d >= 0:          # also catches NaN
        raise ValueError(f"a relative difference is >= 0, got {d!r}; compute it with "
                         "relative_difference(numgrad, grad).")
    return d


def judge_difference(d):
    """The verdict on a relative difference ``d``: 'right', 'look closer' or 'a bug'.

    'right' below :data:`RIGHT_BELOW` (1e-9), 'a bug' above :data:`BUG_ABOVE` (1e-7),
    'look closer' in between -- where a correct gradient can land when its finite-
    difference error is large next to it (a small block, a large third derivative).
    Looking closer: repeat with epsilon ten times larger; truncation error grows about
    100-fold, a bug's difference does not move.
    """
    d = _checked_difference(d)
    if d < RIGHT_BELOW:
        return "right"
    if d > BUG_ABOVE:
        return "a bug"
    return "look closer"


def format_difference(d):
    """A relative difference as text that every machine prints the same way.

    '< 1e-9' when right (the digits below that are rounding noise and differ between
    CPUs and BLAS libraries), one significant digit in the look-closer band (e.g.
    '~1e-9' for 1.2e-9), two above 1e-7 (e.g. '0.0089', '1.5e+02') where a bug's size
    dominates.
    """
    d = _checked_difference(d)
    if d < RIGHT_BELOW:
        return "< 1e-9"
    if d <= BUG_ABOVE:
        mantissa, exponent = f"{d:.0e}".split("e")
        return f"~{mantissa}e{int(exponent)}"
    return f"{d:.2g}"


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
