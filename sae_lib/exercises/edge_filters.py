"""Checkers of notebook 05 (edge filters from natural images): the unit that never fires
(found with the feature browser), diagnosing failed runs from their numbers, patches from
one's own photographs, and the orientation of a learned edge detector.
"""

from __future__ import annotations

import numpy as np

from ..analysis import neighbour_correlation as _neighbour_correlation
from ..data import load_natural_images as _load_natural_images
from ..data import sample_images as _sample_images
from ..data import whiten_images as _whiten_images
from .feedback import Feedback, as_array, call_learner

__all__ = [
    "FAILURE_CAUSES",
    "failure_table",
    "check_failure_diagnosis",
    "check_patches_from_photos",
    "check_filter_orientation",
    "check_silent_units",
]

# --- Exercise 1: the unit that never fires (with the feature browser) ----------------------
def _as_unit_indices(value):
    """The learner's unit answer as a sorted list of ints, or a message saying what is wrong."""
    if isinstance(value, (bool, np.bool_)):
        return None, f"{value!r} is not a unit index"
    if isinstance(value, (int, np.integer)):
        return [int(value)], None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return [int(value)], None
    if isinstance(value, (str, bytes)) or not np.iterable(value):
        return None, (f"give the unit index as an int (or a list of ints), not "
                      f"{type(value).__name__} {value!r}")
    units = []
    for v in value:
        if isinstance(v, (bool, np.bool_)) or not (
                isinstance(v, (int, np.integer))
                or (isinstance(v, (float, np.floating)) and float(v).is_integer())):
            return None, f"{v!r} in your list is not a unit index (an int)"
        units.append(int(v))
    return sorted(set(units)), None


