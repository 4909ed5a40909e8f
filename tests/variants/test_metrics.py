"""Tests for sae_lib.variants.metrics on hand-made cases."""

import numpy as np
import pytest

from sae_lib import sigmoid
from sae_lib.variants import (RandomBaseline, Recovery, Shrinkage, coefficient_shrinkage,
                              cosine_matrix, dead_units, display_order, feature_density,
                              feature_recovery, firing_rates, fraction_variance_unexplained, l0,
                              l1_optimal_code, latent_recovery, make_superposition_data,
                              one_to_one_matching, random_dictionary_baseline, recovery)

CODES = np.array([[0.0, 1.5, 0.0, 0.0],
                  [2.0, 0.0, 0.0, 0.7],
                  [0.3, 0.1, 0.0, 0.0],
                  [0.0, 0.0, 0.0, 0.0],
                  [0.0, 0.4, 0.0, 0.2]])


def test_l0_counts_active_units_per_example():
    assert l0(CODES) == pytest.approx((2 + 3 + 0 + 2) / 4)
    assert l0(CODES, threshold=0.35) == pytest.approx((1 + 2 + 0 + 1) / 4)


def test_l0_of_sigmoid_codes_is_the_hidden_size():
    a2 = sigmoid(np.random.default_rng(0).normal(-6, 2, size=(25, 100)))
    assert l0(a2) == 25
    assert l0(a2, threshold=0.5) < 1


def test_firing_rates_density_and_dead_units():
    np.testing.assert_allclose(firing_rates(CODES), [0.25, 0.5, 0.5, 0.0, 0.5])
    density = feature_density(CODES)
    np.testing.assert_allclose(density[[0, 1]], np.log10([0.25, 0.5]))
    assert density[3] == -np.inf
    assert dead_units(CODES) == 1
    assert dead_units(CODES, threshold=1.0) == 3


def test_fvu_of_perfect_and_of_mean_reconstruction():
    x = np.random.default_rng(2).standard_normal((3, 10)) + 5
    assert fraction_variance_unexplained(x, x) == 0.0
    mean = np.repeat(x.mean(axis=1, keepdims=True), 10, axis=1)
    assert fraction_variance_unexplained(x, mean) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same shape"):
        fraction_variance_unexplained(x, x[:, :5])
    with pytest.raises(ValueError, match="no variance"):
        fraction_variance_unexplained(np.ones((3, 4)), np.ones((3, 4)))


def test_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="2-D array"):
        l0(np.ones(4))
    with pytest.raises(ValueError, match="threshold"):
        l0(CODES, threshold=-1)


def test_feature_recovery_is_one_for_exact_features_in_any_order_and_scale():
    F = make_superposition_data(6, 4, 1, rng=0).features
    perm = np.array([3, 0, 5, 1, 4, 2])
    decoder = np.column_stack([F[:, perm], np.zeros(4)]) * np.array([2, 3, .5, 1, 4, 1, 1])
    best, unit = feature_recovery(F, decoder)
    np.testing.assert_allclose(best, 1.0, rtol=1e-12)
    np.testing.assert_array_equal(perm[unit], np.arange(6))


def test_feature_recovery_of_orthogonal_directions_is_zero_and_checks_shapes():
    best, _ = feature_recovery(np.eye(4)[:, :2], np.eye(4)[:, 2:])
    np.testing.assert_allclose(best, 0.0)
    with pytest.raises(ValueError, match="same number of rows"):
        feature_recovery(np.eye(4), np.eye(3))


def test_shrinkage_of_exact_codes_is_one_and_of_halved_codes_is_one_half():
    toy = make_superposition_data(6, 4, 200, p_active=0.3, rng=1)
    exact = coefficient_shrinkage(toy.features, toy.coefficients, toy.coefficients, toy.features)
    assert isinstance(exact, Shrinkage)
    assert exact.ratio == pytest.approx(1.0) and exact.fired_fraction == 1.0
    np.testing.assert_allclose(exact.coded_coefficient, exact.true_coefficient)
    half = coefficient_shrinkage(toy.features, toy.coefficients, 0.5 * toy.coefficients,
                                 toy.features)
    assert half.ratio == pytest.approx(0.5)
    # the same product a2 * W2 split differently: no shrinkage
    split = coefficient_shrinkage(toy.features, toy.coefficients, 0.25 * toy.coefficients,
                                  4 * toy.features)
    assert split.ratio == pytest.approx(1.0)


def test_shrinkage_separates_missed_examples_from_small_codes():
    toy = make_superposition_data(6, 4, 200, p_active=0.3, rng=2)
    codes = toy.coefficients.copy()
    codes[:, ::2] = 0.0                                # every other example: unit silent
    s = coefficient_shrinkage(toy.features, toy.coefficients, codes, toy.features)
    assert s.ratio == pytest.approx(1.0)
    on = toy.coefficients > 0
    assert s.fired_fraction == pytest.approx(on[:, 1::2].sum() / on.sum())


def test_l1_optimal_code_soft_thresholds_for_an_orthonormal_dictionary():
    Q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((5, 5)))
    c = np.array([[0.7, 0.05, 0.3, 0.0, 1.2]]).T
    a = l1_optimal_code(Q @ c, Q, 0.2)
    np.testing.assert_allclose(a[:, 0], [0.5, 0.0, 0.1, 0.0, 1.0], atol=1e-10)


