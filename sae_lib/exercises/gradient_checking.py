"""Notebook 04 (gradient checking): per-block relative differences and the checkers of its
exercises -- the numerical gradient, the wrong blocks, a point that reveals a hidden bug,
and a check along one direction. The buggy costs it checks come from
:mod:`.delta_derivation`.
"""

from __future__ import annotations

import numpy as np

from ..gradient_check import compute_numerical_gradient as _reference_numerical_gradient
from ..gradient_check import format_difference, judge_difference, relative_difference
from ..objective import sparse_autoencoder_cost, theta_size, unpack_parameters
from .delta_derivation import PLANTED_BUGS, buggy_sparse_autoencoder_cost
from .feedback import Feedback, as_array, as_scalar, call_learner, same

__all__ = [
    "BLOCKS",
    "block_relative_differences",
    "check_compute_numerical_gradient",
    "check_find_wrong_blocks",
    "check_revealing_point",
    "check_directional_difference",
    "directional_difference_reference",
]

#: The parameter blocks of theta, in the order they are packed.
BLOCKS = ("W1", "W2", "b1", "b2")


def block_relative_differences(numgrad, grad, visible_size, hidden_size):
    """Relative difference of two gradients block by block: {'W1': ..., 'W2': ..., ...}.

    Splits both vectors with :func:`sae_lib.unpack_parameters` (theta is laid out as
    ``[W1, W2, b1, b2]``) and applies :func:`sae_lib.relative_difference` to each block,
    so a failed check says *where* the gradient is wrong.
    """
    num_blocks = unpack_parameters(np.asarray(numgrad, dtype=float), visible_size, hidden_size)
    grad_blocks = unpack_parameters(np.asarray(grad, dtype=float), visible_size, hidden_size)
    return {name: relative_difference(n.ravel(), g.ravel())
            for name, n, g in zip(BLOCKS, num_blocks, grad_blocks)}


# --- Exercise 1: compute_numerical_gradient ----------------------------------------------
_CNG_A = np.array([0.5, 1.0, 1.5, 2.0])
_CNG_THETA = np.array([0.3, -0.7, 0.15, 1.2])  # 0.15: +eps, -2 eps, +eps is inexact


def _cng_J(theta):
    """A test function with curvature in every direction and one coupling term."""
    return float(np.sum(np.exp(_CNG_A * theta)) + theta[0] * theta[1])


def _cng_grad(theta):
    g = _CNG_A * np.exp(_CNG_A * theta)
    g[0] += theta[1]
    g[1] += theta[0]
    return g


def _one_sided(J, theta, eps, forward_step=True):
    out = np.empty_like(theta)
    j0 = J(theta)
    for i in range(theta.size):
        t = theta.copy()
        t[i] += eps if forward_step else -eps
        out[i] = (J(t) - j0) / eps if forward_step else (j0 - J(t)) / eps
    return out


