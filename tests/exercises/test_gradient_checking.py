"""Notebook 04's section of sae_lib.exercises: block-wise differences and the checkers.

Each checker passes a correct function and names each planted mistake.
"""

import re

import numpy as np
import pytest

from sae_lib import (
    compute_numerical_gradient,
    initialize_parameters,
    relative_difference,
    sparse_autoencoder_cost,
    unpack_parameters,
)
from sae_lib.exercises import (
    BLOCKS,
    PLANTED_BUGS,
    block_relative_differences,
    buggy_sparse_autoencoder_cost,
    check_compute_numerical_gradient,
    check_directional_difference,
    check_find_wrong_blocks,
    check_revealing_point,
    directional_difference_reference,
)
from sae_lib.objective import pack_parameters, theta_size


# --- block_relative_differences ------------------------------------------------------------
def test_block_relative_differences_splits_in_theta_order():
    v, h = 4, 3
    rng = np.random.default_rng(0)
    grad = rng.normal(size=theta_size(v, h))
    W1, W2, b1, b2 = (x.copy() for x in unpack_parameters(grad, v, h))
    W2 *= 1.5                                     # only the W2 block differs
    diffs = block_relative_differences(pack_parameters(W1, W2, b1, b2), grad, v, h)
    assert list(diffs) == list(BLOCKS)
    assert diffs["W2"] == pytest.approx(0.5 / 2.5)
    assert diffs["W1"] == diffs["b1"] == diffs["b2"] == 0.0


def test_block_relative_differences_of_the_correct_cost_are_tiny():
    v, h = 5, 2
    rng = np.random.default_rng(1)
    data = rng.uniform(0.1, 0.9, size=(v, 6))
    theta = rng.normal(0, 0.5, size=theta_size(v, h))
    J = lambda t: sparse_autoencoder_cost(t, v, h, 1e-3, 0.1, 3.0, data)  # noqa: E731
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    assert max(block_relative_differences(num, J(theta)[1], v, h).values()) < 1e-8


# --- exercise: compute_numerical_gradient --------------------------------------------------
def central(J, theta, epsilon=1e-4):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        grad[i] = (J(plus) - J(minus)) / (2 * epsilon)
    return grad


def central_restoring_saved_value(J, theta, epsilon=1e-4):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + epsilon
        j_plus = J(theta)
        theta[i] = old - epsilon
        j_minus = J(theta)
        theta[i] = old
        grad[i] = (j_plus - j_minus) / (2 * epsilon)
    return grad


@pytest.mark.parametrize("fn", [central, central_restoring_saved_value])
def test_numerical_gradient_checker_passes_correct_functions(fn, capsys):
    assert check_compute_numerical_gradient(fn) is True
    assert "✓ compute_numerical_gradient: all checks passed." in capsys.readouterr().out


def forward_difference(J, theta, epsilon=1e-4):
    j0, grad = J(theta), np.zeros_like(theta)
    for i in range(theta.size):
        plus = theta.copy()
        plus[i] += epsilon
        grad[i] = (J(plus) - j0) / epsilon
    return grad


def backward_difference(J, theta, epsilon=1e-4):
    j0, grad = J(theta), np.zeros_like(theta)
    for i in range(theta.size):
        minus = theta.copy()
        minus[i] -= epsilon
        grad[i] = (j0 - J(minus)) / epsilon
    return grad


def divided_by_epsilon(J, theta, epsilon=1e-4):
    return central(J, theta, epsilon) * 2


def divided_by_four_epsilon(J, theta, epsilon=1e-4):
    return central(J, theta, epsilon) / 2


def reversed_difference(J, theta, epsilon=1e-4):
    return -central(J, theta, epsilon)


def ignores_epsilon(J, theta, epsilon=1e-4):
    return central(J, theta, 1e-4)


def hard_coded_divisor(J, theta, epsilon=1e-4):
    """Steps epsilon but divides by a fixed 2e-4."""
    return central(J, theta, epsilon) * epsilon / 1e-4


