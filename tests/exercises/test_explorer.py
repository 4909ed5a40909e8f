"""Checkers of notebook 06 (sae_lib.exercises, section 06): predictions and smallest_beta."""

import numpy as np
import pytest

from sae_lib.exercises import (
    BETA_ZERO_OPTIONS,
    PENALTY_SHARE_OPTIONS,
    RHO_HALF_OPTIONS,
    check_beta_zero_prediction,
    check_penalty_share_prediction,
    check_rho_half_prediction,
    check_smallest_beta,
    filter_smoothness,
)
from sae_lib.widgets import load_explorer_grid


@pytest.fixture(scope="module")
def grid():
    return load_explorer_grid()


# ---------------------------------------------------------------------------------------
# filter_smoothness
# ---------------------------------------------------------------------------------------
def test_filter_smoothness_known_patterns():
    y, x = np.mgrid[0:8, 0:8]
    checker = np.where((x + y) % 2 == 0, 1.0, -1.0)
    assert filter_smoothness(checker.reshape(1, 64)) == pytest.approx(-1.0)
    ramp = x.astype(float)                      # smooth: every neighbour pair agrees closely
    assert filter_smoothness(ramp.reshape(1, 64))[0] > 0.9
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(400, 64))
    assert abs(filter_smoothness(noise).mean()) < 0.03
    # one number per filter, invariant to scale and to an added constant
    W = rng.normal(size=(5, 64))
    np.testing.assert_allclose(filter_smoothness(3 * W + 7), filter_smoothness(W))
    assert filter_smoothness(W).shape == (5,)


# ---------------------------------------------------------------------------------------
# The facts the predictions rest on hold in the shipped grid
# ---------------------------------------------------------------------------------------
def test_rho_half_facts(grid):
    i01, j3 = grid.find(0.01, 3.0)
    ih = len(grid.rho) - 1
    s = lambda i, j: filter_smoothness(grid.model(i, j).W1).mean()  # noqa: E731
    assert s(i01, j3) > s(ih, j3) + 0.15           # edges are smooth, rho = 0.46 is not
    assert abs(s(ih, j3) - s(ih, 0)) < 0.1           # ... and is like beta = 0
    assert grid.mean_activation[ih, j3] > 0.4
    assert grid.reconstruction_error[ih, j3] < 1.2 * grid.reconstruction_error[ih, 0]
    assert grid.reconstruction_error[i01, j3] > 3 * grid.reconstruction_error[ih, j3]


def test_penalty_share_fact(grid):
    i, j = grid.find(0.01, 3.0)
    assert grid.penalty_share[i, j] < 0.05


# ---------------------------------------------------------------------------------------
# Predict-then-check
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("check, options, right", [
    (check_rho_half_prediction, RHO_HALF_OPTIONS, "b"),
    (check_beta_zero_prediction, BETA_ZERO_OPTIONS, "b"),
    (check_penalty_share_prediction, PENALTY_SHARE_OPTIONS, "a"),
])
def test_predictions(check, options, right, capsys):
    assert check(None) is False
    assert "not answered yet" in capsys.readouterr().out
    assert check("z") is False
    assert "not one of the options" in capsys.readouterr().out
    for letter in options:
        ok = check(letter)
        out = capsys.readouterr().out
        assert ok is (letter == right)
        if ok:
            assert out.startswith("✓")
        else:
            assert out.startswith("✗") and f"say ({right})" in out
        # every answer gets the explanation, with numbers from the trained models
        assert any(ch.isdigit() for ch in out.splitlines()[1])
    # forgiving about case, spaces and brackets
    assert check(f" ({right.upper()}) ") is True
    capsys.readouterr()


def test_rho_half_explanation_quotes_the_grid(grid, capsys):
    check_rho_half_prediction("b")
    out = capsys.readouterr().out
    i01, j3 = grid.find(0.01, 3.0)
    assert f"{grid.reconstruction_error[i01, j3]:.3g}" in out
    assert f"{filter_smoothness(grid.model(i01, j3).W1).mean():.2f}" in out


def test_penalty_share_explanation_quotes_the_grid(grid, capsys):
    check_penalty_share_prediction("a")
    out = capsys.readouterr().out
    i, j = grid.find(0.01, 3.0)
    assert f"{100 * grid.penalty_share[i, j]:.1f}%" in out


# ---------------------------------------------------------------------------------------
# smallest_beta
# ---------------------------------------------------------------------------------------
def smallest_beta(grid, rho, tolerance):
    i, _ = grid.find(rho, 0.0)
    for j, beta in enumerate(grid.beta):
        if np.all(np.abs(grid.rho_hat[i, j] - rho) <= tolerance * rho):
            return float(beta)
    return None


