"""Checkers of notebook 06 (exploring rho and beta): predict-then-check questions answered
from the precomputed grid, and the smallest beta that holds rho_hat near rho.
"""

from __future__ import annotations

import numpy as np

from .feedback import Feedback, call_learner

__all__ = [
    "RHO_HALF_OPTIONS",
    "BETA_ZERO_OPTIONS",
    "PENALTY_SHARE_OPTIONS",
    "check_rho_half_prediction",
    "check_beta_zero_prediction",
    "check_penalty_share_prediction",
    "check_smallest_beta",
    "filter_smoothness",
]


def filter_smoothness(W1, patch_shape=(8, 8)):
    """How smooth each filter is: the correlation of neighbouring weights.

    For each row w of W1 (one filter), reshaped to ``patch_shape`` and with its mean
    removed: the sum of w_p w_q over all pairs of horizontally or vertically adjacent
    pixels, divided by the mean of w_p^2 + w_q^2 over the same pairs. An edge detector,
    smooth along its edge, scores high; a speckled, noisy pattern scores low (0 for
    independent random weights, -1 for a checkerboard). Returns one number per filter.
    """
    W = np.asarray(W1, dtype=float).reshape(-1, *patch_shape)
    W = W - W.mean(axis=(1, 2), keepdims=True)
    pairs = [(W[:, 1:, :], W[:, :-1, :]), (W[:, :, 1:], W[:, :, :-1])]
    num = sum((p * q).sum(axis=(1, 2)) for p, q in pairs)
    den = sum((0.5 * (p**2 + q**2)).sum(axis=(1, 2)) for p, q in pairs)
    return num / den


def _explorer_grid():
    from ..widgets import load_explorer_grid

    return load_explorer_grid()


def _check_choice(name, answer, options, correct, explain):
    """A predict-then-check question: compare the learner's letter, then explain."""
    letters = ", ".join(f"'{k}'" for k in options)
    if answer is None:
        print(f"✗ {name}: not answered yet -- in the cell above, replace None by your "
              f"prediction, one of {letters} (predict first, then check).")
        return False
    key = str(answer).strip().lower().strip("()")
    if key not in options:
        print(f"✗ {name}: {answer!r} is not one of the options {letters}.")
        return False
    if key == correct:
        print(f"✓ {name}: right, ({key}) {options[key]}.")
        print(f"  {explain()}")
        return True
    print(f"✗ {name}: you predicted ({key}) {options[key]} -- the trained models say "
          f"({correct}) {options[correct]}.")
    print(f"  {explain()}")
    return False


# --- Exercise 1: rho -> 0.5 -------------------------------------------------------------
RHO_HALF_OPTIONS = {
    "a": "the same clean edge detectors as at rho = 0.01",
    "b": "rough, speckled patterns without clear edges, much like the network without "
         "sparsity (beta = 0)",
    "c": "noise: every unit switches off",
}


def check_rho_half_prediction(answer):
    """Predict: with beta = 3, what do the filters become when rho goes up to 0.464?"""
    def explain():
        g = _explorer_grid()
        i01, j3 = g.find(0.01, 3.0)
        ihalf, j0 = len(g.rho) - 1, 0
        s = {k: filter_smoothness(g.model(*k).W1).mean()
             for k in [(i01, j3), (ihalf, j3), (ihalf, j0)]}
        return (f"At rho = {g.rho[ihalf]:.3g} every unit is asked to be on about half the "
                f"time (mean rho_hat_j = {g.mean_activation[ihalf, j3]:.3f}), close to what "
                f"the network does without any penalty ({g.mean_activation[ihalf, j0]:.3f} "
                "at beta = 0): the sparsity constraint no longer constrains. So the filters "
                "look like the non-sparse network's and so does the reconstruction error: "
                f"{g.reconstruction_error[ihalf, j3]:.3g} (beta = 0: "
                f"{g.reconstruction_error[ihalf, j0]:.3g}; rho = 0.01: "
                f"{g.reconstruction_error[i01, j3]:.3g}). Neighbouring weights agree far "
                f"less (filter_smoothness {s[(ihalf, j3)]:.2f}, beta = 0: {s[(ihalf, j0)]:.2f}) "
                f"than in the edge detectors at rho = 0.01 ({s[(i01, j3)]:.2f}).")
    return _check_choice("rho -> 0.5", answer, RHO_HALF_OPTIONS, "b", explain)


# --- Exercise 2: beta = 0 ---------------------------------------------------------------
BETA_ZERO_OPTIONS = {
    "a": "the rho_hat_j follow the target rho as you move it",
    "b": "nothing changes as you move rho: one and the same model for every rho",
    "c": "the rho_hat_j all drop to about 0",
}


