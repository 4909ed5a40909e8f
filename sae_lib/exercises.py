"""Checkers for the exercises in the notebooks.

Each ``check_*`` function runs a learner's function on cases whose answers are known and
prints what exactly is wrong (or that all is right). It returns True when every case
passes, False otherwise -- and never raises because the learner's code is wrong or not
written yet, so a notebook still runs top to bottom with an unfinished exercise.

Sections below are per notebook; each notebook's exercises use only its own checkers.
"""

from __future__ import annotations

import traceback

import numpy as np

__all__ = ["Feedback"]


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
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        fb.fail(f"your function raised {type(exc).__name__}: {exc} "
                f"(line {tb.lineno}: `{(tb.line or '').strip()}`)")
    return False, None


# === 01 Autoencoders ====================================================================
# === end 01 =============================================================================

# === 02 Sparsity and the KL penalty =====================================================
# === end 02 =============================================================================

# === 03 Deriving the modified delta term ================================================
# === end 03 =============================================================================

# === 04 Gradient checking ===============================================================
# === end 04 =============================================================================

# === 05 Edge filters from natural images ================================================
# === end 05 =============================================================================

# === 06 Explore rho and beta ============================================================
# === end 06 =============================================================================

# === 07 Two passes for large training sets ==============================================
# === end 07 =============================================================================

# === 08 Pen strokes from digits =========================================================
# === end 08 =============================================================================

# === 09 Beyond KL: L1 and TopK ==========================================================
# === end 09 =============================================================================