def test_smallest_beta_correct(grid, capsys):
    assert check_smallest_beta(smallest_beta) is True
    assert "✓ smallest_beta" in capsys.readouterr().out
    # the reference answers of the notebook's text
    assert smallest_beta(grid, 0.01, 0.2) == 3.0
    assert smallest_beta(grid, float(grid.rho[-1]), 0.2) == 0.0


def test_smallest_beta_relative_form_passes(capsys):
    def relative(grid, rho, tolerance):
        i = int(np.argmin(np.abs(np.log(grid.rho / rho))))
        ok = np.max(np.abs(grid.rho_hat[i] / rho - 1), axis=1) <= tolerance
        return float(grid.beta[np.argmax(ok)]) if ok.any() else None

    assert check_smallest_beta(relative) is True


def test_smallest_beta_not_implemented(capsys):
    def stub(grid, rho, tolerance):
        raise NotImplementedError

    assert check_smallest_beta(stub) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_smallest_beta_mean_instead_of_every_unit(capsys):
    def mean_bug(grid, rho, tolerance):
        i, _ = grid.find(rho, 0.0)
        for j, beta in enumerate(grid.beta):
            if abs(grid.rho_hat[i, j].mean() - rho) <= tolerance * rho:
                return float(beta)
        return None

    assert check_smallest_beta(mean_bug) is False
    out = capsys.readouterr().out
    assert "rho = 0.01, tolerance = 0.2: expected beta = 3, yours is 2" in out
    assert "MEAN of rho_hat_j" in out


def test_smallest_beta_skipping_beta_zero(capsys):
    def from_one(grid, rho, tolerance):
        i, _ = grid.find(rho, 0.0)
        for j in range(1, len(grid.beta)):
            if np.all(np.abs(grid.rho_hat[i, j] - rho) <= tolerance * rho):
                return float(grid.beta[j])
        return None

    assert check_smallest_beta(from_one) is False
    out = capsys.readouterr().out
    assert "rho = 0.464, tolerance = 0.5: expected beta = 0, yours is 1" in out
    assert "search from the smallest beta upwards" in out


def test_smallest_beta_largest_instead(capsys):
    def largest(grid, rho, tolerance):
        i, _ = grid.find(rho, 0.0)
        for j in range(len(grid.beta) - 1, -1, -1):
            if np.all(np.abs(grid.rho_hat[i, j] - rho) <= tolerance * rho):
                return float(grid.beta[j])
        return None

    assert check_smallest_beta(largest) is False
    assert "expected beta = 1, yours is 10" in capsys.readouterr().out


def test_smallest_beta_none_and_junk(capsys):
    assert check_smallest_beta(lambda grid, rho, tolerance: None) is False
    assert "yours is None" in capsys.readouterr().out
    assert check_smallest_beta(lambda grid, rho, tolerance: "three") is False
    assert "return a number" in capsys.readouterr().out


def test_smallest_beta_raising(capsys):
    def broken(grid, rho, tolerance):
        return grid.no_such_thing

    assert check_smallest_beta(broken) is False
    out = capsys.readouterr().out
    assert "raised AttributeError" in out


def test_smallest_beta_wrong_tolerance_direction(capsys):
    def ratio_bug(grid, rho, tolerance):   # compares with tolerance, not tolerance * rho
        i, _ = grid.find(rho, 0.0)
        for j, beta in enumerate(grid.beta):
            if np.all(np.abs(grid.rho_hat[i, j] - rho) <= tolerance):
                return float(beta)
        return None

    assert check_smallest_beta(ratio_bug) is False
    assert "expected beta = " in capsys.readouterr().out


def test_a_learner_cannot_rewrite_the_grid_the_checker_reads(grid, capsys):
    # issue 11: an in-place change to the shared grid would change what every checker
    # (and the explorer) reads for the rest of the session; the grid is read-only
    before = grid.rho_hat.copy()

    def sorts_in_place(grid, rho, tolerance):
        grid.rho_hat.sort(axis=-1)                      # "tidy up" the data first
        return smallest_beta(grid, rho, tolerance)

    assert check_smallest_beta(sorts_in_place) is False
    assert "raised ValueError" in capsys.readouterr().out
    np.testing.assert_array_equal(grid.rho_hat, before)
    assert check_smallest_beta(smallest_beta) is True
    capsys.readouterr()
