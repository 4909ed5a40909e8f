"""Notebook 03 (deriving the modified delta term): the planted bugs (shared with notebook
04), the plain-backpropagation deltas for comparison, and the checkers of its exercises:
the sparse delta2, the duplicate-the-data prediction, and the transfer task -- delta2 for
an L1 penalty on the activations, and whether that penalty couples the examples.
"""

from __future__ import annotations

import difflib as _difflib
import inspect as _inspect

import numpy as np

from ..objective import (
    forward,
    kl_divergence,
    kl_divergence_prime,
    pack_parameters,
    sigmoid,
    sigmoid_prime,
    sparse_autoencoder_cost,
    sparsity_delta,
    unpack_parameters,
)
from .feedback import Feedback, as_array, call_learner, diagnose, same

__all__ = [
    "PLANTED_BUGS",
    "plain_backprop_deltas",
    "buggy_sparse_autoencoder_cost",
    "bug_lines",
    "show_bug",
    "check_delta2",
    "check_duplicate_prediction",
    "check_delta2_l1",
    "check_l1_coupling",
]

#: Every planted mistake: kind -> (what is wrong, the gradient blocks it corrupts).
#: The first five are notebook 03's "common mistakes"; the last four serve notebook 04.
PLANTED_BUGS = {
    "extra_1_over_m": ("an extra 1/m on the sparsity term of delta2", ("W1", "b1")),
    "missing_fprime": ("f'(z2) not applied to the sparsity term", ("W1", "b1")),
    "units_mean": ("rho_hat averaged over the hidden units (axis=0) instead of the examples",
                   ("W1", "b1")),
    "wrong_sign": ("the sparsity term subtracted instead of added", ("W1", "b1")),
    "forgot_beta": ("the sparsity term without its weight beta", ("W1", "b1")),
    "swapped_denominators": ("rho_hat and 1 - rho_hat swapped in the sparsity term's "
                             "denominators", ("W1", "b1")),
    "bias_decay": ("weight decay applied to the biases in the gradient (not in the cost)",
                   ("b1", "b2")),
    "W2_no_decay": ("the weight-decay term lambda_ * W2 missing from W2grad", ("W2",)),
    "b2_not_averaged": ("b2grad summed over the examples but not divided by m", ("b2",)),
}


def plain_backprop_deltas(W1, b1, W2, b2, data):
    """delta3 and delta2 of plain backpropagation -- no sparsity penalty.

    The error terms of J = (1/m) sum_i 1/2 ||a3_i - x_i||^2, one column per example:
    delta3 = (a3 - x) * f'(z3) and delta2 = (W2^T delta3) * f'(z2). Compare the delta2 line
    with the one in :func:`sae_lib.sparse_autoencoder_cost`.
    """
    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    delta3 = (a3 - data) * sigmoid_prime(a3)
    delta2 = (W2.T @ delta3) * sigmoid_prime(a2)
    return delta3, delta2


def buggy_sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                  beta, data, kind):
    """:func:`sae_lib.sparse_autoencoder_cost` with one planted mistake.

    ``kind`` is a key of :data:`PLANTED_BUGS`. Every changed line ends with the comment
    ``# BUG: <kind>``; :func:`show_bug` shows it beside the correct line. Returns
    ``(cost, grad)`` like the correct function, so a gradient check can be run on it.
    """
    if kind not in PLANTED_BUGS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(PLANTED_BUGS)}.")
    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    data = np.asarray(data, dtype=float)
    m = data.shape[1]
    rho = sparsity_param

    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)
    if kind == "units_mean":
        rho_hat = a2.mean(axis=0)  # BUG: units_mean

    cost = (0.5 * np.sum((a3 - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl_divergence(rho, rho_hat)))

    delta3 = (a3 - data) * sigmoid_prime(a3)
    if kind == "extra_1_over_m":
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None] / m) * sigmoid_prime(a2)  # BUG: extra_1_over_m
    elif kind == "missing_fprime":
        delta2 = W2.T @ delta3 * sigmoid_prime(a2) + sparsity_delta(rho, rho_hat, beta)[:, None]  # BUG: missing_fprime
    elif kind == "units_mean":
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[None, :]) * sigmoid_prime(a2)  # BUG: units_mean
    elif kind == "wrong_sign":
        delta2 = (W2.T @ delta3 - sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)  # BUG: wrong_sign
    elif kind == "forgot_beta":
        delta2 = (W2.T @ delta3 + kl_divergence_prime(rho, rho_hat)[:, None]) * sigmoid_prime(a2)  # BUG: forgot_beta
    elif kind == "swapped_denominators":
        delta2 = (W2.T @ delta3 + beta * (-rho / (1 - rho_hat) + (1 - rho) / rho_hat)[:, None]) * sigmoid_prime(a2)  # BUG: swapped_denominators
    else:
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)

    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    if kind == "bias_decay":
        b1grad = delta2.sum(axis=1) / m + lambda_ * b1  # BUG: bias_decay
        b2grad = delta3.sum(axis=1) / m + lambda_ * b2  # BUG: bias_decay
    elif kind == "W2_no_decay":
        W2grad = delta3 @ a2.T / m  # BUG: W2_no_decay
    elif kind == "b2_not_averaged":
        b2grad = delta3.sum(axis=1)  # BUG: b2_not_averaged
    return cost, pack_parameters(W1grad, W2grad, b1grad, b2grad)


