"""Notebook 09's section of sae_lib.exercises: checkers for topk, l0, fvu and the shrinkage
prediction.

Each checker passes a correct answer, reports "not implemented yet" for the stub without
raising, and names each planted mistake with the message that explains it.
"""

import numpy as np
import pytest

from sae_lib.exercises import (check_fvu, check_l0, check_latent_density, check_refit,
                               check_shrinkage_prediction, check_topk)


def run(checker, *args, capsys):
    ok = checker(*args)
    return ok, capsys.readouterr().out


def _keep(z, k, axis=0, key=None):
    key = -z if key is None else key
    idx = np.argsort(key, axis=axis, kind="stable").take(np.arange(k), axis=axis)
    out = np.zeros_like(z)
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=axis), axis=axis)
    return out


# --- topk ------------------------------------------------------------------------------------
def topk_correct(z, k):
    idx = np.argpartition(-z, k - 1, axis=0)[:k]
    out = np.zeros_like(z)
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=0), axis=0)
    return np.maximum(out, 0.0)


def topk_sorted(z, k):
    """Another correct solution, with argsort and np.where."""
    order = np.argsort(-z, axis=0)[:k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=0)
    return np.where(mask & (z > 0), z, 0.0)


def topk_stub(z, k):
    raise NotImplementedError


TOPK_BUGS = {
    "rows": (lambda z, k: np.maximum(_keep(z, min(k, z.shape[1]), axis=1), 0),
             "each ROW"),
    "negatives": (lambda z, k: _keep(z, k), "negative values"),
    "threshold": (lambda z, k: np.where((z >= -np.sort(-z, axis=0)[k - 1]) & (z > 0), z, 0.0),
                  "tie at the k-th place"),
    "magnitude": (lambda z, k: np.maximum(_keep(z, k, key=-np.abs(z)), 0),
                  "largest magnitude |z|"),
    "in_place": (lambda z, k: np.copyto(z, topk_correct(z, k)) or z, "changed its input z"),
    "no_return": (lambda z, k: None, "returned None"),
    "wrong_shape": (lambda z, k: topk_correct(z, k).ravel(), "must have the shape of z"),
    "raises": (lambda z, k: z[k + 100], "raised IndexError"),
}


@pytest.mark.parametrize("fn", [topk_correct, topk_sorted])
def test_check_topk_passes_correct_solutions(fn, capsys):
    ok, out = run(check_topk, fn, capsys=capsys)
    assert ok and "✓ topk" in out


def test_check_topk_reports_the_stub_without_raising(capsys):
    ok, out = run(check_topk, topk_stub, capsys=capsys)
    assert not ok and "not implemented yet" in out


@pytest.mark.parametrize("kind", list(TOPK_BUGS))
def test_check_topk_names_each_planted_bug(kind, capsys):
    fn, message = TOPK_BUGS[kind]
    ok, out = run(check_topk, fn, capsys=capsys)
    assert not ok
    assert message in out, out


def test_check_topk_threshold_bug_is_only_caught_by_the_tie_case(capsys):
    """The threshold version is right whenever there is no tie: exactly one finding."""
    ok, out = run(check_topk, TOPK_BUGS["threshold"][0], capsys=capsys)
    assert "1 problem(s)" in out and "kept 3 units for k = 2" in out


# --- l0 --------------------------------------------------------------------------------------
def l0_correct(codes):
    return np.count_nonzero(codes, axis=0).mean()


L0_BUGS = {
    "rows": (lambda a: np.count_nonzero(a, axis=1).mean(), "averaged the counts over the units"),
    "fraction": (lambda a: np.mean(a != 0), "fraction of active entries"),
    "total": (lambda a: np.count_nonzero(a), "total number of active entries"),
    "zeros": (lambda a: np.mean(np.sum(a == 0, axis=0)), "counted the zeros"),
    "per_example": (lambda a: np.count_nonzero(a, axis=0), "return one number"),
    "no_return": (lambda a: None, "returned None"),
}


def test_check_l0_passes_a_correct_solution_and_remarks_on_sigmoid_codes(capsys):
    ok, out = run(check_l0, l0_correct, capsys=capsys)
    assert ok and "✓ l0" in out and "= hidden_size" in out


def test_check_l0_reports_the_stub(capsys):
    def stub(codes):
        raise NotImplementedError
    ok, out = run(check_l0, stub, capsys=capsys)
    assert not ok and "not implemented yet" in out


@pytest.mark.parametrize("kind", list(L0_BUGS))
def test_check_l0_names_each_planted_bug(kind, capsys):
    fn, message = L0_BUGS[kind]
    ok, out = run(check_l0, fn, capsys=capsys)
    assert not ok
    assert message in out, out


