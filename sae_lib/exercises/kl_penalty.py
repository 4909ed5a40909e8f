"""Checkers of notebook 02 (sparsity and the KL penalty): rho_hat, KL(rho || rho_hat) and
its derivative.
"""

from __future__ import annotations

import numpy as np

from .feedback import Feedback, as_array, call_learner, diagnose, unchanged

__all__ = [
    "check_rho_hat",
    "check_kl_divergence",
    "check_kl_divergence_prime",
]


def check_rho_hat(rho_hat):
    """Check ``rho_hat(a2)``: each hidden unit's average activation over the examples.

    ``a2`` has shape (hidden_size, m): one row per hidden unit, one column per example.
    The answer is ``a2.mean(axis=1)``, shape (hidden_size,). Names the common mistakes:
    averaging over the units instead of the examples (axis error), a sum instead of an
    average, one number for all units, a column instead of a vector.
    """
    fb = Feedback("rho_hat")
    rng = np.random.default_rng(31)
    cases = [("a2 of shape (3, 8): 3 hidden units, m = 8 examples",
              rng.uniform(0.0, 1.0, size=(3, 8))),
             ("a2 of shape (4, 4): 4 hidden units, m = 4 examples",
              rng.uniform(0.0, 1.0, size=(4, 4)) * np.array([0.1, 0.4, 0.7, 1.0])[:, None]),
             ("one hidden unit, a2 of shape (1, 5)", np.array([[0.1, 0.2, 0.9, 0.4, 0.0]]))]
    for what, a2 in cases:
        arg = a2.copy()
        ok, value = call_learner(fb, rho_hat, arg)
        if not ok or not unchanged(fb, (a2,), (arg,), ("a2",), what):
            break
        got = as_array(fb, value, what, finite=True)
        if got is None:
            break
        h, m = a2.shape
        expected = a2.mean(axis=1)
        axis_message = (f"you averaged over the hidden units (axis=0) instead of over the "
                        f"examples: rho_hat has one entry per hidden unit ({h} here), each "
                        f"the average of that unit's row over the m = {m} examples -- "
                        "a2.mean(axis=1)")
        candidates = [
            (a2.mean(axis=0), axis_message),
            (a2.sum(axis=0), axis_message + " (and divide by m)"),
            (a2.sum(axis=1), f"m = {m} times too large: you summed each unit's activations; "
                             "divide by m to average"),
            (a2.sum(axis=1) / h, f"you divided each unit's sum by the number of hidden units "
                                 f"({h}) instead of the number of examples (m = {m})"),
            (a2.mean(axis=1, keepdims=True), f"shape ({h}, 1): return a plain vector of "
                                             f"shape ({h},) (drop keepdims)"),
            (a2.mean(), "you returned one number, the mean over all units and examples; "
                        f"rho_hat has one value per hidden unit, shape ({h},)"),
        ]
        if diagnose(fb, got, expected, candidates, what) != "right":
            break
    return fb.report()