def check_compute_numerical_gradient(compute_numerical_gradient):
    """Check a learner's ``compute_numerical_gradient(J, theta, epsilon=1e-4)``.

    It must return the central differences (J(theta + eps e_i) - J(theta - eps e_i)) /
    (2 eps) for every i, with 2n calls of J, leaving theta as it found it. Detects a
    one-sided difference (by the order of its error), a wrong step or divisor, an
    ignored epsilon, all entries perturbed at once, a result of all zeros, and theta
    modified in place.
    """
    fb = Feedback("compute_numerical_gradient")
    n = _CNG_THETA.size
    exact = _cng_grad(_CNG_THETA)
    calls = []

    def J(theta):
        t = np.array(theta, dtype=float, copy=True)
        calls.append(t)
        return _cng_J(t)

    def run(epsilon):
        calls.clear()
        theta = _CNG_THETA.copy()
        ok, value = call_learner(fb, compute_numerical_gradient, J, theta, epsilon)
        if not ok:
            return None, theta
        got = as_array(fb, value, f"epsilon = {epsilon:g}")
        if got is not None and got.shape != theta.shape:
            fb.fail(f"epsilon = {epsilon:g}: expected shape {theta.shape} (one derivative per "
                    f"entry of theta), yours has shape {got.shape}")
            return None, theta
        return got, theta

    got, theta_after = run(1e-4)
    if got is None:
        return fb.report()
    n_calls = len(calls)
    perturbed = [int(np.sum(c != _CNG_THETA)) for c in calls]

    # theta must come back unchanged (if not, later derivatives were taken at the wrong
    # point, so report only this).
    if not np.array_equal(theta_after, _CNG_THETA):
        i = int(np.argmax(np.abs(theta_after - _CNG_THETA)))
        change = theta_after[i] - _CNG_THETA[i]
        if abs(change) < 1e-12:
            fb.fail(f"theta changed: theta[{i}] is off by {change:.2g} after your function "
                    "returned. Adding and subtracting epsilon leaves rounding error; save the "
                    "old value and put it back (old = theta[i]; ...; theta[i] = old), or "
                    "perturb a copy")
        else:
            fb.fail(f"theta changed: after your function returned, theta[{i}] was "
                    f"{theta_after[i]:.6g} instead of {_CNG_THETA[i]:.6g}. Restore each entry "
                    "after perturbing it (or perturb a copy): the caller's theta must not move")
        return fb.report()

    if got is not None and not np.any(got):
        if n_calls == 0:
            fb.fail("your function returns all zeros and never calls J: for each i, evaluate "
                    "J at theta + epsilon e_i and theta - epsilon e_i and store "
                    "(J_plus - J_minus) / (2 * epsilon) in entry i of the result")
        else:
            fb.fail(f"your function returns all zeros although it calls J {n_calls} times: "
                    "store (J_plus - J_minus) / (2 * epsilon) in entry i of the array you "
                    "return (numgrad[i] = ...), and return that array")
        return fb.report()

    if perturbed and min(perturbed) == n:
        fb.fail("you perturb every entry at once (theta + epsilon): each derivative needs "
                "its own perturbation theta + epsilon * e_i, one entry at a time")
        return fb.report()

    reference = _reference_numerical_gradient(_cng_J, _CNG_THETA, 1e-4)
    if same(got, reference, rtol=1e-6):
        if n_calls != 2 * n:
            fb.fail(f"your function called J {n_calls} times; central differences need "
                    f"exactly 2n = {2 * n} calls (two per entry of theta)")
        # Right at the default epsilon; does it use its epsilon argument?
        got2, _ = run(1e-2)
        if got2 is not None:
            reference2 = _reference_numerical_gradient(_cng_J, _CNG_THETA, 1e-2)
            if not same(got2, reference2, rtol=1e-6):
                if same(got2, got, rtol=1e-6):
                    fb.fail("your function ignores its epsilon argument: with epsilon = 1e-2 "
                            "it returns the same numbers as with 1e-4")
                else:
                    fb.fail("right with epsilon = 1e-4 but not with epsilon = 1e-2: use the "
                            "epsilon argument both in the step and in the divisor 2 * epsilon")
        return fb.report()

    # Wrong at the default epsilon: name the mistake.
    candidates = [
        (2 * reference, "your derivatives are twice too large: divide the difference "
                        "J(theta + eps e_i) - J(theta - eps e_i) by 2 * epsilon, not epsilon"),
        (reference / 2, "your derivatives are half the true ones: divide by 2 * epsilon "
                        "(the two points are 2 * epsilon apart), not 4 * epsilon"),
        (-reference, "your derivatives have the wrong sign: it is J(theta + eps e_i) minus "
                     "J(theta - eps e_i)"),
    ]
    for value, message in candidates:
        if same(got, value, rtol=1e-6):
            fb.fail(message)
            return fb.report()

    # Measure how the error shrinks with epsilon: order 1 is a one-sided difference.
    got_a, _ = run(1e-2)
    got_b, _ = run(1e-3)
    if got_a is None or got_b is None:
        return fb.report()
    err_a = relative_difference(got_a, exact)
    err_b = relative_difference(got_b, exact)
    one_sided = [_one_sided(_cng_J, _CNG_THETA, 1e-2, forward_step=s) for s in (True, False)]
    if any(same(got_a, c, rtol=1e-6) for c in one_sided) or (
            err_b > 0 and 0.7 < np.log10(err_a / err_b) < 1.3):
        order = np.log10(err_a / err_b) if err_b > 0 else float("nan")
        fb.fail(f"a one-sided difference: your error fell from {err_a:.2g} to {err_b:.2g} when "
                f"epsilon fell 10x (order {order:.2g}; central differences give order 2, "
                f"error ~ epsilon^2). Use (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)")
    elif err_b > 0 and abs(np.log10(err_a / err_b)) < 0.2 and err_b > 1e-6:
        fb.fail(f"your error does not shrink with epsilon ({err_a:.2g} at 1e-2, {err_b:.2g} "
                "at 1e-3): does your function use its epsilon argument? The step must be "
                "epsilon and the divisor 2 * epsilon")
    else:
        i = int(np.argmax(np.abs(got - reference)))
        fb.fail(f"wrong derivative for theta[{i}]: expected {reference[i]:.6g}, yours is "
                f"{got[i]:.6g} (relative difference of the whole gradient: "
                f"{relative_difference(got, reference):.2g})")
    return fb.report()