def _code_part(line):
    """A source line without its trailing comment and indentation."""
    return line.split("  #")[0].strip()


def bug_lines(kind):
    """The source lines of :func:`buggy_sparse_autoencoder_cost` that plant ``kind``."""
    if kind not in PLANTED_BUGS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(PLANTED_BUGS)}.")
    src = _inspect.getsource(buggy_sparse_autoencoder_cost).splitlines()
    return [_code_part(line) for line in src if line.rstrip().endswith(f"# BUG: {kind}")]


def _library_line(target):
    """The line of sparse_autoencoder_cost assigning ``target`` (e.g. 'delta2'), or None."""
    for line in _inspect.getsource(sparse_autoencoder_cost).splitlines():
        if line.strip().startswith(f"{target} = "):
            return _code_part(line)
    return None


def show_bug(kind):
    """Print what ``kind`` gets wrong and its line(s) as a diff against the correct code.

    ``-`` is the line of :func:`sae_lib.sparse_autoencoder_cost`, ``+`` the buggy line, and
    the ``?`` line under it marks the characters that differ.
    """
    description, blocks = PLANTED_BUGS[kind] if kind in PLANTED_BUGS else (None, None)
    lines = bug_lines(kind)
    print(f"{kind}: {description} (corrupts the gradient of {' and '.join(blocks)})")
    for line in lines:
        target = line.split(" = ")[0]
        correct = _library_line(target)
        if correct is None:
            print("+ " + line)
        else:
            for d in _difflib.ndiff([correct + "\n"], [line + "\n"]):
                print(d, end="")


# --- Exercise checkers --------------------------------------------------------------------

def _delta2_case(seed, visible_size, hidden_size, m):
    rng = np.random.default_rng(seed)
    W2 = rng.normal(0, 0.5, size=(visible_size, hidden_size))
    delta3 = rng.normal(0, 0.1, size=(visible_size, m))
    a2 = rng.uniform(0.05, 0.95, size=(hidden_size, m))
    return W2, delta3, a2