def test_l1_optimal_code_satisfies_the_optimality_conditions():
    rng = np.random.default_rng(4)
    D = rng.standard_normal((6, 10))
    x = rng.standard_normal((6, 3))
    beta = 0.3
    a = l1_optimal_code(x, D, beta, n_iter=20000)
    g = D.T @ (D @ a - x) + beta                      # gradient of the smooth part + beta
    on = a > 1e-9
    np.testing.assert_allclose(g[on], 0.0, atol=1e-6)   # active: stationary
    assert np.all(g[~on] > -1e-6)                        # inactive: cannot decrease


# ---------------------------------------------------------------------------------------
# Recovery both ways, matching, the random baseline
# ---------------------------------------------------------------------------------------
def _dictionary_with_duplicates_and_junk():
    """6 true features in 8 dimensions; a decoder with 4 of them, a near copy of feature 0
    (cosine 0.98), a mixture of features 4 and 5, and a direction orthogonal to all six."""
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    F = Q[:, :6]
    mixture = (F[:, 4] + F[:, 5]) / np.sqrt(2)       # cosine 0.71 with features 4 and 5
    near_copy = 0.5 * (F[:, 0] + 0.2 * Q[:, 6])
    decoder = np.column_stack([F[:, [2, 0, 1, 3]] * 3, near_copy, mixture, Q[:, 7]])
    return F, decoder


def test_cosine_matrix_and_latent_recovery():
    F, D = _dictionary_with_duplicates_and_junk()
    cos = cosine_matrix(F, D)
    assert cos.shape == (6, 7)
    np.testing.assert_allclose(cos[2, 0], 1.0)
    best, feature = latent_recovery(F, D)
    np.testing.assert_allclose(best[:4], 1.0)
    assert best[4] == pytest.approx(1 / np.sqrt(1.04))
    np.testing.assert_array_equal(feature[:5], [2, 0, 1, 3, 0])
    assert best[5] == pytest.approx(1 / np.sqrt(2)) and abs(best[6]) < 1e-12


def test_recovery_counts_found_features_duplicates_and_junk_both_ways():
    F, D = _dictionary_with_duplicates_and_junk()
    r = recovery(F, D)
    assert isinstance(r, Recovery)
    assert r.features_found == 4                      # 0, 1, 2, 3; not 4 or 5 (mixture)
    assert r.matched_latents == 5 and r.duplicates == 1 and r.junk == 2 and r.dead == 0
    assert r.mean_feature_cosine == pytest.approx((4 + 2 / np.sqrt(2)) / 6)
    # one to one: 4 exact, the mixture takes feature 4 or 5, the other is left with the
    # orthogonal direction or the duplicate (cosine 0)
    assert r.matched_cosine == pytest.approx((4 + 1 / np.sqrt(2)) / 6)


def test_recovery_leaves_dead_latents_out_of_the_latent_counts():
    F, D = _dictionary_with_duplicates_and_junk()
    codes = np.ones((7, 10))
    codes[[4, 6]] = 0.0                               # the duplicate and the junk never fire
    r = recovery(F, D, codes)
    assert r.dead == 2 and r.duplicates == 0 and r.junk == 1 and r.matched_latents == 4
    assert r.features_found == 4                      # feature -> latent ignores firing
    with pytest.raises(ValueError, match="codes has 6 units"):
        recovery(F, D, codes[:6])
    with pytest.raises(ValueError, match="threshold"):
        recovery(F, D, threshold=1.5)


def test_one_to_one_matching_finds_a_permutation_and_credits_a_mixture_once():
    F, D = _dictionary_with_duplicates_and_junk()
    feature, latent, cos = one_to_one_matching(F, D)
    assert len(feature) == 6 and len(set(latent)) == 6
    pairs = dict(zip(feature, latent))
    assert [pairs[f] for f in (2, 0, 1, 3)] == [0, 1, 2, 3]
    # the mixture is the best latent of features 4 and 5 at once; matched, it counts once
    mixture = D[:, [5]]
    assert recovery(F, mixture).mean_feature_cosine == pytest.approx(2 / np.sqrt(2) / 6)
    assert recovery(F, mixture).matched_cosine == pytest.approx(1 / np.sqrt(2) / 6)


def test_display_order_puts_matched_latents_first_in_feature_order():
    F, D = _dictionary_with_duplicates_and_junk()
    order = display_order(F, D)
    np.testing.assert_array_equal(np.sort(order), np.arange(7))
    np.testing.assert_array_equal(order[:4], [1, 2, 0, 3])   # features 0, 1, 2, 3
    cos = cosine_matrix(F, D)[:, order]
    np.testing.assert_allclose(np.diag(cos)[:4], 1.0)


def test_random_dictionary_baseline_is_seeded_and_grows_with_the_dictionary():
    F = make_superposition_data(48, 16, 1, rng=0).features
    a = random_dictionary_baseline(F, 48, n_draws=20, rng=1)
    b = random_dictionary_baseline(F, 48, n_draws=20, rng=1)
    assert isinstance(a, RandomBaseline)
    np.testing.assert_array_equal(a.best_cosine, b.best_cosine)
    assert a.best_cosine.shape == (20, 48) and a.mean_best_cosine.shape == (20,)
    np.testing.assert_allclose(a.mean_best_cosine, a.best_cosine.mean(axis=1))
    # 48 random directions in 16 dimensions: the best cosine is about 0.5, far above 0
    assert 0.45 < a.mean_best_cosine.mean() < 0.65
    bigger = random_dictionary_baseline(F, 480, n_draws=5, rng=1)
    assert bigger.mean_best_cosine.mean() > a.mean_best_cosine.mean() + 0.1
    # in many dimensions random directions are nearly orthogonal
    wide = random_dictionary_baseline(np.eye(400)[:, :5], 5, n_draws=5, rng=0)
    assert wide.mean_best_cosine.max() < 0.3
