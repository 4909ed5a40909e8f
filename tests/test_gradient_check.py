"""Numerical gradients: the UFLDL check, accuracy, and input errors."""

import numpy as np
import pytest

from sae_lib.gradient_check import (
    BUG_ABOVE,
    RIGHT_BELOW,
    check_numerical_gradient,
    compute_numerical_gradient,
    format_difference,
    judge_difference,
    relative_difference,
    simple_quadratic_function,
)


def test_ufldl_quadratic_check_matches_documented_difference(capsys):
    diff = check_numerical_gradient()
    # UFLDL documents 2.1452e-12 for central differences with epsilon = 1e-4.
    assert diff == pytest.approx(2.1452e-12, rel=1e-3)
    out = capsys.readouterr().out
    assert "38.000000" in out and "12.000000" in out and "2.1452e-12" in out


def test_quadratic_function_value_and_gradient():
    value, grad = simple_quadratic_function([4.0, 10.0])
    assert value == 16 + 120
    assert grad.tolist() == [38.0, 12.0]


def test_central_difference_is_exact_for_quadratics_and_second_order_accurate():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    J = lambda x: 0.5 * x @ A @ x  # noqa: E731
    x = np.array([0.3, -1.2])
    assert np.allclose(compute_numerical_gradient(J, x), A @ x, atol=1e-9)
    # For sin, the truncation error is eps^2/6 * |cos| -- it shrinks 100x when eps shrinks 10x.
    x0 = np.array([0.7])
    err = [abs(compute_numerical_gradient(lambda t: np.sin(t[0]), x0, eps)[0] - np.cos(0.7))
           for eps in (1e-2, 1e-3)]
    assert err[0] / err[1] == pytest.approx(100, rel=0.05)


def test_accepts_cost_grad_tuples_and_leaves_theta_unchanged():
    theta = np.array([1.0, 2.0, 3.0])
    before = theta.copy()
    num = compute_numerical_gradient(lambda t: (np.sum(t ** 3), None), theta)
    assert np.allclose(num, 3 * before ** 2, rtol=1e-7)
    assert np.array_equal(theta, before)


def test_relative_difference():
    assert relative_difference([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_difference([1.0, 0.0], [-1.0, 0.0]) == np.inf
    assert relative_difference([1.0, 1.0], [1.0, 1.001]) == pytest.approx(0.001 / np.linalg.norm([2, 2.001]))
    with pytest.raises(ValueError, match="numgrad has shape"):
        relative_difference([1.0, 2.0], [1.0])


def test_input_errors():
    with pytest.raises(ValueError, match="theta must be a 1-D vector"):
        compute_numerical_gradient(np.sum, np.ones((2, 2)))
    with pytest.raises(ValueError, match="epsilon must be a positive number"):
        compute_numerical_gradient(np.sum, np.ones(2), epsilon=0)
    with pytest.raises(ValueError, match="J must return a scalar"):
        compute_numerical_gradient(lambda t: t, np.ones(2))


def test_relative_difference_exceeds_one_exactly_when_the_vectors_point_apart():
    g = np.array([1.0, 2.0, -0.5])
    for other, above_one in [(0.9 * g, False), (-0.9 * g, True), (np.zeros(3), False),
                             (np.array([-1.0, 0.1, 0.0]), True)]:
        d = relative_difference(other, g)
        assert (d > 1) == above_one == (other @ g < 0), (other, d)


@pytest.mark.parametrize("d, verdict, text", [
    (0.0, "right", "< 1e-9"),
    (2.1452e-12, "right", "< 1e-9"),
    (9.9e-10, "right", "< 1e-9"),
    (1.23e-9, "look closer", "~1e-9"),
    (6.2e-8, "look closer", "~6e-8"),
    (1e-7, "look closer", "~1e-7"),
    (1.2e-7, "a bug", "1.2e-07"),
    (0.0089, "a bug", "0.0089"),
    (148.7, "a bug", "1.5e+02"),
    (np.inf, "a bug", "inf"),
])
def test_one_rule_for_reading_a_relative_difference(d, verdict, text):
    assert (RIGHT_BELOW, BUG_ABOVE) == (1e-9, 1e-7)
    assert judge_difference(d) == verdict
    assert format_difference(d) == text


def test_a_correct_gradient_is_right_and_a_planted_bug_is_a_bug():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    J = lambda x: float(0.5 * x @ A @ x + 0.01 * np.sum(x ** 3))  # noqa: E731
    grad = lambda x: 0.5 * (A + A.T) @ x + 0.03 * x ** 2  # noqa: E731
    x = rng.normal(size=4)
    num = compute_numerical_gradient(J, x)
    assert judge_difference(relative_difference(num, grad(x))) == "right"
    assert judge_difference(relative_difference(num, 1.001 * grad(x))) == "a bug"


def test_truncation_error_in_the_look_closer_band_grows_100_fold_with_epsilon():
    # exp(3x): the central difference errs by eps^2/6 * J''' = 1.5 eps^2 J', so the relative
    # difference is about 0.75 eps^2 -- between 1e-9 and 1e-7 at epsilon = 1e-4 -- and
    # grows 100x when epsilon grows 10x. A correct gradient can look like this.
    J = lambda x: float(np.exp(3 * x[0]))  # noqa: E731
    x = np.array([0.05])
    exact = 3 * np.exp(3 * 0.05)
    d4 = relative_difference(compute_numerical_gradient(J, x, 1e-4), [exact])
    d3 = relative_difference(compute_numerical_gradient(J, x, 1e-3), [exact])
    assert judge_difference(d4) == "look closer", d4
    assert d3 / d4 == pytest.approx(100, rel=0.02)


@pytest.mark.parametrize("bad", [-1e-9, float("nan"), "small", None])
def test_judging_rejects_what_is_not_a_relative_difference(bad):
    with pytest.raises(ValueError, match="relative difference"):
        judge_difference(bad)
    with pytest.raises(ValueError, match="relative difference"):
        format_difference(bad)
