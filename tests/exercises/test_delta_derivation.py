"""Notebook 03's section of sae_lib.exercises: planted bugs and the exercise checkers.

Each checker passes a correct function and names each planted mistake; each planted bug
corrupts exactly the gradient blocks PLANTED_BUGS says it does.
"""

import numpy as np
import pytest

from sae_lib import (
    compute_numerical_gradient,
    kl_divergence,
    relative_difference,
    sigmoid,
    sparse_autoencoder_cost,
    unpack_parameters,
)
from sae_lib.exercises import (
    PLANTED_BUGS,
    bug_lines,
    buggy_sparse_autoencoder_cost,
    check_delta2,
    check_delta2_l1,
    check_duplicate_prediction,
    check_l1_coupling,
    plain_backprop_deltas,
    show_bug,
)
from sae_lib.exercises.delta_derivation import (
    delta2_l1_reference,
    l1_activation_cost,
    measure_coupling,
)
from sae_lib.objective import theta_size

V, H, M = 6, 3, 9
LAMBDA, RHO, BETA = 1e-3, 0.1, 3.0


@pytest.fixture(scope="module")
def point():
    rng = np.random.default_rng(5)
    data = rng.uniform(0.1, 0.9, size=(V, M))
    theta = rng.normal(0, 0.5, size=theta_size(V, H))  # random biases too
    return theta, data


def block_differences(J, theta):
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    nb, gb = unpack_parameters(num, V, H), unpack_parameters(grad, V, H)
    return {name: relative_difference(n.ravel(), g.ravel())
            for name, n, g in zip(("W1", "W2", "b1", "b2"), nb, gb)}


# --- planted bugs --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(PLANTED_BUGS))
def test_each_bug_corrupts_exactly_its_blocks(point, kind):
    theta, data = point
    diffs = block_differences(
        lambda t: buggy_sparse_autoencoder_cost(t, V, H, LAMBDA, RHO, BETA, data, kind), theta)
    wrong = {b for b, d in diffs.items() if d > 1e-6}
    assert wrong == set(PLANTED_BUGS[kind][1]), diffs
    assert all(d < 1e-8 for b, d in diffs.items() if b not in wrong), diffs


def test_correct_cost_passes_the_same_check(point):
    theta, data = point
    diffs = block_differences(
        lambda t: sparse_autoencoder_cost(t, V, H, LAMBDA, RHO, BETA, data), theta)
    assert max(diffs.values()) < 1e-8


@pytest.mark.parametrize("kind", [k for k in PLANTED_BUGS if k != "units_mean"])
def test_bugs_leave_the_cost_unchanged_except_units_mean(point, kind):
    theta, data = point
    right = sparse_autoencoder_cost(theta, V, H, LAMBDA, RHO, BETA, data)[0]
    assert buggy_sparse_autoencoder_cost(theta, V, H, LAMBDA, RHO, BETA, data, kind)[0] == \
        pytest.approx(right, rel=1e-12)