def check_delta2(delta2):
    """Check ``delta2(W2, delta3, a2, rho, rho_hat, beta)``, the sparse backpropagation delta.

    Expected: ``(W2.T @ delta3 + beta * (-rho/rho_hat + (1-rho)/(1-rho_hat))[:, None])
    * a2 * (1 - a2)``, shape (hidden_size, m). Names the common mistakes: an extra 1/m, a
    missing f'(z2), a wrong sign, a forgotten beta, rho_hat averaged over units.
    """
    fb = Feedback("delta2")
    cases = [(3, 5, 3, 7, 0.05, 3.0), (4, 4, 6, 2, 0.2, 0.5)]
    for seed, v, h, m, rho, beta in cases:
        label = f"{h} hidden units, {v} inputs, m = {m}, rho = {rho:g}, beta = {beta:g}"
        W2, delta3, a2 = _delta2_case(seed, v, h, m)
        rho_hat = a2.mean(axis=1)
        args = [W2.copy(), delta3.copy(), a2.copy(), rho, rho_hat.copy(), beta]
        ok, value = call_learner(fb, delta2, *args)
        if not ok:
            break
        for name, given, orig in zip(("W2", "delta3", "a2", None, "rho_hat"), args,
                                     (W2, delta3, a2, None, rho_hat)):
            if name and not np.array_equal(given, orig):
                fb.fail(f"{label}: your function changed its {name} argument in place (e.g. "
                        f"with +=); later code still needs the original {name}")
        if fb.problems:
            break
        got = as_array(fb, value, label)
        if got is None:
            break
        fprime = a2 * (1 - a2)
        back = W2.T @ delta3
        s = (beta * kl_divergence_prime(rho, rho_hat))[:, None]
        expected = (back + s) * fprime
        s_units = (beta * kl_divergence_prime(rho, a2.mean(axis=0)))[None, :]
        sig_fprime = sigmoid(a2) * (1 - sigmoid(a2))
        candidates = [
            ((back + s / m) * fprime,
             f"an extra 1/m on the sparsity term (yours is m = {m} times too small there). "
             "The 1/m of rho_hat cancels the 1/m of the average cost: no m in delta2"),
            (back * fprime + s,
             "f'(z2) is missing on the sparsity term: multiply the whole sum "
             "(W2.T @ delta3 + sparsity term) by a2 * (1 - a2) -- check the parentheses"),
            (back + s,
             "f'(z2) is missing: delta2 = (W2.T @ delta3 + sparsity term) * a2 * (1 - a2)"),
            ((back - s) * fprime,
             "the sparsity term has the wrong sign: it is + beta * (-rho/rho_hat + "
             "(1-rho)/(1-rho_hat))"),
            ((back + s / beta) * fprime,
             f"the sparsity term is missing its factor beta (= {beta:g} here)"),
            ((back + s_units) * fprime,
             "rho_hat is averaged over the hidden units (axis=0): it must be each unit's "
             "average over the examples, a2.mean(axis=1) -- and here it is given to you as "
             "the argument rho_hat"),
            (back * fprime,
             "that is plain backpropagation's delta2: the sparsity term "
             "beta * (-rho/rho_hat + (1-rho)/(1-rho_hat)) is missing"),
            ((back + s) * sig_fprime,
             "f'(z2) is computed as if a2 were z2: with a2 = f(z2), f'(z2) = a2 * (1 - a2), "
             "not sigmoid(a2) * (1 - sigmoid(a2))"),
            (expected * m,
             f"the result is m = {m} times too large: no sum or 1/m belongs in delta2"),
        ]
        verdict = diagnose(fb, got, expected, candidates, label, rtol=1e-6)
        if verdict != "right":
            if verdict == "unknown":
                # Localise an unrecognised mistake: is the backpropagation part right?
                ok0, v0 = call_learner(fb, delta2, W2.copy(), delta3.copy(), a2.copy(), rho,
                                       rho_hat.copy(), 0.0)
                g0 = as_array(fb, v0, "with beta = 0") if ok0 else None
                if g0 is not None and same(g0, back * fprime, rtol=1e-6):
                    fb.fail("with beta = 0 your delta2 is right, so the mistake is in the "
                            "sparsity term")
                elif g0 is not None:
                    fb.fail("with beta = 0 your delta2 differs from plain backpropagation's "
                            "(W2.T @ delta3) * a2 * (1 - a2) too, so the mistake is (also) "
                            "outside the sparsity term")
            break
    return fb.report()


