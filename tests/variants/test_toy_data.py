"""Tests for sae_lib.variants.toy_data: features in superposition."""

import numpy as np
import pytest

from sae_lib.variants import make_superposition_data

def test_superposition_data_is_sparse_nonnegative_combinations_of_unit_features():
    p = np.geomspace(0.01, 0.2, 30)
    toy = make_superposition_data(30, 10, 20000, p_active=p, coefficient_range=(0.5, 1.5), rng=0)
    assert toy.data.shape == (10, 20000)
    assert toy.features.shape == (10, 30) and toy.coefficients.shape == (30, 20000)
    np.testing.assert_allclose(np.linalg.norm(toy.features, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(toy.data, toy.features @ toy.coefficients, rtol=1e-12)
    on = toy.coefficients > 0
    assert np.all(toy.coefficients >= 0)
    assert np.all((toy.coefficients[on] >= 0.5) & (toy.coefficients[on] < 1.5))
    rate = on.mean(axis=1)
    # binomial standard error of each rate, 5 sigma
    assert np.all(np.abs(rate - p) < 5 * np.sqrt(p * (1 - p) / 20000))
    np.testing.assert_array_equal(toy.p_active, p)


def test_superposition_data_is_reproducible_and_seed_dependent():
    a = make_superposition_data(8, 4, 100, rng=3)
    b = make_superposition_data(8, 4, 100, rng=3)
    c = make_superposition_data(8, 4, 100, rng=4)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)


def test_superposition_data_scalar_p_applies_to_every_feature():
    toy = make_superposition_data(6, 3, 10, p_active=0.25, rng=0)
    np.testing.assert_array_equal(toy.p_active, np.full(6, 0.25))


@pytest.mark.parametrize("kwargs,match", [
    (dict(p_active=1.5), "probabilities in"),
    (dict(p_active=np.full(5, 0.1)), "n_features=8"),
    (dict(coefficient_range=(1.0, 0.5)), "0 <= low < high"),
    (dict(coefficient_range=(-1.0, 1.0)), "nonnegative"),
])
def test_superposition_data_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_superposition_data(8, 4, 10, **kwargs)
