"""The toolkit every checker uses: collect findings, call the learner's code safely,
coerce what it returned, compare within a tolerance, and name a known mistake.

A checker follows one pattern (after ARENA's exercise checkers)::

    fb = Feedback("kl_divergence")
    ok, value = call_learner(fb, learner_fn, *case)   # never raises
    got = as_array(fb, value, "rho = 0.2")             # None (and a finding) if unusable
    if got is not None:
        diagnose(fb, got, expected, [
            (wrong_variant_1, "you swapped rho and rho_hat"),
            (wrong_variant_2, "the 1 - rho term is missing"),
        ], "rho = 0.2")
    return fb.report()                                 # prints; True when all passed

``diagnose`` reruns nothing itself: the checker computes each known wrong variant with the
reference code and passes it in, so the message names the bug that produced the answer.
"""

from __future__ import annotations

import traceback

import numpy as np

__all__ = [
    "Feedback",
    "call_learner",
    "as_array",
    "as_scalar",
    "same",
    "diagnose",
    "first_difference",
    "unchanged",
]


class Feedback:
    """Collects the findings of one check and prints them as a short report.

    >>> fb = Feedback("kl_divergence")
    >>> fb.fail("at rho_hat = rho the penalty must be 0, yours is 0.12")
    >>> fb.report()   # prints the title, each finding, and a verdict; returns False
    """

    def __init__(self, name):
        self.name = name
        self.problems = []

    def fail(self, message):
        self.problems.append(message)

    def expect_close(self, got, expected, what, rtol=1e-7, atol=1e-10):
        """Record a problem unless ``got`` matches ``expected`` (shape, then values)."""
        got_arr = np.asarray(got, dtype=float) if got is not None else None
        expected = np.asarray(expected, dtype=float)
        if got_arr is None:
            self.fail(f"{what}: your function returned None (did you forget `return`?)")
            return False
        if got_arr.shape != expected.shape:
            self.fail(f"{what}: expected shape {expected.shape}, yours has shape {got_arr.shape}")
            return False
        if not np.allclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=False):
            err = np.max(np.abs(got_arr - expected))
            if expected.size == 1:
                self.fail(f"{what}: expected {expected.item():.6g}, yours is {got_arr.item():.6g}")
            else:
                self.fail(f"{what}: largest difference from the expected values is {err:.3g}")
            return False
        return True

    def report(self):
        if not self.problems:
            print(f"✓ {self.name}: all checks passed.")
            return True
        print(f"✗ {self.name}: {len(self.problems)} problem(s):")
        for p in self.problems:
            print(f"  - {p}")
        return False


def call_learner(fb, fn, *args, **kwargs):
    """Call the learner's ``fn``; record NotImplementedError or an exception as a finding.

    Returns ``(ok, value)``.
    """
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        fb.fail("not implemented yet: replace the `raise NotImplementedError` line with "
                "your code")
    except Exception as exc:  # the learner's bug, reported instead of raised
        tb = _learners_frame(fn, traceback.extract_tb(exc.__traceback__))
        fb.fail(f"your function raised {type(exc).__name__}: {exc} "
                f"(line {tb.lineno}: `{(tb.line or '').strip()}`)")
    return False, None


def _learners_frame(fn, frames):
    """The innermost frame in the learner's own code (where ``fn`` was written), so that an
    error raised deep inside numpy quotes the learner's line, not numpy's; else the
    innermost frame."""
    code = getattr(fn, "__code__", None)
    filename = code.co_filename if code is not None else None
    mine = [f for f in frames if filename is not None and f.filename == filename]
    return (mine or frames)[-1]


def as_array(fb, value, what, *, finite=False):
    """The learner's return value as a float array, or None (with a finding) if unusable.

    None (a forgotten ``return``), a tuple (several values where one was asked for) and
    anything that is not numbers are named. With ``finite=True`` NaN or infinite entries
    are a finding too.
    """
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    if isinstance(value, (str, bytes)):
        fb.fail(f"{what}: your function returned {type(value).__name__} {value!r}, not an "
                "array of numbers")
        return None
    if isinstance(value, tuple):
        fb.fail(f"{what}: your function returned a tuple of {len(value)} values; return a "
                "single array (or number)")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: your function returned {type(value).__name__}, not an array of "
                "numbers")
        return None
    if finite and not np.all(np.isfinite(arr)):
        fb.fail(f"{what}: your result contains NaN or infinite values")
        return None
    return arr


def as_scalar(fb, value, what):
    """The learner's return value as a float, or None (with a finding) if it is not one number."""
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: return one number, yours returned {type(value).__name__}")
        return None
    if arr.size != 1:
        fb.fail(f"{what}: return one number, yours returned an array of shape {arr.shape}")
        return None
    return float(arr.reshape(()))


def same(got, expected, rtol=1e-7, atol=1e-12):
    """True when ``got`` has ``expected``'s shape and values within the tolerance."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def first_difference(got, expected):
    """Index and values of the entry of ``got`` that is furthest from ``expected``."""
    diff = np.abs(got - expected)
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return idx, got[idx], expected[idx]


def diagnose(fb, got, expected, candidates, what, rtol=1e-7, atol=1e-12):
    """Compare ``got`` with ``expected``; if wrong, name the known mistake it matches.

    ``candidates``: (value, message) pairs, each the result a known mistake produces
    (None values are skipped). Returns ``"right"``; ``"named"`` when a candidate matched
    or the shape alone explains the difference (its message is recorded); or
    ``"unknown"`` when the values are wrong in some other way (the finding then says
    where and by how much).
    """
    expected = np.asarray(expected, dtype=float)
    if same(got, expected, rtol, atol):
        return "right"
    for value, message in candidates:
        if value is not None and same(got, value, rtol, atol):
            fb.fail(f"{what}: {message}")
            return "named"
    if got.shape != expected.shape:
        if got.size == 1 and expected.size > 1 and np.isclose(float(got.ravel()[0]),
                                                                expected.sum()):
            fb.fail(f"{what}: you returned one number, the sum over all entries; return one "
                    f"value per entry, shape {expected.shape} (no sum)")
        else:
            fb.fail(f"{what}: expected shape {expected.shape}, yours has shape {got.shape}")
        return "named"
    generic = ("(none of the common mistakes matches; compare your code with the formula "
               "term by term)")
    if expected.ndim == 0:
        fb.fail(f"{what}: expected {float(expected):.6g}, yours is {float(got):.6g} {generic}")
    else:
        idx, g, e = first_difference(got, expected)
        where = idx[0] if len(idx) == 1 else idx
        fb.fail(f"{what}: wrong values, e.g. at index {where} expected {e:.6g}, yours is "
                f"{g:.6g} {generic}")
    return "unknown"


def unchanged(fb, originals, given, names, what):
    """True if the learner's function left its array arguments as they were; else a finding."""
    for name, orig, arg in zip(names, originals, given):
        if not np.array_equal(orig, arg):
            fb.fail(f"{what}: your function changed its argument {name} in place; compute "
                    "new arrays instead (e.g. `d = X_hat - X`, not `X_hat -= X`)")
            return False
    return True
