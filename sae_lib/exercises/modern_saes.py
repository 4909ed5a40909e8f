"""Checkers of notebook 09 (beyond KL: L1 and TopK): the TopK activation, L0 and FVU, the
predicted L1 and TopK codes (shrinkage), the firing density read off the feature browser,
and refitting L1 codes without the penalty.
"""

from __future__ import annotations

import numpy as np

from ..variants import fraction_variance_unexplained as _fvu
from ..variants import l0 as _l0
from ..variants import topk as _topk
from .feedback import Feedback, as_array, as_scalar, call_learner, diagnose, same, unchanged

__all__ = ["check_topk", "check_l0", "check_fvu", "check_shrinkage_prediction",
           "check_latent_density", "check_refit"]


def _keep_k(z, k, axis=0, magnitude=False):
    """z where it is among the k largest (of z, or of |z|) along ``axis``, else 0."""
    key = -np.abs(z) if magnitude else -z
    idx = np.argsort(key, axis=axis, kind="stable").take(np.arange(k), axis=axis)
    out = np.zeros_like(z)
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=axis), axis=axis)
    return out


def _diagnose_topk(out, z, k):
    """What a wrong topk result looks like it did (a sentence), or a generic difference."""
    expected = _topk(z, k)
    if k <= z.shape[1] and z.shape[1] > 1:
        row_wise = _keep_k(z, k, axis=1)
        if same(out, row_wise, rtol=0) or same(out, np.maximum(row_wise, 0), rtol=0):
            return ("you kept the k largest values of each ROW (one unit across the examples); "
                    "TopK chooses per EXAMPLE, i.e. per column of z, whose shape is "
                    "(hidden_size, m): select along axis=0")
    if np.any(out < 0):
        return (f"your result holds negative values (smallest {out.min():.3g}); TopK is "
                "followed by a ReLU, so a selected unit whose pre-activation is negative "
                "must become 0")
    by_magnitude = _keep_k(z, k, magnitude=True)
    if same(out, np.maximum(by_magnitude, 0), rtol=0):
        return ("you chose the k entries of largest magnitude |z|; TopK keeps the k LARGEST "
                "values (a large negative pre-activation is never chosen)")
    col = int(np.argmax(np.any(~np.isclose(out, expected), axis=0)))
    return (f"column {col} should be {np.round(expected[:, col], 3).tolist()}, yours is "
            f"{np.round(out[:, col], 3).tolist()}")


def check_topk(topk):
    """Check ``topk(z, k)``: per column of z (one example), keep the k largest, then ReLU.

    Cases: random columns with distinct values; a column with fewer than k positive
    values; a large negative value; k = hidden_size; a single column; a tie at the k-th
    place. Recognises: choosing per row (per unit, across examples) instead of per
    column; keeping negative values; keeping more than k units at a tie (a threshold
    ``z >= k-th largest``); choosing by magnitude |z|; changing z in place.
    """
    fb = Feedback("topk")
    rng = np.random.default_rng(9)
    cases = [
        ("a (6, 5) matrix, k = 2", rng.standard_normal((6, 5)) + 0.3, 2),
        ("a (5, 8) matrix, k = 3", rng.standard_normal((5, 8)) + 0.5, 3),
        ("a column with fewer than k positive values, k = 3",
         np.array([[-1.0, 2.0, 0.1], [0.5, 1.0, 0.2], [-2.0, 3.0, 0.3], [-0.5, 0.2, 0.4]]), 3),
        ("a large negative value, k = 1",
         np.array([[-5.0, 1.0], [2.0, -4.0], [1.0, 0.5], [0.5, 0.2]]), 1),
        ("k = hidden_size (every positive value is kept)", rng.standard_normal((4, 6)), 4),
        ("one example (a single column of 7 units), k = 3", rng.standard_normal((7, 1)) + 0.5, 3),
    ]
    for what, z, k in cases:
        z_before = z.copy()
        ok, out = call_learner(fb, topk, z, k)
        if not ok:
            return fb.report()
        if not np.array_equal(z, z_before):
            fb.fail(f"{what}: your function changed its input z in place; work on a copy "
                    "(np.where(mask, z, 0.0) builds a new array)")
            z = z_before
        out = as_array(fb, out, what)
        if out is None:
            continue
        if out.shape != z.shape:
            fb.fail(f"{what}: the result must have the shape of z, {z.shape}; yours has "
                    f"shape {out.shape}")
            continue
        if not same(out, _topk(z, k), rtol=0):
            fb.fail(f"{what}: {_diagnose_topk(out, z, k)}")

    # Ties: exactly k units per example, whichever of the tied ones.
    z = np.array([[3.0, 0.4], [1.0, 2.0], [1.0, 2.0], [0.5, 2.0], [-1.0, 1.0]])
    k, what = 2, "a tie at the k-th place, k = 2"
    ok, out = call_learner(fb, topk, z.copy(), k)
    out = as_array(fb, out, what) if ok else None
    if out is not None and out.shape != z.shape:
        fb.fail(f"{what}: the result must have shape {z.shape}, yours has shape {out.shape}")
    elif out is not None:
        for col in range(z.shape[1]):
            kept = np.count_nonzero(out[:, col])
            best = np.sort(_topk(z[:, [col]], k)[:, 0])
            if kept > k:
                fb.fail(f"{what}: column {col} is {z[:, col].tolist()} and your function kept "
                        f"{kept} units for k = {k}, because values tie at the k-th place; "
                        "select exactly k indices (np.argpartition or np.argsort), not every "
                        "value >= the k-th largest")
                break
            if not np.allclose(np.sort(out[:, col]), best) or np.any(
                    (out[:, col] != 0) & (out[:, col] != z[:, col])):
                fb.fail(f"{what}: column {col} is {z[:, col].tolist()}; any {k} of its largest "
                        f"values may be kept, but yours is {out[:, col].tolist()}")
                break
    return fb.report()


