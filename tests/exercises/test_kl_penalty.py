"""Notebook 02's section of sae_lib.exercises: rho_hat, kl_divergence, kl_divergence_prime.

Each checker passes a correct function (several correct ways of writing it), reports an
unwritten one without raising, and names each planted mistake with its own message.
"""

import math

import numpy as np
import pytest

from sae_lib import kl_divergence as library_kl
from sae_lib import kl_divergence_prime as library_kl_prime
from sae_lib.exercises import check_kl_divergence, check_kl_divergence_prime, check_rho_hat


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