# --- Exercise 2: find_wrong_blocks --------------------------------------------------------
def _blocks_config():
    rng = np.random.default_rng(11)
    v, h, m = 5, 3, 8
    data = rng.uniform(0.1, 0.9, size=(v, m))
    theta = rng.normal(0, 0.4, size=theta_size(v, h))     # random, biases included
    return v, h, data, theta


_BLOCK_CASES = (None, "W2_no_decay", "b2_not_averaged", "extra_1_over_m", "bias_decay")


def _explain_tuple_error(fb):
    """After a failed call: if the learner subtracted (cost, grad) tuples, say so."""
    last = fb.problems[-1] if fb.problems else ""
    if "raised TypeError" in last and "tuple" in last:
        fb.fail("here J(theta) returns a pair (cost, grad), and your code used that pair "
                "as a number (e.g. J(plus) - J(minus) subtracts two tuples). Give the "
                "numerical gradient a function that returns the cost alone: "
                "compute_numerical_gradient(lambda t: J(t)[0], theta) -- this works with "
                "sae_lib's version and with yours from Exercise 1")


def _judged(d):
    """'0.0089 (above 1e-7: a bug)' -- a block's difference with its verdict."""
    verdict = judge_difference(d)
    if verdict == "right":
        return f"{format_difference(d)}: right"
    if verdict == "a bug":
        return f"{format_difference(d)}, above 1e-7: a bug"
    return f"{format_difference(d)}, between 1e-9 and 1e-7: look closer"