def check_l0(l0):
    """Check ``l0(codes)``: mean over examples (columns) of the number of nonzero units.

    Recognises: averaging over units (rows) instead of examples; returning the fraction
    of active entries (L0 / hidden_size); summing over all entries without dividing by m;
    counting the zeros.
    """
    fb = Feedback("l0")
    codes = np.array([[0.0, 1.5, 0.0, 0.0],
                      [2.0, 0.0, 0.0, 0.7],
                      [0.3, 0.1, 0.0, 0.0],
                      [0.0, 0.0, 0.0, 0.0],
                      [0.0, 0.4, 0.0, 0.2],
                      [0.0, 0.0, 0.0, 0.9]])          # 6 units x 4 examples
    h, m = codes.shape
    sigmoid_codes = 1 / (1 + np.exp(-np.random.default_rng(3).normal(-4, 1, size=(5, 7))))
    cases = [("a (6 units, 4 examples) ReLU code", codes),
             ("sigmoid codes (5 units, all small but positive)", sigmoid_codes),
             ("codes with a single example", codes[:, [1]])]
    for what, A in cases:
        ok, got = call_learner(fb, l0, A.copy())
        if not ok:
            return fb.report()
        got = as_scalar(fb, got, what)
        if got is None:
            continue
        expected = _l0(A)
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        act = A != 0
        hh, mm = A.shape
        if mm == 1 and np.isclose(got, act.mean()):
            fb.fail(f"{what}: {got:.4g} is the fraction of the units that are active; L0 is "
                    f"their NUMBER, {expected:.4g} (count down the column; do not average "
                    "over the units)")
        elif np.isclose(got, act.sum(axis=1).mean()):
            fb.fail(f"{what}: you averaged the counts over the units (rows), giving {got:.4g}; "
                    f"L0 counts the active units of each EXAMPLE (down each column of the "
                    f"(hidden_size, m) array) and averages over the m examples: {expected:.4g}")
        elif np.isclose(got, act.mean()):
            fb.fail(f"{what}: {got:.4g} is the fraction of active entries; L0 is a number of "
                    f"units per example (here {expected:.4g} = {got:.4g} x hidden_size)")
        elif np.isclose(got, act.sum()) and mm > 1:
            fb.fail(f"{what}: {got:.4g} is the total number of active entries; divide by the "
                    f"number of examples m = {mm} to get the mean per example, {expected:.4g}")
        elif np.isclose(got, (~act).sum(axis=0).mean()):
            fb.fail(f"{what}: you counted the zeros ({got:.4g}); count the units that are NOT "
                    f"zero: {expected:.4g}")
        else:
            fb.fail(f"{what}: expected {expected:.4g}, yours is {got:.4g}")
    if not fb.problems:
        print(f"  (sigmoid codes: L0 = {_l0(sigmoid_codes):g} = hidden_size, although "
              f"the mean activation is only {sigmoid_codes.mean():.3f})")
    return fb.report()


