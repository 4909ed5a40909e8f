"""Argument checks shared by the variants modules (ValueError saying what is wrong)."""

from __future__ import annotations

import numbers

import numpy as np

from ..objective import _positive_int  # noqa: F401  (re-exported for the sibling modules)


def _check_k(k, hidden_size):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ValueError(f"k (units kept per example) must be an integer, got {k!r}.")
    if not 1 <= k <= hidden_size:
        raise ValueError(
            f"k (units kept per example) must lie between 1 and hidden_size={hidden_size}, "
            f"got {k}. k = hidden_size keeps every unit (a plain ReLU autoencoder); smaller k "
            "means sparser codes.")
    return int(k)



def _finite_nonneg(value, name):
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not np.isfinite(value)):
        raise ValueError(f"{name} must be a finite real number, got {value!r}.")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}. A negative weight would reward "
                         "what the term penalises; use 0 to switch the term off.")
    return float(value)