def check_duplicate_prediction(factor_correct, factor_extra_1_over_m):
    """Check the predictions: duplicating every example, by what factor does the sparsity
    part of the b1 gradient change -- in the correct code, and with the extra-1/m bug?

    Measures both factors on a small network and explains the answer.
    """
    fb = Feedback("duplicate-the-data prediction")
    rng = np.random.default_rng(7)
    v, h, m = 6, 4, 10
    data = rng.uniform(0.1, 0.9, size=(v, m))
    theta = rng.normal(0, 0.3, size=2 * v * h + v + h)
    twice = np.hstack([data, data])
    hv = 2 * v * h

    def sparsity_part_b1(cost_fn, x, **kw):
        on = cost_fn(theta, v, h, 0.0, 0.05, 3.0, x, **kw)[1]
        off = cost_fn(theta, v, h, 0.0, 0.05, 0.0, x, **kw)[1]
        return (on - off)[hv : hv + h]

    measured = {}
    for name, fn, kw in (("correct", sparse_autoencoder_cost, {}),
                         ("extra_1_over_m", buggy_sparse_autoencoder_cost,
                          {"kind": "extra_1_over_m"})):
        ratio = sparsity_part_b1(fn, twice, **kw) / sparsity_part_b1(fn, data, **kw)
        measured[name] = float(np.mean(ratio))
    for name, answer in (("correct", factor_correct),
                         ("extra_1_over_m", factor_extra_1_over_m)):
        what = ("factor_correct" if name == "correct" else "factor_extra_1_over_m")
        try:
            answer = float(answer)
        except (TypeError, ValueError):
            fb.fail(f"{what}: set it to a number (e.g. 2, 1 or 0.5), not {answer!r}")
            continue
        if not np.isfinite(answer):
            fb.fail(f"{what}: set it to a number (e.g. 2, 1 or 0.5), not {answer!r}")
        elif not np.isclose(answer, measured[name], rtol=1e-6):
            if name == "correct":
                fb.fail(f"{what}: you predicted {answer:g}, the measured factor is "
                        f"{measured[name]:.4g}. rho_hat is unchanged by duplication, so each "
                        "example's delta2 is unchanged, and the gradient averages them: "
                        "the sparsity pull does not depend on m")
            else:
                fb.fail(f"{what}: you predicted {answer:g}, the measured factor is "
                        f"{measured[name]:.4g}. With the bug each delta2 carries 1/m, and "
                        "m doubled")
    if not fb.problems:
        print(f"measured: correct code x{measured['correct']:.4g}, "
              f"extra-1/m bug x{measured['extra_1_over_m']:.4g}. The correct gradient is "
              "an average, so duplicating the data changes nothing; with the bug, the "
              "sparsity pressure would weaken as the data set grows.")
    return fb.report()


# --- Exercise 3: delta2 for an L1 penalty on the activations -----------------------------
#
# J_L1 = (1/m) sum_i 1/2 ||a3_i - x_i||^2 + lambda_/2 (||W1||_F^2 + ||W2||_F^2)
#        + beta (1/m) sum_i sum_j |a2_ji|
# For a sigmoid unit a2 > 0, so |a2| = a2 and d|a2|/da2 = sign(a2) = 1: the penalty adds
# beta to every entry of the bracket, delta2 = (W2^T delta3 + beta) * f'(z2).

def delta2_l1_reference(W2, delta3, a2, beta):
    """delta2 of the sigmoid autoencoder with the penalty beta (1/m) sum_i sum_j |a2_ji|.

    ``(W2.T @ delta3 + beta * sign(a2)) * a2 * (1 - a2)``, shape (hidden_size, m); for
    sigmoid activations sign(a2) = 1.
    """
    return (W2.T @ delta3 + beta * np.sign(a2)) * a2 * (1 - a2)


