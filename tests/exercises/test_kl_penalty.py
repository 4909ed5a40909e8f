"""Notebook 02's section of sae_lib.exercises: rho_hat, kl_divergence, kl_divergence_prime.

Each checker passes a correct function (several correct ways of writing it), reports an
unwritten one without raising, and names each planted mistake with its own message.
"""

import math

import numpy as np
import pytest

from sae_lib import kl_divergence as library_kl
from sae_lib import kl_divergence_prime as library_kl_prime
from sae_lib.exercises import (
    check_constant_hidden_layer,
    check_kl_divergence,
    check_kl_divergence_prime,
    check_kl_divergence_second,
    check_rho_hat,
    check_spread_ratio,
)


def run(checker, fn, capsys):
    result = checker(fn)
    return result, capsys.readouterr().out


def not_implemented(*args):
    raise NotImplementedError


# --- rho_hat -------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda a2: a2.mean(axis=1),
    lambda a2: np.sum(a2, axis=1) / a2.shape[1],
    lambda a2: np.array([row.mean() for row in a2]),
], ids=["mean", "sum_over_m", "loop"])
def test_rho_hat_correct(fn, capsys):
    ok, out = run(check_rho_hat, fn, capsys)
    assert ok is True and "✓ rho_hat: all checks passed" in out