def check_silent_units(answer, model, data, threshold=0.5):
    """Check which units of ``model`` never rise above ``threshold`` on ``data``, and their rho_hat.

    ``answer``: ``{"units": j or [j, ...], "rho_hat": r or [r, ...]}`` -- the unit(s)
    whose activation a_j stays below ``threshold`` on every example (column) of ``data``
    (visible_size, m), and the mean activation rho_hat_j of each, as the feature browser
    shows them. ``model``: a trained model with ``hidden_activations`` (a
    :class:`~sae_lib.TrainResult`). The truth is computed here from the model, so the
    check holds for any run. Recognises: indices counted from 1, the unit with the
    smallest rho_hat (which says nothing about firing), the unit with the highest peak,
    units that do reach the threshold, missed units, rho_hat given in percent or as the
    peak. Returns True when units and rho_hat are right.
    """
    name = "silent units"
    template = '{"units": ..., "rho_hat": ...}'
    if answer is None or (isinstance(answer, dict)
                          and all(v is None or v is ... for v in answer.values())):
        print(f"✗ {name}: not answered yet -- set `answer = {template}` (predict first, "
              "then look in the browser).")
        return False
    if not isinstance(answer, dict):
        print(f"✗ {name}: `answer` must be a dict like {template}, got "
              f"{type(answer).__name__}.")
        return False
    a2 = np.asarray(model.hidden_activations(data), dtype=np.float64)
    peak = a2.max(axis=1)
    rho_hat = a2.mean(axis=1)
    hidden = a2.shape[0]
    truth = [int(j) for j in np.flatnonzero(peak < threshold)]
    fb = Feedback(name)

    units_given = answer.get("units", ...)
    units = None
    if units_given is None or units_given is ...:
        fb.fail('"units": no answer yet')
    else:
        units, problem = _as_unit_indices(units_given)
        if problem:
            fb.fail(f'"units": {problem}')
            units = None
    if units is not None:
        out_of_range = [j for j in units if not 0 <= j < hidden]
        loudest = int(np.argmax(peak))
        quietest_rho = int(np.argmin(rho_hat))
        if units == truth:
            pass
        elif truth and units == [j + 1 for j in truth]:
            fb.fail(f"you counted from 1: the units are numbered from 0, as in the browser's "
                    f"menu and in Python (W1[j]); the answer is {truth}")
        elif out_of_range:
            fb.fail(f"there is no unit {out_of_range[0]}: the units are 0 .. {hidden - 1}")
        elif len(units) == hidden:
            fb.fail(f"not every unit: {len(truth)} of the {hidden} stay below {threshold:g}; "
                    "order the browser by peak activation and look at the end of the list")
        elif units == [loudest] and loudest not in truth:
            fb.fail(f"unit {loudest} has the highest peak of all ({peak[loudest]:.3g}) -- you "
                    "took the wrong end of the order 'peak activation (largest first)'")
        elif units == [quietest_rho] and quietest_rho not in truth:
            fb.fail(f"unit {quietest_rho} has the smallest rho_hat ({rho_hat[quietest_rho]:.4g}), "
                    f"but it reaches a peak of {peak[quietest_rho]:.3g}: rho_hat says how much a "
                    "unit is active on average, not whether it ever fires -- order by peak "
                    "activation instead")
        else:
            for j in units:
                if j not in truth:
                    fb.fail(f"unit {j} does rise above {threshold:g}: its peak activation is "
                            f"{peak[j]:.3g}")
            missed = [j for j in truth if j not in units]
            if missed:
                shown = ", ".join(f"{j} (peak {peak[j]:.3g})" for j in missed)
                fb.fail(f"you missed unit(s) {shown}, which never reach {threshold:g}")
    # rho_hat of the silent unit(s)
    rho_given = answer.get("rho_hat", ...)
    if truth and (rho_given is None or rho_given is ...):
        fb.fail('"rho_hat": no answer yet -- the browser\'s readout gives each unit\'s mean '
                "activation")
    elif truth and units == truth:
        try:
            rho_arr = np.atleast_1d(np.asarray(rho_given, dtype=float)).ravel()
        except (TypeError, ValueError):
            rho_arr = None
        if rho_arr is None or rho_arr.size not in (1, len(truth)):
            fb.fail(f'"rho_hat": give one number per unit ({len(truth)}), as in the browser')
        else:
            expected = rho_hat[truth] if rho_arr.size == len(truth) else rho_hat[truth[:1]]
            if not np.allclose(rho_arr, expected, rtol=0.05, atol=0):
                if np.allclose(rho_arr, 100 * expected, rtol=0.05):
                    fb.fail('"rho_hat": that is a percentage; rho_hat is a mean activation, '
                            f"a number between 0 and 1 ({expected[0]:.4g})")
                elif np.allclose(rho_arr, peak[truth][:rho_arr.size], rtol=0.05):
                    fb.fail('"rho_hat": that is the peak activation; rho_hat_j is the mean '
                            "activation over all the patches (the readout's first line)")
                else:
                    fb.fail(f'"rho_hat": the browser gives {expected[0]:.4g} for unit '
                            f"{truth[0]}, yours is {rho_arr[0]:.4g}")
    ok = fb.report()
    if ok and truth:
        j = truth[0]
        target = getattr(model, "sparsity_param", None)
        target_text = f" = {target:g}" if target is not None else ""
        print(f"  Unit {j} never rises above {threshold:g} (its peak is about {peak[j]:.1g}) and "
              f"still has rho_hat = {rho_hat[j]:.2g}, on target rho{target_text} like every "
              "working unit. It does it by answering about the same small number to every "
              "patch. rho_hat_j = rho says how much activation a unit spends on average, "
              "not that it fires on a fraction rho of the inputs.")
    elif ok:
        print(f"  In this run every unit rises above {threshold:g} on some patch.")
    return ok


# --- Exercise 2: which failure is which? ---------------------------------------------------
#: The four causes of the failure gallery: key -> description.
FAILURE_CAUSES = {
    "no_sparsity": "no sparsity penalty (beta = 0)",
    "large_lambda": "weight decay lambda too large (1e-3, ten times UFLDL's)",
    "no_whitening": "patches of the raw, unwhitened photographs",
    "wrong_delta": "a wrong delta2 (the sparsity term with an extra 1/m)",
}
_N05_MYSTERY = {"A": "no_whitening", "B": "wrong_delta", "C": "large_lambda", "D": "no_sparsity"}


def _row(result, data):
    return {"iterations": int(result.n_iter), "cost": float(result.cost),
            "rho_hat": float(result.hidden_activations(data).mean()),
            "rms_W1": float(np.sqrt(np.mean(np.asarray(result.W1) ** 2))),
            "corr2": _neighbour_correlation(data, 2)}