def check_find_wrong_blocks(find_wrong_blocks):
    """Check ``find_wrong_blocks(J, theta, visible_size, hidden_size)``.

    ``J(theta)`` returns ``(cost, grad)``; the function must return the names of the
    blocks ('W1', 'W2', 'b1', 'b2') whose analytic gradient disagrees with the numerical
    one. It is run on the correct cost and on costs with planted bugs in different
    blocks; the report gives every block's relative difference (printed as
    :func:`sae_lib.gradient_check.format_difference` does) and says, e.g., "gradient wrong
    for W2, right for W1". At this point the correct cost's b2 block differs by about
    1.2e-9 -- between 1e-9 and 1e-7, the look-closer band -- so only a threshold near
    1e-7 (the series' "above about 1e-7: a bug") sorts every case right. Recognises a
    numerical gradient fed the ``(cost, grad)`` pair instead of the cost.
    """
    fb = Feedback("find_wrong_blocks")
    v, h, data, theta = _blocks_config()
    lambda_, rho, beta = 1e-3, 0.1, 3.0
    rows = []
    for kind in _BLOCK_CASES:
        if kind is None:
            def J(t):
                return sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data)
            label, short = "the correct cost", "the correct cost"
            truth = set()
        else:
            def J(t, kind=kind):
                return buggy_sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data, kind)
            label, short = f"a cost with a planted bug ({PLANTED_BUGS[kind][0]})", kind
            truth = set(PLANTED_BUGS[kind][1])
        ok, value = call_learner(fb, find_wrong_blocks, J, theta.copy(), v, h)
        if not ok:
            _explain_tuple_error(fb)
            break
        if value is None:
            fb.fail("your function returned None (did you forget `return`?)")
            break
        if isinstance(value, str):
            value = [value]
        try:
            got = set(value)
        except TypeError:
            fb.fail(f"return a list or set of block names such as ['W2'], not "
                    f"{type(value).__name__}")
            break
        unknown = got - set(BLOCKS)
        if unknown:
            fb.fail(f"unknown block name(s) {sorted(map(str, unknown))}: use 'W1', 'W2', 'b1' "
                    "and 'b2'")
            break
        num = _reference_numerical_gradient(lambda t: J(t)[0], theta)
        grad = J(theta)[1]
        diffs = block_relative_differences(num, grad, v, h)
        rows.append((short, diffs, got))
        if got == truth:
            continue
        missed = [b for b in BLOCKS if b in truth and b not in got]
        flagged = [b for b in BLOCKS if b in got and b not in truth]
        parts = []
        if missed:
            parts.append("gradient wrong for " + " and ".join(
                f"{b} (relative difference {_judged(diffs[b])})" for b in missed))
        if flagged:
            parts.append("right for " + " and ".join(
                f"{b} (relative difference {_judged(diffs[b])})" for b in flagged))
        message = (f"on {label} you reported {sorted(got) or 'no block'}: "
                   + ", ".join(parts) + ". theta is laid out as [W1, W2, b1, b2] "
                   "(unpack_parameters splits it)")
        closer = [b for b in flagged if judge_difference(diffs[b]) == "look closer"]
        if closer:
            b = closer[0]
            num_big = _reference_numerical_gradient(lambda t: J(t)[0], theta, 1e-3)
            big = block_relative_differences(num_big, grad, v, h)[b]
            norms = {name: float(np.linalg.norm(g))
                     for name, g in zip(BLOCKS, unpack_parameters(grad, v, h))}
            message += (f". Looking closer at {b}: with epsilon = 1e-3 its difference is "
                        f"{format_difference(big)}, about 100 times larger -- the finite "
                        "differences' own (truncation) error, which grows as epsilon^2, "
                        "not a bug (a bug's difference does not move with epsilon). It "
                        f"looks large because {b}'s gradient is small (norm "
                        f"{norms[b]:.2g}, against {max(norms.values()):.2g} for the "
                        "largest block): the same absolute error divided by a smaller "
                        "norm. Report a block only above about 1e-7")
        elif missed and all(judge_difference(diffs[b]) == "a bug" for b in missed):
            message += (". Every block above about 1e-7 is a bug; is your threshold "
                        "too large?")
        fb.fail(message)
        break
    if not fb.problems:
        print("relative difference of each block at the checker's point "
              "(* = reported by your function):")
        print(f"{'':>18}" + "".join(f"{b:>10}" for b in BLOCKS))
        for short, diffs, got in rows:
            print(f"{short:>18}" + "".join(
                f"{format_difference(diffs[b]) + ('*' if b in got else ' '):>10}"
                for b in BLOCKS))
    return fb.report()


# --- Exercise 3: a point that reveals a hidden bug ---------------------------------------
def check_revealing_point(theta, visible_size, hidden_size, data, kind="bias_decay",
                          lambda_=1e-3, sparsity_param=0.1, beta=3.0):
    """Check that a gradient check at ``theta`` catches the planted bug ``kind``.

    The buggy cost is :func:`buggy_sparse_autoencoder_cost`; it passes a check at the
    usual starting point. Prints the relative difference at the learner's theta (and of
    each block) and why the bug hides (or shows) there; True when the difference exceeds
    1e-7 -- "a bug" in the series' reading -- where no correct gradient lands.
    """
    fb = Feedback("a point that reveals the bug")
    v, h = visible_size, hidden_size
    try:
        theta = np.asarray(theta, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"theta must be an array of numbers, got {type(theta).__name__}")
        return fb.report()
    if theta.shape != (theta_size(v, h),):
        fb.fail(f"theta must be a vector of length {theta_size(v, h)} (W1, W2, b1, b2 for "
                f"{v} inputs and {h} hidden units), yours has shape {theta.shape}")
        return fb.report()
    if not np.isfinite(theta).all():
        fb.fail("theta contains NaN or infinite values")
        return fb.report()

    def J(t):
        return buggy_sparse_autoencoder_cost(t, v, h, lambda_, sparsity_param, beta, data,
                                             kind)

    num = _reference_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    diff = relative_difference(num, grad)
    blocks = block_relative_differences(num, grad, v, h)
    print(f"relative difference at your theta: {format_difference(diff)} ("
          + ", ".join(f"{b}: {format_difference(blocks[b])}" for b in BLOCKS) + ")")
    verdict = judge_difference(diff)
    if verdict != "a bug":
        _, _, b1, b2 = unpack_parameters(theta, v, h)
        hint = ""
        if kind == "bias_decay" and not (b1.any() or b2.any()):
            hint = (" At your theta b1 and b2 are all zero, and this bug adds lambda_ * b to "
                    "their gradients -- zero there. Give the biases nonzero values.")
        elif kind == "bias_decay":
            hint = (" Your biases are nonzero but small; lambda_ * b is tiny next to the "
                    "gradient. Try biases of size ~0.1 to 1.")
        if verdict == "right":
            fb.fail("the check passes at your theta (relative difference below 1e-9), "
                    f"so it cannot see the bug.{hint}")
        else:
            fb.fail("at your theta the difference lies between 1e-9 and 1e-7, where a "
                    "correct gradient can land too: the check cannot tell the bug from "
                    f"the finite differences' own error. Make the bug's term larger.{hint}")
    return fb.report()