def hard_coded_forward_step(J, theta, epsilon=1e-4):
    return forward_difference(J, theta, 1e-4)


def in_place_without_restoring(J, theta, epsilon=1e-4):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        theta[i] += epsilon
        j_plus = J(theta)
        theta[i] -= 2 * epsilon
        j_minus = J(theta)
        grad[i] = (j_plus - j_minus) / (2 * epsilon)
    return grad


def restores_by_arithmetic(J, theta, epsilon=1e-4):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        theta[i] += epsilon
        j_plus = J(theta)
        theta[i] -= 2 * epsilon
        j_minus = J(theta)
        theta[i] += epsilon                     # rounding: not exactly the old value
        grad[i] = (j_plus - j_minus) / (2 * epsilon)
    return grad


def all_entries_at_once(J, theta, epsilon=1e-4):
    d = (J(theta + epsilon) - J(theta - epsilon)) / (2 * epsilon)
    return np.full_like(theta, d)


def extra_calls(J, theta, epsilon=1e-4):
    J(theta)                                    # a wasted evaluation
    return central(J, theta, epsilon)


def wrong_shape(J, theta, epsilon=1e-4):
    return central(J, theta, epsilon)[:-1]


def returns_zeros(J, theta, epsilon=1e-4):
    return np.zeros_like(theta)


def computes_but_never_stores(J, theta, epsilon=1e-4):
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        difference = (J(plus) - J(minus)) / (2 * epsilon)  # noqa: F841 -- never stored
    return grad


def not_implemented(J, theta, epsilon=1e-4):
    raise NotImplementedError


def index_error(J, theta, epsilon=1e-4):
    return [J(theta + epsilon * np.eye(theta.size)[i + 1]) for i in range(theta.size)]


NUMGRAD_BUGS = [
    (forward_difference, "a one-sided difference: your error fell from 0.005 to 0.0005 "
                         "when epsilon fell 10x (order 1; central differences give order 2"),
    (backward_difference, "a one-sided difference"),
    (divided_by_epsilon, "twice too large: divide the difference"),
    (divided_by_four_epsilon, "half the true ones"),
    (reversed_difference, "the wrong sign"),
    (ignores_epsilon, "your function ignores its epsilon argument"),
    (hard_coded_divisor, "right with epsilon = 1e-4 but not with epsilon = 1e-2: use the "
                         "epsilon argument both in the step and in the divisor"),
    (hard_coded_forward_step, "your error does not shrink with epsilon (5e-05 at 1e-2, 5e-05 "
                              "at 1e-3): does your function use its epsilon argument?"),
    (in_place_without_restoring, "theta changed: after your function returned, theta[2] was "
                                 "0.1499 instead of 0.15"),
    (restores_by_arithmetic, "theta changed: theta[2] is off by -2.8e-17 after your function "
                             "returned. Adding and subtracting epsilon leaves rounding error"),
    (all_entries_at_once, "you perturb every entry at once"),
    (extra_calls, "your function called J 9 times; central differences need exactly 2n = 8"),
    (wrong_shape, "expected shape (4,) (one derivative per entry of theta), yours has shape (3,)"),
    (returns_zeros, "your function returns all zeros and never calls J"),
    (computes_but_never_stores, "your function returns all zeros although it calls J 8 times"),
    (not_implemented, "not implemented yet"),
    (index_error, "your function raised IndexError"),
]


