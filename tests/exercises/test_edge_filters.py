"""Checkers of notebook 05's exercises: a correct answer passes, each planted mistake is
reported with the right message, and no learner bug makes a checker raise."""

import numpy as np
import pytest

from sae_lib import load_natural_images, pack_parameters, sample_images, train, whiten_images
from sae_lib.exercises import (FAILURE_CAUSES, check_failure_diagnosis,
                               check_filter_orientation, check_patches_from_photos,
                               check_silent_units, failure_table)
from sae_lib.training import TrainResult

RIGHT = {"A": "no_whitening", "B": "wrong_delta", "C": "large_lambda", "D": "no_sparsity"}


def run_check(capsys, check, *args):
    ok = check(*args)
    return ok, capsys.readouterr().out


# --- Exercise 1: the unit that never fires ---------------------------------------------------------
def model_with_silent(silent, data, hidden=5, seed=0):
    """A 64-input sigmoid model whose units ``silent`` answer about 0.01 to every patch.

    The other units have steep random filters, their biases set from ``data`` so that each
    is above 0.5 on the top 1% of the patches -- unit 0 on the top 0.1% only, which gives
    it the smallest rho_hat of all although it fires."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, 1.0, size=(hidden, 64))
    W1 *= 40.0 / np.linalg.norm(W1 @ (data - data.mean(axis=1, keepdims=True)), axis=1,
                                keepdims=True) * np.sqrt(data.shape[1])
    z = W1 @ data
    b1 = -np.quantile(z, 0.99, axis=1)
    b1[0] = -np.quantile(z[0], 0.999)
    for j in silent:
        W1[j] *= 0.01                                # activations vary a little
        b1[j] = np.log(0.01 / 0.99)                  # around sigmoid(b1) = 0.01
    W2 = rng.normal(0.0, 0.1, size=(64, hidden))
    theta = pack_parameters(W1, W2, b1, np.zeros(64))
    return TrainResult(theta=theta, visible_size=64, hidden_size=hidden, lambda_=1e-4,
                       sparsity_param=0.01, beta=3.0)


@pytest.fixture(scope="module")
def silent_case():
    data = sample_images(load_natural_images(), num_patches=3000, rng=0)
    model = model_with_silent([3], data)
    a2 = model.hidden_activations(data)
    peak, rho_hat = a2.max(axis=1), a2.mean(axis=1)
    assert np.flatnonzero(peak < 0.5).tolist() == [3]        # the fixture is what it says
    assert int(np.argmin(rho_hat)) == 0 and peak[0] > 0.5
    assert int(np.argmax(peak)) != 3
    assert peak[3] > 1.5 * rho_hat[3]                         # peak and rho_hat differ
    return model, data, rho_hat, peak


def test_the_silent_unit_and_its_rho_hat_pass(capsys, silent_case):
    model, data, rho_hat, _ = silent_case
    ok, out = run_check(capsys, check_silent_units, {"units": 3, "rho_hat": rho_hat[3]},
                        model, data)
    assert ok is True, out
    assert "Unit 3 never rises above 0.5" in out
    assert f"still has rho_hat = {rho_hat[3]:.2g}, on target rho = 0.01" in out
    # as a list, and rho_hat read off to 3 figures
    ok, out = run_check(capsys, check_silent_units,
                        {"units": [3], "rho_hat": float(f"{rho_hat[3]:.3g}")}, model, data)
    assert ok is True, out


@pytest.mark.parametrize("answer,message", [
    (None, "not answered yet"),
    ({"units": ..., "rho_hat": ...}, "not answered yet"),
    ([3], "must be a dict"),
    ({"units": 4, "rho_hat": 0.01}, "you counted from 1"),
    ({"units": 0, "rho_hat": 0.01}, "has the smallest rho_hat"),
    ({"units": 7, "rho_hat": 0.01}, "there is no unit 7"),
    ({"units": [0, 1, 2, 3, 4], "rho_hat": 0.01}, "not every unit"),
    ({"units": [2, 3], "rho_hat": 0.01}, "unit 2 does rise above 0.5"),
    ({"units": [], "rho_hat": 0.01}, "you missed unit(s) 3"),
    ({"units": "3", "rho_hat": 0.01}, "give the unit index as an int"),
    ({"units": [3.5], "rho_hat": 0.01}, "is not a unit index"),
    ({"units": True, "rho_hat": 0.01}, "is not a unit index"),
    ({"units": 3}, '"rho_hat": no answer yet'),
    ({"units": 3, "rho_hat": 0.05}, "the browser gives 0.00"),
    ({"units": 3, "rho_hat": 0.02}, "yours is 0.02"),
    ({"units": 3, "rho_hat": "low"}, "give one number per unit"),
])
def test_silent_unit_mistakes_are_named(capsys, silent_case, answer, message):
    model, data, _, _ = silent_case
    ok, out = run_check(capsys, check_silent_units, answer, model, data)
    assert ok is False
    assert message in out, out


def test_peak_given_as_rho_hat_and_the_loudest_unit(capsys, silent_case):
    model, data, rho_hat, peak = silent_case
    ok, out = run_check(capsys, check_silent_units, {"units": 3, "rho_hat": 100 * rho_hat[3]},
                        model, data)
    assert ok is False and "that is a percentage" in out, out
    ok, out = run_check(capsys, check_silent_units, {"units": 3, "rho_hat": peak[3]}, model, data)
    assert ok is False and "that is the peak activation" in out, out
    loudest = int(np.argmax(peak))
    ok, out = run_check(capsys, check_silent_units, {"units": loudest, "rho_hat": 0.01},
                        model, data)
    assert ok is False and "the wrong end of the order" in out, out


def test_several_silent_units_and_none(capsys):
    data = sample_images(load_natural_images(), num_patches=1000, rng=1)
    model = model_with_silent([1, 4], data)
    rho_hat = model.hidden_activations(data).mean(axis=1)
    ok, out = run_check(capsys, check_silent_units,
                        {"units": [4, 1], "rho_hat": [rho_hat[1], rho_hat[4]]}, model, data)
    assert ok is True, out
    ok, out = run_check(capsys, check_silent_units, {"units": [1], "rho_hat": rho_hat[1]},
                        model, data)
    assert ok is False and "you missed unit(s) 4" in out
    ok, out = run_check(capsys, check_silent_units, {"units": [1, 4], "rho_hat": [0.01, 0.2]},
                        model, data)
    assert ok is False and "the browser gives" in out
    none_silent = model_with_silent([], data)
    ok, out = run_check(capsys, check_silent_units, {"units": [], "rho_hat": None},
                        none_silent, data)
    assert ok is True and "every unit rises above 0.5" in out
    ok, out = run_check(capsys, check_silent_units, {"units": [2], "rho_hat": 0.01},
                        none_silent, data)
    assert ok is False and "unit 2 does rise above 0.5" in out


# --- Exercise 2: failure diagnosis ----------------------------------------------------------------
@pytest.fixture(scope="module")
def runs():
    """Four tiny runs with the signatures of the gallery (few patches, few iterations)."""
    white = sample_images(load_natural_images(), num_patches=400, rng=0)
    raw = sample_images(load_natural_images(whiten=False), num_patches=400, rng=0)
    short = dict(max_iter=15, rng=1, progress=False)
    return {"no_sparsity": (train(white, 4, beta=0.0, **short), white),
            "large_lambda": (train(white, 4, lambda_=0.1, **short), white),
            "no_whitening": (train(raw, 4, **short), raw),
            "wrong_delta": (train(white, 4, **short), white)}


def test_failure_table_prints_the_fixed_letters_and_returns_rows(runs, capsys):
    rows = failure_table(runs, reference=runs["no_sparsity"])
    out = capsys.readouterr().out.splitlines()
    assert "iterations" in out[0] and "corr. 2 px apart" in out[0]
    assert [line.split()[0] for line in out[1:]] == ["good", "A", "B", "C", "D"]
    assert list(rows) == ["ref", "A", "B", "C", "D"]
    for letter, key in RIGHT.items():
        result, data = runs[key]
        assert rows[letter]["iterations"] == result.n_iter
        assert rows[letter]["cost"] == pytest.approx(result.cost)
        assert rows[letter]["rho_hat"] == pytest.approx(result.hidden_activations(data).mean())
        assert rows[letter]["rms_W1"] == pytest.approx(np.sqrt(np.mean(result.W1 ** 2)))
    assert rows["A"]["corr2"] > 0.25 > abs(rows["B"]["corr2"])   # raw vs whitened data
    assert rows["C"]["rms_W1"] < rows["D"]["rms_W1"] / 5          # lambda = 0.1 shrinks W1
    with pytest.raises(ValueError, match="lacks"):
        failure_table({"no_sparsity": runs["no_sparsity"]})


def test_right_diagnosis_passes_and_quotes_the_numbers(runs, capsys):
    table = failure_table(runs)
    capsys.readouterr()
    ok, out = run_check(capsys, check_failure_diagnosis, dict(RIGHT), table)
    assert ok is True
    assert out.startswith("✓ failure diagnosis: all four right.")
    assert f"pixels two apart still correlate at {table['A']['corr2']:.2f}" in out
    assert f"stopped after {table['B']['iterations']} iterations" in out
    assert f"RMS {table['C']['rms_W1']:.2g}" in out


def test_diagnosis_without_table_still_explains(capsys):
    ok, out = run_check(capsys, check_failure_diagnosis, {k.lower(): v.upper() for k, v in RIGHT.items()})
    assert ok is True   # letters and causes are case-insensitive
    assert "about 0.3" in out and "a few" in out


def test_wrong_letters_are_named_with_the_true_cause(capsys):
    answer = dict(RIGHT, A="no_sparsity", D="no_whitening")
    ok, out = run_check(capsys, check_failure_diagnosis, answer)
    assert ok is False
    assert "2 of 4 right" in out
    assert "✗ A is not no_sparsity but no_whitening" in out
    assert "✗ D is not no_whitening but no_sparsity" in out
    assert "✓ B = wrong_delta" in out


@pytest.mark.parametrize("answer,message", [
    (None, "not answered yet"),
    ({"A": ..., "B": ..., "C": ..., "D": ...}, "not answered yet"),
    (["no_whitening"], "must be a dict"),
    (dict(RIGHT, B="gradient"), "'gradient' is not one of"),
    (dict(RIGHT, E="no_sparsity"), "there is no run E"),
    (dict(RIGHT, C=...), "C: no answer yet"),
    (dict(RIGHT, C="no_sparsity"), "used no_sparsity more than once"),
])
def test_malformed_answers_are_explained(capsys, answer, message):
    ok, out = run_check(capsys, check_failure_diagnosis, answer)
    assert ok is False
    assert message in out


def test_failure_causes_are_the_four_keys():
    assert set(FAILURE_CAUSES) == set(RIGHT.values())


# --- Exercise 3: patches from photographs ----------------------------------------------------------
def correct_patches(images, num_patches=10000, rng=None):
    return sample_images(whiten_images(images), patch_size=8, num_patches=num_patches, rng=rng)


def test_correct_patches_pass(capsys):
    ok, out = run_check(capsys, check_patches_from_photos, correct_patches)
    assert ok is True
    assert "✓ patches_from_photos: all checks passed" in out


def test_an_own_whitening_and_normalisation_passes(capsys):
    """Statistically right patches made another way are accepted (not only the library's)."""
    def own(images, num_patches=10000, rng=None):
        gen = np.random.default_rng(rng)
        white = whiten_images(images, f0=0.35)
        k = gen.integers(len(white), size=num_patches)
        r = gen.integers(white.shape[1] - 7, size=num_patches)
        c = gen.integers(white.shape[2] - 7, size=num_patches)
        p = np.stack([white[i, a:a + 8, b:b + 8].ravel() for i, a, b in zip(k, r, c)], axis=1)
        p = p - p.mean(axis=0)
        s = 3 * p.std()
        return (np.clip(p, -s, s) / s + 1) * 0.4 + 0.1
    ok, out = run_check(capsys, check_patches_from_photos, own)
    assert ok is True, out


def stub(images, num_patches=10000, rng=None):
    raise NotImplementedError


def twice_whitened(images, num_patches=10000, rng=None):
    return correct_patches(whiten_images(images), num_patches, rng)


def in_place(images, num_patches=10000, rng=None):
    images -= images.mean()
    return correct_patches(images, num_patches, rng)


def fixed_seed(images, num_patches=10000, rng=None):
    return correct_patches(images, num_patches, rng=7)


def ignores_images(images, num_patches=10000, rng=None):
    return sample_images(load_natural_images(), num_patches=num_patches, rng=rng)


def scaled_to_unit(images, num_patches=10000, rng=None):
    return (correct_patches(images, num_patches, rng) - 0.1) / 0.8


@pytest.mark.parametrize("fn,message", [
    (stub, "not implemented yet"),
    (lambda images, num_patches=10000, rng=None: None, "returned None"),
    (lambda images, num_patches=10000, rng=None: "patches", "not an array of numbers"),
    (lambda images, num_patches=10000, rng=None: 1 / 0, "raised ZeroDivisionError"),
    (lambda images, num_patches=10000, rng=None: sample_images(images, 8, num_patches, rng=rng),
     "patches of the raw photographs: whiten them first"),
    (lambda images, num_patches=10000, rng=None: sample_images(whiten_images(images), 8,
                                                               num_patches, rng=rng,
                                                               normalize=False),
     "whitened but not normalised"),
    (twice_whitened, "you whitened twice"),
    (lambda images, num_patches=10000, rng=None: correct_patches(images, num_patches, rng).T,
     "one patch per column"),
    (lambda images, num_patches=10000, rng=None: correct_patches(images, 10000, rng),
     "10000 patches instead of num_patches = 2000"),
    (lambda images, num_patches=10000, rng=None: sample_images(whiten_images(images), 6,
                                                               num_patches, rng=rng),
     "patches of 36 pixels; 8x8 patches have 64"),
    (lambda images, num_patches=10000, rng=None: correct_patches(images, num_patches, rng)[:, :, None],
     "expected shape (64, 2000)"),
    (lambda images, num_patches=10000, rng=None: np.full((64, num_patches), np.nan),
     "NaN or infinite"),
    (lambda images, num_patches=10000, rng=None: 255 * correct_patches(images, num_patches, rng),
     "not normalised"),
    (scaled_to_unit, "maps them into [0.1, 0.9]"),
    (lambda images, num_patches=10000, rng=None: sample_images(images, 8, num_patches,
                                                               rng=1000 + rng),
     "pixels two apart correlate at"),
    (in_place, "changed the images it was given"),
    (lambda images, num_patches=10000, rng=None: correct_patches(images, num_patches),
     "called twice with rng=0 you return different patches"),
    (fixed_seed, "ignores rng"),
    (ignores_images, "ignores its `images` argument"),
])
def test_planted_mistakes_are_named(capsys, fn, message):
    ok, out = run_check(capsys, check_patches_from_photos, fn)
    assert ok is False
    assert message in out, out


def test_patches_whose_means_were_not_removed(capsys):
    def keeps_means(images, num_patches=10000, rng=None):
        p = correct_patches(images, num_patches, rng)
        shift = np.random.default_rng(5).uniform(-0.2, 0.2, size=p.shape[1])
        return np.clip(p + shift, 0.1, 0.9)
    ok, out = run_check(capsys, check_patches_from_photos, keeps_means)
    assert ok is False
    assert "each patch's mean must be removed" in out


def test_ignoring_num_patches_for_small_calls(capsys):
    def always_2000(images, num_patches=10000, rng=None):
        return correct_patches(images, 2000, rng)
    ok, out = run_check(capsys, check_patches_from_photos, always_2000)
    assert ok is False
    assert "expected shape (64, 300)" in out


# --- Exercise 4: filter orientation ----------------------------------------------------------------
def orientation(w):
    w = np.asarray(w, dtype=float)
    power = np.abs(np.fft.fft2(w - w.mean(), s=(64, 64))) ** 2
    row, col = np.unravel_index(np.argmax(power), power.shape)
    across = np.degrees(np.arctan2(-np.fft.fftfreq(64)[row], np.fft.fftfreq(64)[col]))
    return float((across + 90) % 180)


def structure_tensor_orientation(w):
    """Another correct method: the dominant gradient direction, turned by 90 degrees."""
    w = np.asarray(w, dtype=float)
    gy, gx = np.gradient(w)
    gy = -gy                                   # y up
    jxx, jyy, jxy = (gx * gx).sum(), (gy * gy).sum(), (gx * gy).sum()
    across = 0.5 * np.degrees(np.arctan2(2 * jxy, jxx - jyy))
    return float((across + 90) % 180)


def test_correct_orientations_pass(capsys):
    for fn in (orientation, structure_tensor_orientation):
        ok, out = run_check(capsys, check_filter_orientation, fn)
        assert ok is True, out
        assert "✓ filter_orientation: all checks passed" in out


def modifies(w):
    w -= w.mean()
    return orientation(w)


@pytest.mark.parametrize("fn,message", [
    (lambda w: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
    (lambda w: w[8, 8], "raised IndexError"),
    (lambda w: np.radians(orientation(w)), "in radians"),
    (lambda w: (orientation(w) + 90) % 180, "off by 90 degrees everywhere"),
    (lambda w: (-orientation(w)) % 180, "mirrored (stripes at 30 degrees come out at 150)"),
    (lambda w: (90 - orientation(w)) % 180, "mirrored and off by 90 degrees"),
    (lambda w: orientation(w) - 180, "not all in [0, 180)"),
    (lambda w: orientation(w) + 180, "not all in [0, 180)"),
    (lambda w: [orientation(w), 0.0], "return one number"),
    (lambda w: None, "returned None"),
    (lambda w: "up", "return one number"),
    (lambda w: float("nan"), "returned nan"),
    (lambda w: 3.0, "9 of 10 test filters are off"),
    (modifies, "changed the filter it was given"),
])
def test_orientation_mistakes_are_named(capsys, fn, message):
    ok, out = run_check(capsys, check_filter_orientation, fn)
    assert ok is False
    assert message in out, out


def test_checkers_return_booleans_for_stubs(capsys):
    def orientation_stub(w):
        raise NotImplementedError
    assert check_filter_orientation(orientation_stub) is False
    assert check_patches_from_photos(stub) is False
    assert check_failure_diagnosis(None) is False
    assert "not implemented yet" in capsys.readouterr().out
