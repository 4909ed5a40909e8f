"""Tests for sae_lib.variants.sweep: the protocol's functions and the shipped sweep file."""

import numpy as np
import pytest

from sae_lib.variants import (coefficient_shrinkage, fraction_variance_unexplained,
                              initialize_tied_parameters, l0, normalize_scale, recovery)
from sae_lib.variants import sweep
from sae_lib.variants.sweep import METRICS, evaluate, load_sae_sweep, toy_problem, train_point

QUICK = (0.01, 40)                                     # (learning rate, Adam steps): a smoke run


def test_toy_problem_is_the_notebooks_data_and_depends_on_the_seed():
    a, b = toy_problem(0), toy_problem(1)
    assert a.data.shape == (16, 4000) and a.features.shape == (16, 48)
    np.testing.assert_array_equal(a.p_active, np.geomspace(0.01, 0.1, 48))
    assert not np.array_equal(a.features, b.features)
    np.testing.assert_array_equal(toy_problem(0).data, a.data)


def test_evaluate_returns_the_metrics_in_order():
    toy = toy_problem(0)
    model, data = train_point("topk", 3, 0, toy, adam=QUICK)
    values = dict(zip(METRICS, evaluate(model, toy)))
    codes = model.hidden_activations(toy.data)
    assert values["L0"] == l0(codes)
    assert values["FVU"] == fraction_variance_unexplained(toy.data, model.reconstruct(toy.data))
    rec = recovery(toy.features, model.W2, codes)
    assert values["features_found"] == rec.features_found and values["junk"] == rec.junk
    sh = coefficient_shrinkage(toy.features, toy.coefficients, codes, model.W2)
    assert values["shrink_ratio"] == pytest.approx(sh.ratio, nan_ok=True)


def test_evaluate_measures_shrinkage_in_the_original_units_for_normalised_data():
    toy = toy_problem(0)
    model, data = train_point("topk", 3, 0, toy, adam=QUICK, trick="normalized_input")
    np.testing.assert_allclose(data, normalize_scale(toy.data)[0])
    values = dict(zip(METRICS, evaluate(model, toy, data)))
    s = normalize_scale(toy.data)[1]
    raw = coefficient_shrinkage(toy.features, toy.coefficients, model.hidden_activations(data),
                                model.W2).ratio
    assert values["shrink_ratio"] == pytest.approx(raw / s)


@pytest.mark.parametrize("trick", sweep.TRICKS)
def test_every_trick_trains(trick):
    model, data = train_point("topk", 3, 0, adam=QUICK, trick=trick)
    assert model.pre_bias == (trick in ("pre_bias", "all_with_auxk"))
    assert model.unit_norm_decoder == (trick in ("unit_norm_decoder", "all_with_auxk"))
    assert (model.aux_k is not None) == (trick == "all_with_auxk")


def test_train_point_starts_from_the_seeded_initialisation():
    model, _ = train_point("l1", 0.15, 2, adam=(0.01, 1))
    start = initialize_tied_parameters(48, 16, rng=3)
    assert np.max(np.abs(model.theta - start)) <= 0.011        # one Adam step of 0.01


def test_train_point_rejects_bad_arguments():
    with pytest.raises(ValueError, match="adam = .learning_rate, n_steps. is required"):
        train_point("topk", 3, 0)
    with pytest.raises(ValueError, match="family must be"):
        train_point("relu", 3, 0, adam=QUICK)
    with pytest.raises(ValueError, match="trick must be one of"):
        train_point("topk", 3, 0, adam=QUICK, trick="magic")


def test_the_shipped_sweep_is_complete_and_consistent():
    s = load_sae_sweep()
    n_seeds = len(s.seeds)
    assert n_seeds >= 3 and not set(s.seeds) & set(s.tuning_seeds)
    for family, grid in (("l1", sweep.L1_BETAS), ("topk", sweep.TOPK_KS)):
        np.testing.assert_array_equal(s.settings[family], grid)
        assert s.frontier[family].shape == (len(grid), n_seeds, len(METRICS))
        assert s.adam[family][0] in sweep.LEARNING_RATES
        assert s.adam[family][1] in sweep.ADAM_STEP_CHOICES
    assert s.frontier["kl_linear"].shape == (len(sweep.KL_RHOS) * len(sweep.KL_LAMBDAS), n_seeds,
                                             len(METRICS))
    assert s.kl_choice[0] in sweep.KL_RHOS and s.kl_choice[1] in sweep.KL_LAMBDAS
    assert s.dictionary.shape == (len(sweep.DICTIONARY_SIZES), 2, 2, n_seeds, len(METRICS))
    assert s.tricks.shape == (len(sweep.TRICKS), n_seeds, len(METRICS))
    # the choices are the best on the tuning seeds, by the stated rule
    found = METRICS.index("features_found")
    kl_found = s.tuning["kl_linear"][..., found].mean(axis=1)
    chosen = [tuple(v) for v in s.settings["kl_linear"]].index(s.kl_choice)
    assert kl_found[chosen] == kl_found.max()
    # TopK codes never have more than k nonzeros
    L0 = s.metric("topk", "L0")
    assert np.all(L0 <= np.array(sweep.TOPK_KS)[:, None] + 1e-12)
    assert np.all(s.metric("kl_linear", "L0") == 48)
    mean, sd = s.summary("l1", "FVU")
    assert mean.shape == sd.shape == (len(sweep.L1_BETAS),)
    assert s.point("topk", 3, s.seeds[0])["L0"] == L0[list(sweep.TOPK_KS).index(3), 0]


def test_load_sae_sweep_explains_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="make_sae_sweep.py"):
        load_sae_sweep(tmp_path / "nothing.npz")