@pytest.mark.parametrize("fn, message", NUMGRAD_BUGS, ids=[f.__name__ for f, _ in NUMGRAD_BUGS])
def test_numerical_gradient_checker_names_each_mistake(fn, message, capsys):
    assert check_compute_numerical_gradient(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ compute_numerical_gradient")
    assert message in out


@pytest.mark.parametrize("fn", [returns_zeros, computes_but_never_stores])
def test_a_gradient_of_zeros_is_told_it_returns_zeros_not_that_it_ignores_epsilon(fn, capsys):
    assert check_compute_numerical_gradient(fn) is False
    out = capsys.readouterr().out
    assert "returns all zeros" in out
    assert "epsilon argument" not in out and "does not shrink" not in out


# --- exercise: find_wrong_blocks -----------------------------------------------------------
def find_wrong_blocks(J, theta, visible_size, hidden_size, threshold=1e-7):
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    num_blocks = unpack_parameters(num, visible_size, hidden_size)
    grad_blocks = unpack_parameters(grad, visible_size, hidden_size)
    return [name for name, n, g in zip(BLOCKS, num_blocks, grad_blocks)
            if relative_difference(n.ravel(), g.ravel()) > threshold]


def test_find_wrong_blocks_checker_passes_a_correct_function(capsys):
    assert check_find_wrong_blocks(find_wrong_blocks) is True
    out = capsys.readouterr().out
    assert "✓ find_wrong_blocks: all checks passed." in out
    # the actual block differences, printed portably; the correct cost's b2 block sits
    # in the look-closer band (about 1.2e-9), the bugs' blocks are starred
    rows = {line.split()[0] if not line.startswith("  the correct") else "correct": line
            for line in out.splitlines()[2:7]}
    assert re.fullmatch(r"\s+the correct cost\s+< 1e-9\s+< 1e-9\s+< 1e-9\s+~1e-9\s*",
                        rows["correct"]), out
    assert "0.0089*" in rows["W2_no_decay"] and "0.78*" in rows["b2_not_averaged"]
    assert rows["extra_1_over_m"].count("0.78*") == 2
    assert rows["bias_decay"].count("*") == 2


def test_the_correct_costs_b2_block_lies_in_the_look_closer_band():
    # What the notebook and the checker say: about 1.2e-9, truncation error (it grows
    # about 100-fold with epsilon ten times larger), on a block with a small gradient.
    from sae_lib.exercises.gradient_checking import _blocks_config
    v, h, data, theta = _blocks_config()
    J = lambda t: sparse_autoencoder_cost(t, v, h, 1e-3, 0.1, 3.0, data)  # noqa: E731
    d4 = block_relative_differences(compute_numerical_gradient(lambda t: J(t)[0], theta),
                                    J(theta)[1], v, h)
    d3 = block_relative_differences(
        compute_numerical_gradient(lambda t: J(t)[0], theta, 1e-3), J(theta)[1], v, h)
    assert 1e-9 < d4["b2"] < 1.5e-9, d4
    assert max(d4["W1"], d4["W2"], d4["b1"]) < 1e-9, d4
    assert 80 < d3["b2"] / d4["b2"] < 120


def test_find_wrong_blocks_checker_explains_a_threshold_of_1e_9(capsys):
    assert check_find_wrong_blocks(
        lambda J, t, v, h: find_wrong_blocks(J, t, v, h, threshold=1e-9)) is False
    out = capsys.readouterr().out
    assert ("on the correct cost you reported ['b2']: right for b2 (relative difference "
            "~1e-9, between 1e-9 and 1e-7: look closer)") in out
    assert "with epsilon = 1e-3 its difference is 1.2e-07, about 100 times larger" in out
    assert "b2's gradient is small (norm 0.066, against 2.7 for the largest block)" in out
    assert "Report a block only above about 1e-7" in out


@pytest.mark.parametrize("threshold", [1e-8, 1e-7, 1e-6])
def test_find_wrong_blocks_checker_accepts_thresholds_between_the_bands(threshold, capsys):
    assert check_find_wrong_blocks(
        lambda J, t, v, h: find_wrong_blocks(J, t, v, h, threshold=threshold)) is True


def exercise_1_numerical_gradient(J, theta, epsilon=1e-4):
    """The Exercise 1 solution: J must return a number."""
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        grad[i] = (J(plus) - J(minus)) / (2 * epsilon)
    return grad


def blocks_fed_the_pair(J, theta, v, h):
    num = exercise_1_numerical_gradient(J, theta)      # J returns (cost, grad): TypeError
    return find_wrong_blocks(lambda t: (num @ t, num), theta, v, h)


def blocks_fed_the_cost(J, theta, v, h, threshold=1e-7):
    num = exercise_1_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    return [name for name, n, g in zip(BLOCKS, unpack_parameters(num, v, h),
                                       unpack_parameters(grad, v, h))
            if relative_difference(n.ravel(), g.ravel()) > threshold]


def test_find_wrong_blocks_checker_names_the_tuple_mistake(capsys):
    assert check_find_wrong_blocks(blocks_fed_the_pair) is False
    out = capsys.readouterr().out
    assert "unsupported operand type(s) for -: 'tuple' and 'tuple'" in out
    assert "here J(theta) returns a pair (cost, grad)" in out
    assert "compute_numerical_gradient(lambda t: J(t)[0], theta)" in out


def test_find_wrong_blocks_works_with_the_exercise_1_function_given_the_cost(capsys):
    assert check_find_wrong_blocks(blocks_fed_the_cost) is True


def wrong_layout(J, theta, v, h, threshold=1e-7):
    """Splits theta as [W1, b1, W2, b2] -- not the packing order."""
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    sizes = [h * v, h, v * h, v]
    names = ["W1", "b1", "W2", "b2"]
    bounds = np.cumsum([0] + sizes)
    return {name for name, s, e in zip(names, bounds[:-1], bounds[1:])
            if relative_difference(num[s:e], grad[s:e]) > threshold}


def too_loose(J, theta, v, h):
    return find_wrong_blocks(J, theta, v, h, threshold=0.05)


def whole_vector_only(J, theta, v, h):
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    return list(BLOCKS) if relative_difference(num, J(theta)[1]) > 1e-7 else []


BLOCK_BUGS = [
    (lambda J, t, v, h: {"W1"},
     "on the correct cost you reported ['W1']: right for W1 (relative difference < 1e-9: "
     "right)"),
    (wrong_layout, "on a cost with a planted bug (the weight-decay term lambda_ * W2 missing "
                   "from W2grad) you reported ['W2', 'b1']: right for b1 (relative difference"),
    (too_loose, "on a cost with a planted bug (the weight-decay term lambda_ * W2 missing from "
                "W2grad) you reported no block: gradient wrong for W2 (relative difference "
                "0.0089, above 1e-7: a bug)"),
    (whole_vector_only, "you reported ['W1', 'W2', 'b1', 'b2']: right for W1 (relative "
                        "difference"),
    (lambda J, t, v, h: [], "on a cost with a planted bug (the weight-decay term lambda_ * W2 "
                            "missing from W2grad) you reported no block"),
    (lambda J, t, v, h: list(BLOCKS), "on the correct cost you reported ['W1', 'W2', 'b1', "
                                      "'b2']"),
    (lambda J, t, v, h: ["W3"], "unknown block name(s) ['W3']"),
    (lambda J, t, v, h: None, "returned None"),
    (lambda J, t, v, h: 7, "return a list or set of block names"),
    (lambda J, t, v, h: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
]


@pytest.mark.parametrize("fn, message", BLOCK_BUGS)
def test_find_wrong_blocks_checker_reports_wrong_and_right_blocks(fn, message, capsys):
    assert check_find_wrong_blocks(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ find_wrong_blocks")
    assert message in out


def test_find_wrong_blocks_checker_accepts_a_single_name_string(capsys):
    # A function that only knows one answer passes the first case it is right for, then
    # fails with the per-block report -- a string is read as one block name.
    assert check_find_wrong_blocks(lambda J, t, v, h: "W2") is False
    assert "on the correct cost you reported ['W2']" in capsys.readouterr().out


# --- exercise: a point that reveals the bias_decay bug -------------------------------------
@pytest.fixture
def small():
    v, h = 5, 3
    data = np.random.default_rng(2).uniform(0.1, 0.9, size=(v, 7))
    return v, h, data


def test_revealing_point_fails_at_the_usual_initialisation(small, capsys):
    v, h, data = small
    assert check_revealing_point(initialize_parameters(h, v, rng=0), v, h, data) is False
    out = capsys.readouterr().out
    assert re.match(r"relative difference at your theta: < 1e-9 \(W1: < 1e-9, W2: < 1e-9, "
                    r"b1: < 1e-9, b2: (< 1e-9|~\de-\d+)\)", out), out
    assert "the check passes at your theta (relative difference below 1e-9)" in out
    assert "b1 and b2 are all zero" in out


def test_revealing_point_passes_with_random_biases(small, capsys):
    v, h, data = small
    theta = np.random.default_rng(3).normal(0, 0.5, size=theta_size(v, h))
    assert check_revealing_point(theta, v, h, data) is True
    out = capsys.readouterr().out
    # noise-level differences print as "< 1e-9", so the output does not depend on rounding
    assert re.match(r"relative difference at your theta: [0-9.e-]+ \(W1: < 1e-9, "
                    r"W2: < 1e-9, b1: [0-9.e-]+, b2: [0-9.e-]+\)", out), out
    assert "✓ a point that reveals the bug" in out


def test_revealing_point_hint_for_tiny_biases(small, capsys):
    v, h, data = small
    theta = initialize_parameters(h, v, rng=0)
    theta[2 * v * h:] = 1e-9
    assert check_revealing_point(theta, v, h, data) is False
    assert "Your biases are nonzero but small" in capsys.readouterr().out


@pytest.mark.parametrize("theta, message", [
    (np.zeros(3), "must be a vector of length 38"),
    ("abc", "theta must be an array of numbers"),
    (np.full(38, np.nan), "NaN or infinite"),
])
def test_revealing_point_rejects_bad_theta(small, theta, message, capsys):
    v, h, data = small
    assert check_revealing_point(theta, v, h, data) is False
    assert message in capsys.readouterr().out


def test_revealing_point_other_kind_symmetric_point(small, capsys):
    # swapped_denominators hides at the all-zero point (every rho_hat = 0.5).
    v, h, data = small
    assert check_revealing_point(np.zeros(theta_size(v, h)), v, h, data,
                                 kind="swapped_denominators") is False
    rng = np.random.default_rng(4)
    assert check_revealing_point(rng.normal(0, 0.5, theta_size(v, h)), v, h, data,
                                 kind="swapped_denominators") is True
    # and the buggy cost agrees with the right one at that symmetric point
    z = np.zeros(theta_size(v, h))
    right = sparse_autoencoder_cost(z, v, h, 1e-3, 0.1, 3.0, data)[1]
    wrong = buggy_sparse_autoencoder_cost(z, v, h, 1e-3, 0.1, 3.0, data, "swapped_denominators")
    assert np.allclose(wrong[1], right, rtol=1e-12, atol=1e-15)


# --- exercise: a check along one direction --------------------------------------------------
def dd_right(J, theta, v, epsilon=1e-4):
    n = (J(theta + epsilon * v)[0] - J(theta - epsilon * v)[0]) / (2 * epsilon)
    a = J(theta)[1] @ v
    return abs(n - a) / abs(n + a)


def _n_a(J, theta, v, epsilon=1e-4):
    n = (J(theta + epsilon * v)[0] - J(theta - epsilon * v)[0]) / (2 * epsilon)
    return n, J(theta)[1] @ v


def dd_in_place(J, theta, v, epsilon=1e-4):
    theta += epsilon * v
    j_plus = J(theta)[0]
    theta -= 2 * epsilon * v
    n = (j_plus - J(theta)[0]) / (2 * epsilon)
    a = J(theta + epsilon * v)[1] @ v
    return abs(n - a) / abs(n + a)


def dd_one_sided(J, theta, v, epsilon=1e-4):
    n = (J(theta + epsilon * v)[0] - J(theta)[0]) / epsilon
    a = J(theta)[1] @ v
    return abs(n - a) / abs(n + a)


def dd_tuples(J, theta, v, epsilon=1e-4):
    n = (J(theta + epsilon * v) - J(theta - epsilon * v)) / (2 * epsilon)
    return n


def dd_ignores_v(J, theta, v, epsilon=1e-4):
    return dd_right(J, theta, np.ones_like(v) / np.sqrt(v.size), epsilon)


def dd_ignores_epsilon(J, theta, v, epsilon=1e-4):
    return dd_right(J, theta, v, 1e-4)


DIRECTIONAL_BUGS = [
    (lambda J, t, v, e=1e-4: abs(np.subtract(*_n_a(J, t, v, e))),
     "a gradient 1% too large: that is the absolute difference |n - a|"),
    (lambda J, t, v, e=1e-4: abs(np.subtract(*_n_a(J, t, v, e))) / abs(_n_a(J, t, v, e)[1]),
     "you divided by |a|"),
    (lambda J, t, v, e=1e-4: (lambda n, a: abs(2 * n - a) / abs(2 * n + a))(*_n_a(J, t, v, e)),
     "your numerical derivative is twice too large"),
    (lambda J, t, v, e=1e-4: (lambda n, a: abs(-n - a) / abs(-n + a))(*_n_a(J, t, v, e)),
     "your numerical derivative has the wrong sign, or you inverted the ratio"),
    (lambda J, t, v, e=1e-4: (lambda n, a: abs(n + a) / abs(n - a))(*_n_a(J, t, v, e)),
     "your numerical derivative has the wrong sign, or you inverted the ratio"),
    (dd_one_sided, "a correct gradient: a one-sided difference"),
    (dd_ignores_v, "your result does not change with the direction v"),
    (dd_ignores_epsilon, "right with epsilon = 1e-4 but not with epsilon = 0.1"),
    (lambda J, t, v, e=1e-4: np.abs(_n_a(J, t, v, e)[0] - J(t)[1] * v),
     "one direction gives one number"),
    (dd_tuples, "here J(theta) returns a pair (cost, grad)"),
    (dd_in_place, "your function changed theta or v in place"),
    (lambda J, t, v, e=1e-4: 0.0, "a gradient 1% too large, direction 1: expected 0.004975, "
                                  "yours is 0"),
    (lambda J, t, v, e=1e-4: None, "returned None"),
    (lambda J, t, v, e=1e-4: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
]


def test_directional_checker_passes_correct_functions(capsys):
    assert check_directional_difference(dd_right) is True
    assert check_directional_difference(directional_difference_reference) is True
    assert "✓ directional_difference: all checks passed." in capsys.readouterr().out


@pytest.mark.parametrize("fn, message", DIRECTIONAL_BUGS)
def test_directional_checker_names_each_mistake(fn, message, capsys):
    assert check_directional_difference(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ directional_difference")
    assert message in out


def test_one_random_direction_sees_every_planted_bug_but_small_ones_vary():
    # What notebook 04's Exercise 4 solution shows: along 20 random directions the correct
    # cost stays below 1e-9 and every planted bug is above 1e-7 in the median.
    v, h = 6, 3
    rng = np.random.default_rng(8)
    data = rng.uniform(0.1, 0.9, size=(v, 7))
    theta = rng.normal(0, 0.5, size=theta_size(v, h))
    directions = rng.standard_normal((20, theta.size))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)

    def median(J):
        return np.median([directional_difference_reference(J, theta, d) for d in directions])

    assert median(lambda t: sparse_autoencoder_cost(t, v, h, 1e-3, 0.1, 3.0, data)) < 1e-9
    for kind in PLANTED_BUGS:
        assert median(lambda t, k=kind: buggy_sparse_autoencoder_cost(
            t, v, h, 1e-3, 0.1, 3.0, data, k)) > 1e-7, kind