def check_fvu(fvu):
    """Check ``fvu(x, x_hat)`` = sum ||x_hat - x||^2 / sum ||x - x_bar||^2.

    Cases: a perfect reconstruction (0); the mean example everywhere (1); a noisy
    reconstruction of data whose dimensions have different means. Recognises: an
    uncentred denominator (sum x^2); centring by the single overall mean instead of each
    dimension's mean; the square root (a ratio of norms); the fraction of variance
    EXPLAINED (1 - FVU); per-dimension ratios averaged; arguments used in swapped roles.
    """
    fb = Feedback("fvu")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 6)) + np.array([[2.0], [-1.0], [0.5]])
    x_bar = x.mean(axis=1, keepdims=True)
    noisy = x + 0.4 * rng.standard_normal(x.shape)
    cases = [("a perfect reconstruction (x_hat = x)", x, x.copy()),
             ("the mean example for every example (x_hat_i = x_bar)", x,
              np.repeat(x_bar, x.shape[1], axis=1)),
             ("a noisy reconstruction", x, noisy)]
    for what, X, Xh in cases:
        ok, got = call_learner(fb, fvu, X.copy(), Xh.copy())
        if not ok:
            return fb.report()
        got = as_scalar(fb, got, what)
        if got is None:
            continue
        expected = _fvu(X, Xh)
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        err = np.sum((Xh - X) ** 2)
        hints = [
            (err / np.sum(X ** 2), "you divided by sum x^2; FVU divides by the variance "
             "around the MEAN example, sum ||x_i - x_bar||^2 (subtract x.mean(axis=1, "
             "keepdims=True) first)"),
            (err / np.sum((X - X.mean()) ** 2), "you centred with the single overall mean "
             "x.mean(); each dimension has its own mean: x.mean(axis=1, keepdims=True)"),
            (np.sqrt(expected), "that is the square root of the FVU (a ratio of norms); FVU is "
             "a ratio of SQUARED errors"),
            (1 - expected, "that is the fraction of variance EXPLAINED, 1 - FVU"),
            (np.mean(np.sum((Xh - X) ** 2, axis=1)
                     / np.sum((X - X.mean(axis=1, keepdims=True)) ** 2, axis=1)),
             "you averaged per-dimension ratios; FVU divides the TOTAL squared error by the "
             "TOTAL variance"),
            (err / np.sum((Xh - Xh.mean(axis=1, keepdims=True)) ** 2) if np.any(
                Xh != Xh.mean(axis=1, keepdims=True)) else np.nan,
             "you divided by the variance of the reconstruction; divide by the variance of "
             "the data x"),
        ]
        for value, hint in hints:
            if np.isfinite(value) and np.isclose(got, value, rtol=1e-9, atol=1e-12):
                fb.fail(f"{what}: yours is {got:.4g}, expected {expected:.4g}: {hint}")
                break
        else:
            fb.fail(f"{what}: expected {expected:.4g}, yours is {got:.4g}")
    return fb.report()


def check_shrinkage_prediction(a_l1, a_topk):
    """Check predictions of the best L1 code and the best TopK (k = 2) code.

    The setting (notebook 09, exercise 3): orthonormal decoder directions e1, e2, e3;
    x = 0.7 e1 + 0.05 e2 + 0.3 e3; beta = 0.2. The best nonnegative L1 code minimises
    1/2 ||x - D a||^2 + beta sum_j a_j: for orthonormal D it is max(0, D^T x - beta) =
    (0.5, 0, 0.1). The best code with at most k = 2 nonzeros keeps the two largest
    coefficients unchanged: (0.7, 0, 0.3).
    """
    fb = Feedback("shrinkage prediction")
    coef = np.array([0.7, 0.05, 0.3])
    beta = 0.2
    want_l1 = np.maximum(coef - beta, 0)
    want_topk = np.where(coef >= np.sort(coef)[-2], coef, 0.0)
    for name, got, want in [("a_l1", a_l1, want_l1), ("a_topk", a_topk, want_topk)]:
        if got is None:
            fb.fail(f"{name}: not answered yet -- write your prediction as three numbers, "
                    f"e.g. {name} = [0.7, 0.05, 0.3]")
            continue
        try:
            got = np.asarray(got, dtype=float).ravel()
        except (TypeError, ValueError):
            fb.fail(f"{name}: write three numbers, e.g. [0.7, 0.05, 0.3]")
            continue
        if got.shape != (3,):
            fb.fail(f"{name}: write three numbers (a code for e1, e2, e3), yours has {got.size}")
            continue
        if np.allclose(got, want, atol=1e-3):
            continue
        if name == "a_l1":
            if np.allclose(got, coef, atol=1e-3):
                fb.fail("a_l1: those are the true coefficients -- but the penalty charges beta "
                        "for every unit of code. Along e_j the cost is 1/2 (c_j - a_j)^2 + "
                        "beta a_j, smallest at a_j = c_j - beta: each code is beta = 0.2 "
                        "too small")
            elif np.allclose(got, coef - beta, atol=1e-3):
                fb.fail("a_l1: codes are nonnegative (ReLU); where c_j - beta < 0 the best "
                        "nonnegative a_j is 0, not a negative number: the penalty switches "
                        "weak features off")
            elif np.allclose(got, np.where(coef > beta, coef, 0), atol=1e-3):
                fb.fail("a_l1: you switched off the weak feature (right) but kept the others "
                        "at full size; the penalty also SHRINKS the survivors, by beta each")
            else:
                fb.fail(f"a_l1: yours is {got.tolist()}; minimise 1/2 (c_j - a_j)^2 + beta a_j "
                        "over a_j >= 0 separately for each j (D is orthonormal)")
        else:
            if np.allclose(got, want_l1, atol=1e-3) or np.allclose(
                    got, np.where(want_topk > 0, coef - beta, 0), atol=1e-3):
                fb.fail("a_topk: TopK has no penalty to shrink the codes -- once a unit is "
                        "chosen, its code is whatever reconstructs x best: the full "
                        "coefficient")
            elif np.count_nonzero(got) > 2:
                fb.fail("a_topk: at most k = 2 units may be nonzero; drop the smallest")
            else:
                fb.fail(f"a_topk: yours is {got.tolist()}; keep the k = 2 largest "
                        "coefficients of D^T x, the others become 0")
    return fb.report()