def failure_table(runs, reference=None):
    """Print the mystery table of exercise 2 and return its rows.

    ``runs`` maps each key of :data:`FAILURE_CAUSES` to ``(result, data)``: a
    :class:`~sae_lib.TrainResult` and the patches it was trained on. ``reference`` is an
    optional ``(result, data)`` of the good run, printed first for comparison. The four
    runs appear under the letters A-D in an order fixed here (not the gallery's), with:
    L-BFGS iterations run, final cost, mean rho_hat_j over the units, the RMS of W1, and
    the correlation of pixels two apart in the training patches. Returns
    ``{letter: row}`` (and ``"ref"`` if given), which :func:`check_failure_diagnosis`
    quotes.
    """
    missing = set(FAILURE_CAUSES) - set(runs)
    if missing:
        raise ValueError(f"runs lacks {sorted(missing)}; pass (result, data) for each of "
                         f"{sorted(FAILURE_CAUSES)}.")
    rows = {}
    if reference is not None:
        rows["ref"] = _row(*reference)
    for letter, key in _N05_MYSTERY.items():
        rows[letter] = _row(*runs[key])
    print(f"{'run':>5}  {'iterations':>10}  {'final cost':>10}  {'mean rho_hat':>12}  "
          f"{'RMS of W1':>9}  {'data: corr. 2 px apart':>22}")
    for name, r in rows.items():
        label = "good" if name == "ref" else name
        # RMS to one figure: enough to tell 0.0002 from 0.5, and stable across BLAS builds
        print(f"{label:>5}  {r['iterations']:>10d}  {r['cost']:>10.3g}  {r['rho_hat']:>12.2g}  "
              f"{r['rms_W1']:>9.1g}  {r['corr2']:>22.2f}")
    return rows


def _explain(key, row):
    r = row or {}

    def num(name, fmt, fallback):
        return format(r[name], fmt) if name in r else fallback

    if key == "no_whitening":
        return ("the giveaway is the data column: pixels two apart still correlate at "
                f"{num('corr2', '.2f', 'about 0.3')} (whitened patches: about 0). Raw "
                "photographs carry most of their power at low frequencies (1/f^2), so the "
                "units spend themselves on smooth ramps and blobs. The other numbers look "
                "healthy -- only the pictures, or a look at the data, tell.")
    if key == "wrong_delta":
        return (f"L-BFGS stopped after {num('iterations', 'd', 'a few')} iterations with the "
                f"cost still at {num('cost', '.3g', 'several units')}: the gradient no longer "
                "belongs to the cost, so the line search finds no step along it that lowers "
                "the cost, and the optimiser gives up. A gradient check catches this in "
                "seconds (notebook 04).")
    if key == "large_lambda":
        return (f"the weights have shrunk to RMS {num('rms_W1', '.2g', 'about 2e-4')}: weight "
                "decay won, every unit gives (almost) the same output for every patch, the "
                "network outputs the average patch whatever comes in, and the cost "
                f"{num('cost', '.3g', '0.492')} is that of reconstructing every patch by the "
                "average patch. The biases alone hold rho_hat at rho, so the sparsity term "
                "is satisfied too.")
    if key == "no_sparsity":
        return (f"mean rho_hat = {num('rho_hat', '.2g', 'about 0.5')}, nowhere near "
                "rho = 0.01: with beta = 0 nothing pulls the activations down, so the units "
                "sit in the middle of the sigmoid and share the work as a distributed code. "
                f"Its cost{' ' + num('cost', '.3g', '') if 'cost' in r else ''} is the lowest "
                "of all, since no penalty "
                "is paid -- a lower cost does not mean better features.")
    return ""


