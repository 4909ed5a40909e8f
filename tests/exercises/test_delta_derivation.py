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
    check_duplicate_prediction,
    check_sparsity_term,
    plain_backprop_deltas,
    show_bug,
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


# --- exercise: sparsity_term -------------------------------------------------------------
def sparsity_term_right(rho, rho_hat, beta):
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


def test_sparsity_term_checker_passes_a_correct_function(capsys):
    assert check_sparsity_term(sparsity_term_right) is True
    assert "✓ sparsity_term: all checks passed." in capsys.readouterr().out


SPARSITY_BUGS = {
    "the sign is flipped": lambda r, q, b: -sparsity_term_right(r, q, b),
    "the factor beta (= 3 here) is missing": lambda r, q, b: -r / q + (1 - r) / (1 - q),
    "the penalty itself; delta needs its derivative":
        lambda r, q, b: b * (r * np.log(r / q) + (1 - r) * np.log((1 - r) / (1 - q))),
    "only the -rho/rho_hat part": lambda r, q, b: b * (-r / q),
    "rho and rho_hat are swapped": lambda r, q, b: b * (-q / r + (1 - q) / (1 - r)),
    "the denominators are swapped": lambda r, q, b: b * (-r / (1 - q) + (1 - r) / q),
    "divided by the number of hidden units":
        lambda r, q, b: sparsity_term_right(r, q, b) / len(q),
    "you returned one number, the sum": lambda r, q, b: np.sum(sparsity_term_right(r, q, b)),
    "returned None": lambda r, q, b: None,
    "not implemented yet": lambda r, q, b: (_ for _ in ()).throw(NotImplementedError),
}


@pytest.mark.parametrize("message", list(SPARSITY_BUGS))
def test_sparsity_term_checker_names_each_mistake(message, capsys):
    assert check_sparsity_term(SPARSITY_BUGS[message]) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ sparsity_term")
    assert message in out


def test_sparsity_term_checker_reports_the_value_at_the_minimum(capsys):
    assert check_sparsity_term(lambda r, q, b: b * (1 - r) / (1 - q)) is False
    out = capsys.readouterr().out
    assert "at rho_hat = rho the term must be 0 (the penalty is at its minimum), yours is 3\n" in out
    assert "only the (1-rho)/(1-rho_hat) part" in out


def test_sparsity_term_checker_catches_hard_coded_constants(capsys):
    assert check_sparsity_term(lambda r, q, b: sparsity_term_right(0.05, q, 3.0)) is False
    out = capsys.readouterr().out
    assert "rho = 0.2, beta = 0.5: wrong values" in out


def test_sparsity_term_checker_catches_in_place_changes(capsys):
    def in_place(rho, rho_hat, beta):
        rho_hat *= 1.0001
        return sparsity_term_right(rho, rho_hat, beta)
    assert check_sparsity_term(in_place) is False
    assert "changed its rho_hat argument in place" in capsys.readouterr().out


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