def test_units_mean_uses_one_rho_hat_per_example(point):
    theta, data = point
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    a2 = sigmoid(W1 @ data + b1[:, None])
    a3 = sigmoid(W2 @ a2 + b2[:, None])
    expected = (0.5 * np.sum((a3 - data) ** 2) / M + LAMBDA / 2 * (np.sum(W1 ** 2)
                + np.sum(W2 ** 2)) + BETA * np.sum(kl_divergence(RHO, a2.mean(axis=0))))
    got = buggy_sparse_autoencoder_cost(theta, V, H, LAMBDA, RHO, BETA, data, "units_mean")[0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_unknown_kind_is_rejected(point):
    theta, data = point
    with pytest.raises(ValueError, match="unknown kind 'typo'.*extra_1_over_m"):
        buggy_sparse_autoencoder_cost(theta, V, H, LAMBDA, RHO, BETA, data, "typo")


@pytest.mark.parametrize("kind", list(PLANTED_BUGS))
def test_show_bug_diffs_each_buggy_line_against_the_library(kind, capsys):
    lines = bug_lines(kind)
    assert lines and all("BUG" not in line for line in lines)
    show_bug(kind)
    out = capsys.readouterr().out
    assert out.startswith(f"{kind}: {PLANTED_BUGS[kind][0]}")
    for line in lines:
        assert f"+ {line}" in out
    assert out.count("\n- ") == len(lines)       # each has a correct library counterpart


def test_show_bug_extra_1_over_m_marks_the_inserted_division(capsys):
    show_bug("extra_1_over_m")
    out = capsys.readouterr().out.splitlines()
    plus = next(i for i, line in enumerate(out) if line.startswith("+ "))
    marks = out[plus + 1]
    assert marks.startswith("?") and marks.strip("? ") == "++++"
    assert out[plus][marks.index("+"):].startswith(" / m")


def test_plain_backprop_deltas_give_the_gradient_without_sparsity(point):
    theta, data = point
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    delta3, delta2 = plain_backprop_deltas(W1, b1, W2, b2, data)
    grad = sparse_autoencoder_cost(theta, V, H, 0.0, RHO, 0.0, data)[1]
    gW1, gW2, gb1, gb2 = unpack_parameters(grad, V, H)
    assert np.allclose(delta2 @ data.T / M, gW1)
    assert np.allclose(delta2.sum(axis=1) / M, gb1)
    assert np.allclose(delta3.sum(axis=1) / M, gb2)


def sparsity_term_right(rho, rho_hat, beta):
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


# --- exercise: delta2 ---------------------------------------------------------------------
def fprime(a2):
    return a2 * (1 - a2)


def delta2_right(W2, delta3, a2, rho, rho_hat, beta):
    return (W2.T @ delta3 + sparsity_term_right(rho, rho_hat, beta)[:, None]) * fprime(a2)


def test_delta2_checker_passes_a_correct_function(capsys):
    assert check_delta2(delta2_right) is True
    assert "✓ delta2: all checks passed." in capsys.readouterr().out


def _s(rho, rho_hat, beta):
    return sparsity_term_right(rho, rho_hat, beta)[:, None]


DELTA2_BUGS = {
    "an extra 1/m on the sparsity term (yours is m = 7 times too small there)":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3 + _s(r, q, b) / a2.shape[1]) * fprime(a2),
    "f'(z2) is missing on the sparsity term":
        lambda W2, d3, a2, r, q, b: W2.T @ d3 * fprime(a2) + _s(r, q, b),
    "f'(z2) is missing: delta2 = (W2.T @ delta3 + sparsity term) * a2 * (1 - a2)":
        lambda W2, d3, a2, r, q, b: W2.T @ d3 + _s(r, q, b),
    "the sparsity term has the wrong sign":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3 - _s(r, q, b)) * fprime(a2),
    "the sparsity term is missing its factor beta (= 3 here)":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3 + _s(r, q, 1.0)) * fprime(a2),
    "rho_hat is averaged over the hidden units (axis=0)":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3 + sparsity_term_right(
            r, a2.mean(axis=0), b)[None, :]) * fprime(a2),
    "that is plain backpropagation's delta2: the sparsity term":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3) * fprime(a2),
    "f'(z2) is computed as if a2 were z2":
        lambda W2, d3, a2, r, q, b: (W2.T @ d3 + _s(r, q, b)) * fprime(sigmoid(a2)),
    "the result is m = 7 times too large":
        lambda W2, d3, a2, r, q, b: delta2_right(W2, d3, a2, r, q, b) * a2.shape[1],
    "expected shape (3, 7), yours has shape (3,)":
        lambda W2, d3, a2, r, q, b: delta2_right(W2, d3, a2, r, q, b).mean(axis=1),
    "your function raised ValueError: matmul":
        lambda W2, d3, a2, r, q, b: (W2 @ d3 + _s(r, q, b)) * fprime(a2),
}


@pytest.mark.parametrize("message", list(DELTA2_BUGS))
def test_delta2_checker_names_each_mistake(message, capsys):
    assert check_delta2(DELTA2_BUGS[message]) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ delta2")
    assert message in out