def l1_activation_cost(theta, visible_size, hidden_size, lambda_, beta, data):
    """Cost and gradient of the sigmoid autoencoder with an L1 penalty on the activations.

    ``J = (1/m) sum_i 1/2 ||a3_i - x_i||^2 + lambda_/2 (||W1||_F^2 + ||W2||_F^2)
    + beta (1/m) sum_i sum_j |a2_ji|``, data (visible_size, m). Returns ``(cost, grad)``
    with grad laid out like theta; delta2 is :func:`delta2_l1_reference`.
    """
    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    data = np.asarray(data, dtype=float)
    m = data.shape[1]
    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    cost = (0.5 * np.sum((a3 - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(np.abs(a2)) / m)
    delta3 = (a3 - data) * sigmoid_prime(a3)
    delta2 = delta2_l1_reference(W2, delta3, a2, beta)
    return cost, pack_parameters(delta2 @ data.T / m + lambda_ * W1,
                                 delta3 @ a2.T / m + lambda_ * W2,
                                 delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)


def check_delta2_l1(delta2_l1):
    """Check ``delta2_l1(W2, delta3, a2, beta)``: delta2 with an L1 penalty on activations.

    The penalty is ``beta (1/m) sum_i sum_j |a2_ji|`` in place of the KL term; expected
    ``(W2.T @ delta3 + beta * sign(a2)) * a2 * (1 - a2)`` -- for sigmoid units sign(a2) =
    1. Names the mistakes: an extra 1/m, f'(z2) missing (on the penalty or everywhere), a
    wrong sign, beta missing, the penalty (or a squared penalty's derivative) in place of
    |a|'s derivative, a derivative that depends on rho_hat, f'(z2) computed from a2 as if
    it were z2.
    """
    fb = Feedback("delta2_l1")
    cases = [(5, 6, 4, 9, 0.7), (6, 3, 5, 4, 2.5)]
    for seed, v, h, m, beta in cases:
        label = f"{h} hidden units, {v} inputs, m = {m}, beta = {beta:g}"
        W2, delta3, a2 = _delta2_case(seed, v, h, m)
        args = [W2.copy(), delta3.copy(), a2.copy(), beta]
        ok, value = call_learner(fb, delta2_l1, *args)
        if not ok:
            break
        for name, given, orig in zip(("W2", "delta3", "a2"), args, (W2, delta3, a2)):
            if not np.array_equal(given, orig):
                fb.fail(f"{label}: your function changed its {name} argument in place (e.g. "
                        f"with +=); later code still needs the original {name}")
        if fb.problems:
            break
        got = as_array(fb, value, label)
        if got is None:
            break
        fprime = a2 * (1 - a2)
        back = W2.T @ delta3
        expected = delta2_l1_reference(W2, delta3, a2, beta)
        rho_hat = a2.mean(axis=1, keepdims=True)
        candidates = [
            ((back + beta / m) * fprime,
             f"an extra 1/m on the penalty term (yours is m = {m} times too small there). "
             "The penalty is an average over the examples like the reconstruction error; "
             "its 1/m is the one the gradient formulas apply, so delta2 has no m"),
            (back * fprime + beta,
             "f'(z2) is missing on the penalty term: the penalty reaches z2 through the "
             "same sigmoid -- multiply the whole bracket (W2.T @ delta3 + beta) by "
             "a2 * (1 - a2)"),
            (back + beta,
             "f'(z2) is missing: delta2 = (W2.T @ delta3 + beta) * a2 * (1 - a2)"),
            ((back - beta) * fprime,
             "the penalty term has the wrong sign: a larger activation costs more, so its "
             "derivative +beta is added"),
            ((back + 1.0) * fprime if beta != 1 else None,
             f"the factor beta (= {beta:g} here) is missing from the penalty term"),
            ((back + beta * a2) * fprime,
             "beta * a2 is the penalty beta * |a| itself (a2 > 0), or the derivative of a "
             "squared penalty (beta/2) a^2; the derivative of |a| is sign(a), which is 1 "
             "for a sigmoid's a2 > 0"),
            ((back + beta * rho_hat) * fprime,
             "your penalty term depends on rho_hat (beta * rho_hat); the derivative of "
             "beta * |a| with respect to a is beta * sign(a) = beta, the same for every "
             "example and every activation"),
            (back * fprime,
             "that is plain backpropagation's delta2: the penalty's term beta is missing"),
            ((back + beta) * sigmoid(a2) * (1 - sigmoid(a2)),
             "f'(z2) is computed as if a2 were z2: with a2 = f(z2), f'(z2) = a2 * (1 - a2), "
             "not sigmoid(a2) * (1 - sigmoid(a2))"),
            ((back + beta / h) * fprime,
             f"the penalty term is divided by the number of hidden units (h = {h}); each "
             "unit's |a| enters the penalty with weight beta"),
            (expected * m,
             f"the result is m = {m} times too large: no sum or 1/m belongs in delta2"),
        ]
        verdict = diagnose(fb, got, expected, candidates, label, rtol=1e-6)
        if verdict != "right":
            if verdict == "unknown":
                ok0, v0 = call_learner(fb, delta2_l1, W2.copy(), delta3.copy(), a2.copy(), 0.0)
                g0 = as_array(fb, v0, "with beta = 0") if ok0 else None
                if g0 is not None and same(g0, back * fprime, rtol=1e-6):
                    fb.fail("with beta = 0 your delta2 is right, so the mistake is in the "
                            "penalty term")
                elif g0 is not None:
                    fb.fail("with beta = 0 your delta2 differs from plain backpropagation's "
                            "(W2.T @ delta3) * a2 * (1 - a2) too, so the mistake is (also) "
                            "outside the penalty term")
            break
    return fb.report()


def _delta2_of_example_1(penalty, x, W1, b1, W2, b2, beta, epsilon=1e-4):
    """m * dJ/dz2 for the first example of x, by central differences (no formula)."""
    m = x.shape[1]
    z2 = W1 @ x + b1[:, None]

    def J(z):
        a2 = sigmoid(z)
        a3 = sigmoid(W2 @ a2 + b2[:, None])
        if penalty == "L1":
            pen = beta * np.sum(np.abs(a2)) / m
        else:
            pen = beta * np.sum(kl_divergence(0.05, a2.mean(axis=1)))
        return 0.5 * np.sum((a3 - x) ** 2) / m + pen

    out = np.empty(z2.shape[0])
    for j in range(z2.shape[0]):
        plus, minus = z2.copy(), z2.copy()
        plus[j, 0] += epsilon
        minus[j, 0] -= epsilon
        out[j] = m * (J(plus) - J(minus)) / (2 * epsilon)
    return out


def measure_coupling(penalty, seed=3):
    """How far delta2 of example 1 moves when the last example is replaced by its negative.

    ``penalty`` is 'L1' (beta (1/m) sum |a2|) or 'KL' (beta sum_j KL(0.05 || rho_hat_j)),
    beta = 3, on a small random network; the delta2 are measured by finite differences, as
    in notebook 03's Step 2. Returns the largest change of an entry.
    """
    rng = np.random.default_rng(seed)
    v, h, m = 6, 3, 5
    W1, W2 = rng.normal(0, 0.5, (h, v)), rng.normal(0, 0.5, (v, h))
    b1, b2 = rng.uniform(-0.5, 0.5, h), rng.uniform(-0.5, 0.5, v)
    x = rng.uniform(0.1, 0.9, (v, m))
    changed = x.copy()
    changed[:, -1] = 1.0 - x[:, -1]
    before = _delta2_of_example_1(penalty, x, W1, b1, W2, b2, 3.0)
    after = _delta2_of_example_1(penalty, changed, W1, b1, W2, b2, 3.0)
    return float(np.max(np.abs(after - before)))


def check_l1_coupling(l1_couples_examples):
    """Check the answer: does the L1 penalty on activations couple the examples?

    Measures (:func:`measure_coupling`) how far example 1's delta2 moves when another
    example changes, for the L1 penalty and for KL, and explains: beta (1/m) sum_i sum_j
    |a2_ji| is a sum of per-example terms -- for sigmoid units it is beta sum_j rho_hat_j,
    linear in rho_hat -- so its derivative does not depend on the other examples.
    """
    fb = Feedback("does the L1 penalty couple the examples?")
    if not isinstance(l1_couples_examples, (bool, np.bool_)):
        fb.fail(f"set l1_couples_examples to True or False, not {l1_couples_examples!r}")
        return fb.report()
    moved_l1, moved_kl = measure_coupling("L1"), measure_coupling("KL")
    couples = moved_l1 > 1e-6
    measured = (f"replacing the last example moves example 1's delta2 by "
                f"{'less than 1e-6' if moved_l1 <= 1e-6 else f'{moved_l1:.2g}'} with the L1 "
                f"penalty and by {moved_kl:.2g} with KL")
    if bool(l1_couples_examples) != couples:
        fb.fail(f"measured: {measured}. The L1 penalty beta (1/m) sum_i sum_j |a_j(x_i)| is "
                "a sum of one term per example, and its derivative beta * sign(a) involves "
                "that example alone. (For sigmoid units the penalty equals beta sum_j "
                "rho_hat_j: it is linear in rho_hat, so its derivative does not depend on "
                "rho_hat. KL couples the examples because its derivative does.)")
    else:
        print(f"measured: {measured}.")
    return fb.report()
