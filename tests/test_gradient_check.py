"""Numerical gradients: the UFLDL check, accuracy, and input errors."""

import numpy as np
import pytest

from sae_lib.gradient_check import (
    check_numerical_gradient,
    compute_numerical_gradient,
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