def test_delta2_checker_localises_an_unrecognised_mistake(capsys):
    def odd_sparsity(W2, d3, a2, r, q, b):
        return (W2.T @ d3 + 1.1 * _s(r, q, b)) * fprime(a2)

    def odd_backprop(W2, d3, a2, r, q, b):
        return (1.1 * W2.T @ d3 + _s(r, q, b)) * fprime(a2)

    assert check_delta2(odd_sparsity) is False
    out = capsys.readouterr().out
    assert "none of the common mistakes matches" in out
    assert "with beta = 0 your delta2 is right, so the mistake is in the sparsity term" in out
    assert check_delta2(odd_backprop) is False
    out = capsys.readouterr().out
    assert "with beta = 0 your delta2 differs from plain backpropagation's" in out


def test_delta2_checker_catches_in_place_changes(capsys):
    def in_place(W2, delta3, a2, rho, rho_hat, beta):
        delta3 *= 1.0
        out = W2.T @ delta3
        out += _s(rho, rho_hat, beta)
        a2 *= 1 - a2      # overwrites the caller's a2
        return out * a2
    assert check_delta2(in_place) is False
    assert "changed its a2 argument in place" in capsys.readouterr().out


def test_delta2_checker_second_case_catches_hard_coded_constants(capsys):
    def fixed(W2, d3, a2, r, q, b):
        return (W2.T @ d3 + _s(0.05, q, 3.0)) * fprime(a2)
    assert check_delta2(fixed) is False
    out = capsys.readouterr().out
    assert "rho = 0.2, beta = 0.5" in out


# --- exercise: predict the effect of duplicating the data ---------------------------------
def test_duplicate_prediction_right(capsys):
    assert check_duplicate_prediction(1, 0.5) is True
    out = capsys.readouterr().out
    assert "measured: correct code x1, extra-1/m bug x0.5" in out


@pytest.mark.parametrize("answers, message", [
    ((0.5, 0.5), "factor_correct: you predicted 0.5, the measured factor is 1"),
    ((1, 1), "factor_extra_1_over_m: you predicted 1, the measured factor is 0.5"),
    ((2, 0.5), "factor_correct: you predicted 2"),
    (("same", 0.5), "factor_correct: set it to a number"),
    ((None, 0.5), "factor_correct: set it to a number"),
    ((1, float("nan")), "factor_extra_1_over_m: set it to a number"),
])
def test_duplicate_prediction_wrong(answers, message, capsys):
    assert check_duplicate_prediction(*answers) is False
    assert message in capsys.readouterr().out


# --- exercise: delta2 for an L1 penalty on the activations ---------------------------------
def test_l1_reference_delta2_is_the_gradient_of_the_l1_cost(point):
    theta, data = point
    J = lambda t: l1_activation_cost(t, V, H, LAMBDA, BETA, data)  # noqa: E731
    num = compute_numerical_gradient(lambda t: J(t)[0], theta)
    assert relative_difference(num, J(theta)[1]) < 1e-9
    # and the L1 cost is the sigmoid autoencoder's cost with beta * sum_j rho_hat_j
    W1, W2, b1, b2 = unpack_parameters(theta, V, H)
    a2 = sigmoid(W1 @ data + b1[:, None])
    plain = sparse_autoencoder_cost(theta, V, H, LAMBDA, RHO, 0.0, data)[0]
    assert J(theta)[0] == pytest.approx(plain + BETA * a2.mean(axis=1).sum(), rel=1e-12)


def test_delta2_l1_checker_passes_a_correct_function(capsys):
    assert check_delta2_l1(delta2_l1_reference) is True
    assert check_delta2_l1(lambda W2, d3, a2, b: (W2.T @ d3 + b) * a2 * (1 - a2)) is True
    assert "✓ delta2_l1: all checks passed." in capsys.readouterr().out


def _l1_right(W2, d3, a2, b):
    return (W2.T @ d3 + b) * fprime(a2)