def _reading(fb, value, name, example):
    """A number the learner wrote down, or None (with a finding) if it is not one."""
    if value is None:
        fb.fail(f"{name}: not answered yet -- write a number, e.g. {name} = {example}")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{name}: write one number, e.g. {name} = {example}")
        return None
    if arr.size != 1 or not np.isfinite(arr):
        fb.fail(f"{name}: write one finite number, e.g. {name} = {example}")
        return None
    return float(arr.reshape(()))


def check_latent_density(predicted, read_off, *, model, data, unit, p_feature):
    """Check a prediction of a latent's firing density, and the value read off the browser.

    The exercise (notebook 09): latent ``unit`` of a ReLU/TopK ``model`` recovered a true
    feature that is present in a fraction ``p_feature`` of the examples. Before looking,
    the learner predicts how often the latent fires (``predicted``, a fraction); then
    reads its firing density off the feature browser (``read_off``).

    ``read_off`` must be the density of that unit on ``data`` (the browser shows it as a
    percentage with three digits). Recognised: a percentage instead of a fraction; the
    mean activation rho_hat instead of the density; another unit's density (the
    dropdown's position instead of its value); the feature's frequency p_feature.
    ``predicted`` must lie within a factor of two of the measured density. Recognised:
    the average density of all latents (L0 / hidden_size); rho = 0.05-style guesses far
    from the feature's frequency.
    """
    fb = Feedback("latent density")
    codes = _as_codes(model, data)
    density = np.mean(codes > 0, axis=1)
    rho_hat = codes.mean(axis=1)
    d, r = float(density[unit]), float(rho_hat[unit])
    average = float(density.mean())                    # = L0 / hidden_size

    read = _reading(fb, read_off, "read_off", "0.05")
    if read is not None and not abs(read - d) <= max(6e-4, 0.006 * d):
        others = np.flatnonzero(np.abs(density - read) <= max(6e-4, 0.006 * read))
        if abs(read / 100 - d) <= max(6e-4, 0.006 * d):
            fb.fail(f"read_off: {read:g} is a percentage; write the fraction, {read:g}% = "
                    f"{read / 100:.4g}")
        elif abs(read - r) <= max(6e-4, 0.006 * r):
            fb.fail(f"read_off: {read:g} is the unit's MEAN ACTIVATION rho_hat; the firing "
                    "density is the fraction of examples on which a_j > 0 (the readout's "
                    "'firing density' line)")
        elif others.size:
            fb.fail(f"read_off: {read:g} is the density of unit {int(others[0])}, not of unit "
                    f"{unit}; pick the unit by its index (the dropdown's value), not by its "
                    "place in the list")
        elif abs(read - p_feature) <= 1e-3 * max(1.0, p_feature):
            fb.fail(f"read_off: {read:g} is the true feature's frequency p_f; read the "
                    "latent's own firing density in the browser")
        else:
            fb.fail(f"read_off: {read:g} is not unit {unit}'s firing density; select unit "
                    f"{unit} in the browser and read the 'firing density' line")

    pred = _reading(fb, predicted, "predicted", "0.05")
    if pred is not None:
        if not 0 <= pred <= 1:
            fb.fail(f"predicted: a density is a fraction of the examples, between 0 and 1; "
                    f"yours is {pred:g}")
        elif not d / 2 <= pred <= 2 * d:
            if abs(pred - average) <= 0.1 * average:
                fb.fail(f"predicted: {pred:.3g} is the AVERAGE density of all latents "
                        f"(L0 / hidden_size = {average:.3g}); this latent stands for one "
                        f"feature, present in {p_feature:.1%} of the examples -- it fires "
                        f"about that often: {d:.3g} measured")
            else:
                fb.fail(f"predicted: {pred:.3g} is more than a factor of two from the measured "
                        f"{d:.3g}. A latent that recovered a feature fires when that feature "
                        f"is present, p_f = {p_feature:.3g}; predict from p_f")
    if not fb.problems:
        if abs(d - p_feature) <= 0.1 * p_feature:
            why = "it fires about as often as its feature is present"
        elif d > p_feature:
            why = ("it also fires on some examples without its feature (another feature close "
                   "to its direction pushes it into the top k)")
        else:
            why = ("it misses some examples with a small coefficient, where other latents win "
                   "the top k")
        print(f"  measured {d:.2g} against p_f = {p_feature:.2g}: {why}")
    return fb.report()


