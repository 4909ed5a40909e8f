"""Tests for sae_lib.variants.metrics on hand-made cases."""

import numpy as np
import pytest

from sae_lib import sigmoid
from sae_lib.variants import (Shrinkage, coefficient_shrinkage, dead_units, feature_density,
                                feature_recovery, firing_rates, fraction_variance_unexplained, l0,
                                l1_optimal_code, make_superposition_data)

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