DELTA2_L1_BUGS = {
    "an extra 1/m on the penalty term (yours is m = 9 times too small there)":
        lambda W2, d3, a2, b: (W2.T @ d3 + b / a2.shape[1]) * fprime(a2),
    "f'(z2) is missing on the penalty term":
        lambda W2, d3, a2, b: W2.T @ d3 * fprime(a2) + b,
    "f'(z2) is missing: delta2 = (W2.T @ delta3 + beta) * a2 * (1 - a2)":
        lambda W2, d3, a2, b: W2.T @ d3 + b,
    "the penalty term has the wrong sign":
        lambda W2, d3, a2, b: (W2.T @ d3 - b) * fprime(a2),
    "the factor beta (= 0.7 here) is missing":
        lambda W2, d3, a2, b: (W2.T @ d3 + 1.0) * fprime(a2),
    "beta * a2 is the penalty beta * |a| itself":
        lambda W2, d3, a2, b: (W2.T @ d3 + b * np.abs(a2)) * fprime(a2),
    "your penalty term depends on rho_hat":
        lambda W2, d3, a2, b: (W2.T @ d3 + b * a2.mean(axis=1, keepdims=True)) * fprime(a2),
    "that is plain backpropagation's delta2: the penalty's term beta is missing":
        lambda W2, d3, a2, b: W2.T @ d3 * fprime(a2),
    "f'(z2) is computed as if a2 were z2":
        lambda W2, d3, a2, b: (W2.T @ d3 + b) * fprime(sigmoid(a2)),
    "divided by the number of hidden units (h = 4)":
        lambda W2, d3, a2, b: (W2.T @ d3 + b / a2.shape[0]) * fprime(a2),
    "the result is m = 9 times too large":
        lambda W2, d3, a2, b: _l1_right(W2, d3, a2, b) * a2.shape[1],
    "expected shape (4, 9), yours has shape (4,)":
        lambda W2, d3, a2, b: _l1_right(W2, d3, a2, b).mean(axis=1),
    "not implemented yet": lambda W2, d3, a2, b: (_ for _ in ()).throw(NotImplementedError),
    "returned None": lambda W2, d3, a2, b: None,
}


@pytest.mark.parametrize("message", list(DELTA2_L1_BUGS))
def test_delta2_l1_checker_names_each_mistake(message, capsys):
    assert check_delta2_l1(DELTA2_L1_BUGS[message]) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ delta2_l1")
    assert message in out


def test_delta2_l1_checker_is_not_passed_by_trivial_answers(capsys):
    for trivial in (lambda W2, d3, a2, b: np.zeros_like(a2),
                    lambda W2, d3, a2, b: a2,
                    lambda W2, d3, a2, b: np.full_like(a2, b)):
        assert check_delta2_l1(trivial) is False
    out = capsys.readouterr().out
    assert "so the mistake is (also) outside the penalty term" in out


def test_delta2_l1_checker_localises_an_unrecognised_mistake(capsys):
    assert check_delta2_l1(lambda W2, d3, a2, b: (W2.T @ d3 + 1.3 * b) * fprime(a2)) is False
    out = capsys.readouterr().out
    assert "with beta = 0 your delta2 is right, so the mistake is in the penalty term" in out


def test_delta2_l1_second_case_catches_hard_coded_constants(capsys):
    assert check_delta2_l1(lambda W2, d3, a2, b: (W2.T @ d3 + 0.7) * fprime(a2)) is False
    assert "beta = 2.5" in capsys.readouterr().out


def test_delta2_l1_checker_catches_in_place_changes(capsys):
    def in_place(W2, delta3, a2, beta):
        a2 *= 1 - a2
        return (W2.T @ delta3 + beta) * a2
    assert check_delta2_l1(in_place) is False
    assert "changed its a2 argument in place" in capsys.readouterr().out


# --- exercise: does the L1 penalty couple the examples? -----------------------------------
def test_coupling_is_measured_by_finite_differences():
    assert measure_coupling("L1") < 1e-8          # finite-difference noise only
    assert measure_coupling("KL") > 0.01          # rho_hat moved, and with it every delta2


def test_l1_coupling_right_answer(capsys):
    assert check_l1_coupling(False) is True
    out = capsys.readouterr().out
    assert ("measured: replacing the last example moves example 1's delta2 by less than "
            "1e-6 with the L1 penalty and by 0.1 with KL.") in out


@pytest.mark.parametrize("answer, message", [
    (True, "is a sum of one term per example"),
    (None, "set l1_couples_examples to True or False, not None"),
    ("no", "set l1_couples_examples to True or False, not 'no'"),
    (0, "set l1_couples_examples to True or False, not 0"),
])
def test_l1_coupling_wrong_answers(answer, message, capsys):
    assert check_l1_coupling(answer) is False
    assert message in capsys.readouterr().out