def test_check_l0_positive_threshold_misses_small_sigmoid_codes(capsys):
    """Counting a > 0.1 is right for the ReLU codes but not for sigmoid units, whose small
    activations are not exactly zero."""
    ok, out = run(check_l0, lambda a: np.mean(np.sum(a > 0.1, axis=0)), capsys=capsys)
    assert not ok and "sigmoid codes" in out and "expected 5" in out


# --- fvu -------------------------------------------------------------------------------------
def fvu_correct(x, x_hat):
    return np.sum((x_hat - x) ** 2) / np.sum((x - x.mean(axis=1, keepdims=True)) ** 2)


FVU_BUGS = {
    "uncentred": (lambda x, xh: np.sum((xh - x) ** 2) / np.sum(x ** 2), "divided by sum x^2"),
    "global_mean": (lambda x, xh: np.sum((xh - x) ** 2) / np.sum((x - x.mean()) ** 2),
                    "single overall mean"),
    "sqrt": (lambda x, xh: np.sqrt(fvu_correct(x, xh)), "square root"),
    "explained": (lambda x, xh: 1 - fvu_correct(x, xh), "EXPLAINED"),
    "per_dim": (lambda x, xh: np.mean(np.sum((xh - x) ** 2, axis=1)
                                      / np.sum((x - x.mean(axis=1, keepdims=True)) ** 2,
                                               axis=1)),
                "averaged per-dimension ratios"),
    "recon_variance": (lambda x, xh: np.sum((xh - x) ** 2)
                       / max(np.sum((xh - xh.mean(axis=1, keepdims=True)) ** 2), 1e-300),
                       "variance of the reconstruction"),
}


def test_check_fvu_passes_a_correct_solution(capsys):
    ok, out = run(check_fvu, fvu_correct, capsys=capsys)
    assert ok and "✓ fvu" in out


def test_check_fvu_reports_the_stub(capsys):
    def stub(x, x_hat):
        raise NotImplementedError
    ok, out = run(check_fvu, stub, capsys=capsys)
    assert not ok and "not implemented yet" in out


@pytest.mark.parametrize("kind", list(FVU_BUGS))
def test_check_fvu_names_each_planted_bug(kind, capsys):
    fn, message = FVU_BUGS[kind]
    ok, out = run(check_fvu, fn, capsys=capsys)
    assert not ok
    assert message in out, out


# --- shrinkage prediction ----------------------------------------------------------------------
def test_check_shrinkage_prediction_accepts_the_right_answer(capsys):
    ok, out = run(check_shrinkage_prediction, [0.5, 0, 0.1], (0.7, 0.0, 0.3), capsys=capsys)
    assert ok and "✓" in out


def test_check_shrinkage_prediction_unanswered(capsys):
    ok, out = run(check_shrinkage_prediction, None, None, capsys=capsys)
    assert not ok and out.count("not answered yet") == 2


@pytest.mark.parametrize("a_l1,message", [
    ([0.7, 0.05, 0.3], "each code is beta = 0.2 too small"),
    ([0.5, -0.15, 0.1], "codes are nonnegative"),
    ([0.7, 0.0, 0.3], "also SHRINKS the survivors"),
    ([0.4, 0.0, 0.0], "minimise 1/2 (c_j - a_j)^2 + beta a_j"),
    ([0.5, 0.1], "three numbers"),
    ("half", "three numbers"),
])
def test_check_shrinkage_prediction_explains_wrong_l1_codes(a_l1, message, capsys):
    ok, out = run(check_shrinkage_prediction, a_l1, [0.7, 0, 0.3], capsys=capsys)
    assert not ok and message in out, out


@pytest.mark.parametrize("a_topk,message", [
    ([0.5, 0.0, 0.1], "no penalty to shrink the codes"),
    ([0.7, 0.05, 0.3], "at most k = 2 units"),
    ([0.7, 0.05, 0.0], "keep the k = 2 largest"),
])
def test_check_shrinkage_prediction_explains_wrong_topk_codes(a_topk, message, capsys):
    ok, out = run(check_shrinkage_prediction, [0.5, 0, 0.1], a_topk, capsys=capsys)
    assert not ok and message in out, out


# --- the firing density read off the browser --------------------------------------------
class _Codes:
    """A stand-in model whose hidden_activations are fixed codes (4 units x 200 examples)."""

    def __init__(self):
        rng = np.random.default_rng(0)
        fires = rng.random((4, 200)) < np.array([[0.3], [0.05], [0.0], [0.8]])
        self.codes = np.where(fires, rng.uniform(0.2, 1.0, (4, 200)), 0.0)

    def hidden_activations(self, data):
        return self.codes