def check_failure_diagnosis(answer, table=None):
    """Predict-then-check: ``answer`` maps each letter A-D to a key of FAILURE_CAUSES.

    ``table`` is what :func:`failure_table` returned; its numbers are quoted in the
    explanations. Every letter gets its verdict and the reason that gives it away.
    """
    keys = ", ".join(f"'{k}'" for k in FAILURE_CAUSES)
    template = "{'A': ..., 'B': ..., 'C': ..., 'D': ...}"
    if answer is None or (isinstance(answer, dict) and all(v in (None, ...) for v in answer.values())):
        print(f"✗ failure diagnosis: not answered yet -- set `answer = {template}` with one "
              f"of {keys} for each letter (decide first, then check).")
        return False
    if not isinstance(answer, dict):
        print(f"✗ failure diagnosis: `answer` must be a dict like {template}, "
              f"got {type(answer).__name__}.")
        return False
    given = {str(k).strip().upper(): v for k, v in answer.items()}
    unknown_letters = sorted(set(given) - set(_N05_MYSTERY))
    problems = []
    if unknown_letters:
        problems.append(f"there is no run {', '.join(unknown_letters)}; the runs are A, B, C, D")
    correct = 0
    lines = []
    for letter, truth in _N05_MYSTERY.items():
        row = table.get(letter) if isinstance(table, dict) else None
        guess = given.get(letter)
        if guess in (None, ...):
            problems.append(f"{letter}: no answer yet")
            continue
        guess_key = str(guess).strip().lower()
        if guess_key not in FAILURE_CAUSES:
            problems.append(f"{letter}: {guess!r} is not one of {keys}")
            continue
        if guess_key == truth:
            correct += 1
            lines.append(f"  ✓ {letter} = {truth}: {_explain(truth, row)}")
        else:
            lines.append(f"  ✗ {letter} is not {guess_key} but {truth}: "
                         f"{_explain(truth, row)}")
    used = [str(v).strip().lower() for v in given.values() if v not in (None, ...)]
    duplicates = sorted({u for u in used if used.count(u) > 1 and u in FAILURE_CAUSES})
    if duplicates:
        problems.append(f"each cause produced exactly one run, but you used "
                        f"{', '.join(duplicates)} more than once")
    ok = correct == len(_N05_MYSTERY) and not problems
    if ok:
        print("✓ failure diagnosis: all four right.")
    else:
        print(f"✗ failure diagnosis: {correct} of {len(_N05_MYSTERY)} right.")
    for p in problems:
        print(f"  - {p}")
    for line in lines:
        print(line)
    return ok


# --- Exercise 3: patches from your own photographs -----------------------------------------