# --- Exercise 4: a check along one random direction --------------------------------------
def directional_difference_reference(J, theta, v, epsilon=1e-4):
    """Relative difference between the numerical and analytic derivative of J along v.

    ``J(theta)`` returns ``(cost, grad)``. The numerical directional derivative is
    ``n = (J(theta + eps v) - J(theta - eps v)) / (2 eps)`` (two evaluations, whatever the
    size of theta), the analytic one ``a = grad . v``; returns ``|n - a| / |n + a|``, the
    one-number version of :func:`sae_lib.relative_difference`. Read it like the full check.
    """
    theta = np.asarray(theta, dtype=float)
    v = np.asarray(v, dtype=float)
    n = (J(theta + epsilon * v)[0] - J(theta - epsilon * v)[0]) / (2 * epsilon)
    a = float(np.asarray(J(theta)[1], dtype=float) @ v)
    return relative_difference([n], [a])


_DD_A = np.array([0.5, -0.3, 0.8, 0.2])
_DD_THETA = np.array([0.3, -0.7, 0.15, 1.2])


def _dd_cost(t):
    return float(np.sum(np.exp(_DD_A * t)) + 0.5 * t[0] * t[1])


def _dd_grad(t):
    g = _DD_A * np.exp(_DD_A * t)
    g[0] += 0.5 * t[1]
    g[1] += 0.5 * t[0]
    return g


def _dd_cases():
    """(label, J) pairs: the right gradient, one 1% too large, one wrong in entry 2."""
    def right(t):
        return _dd_cost(t), _dd_grad(t)

    def scaled(t):
        return _dd_cost(t), 1.01 * _dd_grad(t)

    def one_entry(t):
        g = _dd_grad(t)
        g[2] += 0.3
        return _dd_cost(t), g

    return {"a correct gradient": right, "a gradient 1% too large": scaled,
            "a gradient wrong in one entry": one_entry}


def _dd_directions():
    rng = np.random.default_rng(21)
    v1, v2 = rng.standard_normal((2, _DD_THETA.size))
    return v1 / np.linalg.norm(v1), v2 / np.linalg.norm(v2)


def _dd_variants(J, theta, v, epsilon=1e-4):
    """The numbers that known mistakes return, keyed by the message naming each."""
    theta, v = np.asarray(theta, float), np.asarray(v, float)
    j_plus, j_minus, (j0, g) = J(theta + epsilon * v)[0], J(theta - epsilon * v)[0], J(theta)
    n = (j_plus - j_minus) / (2 * epsilon)
    a = float(g @ v)
    one_sided = (j_plus - j0) / epsilon
    return [
        (abs(n - a), "that is the absolute difference |n - a|; divide it by |n + a| so the "
                     "result does not depend on the scale of J"),
        (abs(n - a) / abs(a), "you divided by |a|; the series' relative difference divides by "
                              "|n + a|, symmetric in the two numbers"),
        (abs(2 * n - a) / abs(2 * n + a), "your numerical derivative is twice too large: "
                                          "divide J(theta + eps v) - J(theta - eps v) by "
                                          "2 * epsilon"),
        (abs(-n - a) / abs(-n + a), "your numerical derivative has the wrong sign, or you "
                                    "inverted the ratio (the two give the same number): it is "
                                    "|n - a| / |n + a| with n = (J(theta + eps v) - "
                                    "J(theta - eps v)) / (2 eps)"),
        (abs(one_sided - a) / abs(one_sided + a),
         "a one-sided difference (J(theta + eps v) - J(theta)) / eps: its error is of order "
         "epsilon, far above a correct gradient's 1e-9; use the central difference"),
    ]


