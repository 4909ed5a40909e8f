"""Checkers of notebook 02 (sparsity and the KL penalty): rho_hat, KL(rho || rho_hat), its
first derivative (kept for the library's users; notebook 02's Exercise 3 now asks for the
second, which proves KL >= 0), and the unit that meets the target without firing (a hidden
layer constant at rho; the spread ratio Var / (rho_hat (1 - rho_hat))).
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
                      "takes a single number (so do math.pow, math.exp and the other "
                      "functions of the math module: use numpy's, or ** for powers)")


def _math_hint(fb):
    if fb.problems and ("only length-1 arrays" in fb.problems[-1]
                        or "only 0-dimensional" in fb.problems[-1]
                        or "must be real number" in fb.problems[-1]):
        fb.fail(_N02_MATH_LOG_HINT)



def _learners_value(fb, fn, rho, rho_hat, what):
    """Call the learner's ``fn(rho, rho_hat)`` on a copy of rho_hat; its result as a finite
    array, or None when it raised (with the math hint), changed rho_hat in place, or
    returned something unusable -- each recorded in ``fb``."""
    arg = np.copy(rho_hat) if isinstance(rho_hat, np.ndarray) else rho_hat
    ok, value = call_learner(fb, fn, rho, arg)
    if not ok:
        _math_hint(fb)
        return None
    if isinstance(rho_hat, np.ndarray) and not unchanged(fb, (rho_hat,), (arg,),
                                                           ("rho_hat",), what):
        return None
    return as_array(fb, value, what, finite=True)

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
        got = _learners_value(fb, kl_divergence, rho, rho_hat, what)
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
        got = _learners_value(fb, kl_divergence_prime, rho, rho_hat, what)
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


# --- Exercise 3: the second derivative (and so KL >= 0) ------------------------------------
def _kl_second(rho, rho_hat):
    return rho / rho_hat ** 2 + (1 - rho) / (1 - rho_hat) ** 2


def check_kl_divergence_second(kl_divergence_second):
    """Check ``kl_divergence_second(rho, rho_hat)`` = rho/rho_hat^2 + (1-rho)/(1-rho_hat)^2.

    The second derivative of KL(rho || rho_hat) with respect to rho_hat, elementwise (the
    shape of ``rho_hat``). Names the common mistakes: a wrong sign on either term or on
    both, denominators not squared, the first derivative or KL itself returned, one term
    missing, rho and rho_hat swapped, the curvature at the target 1/(rho(1-rho)) returned
    for every rho_hat (which is also the second derivative with respect to rho), and
    1/(rho_hat(1-rho_hat)).
    """
    fb = Feedback("kl_divergence_second")
    # The target comes second: there KL and its slope are both 0, so the first case tells
    # those two mistakes apart.
    cases = [("rho = 0.2, rho_hat = 0.05", 0.2, 0.05),
             ("at the target, rho_hat = rho = 0.1", 0.1, 0.1),
             ("rho = 0.05, rho_hat = [0.01, 0.05, 0.2, 0.5, 0.9] (a vector: one value per "
              "unit)", 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.9])),
             ("rho = 0.3, rho_hat = 0.8", 0.3, 0.8)]
    for what, rho, rho_hat in cases:
        got = _learners_value(fb, kl_divergence_second, rho, rho_hat, what)
        if got is None:
            break
        expected = _kl_second(rho, rho_hat)
        first = rho / rho_hat ** 2
        second = (1 - rho) / (1 - rho_hat) ** 2
        candidates = [
            (-expected, "the sign is flipped: the second derivative is positive everywhere "
                        "(the slope -rho/rho_hat + (1-rho)/(1-rho_hat) only ever increases)"),
            (-first + second, "the first term has the wrong sign: d/d(rho_hat) of "
                              "-rho/rho_hat is +rho/rho_hat^2"),
            (first - second, "the second term has the wrong sign: d/d(rho_hat) of "
                             "(1-rho)/(1-rho_hat) is +(1-rho)/(1-rho_hat)^2 (the -1 of "
                             "d/du (1/u) meets the -1 of the chain rule through u = 1-rho_hat)"),
            (rho / rho_hat + (1 - rho) / (1 - rho_hat),
             "the denominators are not squared: d/dx (1/x) = -1/x^2"),
            (_kl_prime(rho, rho_hat), "that is the first derivative (section 6); "
                                      "differentiate it once more"),
            (_kl(rho, rho_hat), "that is KL itself; return its second derivative"),
            (first, "only the first term; + (1-rho)/(1-rho_hat)^2 is missing"),
            (second, "only the second term; + rho/rho_hat^2 is missing"),
            (rho_hat / rho ** 2 + (1 - rho_hat) / (1 - rho) ** 2,
             "rho and rho_hat are swapped: the target rho is in the numerators"),
            (np.full(np.shape(rho_hat), 1 / (rho * (1 - rho))) if np.ndim(rho_hat)
             else 1 / (rho * (1 - rho)),
             "that is 1/(rho(1-rho)) for every rho_hat: the curvature at the target only "
             "(and the second derivative with respect to rho, the target). The second "
             "derivative with respect to rho_hat changes with rho_hat"),
            (1 / (rho_hat * (1 - rho_hat)),
             "that is 1/(rho_hat(1-rho_hat)), the curvature at the target with rho_hat put "
             "in for rho; it agrees with the second derivative only at rho_hat = rho"),
        ]
        if isinstance(rho_hat, np.ndarray):
            candidates.append((expected.sum(), "you returned one number, the sum over the "
                                               "units; return one value per entry of rho_hat"))
        if diagnose(fb, got, expected, candidates, what) != "right":
            break
    return fb.report()


# --- Exercise 4: the unit that meets the target and never fires ----------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def check_constant_hidden_layer(constant_hidden_layer):
    """Check ``constant_hidden_layer(visible_size, hidden_size, rho)`` -> ``(W1, b1)``.

    Every hidden unit must output exactly ``rho`` for every input: W1 = 0 (nothing of x
    reaches the units), shape (hidden_size, visible_size), and b1 = log(rho / (1 - rho))
    (the inverse of the sigmoid), shape (hidden_size,). Tested on random inputs and on
    all-zero and all-one inputs. Names the common mistakes: b1 = rho (the sigmoid not
    inverted), the logit with its sign flipped, b1 = log(rho), b1 = 0, nonzero weights,
    transposed or missing shapes, a single number for b1.
    """
    fb = Feedback("constant_hidden_layer")
    rng = np.random.default_rng(47)
    cases = [(6, 4, 0.05, "6 inputs, 4 hidden units, rho = 0.05"),
             (10, 3, 0.2, "10 inputs, 3 hidden units, rho = 0.2"),
             (5, 2, 0.01, "5 inputs, 2 hidden units, rho = 0.01")]
    for n, h, rho, what in cases:
        ok, value = call_learner(fb, constant_hidden_layer, n, h, rho)
        if not ok:
            break
        if not (isinstance(value, (tuple, list)) and len(value) == 2):
            fb.fail(f"{what}: return the pair (W1, b1), e.g. `return W1, b1`; yours returned "
                    f"{type(value).__name__}")
            break
        W1 = as_array(fb, value[0], f"{what}, W1", finite=True)
        b1 = as_array(fb, value[1], f"{what}, b1", finite=True)
        if W1 is None or b1 is None:
            break
        if W1.shape != (h, n):
            hint = (" (transposed: W1 has one row per hidden unit)" if W1.shape == (n, h)
                    else "")
            fb.fail(f"{what}: W1 must have shape (hidden_size, visible_size) = {(h, n)}, "
                    f"yours has {W1.shape}{hint}")
            break
        if b1.shape != (h,):
            if b1.size == 1:
                fb.fail(f"{what}: b1 is a single number; the network adds one bias per "
                        f"hidden unit, b1[:, None], so return a vector of shape ({h},), "
                        "e.g. np.full(hidden_size, value)")
            elif b1.shape == (h, 1):
                fb.fail(f"{what}: b1 has shape ({h}, 1); return a plain vector of shape "
                        f"({h},)")
            else:
                fb.fail(f"{what}: b1 must have shape ({h},), yours has {b1.shape}")
            break
        X = np.concatenate([rng.uniform(0.1, 0.9, size=(n, 7)), np.zeros((n, 1)),
                            np.ones((n, 1))], axis=1)
        a2 = _sigmoid(W1 @ X + b1[:, None])
        spread = a2.max(axis=1) - a2.min(axis=1)
        if np.any(spread > 1e-12):
            j = int(np.argmax(spread))
            fb.fail(f"{what}: the units' outputs change with the input -- unit {j} gives "
                    f"values from {a2[j].min():.3g} to {a2[j].max():.3g} on nine inputs. "
                    "For a unit that outputs the same number whatever x is, nothing of x may "
                    "reach it: W1 = 0")
            break
        out = a2[:, 0]
        if np.allclose(out, rho, rtol=1e-9, atol=1e-12):
            continue
        named = [
            (_sigmoid(rho), f"b1 = rho makes the units output f(rho) = {_sigmoid(rho):.3g}, "
                            "not rho: b1 must be the number the sigmoid maps to rho, its "
                            "inverse f^-1(rho) = log(rho / (1 - rho))"),
            (1 - rho, "the units output 1 - rho: the sign of the logit is flipped; "
                      "f^-1(rho) = log(rho / (1 - rho)), not log((1 - rho) / rho)"),
            (rho / (1 + rho), f"b1 = log(rho) makes the units output rho / (1 + rho) = "
                              f"{rho / (1 + rho):.3g}: the inverse of the sigmoid is "
                              "log(rho / (1 - rho))"),
            (0.5, "b1 = 0 makes every unit output f(0) = 0.5; set b1 = log(rho / (1 - rho))"),
        ]
        for target, message in named:
            if np.allclose(out, target, rtol=1e-9, atol=1e-12):
                fb.fail(f"{what}: {message}")
                break
        else:
            j = int(np.argmax(np.abs(out - rho)))
            fb.fail(f"{what}: the units are constant, but unit {j} outputs {out[j]:.6g} "
                    f"instead of rho = {rho}; choose b1 so that f(b1) = rho")
        break
    return fb.report()


def _spread_ratio(a2):
    """Var_j / (rho_hat_j (1 - rho_hat_j)) for each hidden unit (row) of ``a2``."""
    rho_hat = a2.mean(axis=1)
    return a2.var(axis=1) / (rho_hat * (1 - rho_hat))


def check_spread_ratio(spread_ratio):
    """Check ``spread_ratio(a2)``: for each hidden unit j, the variance of its activations
    over the examples divided by rho_hat_j (1 - rho_hat_j), the largest variance a
    quantity in [0, 1] with that average can have.

    ``a2`` has shape (hidden_size, m); the result has shape (hidden_size,): 0 for a unit
    that outputs the same value for every example, 1 for a unit that is only ever 0 or 1.
    Names the common mistakes: the ratio per example (axis 0), the standard deviation or
    the square root of the ratio, the sample variance (ddof=1), the mean of a^2 without
    subtracting rho_hat^2, 1 minus the ratio, a denominator of rho_hat alone, the target
    rho = 0.05 instead of each unit's rho_hat, one rho_hat for all units, the variance
    alone, a column instead of a vector.
    """
    fb = Feedback("spread_ratio")
    rng = np.random.default_rng(53)
    on_off = np.array([0., 1., 0., 0., 1., 0., 0., 0.])            # on for 2 of 8 examples
    cases = [("three units over m = 8 examples: on/off, constant, in between",
              np.stack([on_off, np.full(8, 0.25), rng.uniform(0.05, 0.6, size=8)])),
             ("a2 of shape (4, 4): 4 hidden units, m = 4 examples",
              rng.uniform(0.0, 1.0, size=(4, 4)) * np.array([0.2, 0.5, 0.8, 1.0])[:, None]),
             ("a2 of shape (2, 10)", rng.uniform(0.01, 0.3, size=(2, 10)))]
    for what, a2 in cases:
        arg = a2.copy()
        ok, value = call_learner(fb, spread_ratio, arg)
        if not ok or not unchanged(fb, (a2,), (arg,), ("a2",), what):
            break
        got = as_array(fb, value, what)
        if got is None:
            break
        h, m = a2.shape
        expected = _spread_ratio(a2)
        rho_hat = a2.mean(axis=1)
        var = a2.var(axis=1)
        ratio = expected
        per_example = a2.var(axis=0) / (a2.mean(axis=0) * (1 - a2.mean(axis=0)))
        candidates = [
            (per_example, "you computed it per example (axis=0); the ratio belongs to each "
                          f"hidden unit: statistics of its row over the m = {m} examples, "
                          "axis=1"),
            (a2.std(axis=1) / (rho_hat * (1 - rho_hat)),
             "you divided the standard deviation by rho_hat(1 - rho_hat); the bound is on "
             "the variance: a2.var(axis=1)"),
            (np.sqrt(ratio), "that is the square root of the ratio (standard deviation over "
                             "sqrt(rho_hat(1 - rho_hat))); return the ratio of variances"),
            (a2.var(axis=1, ddof=1) / (rho_hat * (1 - rho_hat)),
             f"you used the sample variance (ddof=1, dividing by m - 1 = {m - 1}); the bound "
             "Var <= rho_hat(1 - rho_hat) holds for the average of the squared deviations, "
             "dividing by m (np.var's default) -- with m - 1 an on/off unit would score "
             "m/(m-1), more than 1"),
            ((a2 ** 2).mean(axis=1) / (rho_hat * (1 - rho_hat)),
             "you used the mean of a^2 without subtracting rho_hat^2: the variance is "
             "mean(a^2) - rho_hat^2"),
            (1 - ratio, "you returned 1 minus the ratio: a constant unit must score 0 and an "
                        "on/off unit 1"),
            (var / rho_hat, "divide by rho_hat (1 - rho_hat), not by rho_hat alone"),
            (var / (0.05 * 0.95), "you divided by rho(1 - rho) with the target rho = 0.05; "
                                  "the bound uses each unit's own average, rho_hat_j"),
            (var / (a2.mean() * (1 - a2.mean())),
             "you used one average for all units (a2.mean()); each unit has its own "
             "rho_hat_j = a2.mean(axis=1)"),
            (var, "that is the variance itself; divide it by rho_hat (1 - rho_hat)"),
            (ratio[:, None], f"shape ({h}, 1): return a plain vector of shape ({h},)"),
        ]
        if diagnose(fb, got, expected, candidates, what) != "right":
            break
    return fb.report()


__all__ += ["check_constant_hidden_layer", "check_kl_divergence_second",
            "check_spread_ratio"]