def check_patches_from_photos(patches_from_photos):
    """Check ``patches_from_photos(images, num_patches=10000, rng=None)``.

    ``images``: raw photographs, (n_images, height, width) as :func:`sae_lib.load_images`
    returns them. The answer: 8x8 patches of the *whitened* images, normalised to
    [0.1, 0.9] -- ``sample_images(whiten_images(images), 8, num_patches, rng=rng)``, shape
    (64, num_patches). Checks shape, range, per-patch mean, that the images were
    whitened (pixels two apart barely correlate), that ``rng`` and ``num_patches`` and
    ``images`` are used, and that the input is left unchanged; names the usual slips.
    """
    fb = Feedback("patches_from_photos")
    raw = _load_natural_images(whiten=False)
    n = 2000
    what = f"the 10 shipped photographs (raw), num_patches={n}, rng=0"
    arg = raw.copy()
    ok, value = call_learner(fb, patches_from_photos, arg, num_patches=n, rng=0)
    if not ok:
        return fb.report()
    if not np.array_equal(arg, raw):
        fb.fail(f"{what}: your function changed the images it was given; work on a copy "
                "(whiten_images returns a new array)")
    got = as_array(fb, value, what)
    if got is None:
        return fb.report()
    white = _whiten_images(raw)
    candidates = [
        (_sample_images(raw, 8, n, rng=0),
         "these are patches of the raw photographs: whiten them first, "
         "whiten_images(images), then sample"),
        (_sample_images(white, 8, n, rng=0, normalize=False),
         "whitened but not normalised: sample_images(..., normalize=True) (the default) maps "
         "the patches into [0.1, 0.9]"),
        (_sample_images(_whiten_images(white), 8, n, rng=0),
         "you whitened twice (whiten_images of already whitened images); once is enough"),
    ]
    expected = _sample_images(white, 8, n, rng=0)
    if got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=1e-9):
        candidates = []
    for cand, message in candidates:
        if got.shape == cand.shape and np.allclose(got, cand, rtol=0, atol=1e-9):
            fb.fail(f"{what}: {message}")
            return fb.report()
    if got.shape != (64, n):
        if got.shape == (n, 64):
            fb.fail(f"{what}: shape {got.shape} -- one patch per column, please: "
                    f"(64, {n}); sample_images already returns that layout")
        elif got.ndim == 2 and got.shape[0] == 64:
            fb.fail(f"{what}: {got.shape[1]} patches instead of num_patches = {n}; pass "
                    "num_patches on to sample_images")
        elif got.ndim == 2 and got.shape[1] == n:
            fb.fail(f"{what}: patches of {got.shape[0]} pixels; 8x8 patches have 64 "
                    "(patch_size=8)")
        else:
            fb.fail(f"{what}: expected shape (64, {n}), yours has shape {got.shape}")
        return fb.report()
    if not np.isfinite(got).all():
        fb.fail(f"{what}: your patches contain NaN or infinite values")
        return fb.report()
    lo, hi = float(got.min()), float(got.max())
    if hi > 1.5:
        fb.fail(f"{what}: values go up to {hi:.4g}: the patches are not normalised -- "
                "sample_images(..., normalize=True) (or normalize_data) maps them into "
                "[0.1, 0.9]")
    elif lo < 0.1 - 1e-9 or hi > 0.9 + 1e-9:
        fb.fail(f"{what}: values range over [{lo:.3g}, {hi:.3g}]; UFLDL's normalisation "
                "maps them into [0.1, 0.9] (sigmoid outputs can never reach 0 or 1)")
    else:
        offset = float(np.mean(np.abs(got.mean(axis=0) - 0.5)))
        if offset > 0.03:
            fb.fail(f"{what}: the patches' own means are on average {offset:.3g} away from "
                    "0.5: each patch's mean must be removed before the rescaling "
                    "(normalize_data does that)")
    corr2 = _neighbour_correlation(got, 2)
    if corr2 > 0.2:
        fb.fail(f"{what}: pixels two apart correlate at {corr2:.2f}; in patches of "
                f"whitened photographs they hardly do ({_neighbour_correlation(_sample_images(white, 8, n, rng=0), 2):.2f}). "
                "Call whiten_images(images) before sampling")
    if fb.problems:
        return fb.report()

    ok, again = call_learner(fb, patches_from_photos, raw.copy(), num_patches=n, rng=0)
    if ok:
        again = as_array(fb, again, "the same call again")
        if again is not None and (again.shape != got.shape or not np.array_equal(again, got)):
            fb.fail("called twice with rng=0 you return different patches: pass rng on to "
                    "sample_images (rng=rng) so that a seed reproduces the patches")
    ok, other_seed = call_learner(fb, patches_from_photos, raw.copy(), num_patches=n, rng=1)
    if ok:
        other_seed = as_array(fb, other_seed, "rng=1")
        if other_seed is not None and other_seed.shape == got.shape and np.array_equal(other_seed, got):
            fb.fail("rng=0 and rng=1 give the same patches: your function ignores rng (a fixed "
                    "seed inside?) -- pass rng on to sample_images")
    ok, other_images = call_learner(fb, patches_from_photos, raw[::-1].copy(), num_patches=n,
                                    rng=0)
    if ok:
        other_images = as_array(fb, other_images, "the photographs in reverse order")
        if other_images is not None and other_images.shape == got.shape and np.array_equal(other_images, got):
            fb.fail("different images give the same patches: your function ignores its "
                    "`images` argument")
    ok, small = call_learner(fb, patches_from_photos, raw[:2].copy(), num_patches=300, rng=0)
    if ok:
        small = as_array(fb, small, "two photographs, num_patches=300")
        if small is not None and small.shape != (64, 300):
            fb.fail(f"two photographs, num_patches=300: expected shape (64, 300), yours has "
                    f"shape {small.shape}")
    return fb.report()


# --- Exercise 4: the orientation of a filter -------------------------------------------------
def _gabor(theta_deg, frequency=0.2, phase=0.0, sigma=2.5, centre=(3.5, 3.5), size=8):
    """An 8x8 Gabor filter whose stripes run at theta_deg (0 = horizontal, y axis up)."""
    theta = np.radians(theta_deg)
    rows, cols = np.mgrid[0:size, 0:size].astype(float)
    x = cols - centre[1]
    y = -(rows - centre[0])                          # the picture's y axis points up
    across = -np.sin(theta) * x + np.cos(theta) * y  # distance across the stripes
    envelope = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return np.cos(2 * np.pi * frequency * across + phase) * envelope