DENSITY = dict(model=_Codes(), data=np.zeros((3, 200)), unit=1, p_feature=0.04)


def _density_of(unit):
    return float(np.mean(DENSITY["model"].codes[unit] > 0))


def test_check_latent_density_accepts_a_close_prediction_and_the_right_reading(capsys):
    d = _density_of(1)
    ok, out = run(lambda: check_latent_density(0.04, d, **DENSITY), capsys=capsys)
    assert ok and "✓ latent density" in out and "measured" in out


def test_check_latent_density_unanswered(capsys):
    ok, out = run(lambda: check_latent_density(None, None, **DENSITY), capsys=capsys)
    assert not ok and out.count("not answered yet") == 2


@pytest.mark.parametrize("reading,message", [
    (lambda: 100 * _density_of(1), "is a percentage"),
    (lambda: float(DENSITY["model"].codes[1].mean()), "MEAN ACTIVATION rho_hat"),
    (lambda: _density_of(3), "the density of unit 3"),
    (lambda: 0.04, "true feature's frequency"),
    (lambda: 0.9, "not unit 1's firing density"),
    (lambda: "a lot", "write one number"),
])
def test_check_latent_density_names_wrong_readings(reading, message, capsys):
    ok, out = run(lambda: check_latent_density(0.04, reading(), **DENSITY), capsys=capsys)
    assert not ok and message in out, out


@pytest.mark.parametrize("prediction,message", [
    (np.mean([_density_of(j) for j in range(4)]), "AVERAGE density of all latents"),
    (0.6, "more than a factor of two"),
    (0.005, "more than a factor of two"),
    (5.0, "between 0 and 1"),
])
def test_check_latent_density_rejects_far_predictions(prediction, message, capsys):
    ok, out = run(lambda: check_latent_density(prediction, _density_of(1), **DENSITY),
                  capsys=capsys)
    assert not ok and message in out, out


# --- refitting L1 codes ------------------------------------------------------------------
def refit_correct(codes, W2, b2, x):
    out = np.zeros_like(codes)
    for i in range(codes.shape[1]):
        S = np.flatnonzero(codes[:, i])
        if S.size:
            out[S, i] = np.linalg.lstsq(W2[:, S], x[:, i] - b2, rcond=None)[0]
    return out


def refit_normal_equations(codes, W2, b2, x):
    """Another correct solution: the normal equations, solved per example."""
    out = np.zeros_like(codes)
    for i in range(codes.shape[1]):
        S = codes[:, i] != 0
        if S.any():
            A = W2[:, S]
            out[S, i] = np.linalg.solve(A.T @ A, A.T @ (x[:, i] - b2))
    return out


def _refit_no_bias(codes, W2, b2, x):
    return refit_correct(codes, W2, np.zeros_like(b2), x)


def _refit_all_latents(codes, W2, b2, x):
    return np.linalg.lstsq(W2, x - b2[:, None], rcond=None)[0]


def _refit_pinv_masked(codes, W2, b2, x):
    return np.where(codes != 0, np.linalg.pinv(W2) @ (x - b2[:, None]), 0.0)


def _refit_in_place(codes, W2, b2, x):
    codes[:] = refit_correct(codes, W2, b2, x)
    return codes


def _refit_crashes_on_empty(codes, W2, b2, x):
    out = np.zeros_like(codes)
    for i in range(codes.shape[1]):
        S = np.flatnonzero(codes[:, i])
        out[S, i] = np.linalg.solve(W2[:, S].T @ W2[:, S], W2[:, S].T @ (x[:, i] - b2))
        if S.size == 0:
            raise IndexError("empty support")
    return out


@pytest.mark.parametrize("fn", [refit_correct, refit_normal_equations])
def test_check_refit_passes_correct_solutions(fn, capsys):
    ok, out = run(check_refit, fn, capsys=capsys)
    assert ok and "✓ refit" in out


@pytest.mark.parametrize("fn,message", [
    (lambda c, W2, b2, x: c, "the codes you were given"),
    (_refit_no_bias, "forgot the decoder bias"),
    (_refit_all_latents, "NOT active"),
    (_refit_pinv_masked, "pinv of the whole W2"),
    (_refit_in_place, "changed its argument codes in place"),
    (_refit_crashes_on_empty, "no active latent"),
    (lambda c, W2, b2, x: None, "returned None"),
])
def test_check_refit_names_each_planted_bug(fn, message, capsys):
    ok, out = run(check_refit, fn, capsys=capsys)
    assert not ok and message in out, out


def test_check_refit_reports_the_stub(capsys):
    def stub(codes, W2, b2, x):
        raise NotImplementedError

    ok, out = run(check_refit, stub, capsys=capsys)
    assert not ok and "not implemented yet" in out