def check_beta_zero_prediction(answer):
    """Predict: with beta = 0, what happens as you move the rho slider?"""
    def explain():
        g = _explorer_grid()
        one_model = all(np.array_equal(g.theta[i, 0], g.theta[0, 0]) for i in range(len(g.rho)))
        rh = g.rho_hat[0, 0]
        return ("rho enters J_sparse only through beta * sum_j KL(rho || rho_hat_j); with "
                "beta = 0 that term is 0 for every rho, so training sees the same objective "
                "and finds the same weights"
                f"{' (the grid stores one model for the whole column)' if one_model else ''}. "
                f"Its units' average activations rho_hat_j lie between {rh.min():.2f} and "
                f"{rh.max():.2f} (mean {rh.mean():.2f}), whatever rho says.")
    return _check_choice("beta = 0", answer, BETA_ZERO_OPTIONS, "b", explain)


# --- Exercise 3: how big is the penalty term? -------------------------------------------
PENALTY_SHARE_OPTIONS = {
    "a": "under 5% of the cost",
    "b": "between 20% and 50% of the cost",
    "c": "over half of the cost",
}


def check_penalty_share_prediction(answer):
    """Predict: at UFLDL's rho = 0.01, beta = 3, what share of J_sparse is the penalty?"""
    def explain():
        g = _explorer_grid()
        i, j = g.find(0.01, 3.0)
        _, j0 = g.find(0.01, 0.0)
        return (f"The penalty is {100 * g.penalty_share[i, j]:.1f}% of J_sparse = "
                f"{g.cost[i, j]:.3g}: training drives every rho_hat_j close to rho "
                f"(mean {g.rho_hat[i, j].mean():.4f}), where KL is nearly 0. The penalty acts "
                "like a constraint: cheap once met, decisive for what is learned. Its real "
                "price shows in the reconstruction error: "
                f"{g.reconstruction_error[i, j]:.3g} with the penalty, "
                f"{g.reconstruction_error[i, j0]:.3g} without it (beta = 0).")
    return _check_choice("penalty share", answer, PENALTY_SHARE_OPTIONS, "a", explain)


# --- Exercise 4: the smallest beta that holds every unit near rho -----------------------
def _smallest_beta_reference(grid, rho, tolerance, use_mean=False):
    i = grid.find(rho, grid.beta[0])[0]
    for j, beta in enumerate(grid.beta):
        rh = grid.rho_hat[i, j]
        dev = np.abs(rh.mean() - rho) if use_mean else np.max(np.abs(rh - rho))
        if dev <= tolerance * rho:
            return float(beta), j
    return None, None


def check_smallest_beta(smallest_beta):
    """Check ``smallest_beta(grid, rho, tolerance)`` on every rho of the grid.

    It must return the smallest beta of the grid at which EVERY unit's rho_hat_j lies
    within ``tolerance * rho`` of ``rho`` (|rho_hat_j - rho| <= tolerance * rho for all j),
    or None when no beta of the grid achieves that.
    """
    fb = Feedback("smallest_beta")
    g = _explorer_grid()
    for tolerance in (0.5, 0.2):
        for rho in g.rho:
            want, _ = _smallest_beta_reference(g, rho, tolerance)
            what = f"rho = {rho:.3g}, tolerance = {tolerance:g}"
            ok, got = call_learner(fb, smallest_beta, g, float(rho), tolerance)
            if not ok:
                return fb.report()
            if want is None:
                if got is not None:
                    fb.fail(f"{what}: no beta of the grid holds every unit within "
                            f"{tolerance:g} * rho, so the answer is None; yours is {got!r}")
                continue
            if got is None:
                fb.fail(f"{what}: expected beta = {want:g}, yours is None")
                continue
            try:
                got_f = float(got)
            except (TypeError, ValueError):
                fb.fail(f"{what}: return a number (a beta of the grid) or None; yours is "
                        f"{got!r}")
                continue
            if np.isclose(got_f, want):
                continue
            hint = ""
            mean_answer, _ = _smallest_beta_reference(g, rho, tolerance, use_mean=True)
            if mean_answer is not None and np.isclose(got_f, mean_answer):
                hint = (" -- that is where the MEAN of rho_hat_j gets close; the task asks "
                        "for every unit (the largest deviation)")
            elif got_f > want:
                hint = (f" -- at beta = {want:g} already every |rho_hat_j - rho| <= "
                        f"{tolerance:g} * rho; search from the smallest beta upwards")
            fb.fail(f"{what}: expected beta = {want:g}, yours is {got_f:g}{hint}")
            if len(fb.problems) >= 4:
                return fb.report()
    return fb.report()