_N05_ORIENTATION_CASES = [
    (0, dict()), (90, dict(phase=np.pi / 2)), (45, dict()), (135, dict(phase=1.0)),
    (20, dict(frequency=0.25)), (70, dict(phase=np.pi / 2, frequency=0.18)),
    (110, dict(sigma=2.0)), (160, dict(phase=2.0, frequency=0.22)),
    (30, dict(centre=(2.5, 4.5))), (150, dict(sigma=100.0)),   # a plain grating
]


def _angle_error(got, expected):
    """Signed difference got - expected folded into (-90, 90] degrees."""
    d = (got - expected) % 180.0
    return d - 180.0 if d > 90.0 else d


def check_filter_orientation(filter_orientation, tolerance=10.0):
    """Check ``filter_orientation(w)``: the direction of the stripes of an 8x8 filter.

    ``w`` is (8, 8), rows top to bottom as on screen (``W1[j].reshape(8, 8)``). The answer
    is in degrees, in [0, 180), counter-clockwise from the horizontal with the picture's y
    axis pointing up: horizontal stripes are 0, vertical ones 90, stripes rising to the
    right 45. Tested on Gabor filters and a grating at known angles, within
    ``tolerance`` degrees. Recognises: the stripes' normal (gradient direction) instead of
    the stripes, angles mirrored by a downward y axis, radians, values outside [0, 180).
    """
    fb = Feedback("filter_orientation")
    results = []
    for theta, kwargs in _N05_ORIENTATION_CASES:
        w = _gabor(theta, **kwargs)
        arg = w.copy()
        ok, value = call_learner(fb, filter_orientation, arg)
        if not ok:
            return fb.report()
        if not np.array_equal(arg, w):
            fb.fail("your function changed the filter it was given; work on a copy")
            return fb.report()
        if value is None:
            fb.fail("your function returned None (did you forget `return`?)")
            return fb.report()
        try:
            got = float(np.asarray(value, dtype=float).reshape(()))
        except (TypeError, ValueError):
            shape = np.shape(value) if not isinstance(value, (str, bytes)) else "a string"
            fb.fail(f"return one number (the angle in degrees); yours returned "
                    f"{type(value).__name__} {shape}")
            return fb.report()
        if not np.isfinite(got):
            fb.fail(f"for stripes at {theta} degrees your function returned {got}")
            return fb.report()
        results.append((theta, got))
    thetas = np.array([t for t, _ in results], dtype=float)
    gots = np.array([g for _, g in results])

    def fits(predicted):
        return all(abs(_angle_error(g, p)) <= tolerance for g, p in zip(gots, predicted))

    if fits(thetas):
        outside = [(t, g) for t, g in results if not 0.0 <= g < 180.0]
        if outside:
            t, g = outside[0]
            fb.fail(f"the angles are right but not all in [0, 180): for stripes at {t} "
                    f"degrees yours is {g:.4g}; an orientation repeats every 180 degrees, "
                    "so return angle % 180")
        return fb.report()
    if np.all(np.abs(gots) <= np.pi + 1e-9) and all(
            abs(_angle_error(np.degrees(g), t)) <= tolerance for t, g in results):
        fb.fail("your angles are in radians; return degrees (np.degrees)")
    elif fits(thetas + 90):
        fb.fail("your angles are off by 90 degrees everywhere: you returned the direction "
                "in which the filter changes fastest (across the stripes, the peak of its "
                "spectrum); the stripes -- the edge -- run perpendicular to it: add 90")
    elif fits(-thetas):
        fb.fail("your angles are mirrored (stripes at 30 degrees come out at 150): row "
                "indices grow downward, but the picture's y axis points up -- use -row (or "
                "the negated row frequency) as y")
    elif fits(90 - thetas):
        fb.fail("your angles are mirrored and off by 90 degrees: the y axis points up (use "
                "-row as y), and the stripes run perpendicular to the direction of fastest "
                "change (add 90)")
    else:
        bad = [(t, g) for t, g in results if abs(_angle_error(g, t)) > tolerance]
        shown = "; ".join(f"stripes at {t} degrees -> yours {g:.4g}" for t, g in bad[:3])
        fb.fail(f"{len(bad)} of {len(results)} test filters are off by more than "
                f"{tolerance:g} degrees: {shown}")
    return fb.report()