def check_directional_difference(directional_difference):
    """Check ``directional_difference(J, theta, v, epsilon=1e-4)`` (``J`` returns (cost, grad)).

    Expected: ``|n - a| / |n + a|`` with ``n = (J(theta + eps v)[0] - J(theta - eps v)[0]) /
    (2 eps)`` and ``a = J(theta)[1] @ v`` -- see :func:`directional_difference_reference`.
    Run on a small function with a right gradient, one 1% too large and one wrong in a
    single entry, along two directions and with two epsilons; a trivial answer such as 0
    fails the gradient that is 1% too large. Names: an absolute difference, another
    denominator, a divisor of eps, a wrong sign (or the inverted ratio, the same number), a
    one-sided difference, an ignored v or epsilon, an array instead of one number, the
    (cost, grad) pair used as a number, and theta or v changed in place.
    """
    fb = Feedback("directional_difference")
    cases = _dd_cases()
    v1, v2 = _dd_directions()
    got = {}
    for label, J in cases.items():
        for k, v in enumerate((v1, v2)):
            theta, v_given = _DD_THETA.copy(), v.copy()
            ok, value = call_learner(fb, directional_difference, J, theta, v_given, 1e-4)
            if not ok:
                _explain_tuple_error(fb)
                return fb.report()
            if not (np.array_equal(theta, _DD_THETA) and np.array_equal(v_given, v)):
                fb.fail("your function changed theta or v in place; compute theta + epsilon * v "
                        "as a new array")
                return fb.report()
            d = as_scalar(fb, value, f"{label}, direction {k + 1}")
            if d is None:
                fb.fail("one direction gives one number: the numerical derivative along v is a "
                        "number, and so is grad @ v (a dot product, not grad * v)")
                return fb.report()
            got[label, k] = d
    # Does it use v? Asked first, because an ignored v also gets the values wrong: the
    # gradient wrong in one entry gives a different difference along each direction.
    label = "a gradient wrong in one entry"
    scaled_right = np.isclose(got["a gradient 1% too large", 0], directional_difference_reference(
        cases["a gradient 1% too large"], _DD_THETA, v1), rtol=1e-3)
    if scaled_right and np.isclose(got[label, 0], got[label, 1], rtol=1e-6) and not np.isclose(
            directional_difference_reference(cases[label], _DD_THETA, v1),
            directional_difference_reference(cases[label], _DD_THETA, v2), rtol=1e-6):
        fb.fail("your result does not change with the direction v: nudge theta along v "
                "(theta + epsilon * v) and take grad @ v")
        return fb.report()
    for label, J in cases.items():
        for k, v in enumerate((v1, v2)):
            expected = directional_difference_reference(J, _DD_THETA, v)
            d = got[label, k]
            if label == "a correct gradient":
                if d < 1e-9:
                    continue
                close = lambda x, y: np.isclose(x, y, rtol=1e-2, atol=0)  # noqa: E731
            else:
                if np.isclose(d, expected, rtol=1e-3, atol=0):
                    continue
                close = lambda x, y: np.isclose(x, y, rtol=1e-3, atol=0)  # noqa: E731
            for value, message in _dd_variants(J, _DD_THETA, v):
                if close(d, value):
                    fb.fail(f"{label}: {message}")
                    return fb.report()
            if label == "a correct gradient":
                fb.fail(f"for a correct gradient your difference is {format_difference(d)}; "
                        "central differences along v give below 1e-9")
            else:
                fb.fail(f"{label}, direction {k + 1}: expected {expected:.4g}, yours is {d:.4g}")
            return fb.report()
    # Does it use epsilon? With epsilon = 0.1 the truncation error of a correct gradient shows.
    ok, value = call_learner(fb, directional_difference, cases["a correct gradient"],
                             _DD_THETA.copy(), v1.copy(), 0.1)
    if ok:
        d_big = as_scalar(fb, value, "with epsilon = 0.1")
        expected = directional_difference_reference(cases["a correct gradient"], _DD_THETA, v1,
                                                    0.1)
        if d_big is not None and not np.isclose(d_big, expected, rtol=0.05):
            fb.fail("right with epsilon = 1e-4 but not with epsilon = 0.1: use the epsilon "
                    "argument in the step and in the divisor 2 * epsilon")
    return fb.report()