def _as_codes(model, data):
    codes = np.asarray(model.hidden_activations(data), dtype=float)
    if codes.ndim != 2:
        raise ValueError("model.hidden_activations(data) must return (hidden_size, m).")
    return codes


def _refit_reference(codes, W2, b2, x):
    out = np.zeros_like(codes)
    for i in range(codes.shape[1]):
        S = codes[:, i] != 0
        if S.any():
            out[S, i] = np.linalg.lstsq(W2[:, S], x[:, i] - b2, rcond=None)[0]
    return out


def _refit_cases():
    rng = np.random.default_rng(11)
    W2 = rng.standard_normal((6, 8))
    b2 = rng.standard_normal(6) * 0.5
    true = np.zeros((8, 5))
    support = [[0], [1, 4], [2, 3, 7], [], [5, 6]]        # one example with no active latent
    for i, S in enumerate(support):
        true[S, i] = rng.uniform(0.5, 1.5, len(S))
    x = W2 @ true + b2[:, None] + 0.05 * rng.standard_normal((6, 5))
    codes = np.where(true > 0, 0.6 * true, 0.0)           # the right support, shrunk values
    return [("5 examples, 8 latents (one example with none active)", codes, W2, b2, x)]


def check_refit(refit):
    """Check ``refit(codes, W2, b2, x)``: keep each example's active latents, re-solve their values.

    For every column i (one example): S = the latents with codes[:, i] != 0; the new code
    on S is the least-squares solution of W2[:, S] a = x_i - b2, and 0 elsewhere. An
    example with no active latent keeps a column of zeros. Recognised: forgetting the
    decoder bias b2; solving over all latents (the support changes); returning the codes
    unchanged; the pseudo-inverse of the whole W2 masked to S; changing ``codes`` in
    place; an error on an example with no active latent.
    """
    fb = Feedback("refit")
    for what, codes, W2, b2, x in _refit_cases():
        originals = [codes.copy(), W2.copy(), b2.copy(), x.copy()]
        ok, out = call_learner(fb, refit, codes, W2, b2, x)
        if not ok:
            if fb.problems and ("IndexError" in fb.problems[-1]
                                or "LinAlgError" in fb.problems[-1]
                                or "ValueError" in fb.problems[-1]):
                fb.problems[-1] += (" -- example 3 has no active latent: skip it (its column "
                                    "stays 0)")
            return fb.report()
        if not unchanged(fb, originals, [codes, W2, b2, x], ["codes", "W2", "b2", "x"], what):
            codes, W2, b2, x = originals
        got = as_array(fb, out, what, finite=True)
        if got is None:
            continue
        expected = _refit_reference(codes, W2, b2, x)
        support = codes != 0
        if got.shape == expected.shape and np.any((got != 0) & ~support):
            fb.fail(f"{what}: your codes are nonzero for latents that were NOT active -- keep "
                    "each example's support (codes[:, i] != 0) and solve only for those")
            continue
        candidates = [
            (codes, "these are the codes you were given; re-solve their values by least squares"),
            (_refit_reference(codes, W2, np.zeros_like(b2), x),
             "you forgot the decoder bias: solve W2[:, S] a = x_i - b2, not = x_i"),
            (np.where(support, np.linalg.pinv(W2) @ (x - b2[:, None]), 0.0),
             "you solved with ALL latents (pinv of the whole W2) and then kept the support; "
             "solve with the columns W2[:, S] of the active latents only"),
        ]
        diagnose(fb, got, expected, candidates, what, rtol=1e-6, atol=1e-9)
    return fb.report()