def _kl(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def _kl_prime(rho, rho_hat):
    return -rho / rho_hat + (1 - rho) / (1 - rho_hat)


_N02_MATH_LOG_HINT = ("use np.log, which works on whole arrays elementwise; math.log "
                      "takes a single number")


def _math_hint(fb):
    if fb.problems and ("only length-1 arrays" in fb.problems[-1]
                        or "only 0-dimensional" in fb.problems[-1]
                        or "must be real number" in fb.problems[-1]):
        fb.fail(_N02_MATH_LOG_HINT)


def check_kl_divergence(kl_divergence):
    """Check ``kl_divergence(rho, rho_hat)`` = rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat)).

    ``rho`` is the target (a number), ``rho_hat`` a number or an array (one value per
    hidden unit); the result has the shape of ``rho_hat`` (elementwise, no sum). Names the
    common mistakes: a nonzero value at rho_hat = rho, the arguments swapped -- KL(rho_hat
    || rho) --, a flipped sign, a missing or mis-signed second term, log base 10 or 2, a
    sum over the units, the L1 or squared penalty.
    """
    fb = Feedback("kl_divergence")
    cases = [("at rho_hat = rho = 0.2", 0.2, 0.2),
             ("rho = 0.2, rho_hat = 0.05", 0.2, 0.05),
             ("rho = 0.05, rho_hat = [0.01, 0.05, 0.2, 0.5, 0.9] (a vector: one value per "
              "unit)", 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.9])),
             ("rho = 0.3, rho_hat = 0.8", 0.3, 0.8)]
    for what, rho, rho_hat in cases:
        arg = np.copy(rho_hat) if isinstance(rho_hat, np.ndarray) else rho_hat
        ok, value = call_learner(fb, kl_divergence, rho, arg)
        if not ok:
            _math_hint(fb)
            break
        if isinstance(rho_hat, np.ndarray) and not unchanged(fb, (rho_hat,), (arg,),
                                                                   ("rho_hat",), what):
            break
        got = as_array(fb, value, what, finite=True)
        if got is None:
            break
        expected = _kl(rho, rho_hat)
        if what.startswith("at rho_hat = rho"):
            if got.size == 1 and abs(float(got.ravel()[0])) > 1e-12:
                fb.fail(f"at rho_hat = rho the penalty must be 0 (a unit exactly on target "
                        f"pays nothing), yours is {float(got.ravel()[0]):.4g}")
                continue  # the next cases name the mistake
            if diagnose(fb, got, expected, [], what) == "right":
                continue
            break
        first = rho * np.log(rho / rho_hat)
        second = (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
        swapped = _kl(rho_hat, rho)
        candidates = [
            (swapped, "you computed KL(rho_hat || rho): the arguments are swapped. The target "
                      "rho weighs the logarithms and sits in the numerators: "
                      "rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat))"),
            (-expected, "the sign is flipped (a KL divergence is never negative): it is "
                        "log(rho/rho_hat), not log(rho_hat/rho), and the same in the "
                        "second term"),
            (-swapped, "the arguments are swapped and the sign is flipped: write "
                       "rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat))"),
            (first, "only the first term: (1-rho) log((1-rho)/(1-rho_hat)) is missing. KL "
                    "between two Bernoulli distributions sums over both outcomes, "
                    "active (probability rho) and inactive (1-rho)"),
            (second, "only the second term: rho log(rho/rho_hat) is missing"),
            (first - second, "the second term has the wrong sign: both terms are added"),
            (first + np.log((1 - rho) / (1 - rho_hat)), "the second logarithm lacks its "
                                                        "weight (1-rho)"),
            (np.log(rho / rho_hat) + second, "the first logarithm lacks its weight rho"),
            (expected / np.log(10), "you used log base 10 (np.log10); the penalty uses the "
                                    "natural logarithm, np.log"),
            (expected / np.log(2), "you used log base 2 (np.log2); the penalty uses the "
                                   "natural logarithm, np.log"),
            (np.abs(rho - rho_hat), "that is the L1 penalty |rho - rho_hat|, not KL"),
            ((rho - rho_hat) ** 2, "that is the squared penalty (rho - rho_hat)^2, not KL"),
        ]
        if isinstance(rho_hat, np.ndarray):
            candidates.append((expected.sum(), "you returned one number, the sum over the "
                                               "units; return one value per entry of rho_hat "
                                               "(the sum over j belongs to the cost)"))
            candidates.append((expected.mean(), "you returned one number, the mean over the "
                                                "units; return one value per entry of "
                                                "rho_hat"))
        if diagnose(fb, got, expected, candidates, what) != "right":
            break
    return fb.report()


def check_kl_divergence_prime(kl_divergence_prime):
    """Check ``kl_divergence_prime(rho, rho_hat)`` = -rho/rho_hat + (1-rho)/(1-rho_hat).

    The derivative of KL(rho || rho_hat) with respect to rho_hat, elementwise (shape of
    ``rho_hat``). Besides the formula, each case is compared with a central finite
    difference of KL, so the message can say what the slope really is. Names the common
    mistakes: a flipped sign, swapped denominators, a missing term, the derivative with
    respect to rho instead, squared denominators, KL itself instead of its slope.
    """
    fb = Feedback("kl_divergence_prime")
    cases = [("at rho_hat = rho = 0.2", 0.2, 0.2),
             ("rho = 0.2, rho_hat = 0.05", 0.2, 0.05),
             ("rho = 0.05, rho_hat = [0.01, 0.05, 0.2, 0.5, 0.9] (a vector: one value per "
              "unit)", 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.9])),
             ("rho = 0.3, rho_hat = 0.8", 0.3, 0.8)]
    eps = 1e-6
    for what, rho, rho_hat in cases:
        arg = np.copy(rho_hat) if isinstance(rho_hat, np.ndarray) else rho_hat
        ok, value = call_learner(fb, kl_divergence_prime, rho, arg)
        if not ok:
            _math_hint(fb)
            break
        if isinstance(rho_hat, np.ndarray) and not unchanged(fb, (rho_hat,), (arg,),
                                                                   ("rho_hat",), what):
            break
        got = as_array(fb, value, what, finite=True)
        if got is None:
            break
        expected = _kl_prime(rho, rho_hat)
        if what.startswith("at rho_hat = rho"):
            if got.size == 1 and abs(float(got.ravel()[0])) > 1e-12:
                fb.fail(f"at rho_hat = rho the slope must be 0 (the penalty is at its "
                        f"minimum there), yours is {float(got.ravel()[0]):.4g}")
                continue
            if diagnose(fb, got, expected, [], what) == "right":
                continue
            break
        candidates = [
            (-expected, "the sign is flipped: the slope is negative below the target (raising "
                        "rho_hat lowers the penalty) -- it is -rho/rho_hat + "
                        "(1-rho)/(1-rho_hat)"),
            (-rho / (1 - rho_hat) + (1 - rho) / rho_hat,
             "the denominators are swapped: -rho/rho_hat + (1-rho)/(1-rho_hat)"),
            (-rho_hat / rho + (1 - rho_hat) / (1 - rho),
             "rho and rho_hat are swapped: the target rho is in the numerators"),
            (-rho / rho_hat, "only the first term; + (1-rho)/(1-rho_hat), the derivative of "
                             "the second logarithm, is missing"),
            ((1 - rho) / (1 - rho_hat), "only the second term; -rho/rho_hat, the derivative "
                                        "of the first logarithm, is missing"),
            (-rho / rho_hat - (1 - rho) / (1 - rho_hat),
             "the second term has the wrong sign: d/d(rho_hat) of -(1-rho) log(1-rho_hat) is "
             "+(1-rho)/(1-rho_hat) (the chain rule gives a factor -1 from 1-rho_hat)"),
            (-rho / rho_hat ** 2 + (1 - rho) / (1 - rho_hat) ** 2,
             "the denominators are squared: d/dx log(x) = 1/x, so -rho/rho_hat + "
             "(1-rho)/(1-rho_hat)"),
            (np.log(rho / rho_hat) - np.log((1 - rho) / (1 - rho_hat)),
             "that is the derivative with respect to rho, the target; backpropagation needs "
             "the derivative with respect to rho_hat"),
            (_kl(rho, rho_hat), "that is KL itself; return its derivative with respect "
                                    "to rho_hat"),
        ]
        if isinstance(rho_hat, np.ndarray):
            candidates.append((expected.sum(), "you returned one number, the sum over the "
                                               "units; return one value per entry of rho_hat"))
        if diagnose(fb, got, expected, candidates, what) != "right":
            numeric = (_kl(rho, rho_hat + eps) - _kl(rho, rho_hat - eps)) / (2 * eps)
            if np.ndim(numeric) == 0:
                fb.fail(f"{what}: the finite difference (KL(rho, rho_hat + e) - "
                        f"KL(rho, rho_hat - e)) / 2e with e = 1e-6 gives {float(numeric):.6g}")
            break
    return fb.report()