def test_rho_hat_stub(capsys):
    ok, out = run(check_rho_hat, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


RHO_HAT_BUGS = {
    "axis0": (lambda a2: a2.mean(axis=0),
              "you averaged over the hidden units (axis=0) instead of over the examples"),
    "sum_axis0": (lambda a2: a2.sum(axis=0), "(and divide by m)"),
    "sum": (lambda a2: a2.sum(axis=1), "m = 8 times too large"),
    "divide_by_units": (lambda a2: a2.sum(axis=1) / a2.shape[0],
                        "divided each unit's sum by the number of hidden units (3)"),
    "keepdims": (lambda a2: a2.mean(axis=1, keepdims=True), "shape (3, 1)"),
    "scalar": (lambda a2: a2.mean(), "you returned one number, the mean over all units"),
    "none": (lambda a2: None, "returned None"),
}


@pytest.mark.parametrize("kind", list(RHO_HAT_BUGS))
def test_rho_hat_bugs_named(kind, capsys):
    fn, message = RHO_HAT_BUGS[kind]
    ok, out = run(check_rho_hat, fn, capsys)
    assert ok is False
    assert message in out, out


def test_rho_hat_axis_error_named_even_when_shapes_agree(capsys):
    # a2.mean(axis=0) has the right shape when hidden_size == m: caught by the values.
    def axis0_only_when_square(a2):
        return a2.mean(axis=0) if a2.shape[0] == a2.shape[1] else a2.mean(axis=1)

    ok, out = run(check_rho_hat, axis0_only_when_square, capsys)
    assert ok is False
    assert "a2 of shape (4, 4)" in out and "instead of over the examples" in out


def test_rho_hat_in_place(capsys):
    def in_place(a2):
        a2 /= a2.shape[1]
        return a2.sum(axis=1)

    ok, out = run(check_rho_hat, in_place, capsys)
    assert ok is False and "changed its argument a2 in place" in out


# --- kl_divergence -------------------------------------------------------------------------
def kl_np(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


@pytest.mark.parametrize("fn", [
    kl_np,
    library_kl,
    lambda rho, rh: rho * (np.log(rho) - np.log(rh)) + (1 - rho) * (np.log1p(-rho) - np.log1p(-rh)),
], ids=["formula", "library", "log_differences"])
def test_kl_correct(fn, capsys):
    ok, out = run(check_kl_divergence, fn, capsys)
    assert ok is True and "✓ kl_divergence: all checks passed" in out


def test_kl_stub(capsys):
    ok, out = run(check_kl_divergence, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


KL_BUGS = {
    "swapped": (lambda rho, rh: kl_np(rh, rho), "you computed KL(rho_hat || rho): the arguments are swapped"),
    "negated": (lambda rho, rh: -kl_np(rho, rh), "the sign is flipped"),
    "swapped_negated": (lambda rho, rh: -kl_np(rh, rho), "the arguments are swapped and the sign is flipped"),
    "first_term_only": (lambda rho, rh: rho * np.log(rho / rh), "only the first term"),
    "second_term_only": (lambda rho, rh: (1 - rho) * np.log((1 - rho) / (1 - rh)), "only the second term"),
    "second_term_sign": (lambda rho, rh: rho * np.log(rho / rh) - (1 - rho) * np.log((1 - rho) / (1 - rh)),
                         "the second term has the wrong sign"),
    "second_weight_missing": (lambda rho, rh: rho * np.log(rho / rh) + np.log((1 - rho) / (1 - rh)),
                              "the second logarithm lacks its weight (1-rho)"),
    "first_weight_missing": (lambda rho, rh: np.log(rho / rh) + (1 - rho) * np.log((1 - rho) / (1 - rh)),
                             "the first logarithm lacks its weight rho"),
    "log10": (lambda rho, rh: kl_np(rho, rh) / np.log(10), "log base 10"),
    "log2": (lambda rho, rh: kl_np(rho, rh) / np.log(2), "log base 2"),
    "l1": (lambda rho, rh: np.abs(rho - rh), "that is the L1 penalty"),
    "squared": (lambda rho, rh: (rho - rh) ** 2, "that is the squared penalty"),
    "summed": (lambda rho, rh: np.sum(kl_np(rho, rh)), "the sum over the units"),
    "averaged": (lambda rho, rh: np.mean(kl_np(rho, rh)), "the mean over the units"),
    "math_log": (lambda rho, rh: rho * math.log(rho / rh) + (1 - rho) * math.log((1 - rho) / (1 - rh)),
                 "use np.log, which works on whole arrays elementwise"),
    "nonzero_at_target": (lambda rho, rh: kl_np(rho, rh) + 0.12,
                          "at rho_hat = rho the penalty must be 0 (a unit exactly on target pays nothing), yours is 0.12"),
}


@pytest.mark.parametrize("kind", list(KL_BUGS))
def test_kl_bugs_named(kind, capsys):
    fn, message = KL_BUGS[kind]
    ok, out = run(check_kl_divergence, fn, capsys)
    assert ok is False
    assert message in out, out


def test_kl_swapped_arguments_pass_the_zero_test_but_are_caught_next(capsys):
    ok, out = run(check_kl_divergence, KL_BUGS["swapped"][0], capsys)
    assert "at rho_hat = rho the penalty must be 0" not in out
    assert "rho = 0.2, rho_hat = 0.05: you computed KL(rho_hat || rho)" in out


def test_kl_nonzero_at_target_names_the_mistake_too(capsys):
    # A wrong value at the target is reported, and the next case still names the mistake.
    ok, out = run(check_kl_divergence, lambda rho, rh: np.abs(rho - rh) + 0.5 * (rho - rh), capsys)
    assert ok is False
    assert "rho = 0.2, rho_hat = 0.05" in out


def test_kl_in_place(capsys):
    def in_place(rho, rho_hat):
        rho_hat *= 1.0
        if isinstance(rho_hat, np.ndarray):
            rho_hat[0] = 0.5
        return kl_np(rho, rho_hat)

    ok, out = run(check_kl_divergence, in_place, capsys)
    assert ok is False and "changed its argument rho_hat in place" in out


# --- kl_divergence_prime -------------------------------------------------------------------
def kl_prime_np(rho, rho_hat):
    return -rho / rho_hat + (1 - rho) / (1 - rho_hat)


@pytest.mark.parametrize("fn", [kl_prime_np, library_kl_prime,
                                lambda rho, rh: (rh - rho) / (rh * (1 - rh))],
                         ids=["formula", "library", "one_fraction"])
def test_kl_prime_correct(fn, capsys):
    ok, out = run(check_kl_divergence_prime, fn, capsys)
    assert ok is True and "✓ kl_divergence_prime: all checks passed" in out


def test_kl_prime_stub(capsys):
    ok, out = run(check_kl_divergence_prime, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


KL_PRIME_BUGS = {
    "negated": (lambda rho, rh: -kl_prime_np(rho, rh), "the sign is flipped"),
    "swapped_denominators": (lambda rho, rh: -rho / (1 - rh) + (1 - rho) / rh, "the denominators are swapped"),
    "swapped_arguments": (lambda rho, rh: kl_prime_np(rh, rho), "rho and rho_hat are swapped"),
    "first_only": (lambda rho, rh: -rho / rh, "only the first term"),
    "second_only": (lambda rho, rh: (1 - rho) / (1 - rh), "only the second term"),
    "second_sign": (lambda rho, rh: -rho / rh - (1 - rho) / (1 - rh), "the second term has the wrong sign"),
    "squared_denominators": (lambda rho, rh: -rho / rh ** 2 + (1 - rho) / (1 - rh) ** 2,
                             "the denominators are squared"),
    "wrt_rho": (lambda rho, rh: np.log(rho / rh) - np.log((1 - rho) / (1 - rh)),
                "that is the derivative with respect to rho, the target"),
    "kl_itself": (kl_np, "that is KL itself"),
    "summed": (lambda rho, rh: np.sum(kl_prime_np(rho, rh)), "the sum over the units"),
    "nonzero_at_target": (lambda rho, rh: kl_prime_np(rho, rh) + 1.5,
                          "at rho_hat = rho the slope must be 0 (the penalty is at its minimum there), yours is 1.5"),
}


@pytest.mark.parametrize("kind", list(KL_PRIME_BUGS))
def test_kl_prime_bugs_named(kind, capsys):
    fn, message = KL_PRIME_BUGS[kind]
    ok, out = run(check_kl_divergence_prime, fn, capsys)
    assert ok is False
    assert message in out, out


def test_kl_prime_unknown_mistake_gets_the_finite_difference(capsys):
    ok, out = run(check_kl_divergence_prime, lambda rho, rh: 2 * kl_prime_np(rho, rh), capsys)
    assert ok is False
    assert "none of the common mistakes matches" in out
    fd = (library_kl(0.2, 0.05 + 1e-6) - library_kl(0.2, 0.05 - 1e-6)) / 2e-6
    assert f"gives {fd:.6g}" in out
    assert math.isclose(fd, float(library_kl_prime(0.2, 0.05)), rel_tol=1e-7)


# --- kl_divergence_second (Exercise 3) -----------------------------------------------------
def kl_second_np(rho, rho_hat):
    return rho / rho_hat ** 2 + (1 - rho) / (1 - rho_hat) ** 2


@pytest.mark.parametrize("fn", [
    kl_second_np,
    lambda rho, rh: (rho * (1 - rh) ** 2 + (1 - rho) * rh ** 2) / (rh * (1 - rh)) ** 2,
    lambda rho, rh: rho * np.power(rh, -2.0) + (1 - rho) * np.power(1 - rh, -2.0),
], ids=["formula", "one_fraction", "power"])
def test_kl_second_correct(fn, capsys):
    ok, out = run(check_kl_divergence_second, fn, capsys)
    assert ok is True and "✓ kl_divergence_second: all checks passed" in out


def test_kl_second_matches_finite_differences_of_the_slope():
    """The reference is the derivative of kl_divergence_prime (so the checker's answer is
    right), and at the target it is section 5's curvature 1/(rho(1-rho))."""
    h = 1e-6
    for rho, rh in [(0.2, 0.05), (0.05, 0.5), (0.3, 0.8), (0.1, 0.1)]:
        numeric = float(library_kl_prime(rho, rh + h) - library_kl_prime(rho, rh - h)) / (2 * h)
        assert math.isclose(numeric, kl_second_np(rho, rh), rel_tol=1e-6)
    assert math.isclose(kl_second_np(0.1, 0.1), 1 / (0.1 * 0.9))


def test_kl_second_stub(capsys):
    ok, out = run(check_kl_divergence_second, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


KL_SECOND_BUGS = {
    "negated": (lambda rho, rh: -kl_second_np(rho, rh), "the sign is flipped"),
    "first_sign": (lambda rho, rh: -rho / rh ** 2 + (1 - rho) / (1 - rh) ** 2,
                   "the first term has the wrong sign"),
    "second_sign": (lambda rho, rh: rho / rh ** 2 - (1 - rho) / (1 - rh) ** 2,
                    "the second term has the wrong sign"),
    "not_squared": (lambda rho, rh: rho / rh + (1 - rho) / (1 - rh), "not squared"),
    "first_derivative": (kl_prime_np, "that is the first derivative"),
    "kl_itself": (kl_np, "that is KL itself"),
    "first_only": (lambda rho, rh: rho / rh ** 2, "only the first term"),
    "second_only": (lambda rho, rh: (1 - rho) / (1 - rh) ** 2, "only the second term"),
    "swapped": (lambda rho, rh: rh / rho ** 2 + (1 - rh) / (1 - rho) ** 2,
                "rho and rho_hat are swapped"),
    "curvature_everywhere": (lambda rho, rh: 1 / (rho * (1 - rho)) + 0 * np.asarray(rh),
                             "the curvature at the target only"),
    "curvature_in_rho_hat": (lambda rho, rh: 1 / (rh * (1 - rh)),
                             "with rho_hat put in for rho"),
    "summed": (lambda rho, rh: np.sum(kl_second_np(rho, rh)), "the sum over the units"),
    "math_pow": (lambda rho, rh: rho / math.pow(rh, 2) + (1 - rho) / math.pow(1 - rh, 2),
                 "so do math.pow, math.exp"),
}


@pytest.mark.parametrize("kind", list(KL_SECOND_BUGS))
def test_kl_second_bugs_named(kind, capsys):
    fn, message = KL_SECOND_BUGS[kind]
    ok, out = run(check_kl_divergence_second, fn, capsys)
    assert ok is False
    assert message in out, out


def test_kl_second_scalar_constant_curvature_caught_in_the_vector_case(capsys):
    # A learner returning the plain number 1/(rho(1-rho)) passes the scalar cases at the
    # target only; the vector case names it.
    ok, out = run(check_kl_divergence_second, lambda rho, rh: 1 / (rho * (1 - rho)), capsys)
    assert ok is False and "the curvature at the target only" in out


# --- constant_hidden_layer (Exercise 4a) ---------------------------------------------------
def constant_layer(n, h, rho):
    return np.zeros((h, n)), np.full(h, np.log(rho / (1 - rho)))


@pytest.mark.parametrize("fn", [
    constant_layer,
    lambda n, h, rho: (np.zeros((h, n)), -np.log(1 / rho - 1) * np.ones(h)),
    lambda n, h, rho: [np.zeros((h, n)).tolist(), [math.log(rho) - math.log1p(-rho)] * h],
], ids=["logit", "minus_log", "lists"])
def test_constant_layer_correct(fn, capsys):
    ok, out = run(check_constant_hidden_layer, fn, capsys)
    assert ok is True and "✓ constant_hidden_layer: all checks passed" in out


def test_constant_layer_really_meets_the_target_at_no_cost():
    W1, b1 = constant_layer(100, 50, 0.05)
    X = np.random.default_rng(0).uniform(0.1, 0.9, size=(100, 30))
    a2 = 1 / (1 + np.exp(-(W1 @ X + b1[:, None])))
    assert np.allclose(a2, 0.05) and np.allclose(a2.mean(axis=1), 0.05)
    assert np.allclose(library_kl(0.05, a2.mean(axis=1)), 0, atol=1e-14)


def test_constant_layer_stub(capsys):
    ok, out = run(check_constant_hidden_layer, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


CONSTANT_BUGS = {
    "b1_rho": (lambda n, h, rho: (np.zeros((h, n)), np.full(h, rho)),
               "b1 = rho makes the units output f(rho)"),
    "sign": (lambda n, h, rho: (np.zeros((h, n)), np.full(h, np.log((1 - rho) / rho))),
             "the sign of the logit is flipped"),
    "log_rho": (lambda n, h, rho: (np.zeros((h, n)), np.full(h, np.log(rho))),
                "b1 = log(rho) makes the units output rho / (1 + rho)"),
    "zero_bias": (lambda n, h, rho: (np.zeros((h, n)), np.zeros(h)), "b1 = 0"),
    "random_weights": (lambda n, h, rho: (np.random.default_rng(0).normal(size=(h, n)),
                                          np.full(h, np.log(rho / (1 - rho)))),
                       "the units' outputs change with the input"),
    "tiny_weights": (lambda n, h, rho: (np.full((h, n), 1e-3),
                                        np.full(h, np.log(rho / (1 - rho)))),
                     "nothing of x may reach it: W1 = 0"),
    "transposed": (lambda n, h, rho: (np.zeros((n, h)), np.full(h, np.log(rho / (1 - rho)))),
                   "transposed: W1 has one row per hidden unit"),
    "scalar_b1": (lambda n, h, rho: (np.zeros((h, n)), np.log(rho / (1 - rho))),
                  "b1 is a single number"),
    "column_b1": (lambda n, h, rho: (np.zeros((h, n)), np.full((h, 1), np.log(rho / (1 - rho)))),
                  "b1 has shape (4, 1)"),
    "only_W1": (lambda n, h, rho: np.zeros((h, n)), "return the pair (W1, b1)"),
    "other_value": (lambda n, h, rho: (np.zeros((h, n)), np.full(h, -1.0)),
                    "the units are constant, but unit 0 outputs 0.268941 instead of rho = 0.05"),
}


@pytest.mark.parametrize("kind", list(CONSTANT_BUGS))
def test_constant_layer_bugs_named(kind, capsys):
    fn, message = CONSTANT_BUGS[kind]
    ok, out = run(check_constant_hidden_layer, fn, capsys)
    assert ok is False
    assert message in out, out


# --- spread_ratio (Exercise 4c) ------------------------------------------------------------
def spread_ratio_np(a2):
    rho_hat = a2.mean(axis=1)
    return a2.var(axis=1) / (rho_hat * (1 - rho_hat))


@pytest.mark.parametrize("fn", [
    spread_ratio_np,
    lambda a2: ((a2 ** 2).mean(axis=1) - a2.mean(axis=1) ** 2)
    / (a2.mean(axis=1) - a2.mean(axis=1) ** 2),
    lambda a2: np.array([np.var(row) / (np.mean(row) * (1 - np.mean(row))) for row in a2]),
], ids=["var", "moments", "loop"])
def test_spread_ratio_correct(fn, capsys):
    ok, out = run(check_spread_ratio, fn, capsys)
    assert ok is True and "✓ spread_ratio: all checks passed" in out


def test_spread_ratio_extremes_and_bound():
    """The claims of Exercise 4b: 0 for a constant unit, 1 for an on/off unit, never above
    1 for values in [0, 1] (Bhatia-Davis)."""
    on_off = (np.arange(20) % 5 == 0).astype(float)
    ratios = spread_ratio_np(np.stack([np.full(20, 0.05), on_off]))
    assert ratios[0] == pytest.approx(0, abs=1e-12) and ratios[1] == pytest.approx(1)
    a2 = np.random.default_rng(1).beta(0.3, 3, size=(200, 50))
    assert np.all(spread_ratio_np(a2) <= 1 + 1e-12)


def test_spread_ratio_stub(capsys):
    ok, out = run(check_spread_ratio, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


def _rh(a2):
    return a2.mean(axis=1)


SPREAD_BUGS = {
    "axis0": (lambda a2: a2.var(axis=0) / (a2.mean(axis=0) * (1 - a2.mean(axis=0))),
              "you computed it per example (axis=0)"),
    "std": (lambda a2: a2.std(axis=1) / (_rh(a2) * (1 - _rh(a2))),
            "you divided the standard deviation"),
    "sqrt": (lambda a2: np.sqrt(spread_ratio_np(a2)), "the square root of the ratio"),
    "ddof1": (lambda a2: a2.var(axis=1, ddof=1) / (_rh(a2) * (1 - _rh(a2))),
              "you used the sample variance (ddof=1"),
    "raw_second_moment": (lambda a2: (a2 ** 2).mean(axis=1) / (_rh(a2) * (1 - _rh(a2))),
                          "without subtracting rho_hat^2"),
    "one_minus": (lambda a2: 1 - spread_ratio_np(a2), "you returned 1 minus the ratio"),
    "rho_hat_only": (lambda a2: a2.var(axis=1) / _rh(a2), "not by rho_hat alone"),
    "target_rho": (lambda a2: a2.var(axis=1) / (0.05 * 0.95), "with the target rho = 0.05"),
    "global_mean": (lambda a2: a2.var(axis=1) / (a2.mean() * (1 - a2.mean())),
                    "you used one average for all units"),
    "variance_only": (lambda a2: a2.var(axis=1), "that is the variance itself"),
    "keepdims": (lambda a2: spread_ratio_np(a2)[:, None], "shape (3, 1)"),
    "none": (lambda a2: None, "returned None"),
}


@pytest.mark.parametrize("kind", list(SPREAD_BUGS))
def test_spread_ratio_bugs_named(kind, capsys):
    fn, message = SPREAD_BUGS[kind]
    ok, out = run(check_spread_ratio, fn, capsys)
    assert ok is False
    assert message in out, out


def test_spread_ratio_in_place(capsys):
    def in_place(a2):
        ratio = spread_ratio_np(a2)
        a2 -= a2.mean(axis=1, keepdims=True)
        return ratio

    ok, out = run(check_spread_ratio, in_place, capsys)
    assert ok is False and "changed its argument a2 in place" in out
