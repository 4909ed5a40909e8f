"""top_activating and summarize_units (sae_lib.features.summary) against direct computations."""

import numpy as np
import pytest

from sae_lib.features import (
    ORDERS,
    lifetime_sparseness,
    orientation_selectivity,
    summarize_units,
    top_activating,
)
from sae_lib.variants import dead_units, firing_rates, l0


def direct_top(A, k):
    """The definition: sort each row by -value, stable (ties: lower index first)."""
    return np.argsort(-A, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("chunk_size", [None, 1, 5, 9, 10, 64, 999])
@pytest.mark.parametrize("k", [1, 3, 9])
def test_top_activating_matches_a_full_sort_with_ties_across_chunk_boundaries(
        table_model, chunk_size, k):
    rng = np.random.default_rng(1)
    A = np.round(rng.random((7, 200)), 1)    # 11 distinct values: ties everywhere
    A[3] = 0.0                               # a row of ties only
    A[4, 150:] = 5.0                         # the winners all in late chunks, tied
    A[5, [0, 9, 10, 199]] = 2.0              # tied winners on chunk edges
    model = table_model(A, kind="l1")
    got = top_activating(model, model.data(), k=k, chunk_size=chunk_size)
    assert got.shape == (7, k) and np.issubdtype(got.dtype, np.integer)
    np.testing.assert_array_equal(got, direct_top(A, k))
    np.testing.assert_array_equal(got[3], np.arange(k))          # all tied: first k
    if chunk_size is not None:
        assert max(model.calls) <= chunk_size                    # really chunked


def test_top_activating_on_a_trained_model_and_k_equal_m(kl_model, patches):
    X = patches[0]
    got = top_activating(kl_model, X, k=9)
    np.testing.assert_array_equal(got, direct_top(kl_model.hidden_activations(X), 9))
    small = X[:, :5]
    np.testing.assert_array_equal(top_activating(kl_model, small, k=5),
                                  direct_top(kl_model.hidden_activations(small), 5))


def known_relu_table():
    m = 50
    A = np.zeros((4, m))
    # unit 0: dead. unit 1: fires on 30 of 50 (dense). unit 2: three firings.
    A[1, :30] = np.linspace(0.1, 3.0, 30)
    A[2, [4, 17, 40]] = [0.5, 2.0, 1.0]
    A[3] = np.linspace(1.0, 0.02, m)        # fires on every example
    return A


def test_summaries_of_relu_codes_with_known_activations(table_model):
    A = known_relu_table()
    model = table_model(A, kind="l1")
    s = summarize_units(model, model.data(), k=3, bins=10, chunk_size=7)
    assert s.true_zero and s.m == 50 and s.k == 3 and s.hidden_size == 4
    np.testing.assert_allclose(s.rho_hat, A.mean(axis=1))
    np.testing.assert_allclose(s.peak, [0.0, 3.0, 2.0, 1.0])
    np.testing.assert_allclose(s.density, [0.0, 0.6, 0.06, 1.0])
    np.testing.assert_allclose(s.density, firing_rates(A))
    assert s.n_dead == dead_units(A) == 1
    np.testing.assert_array_equal(s.dead, [True, False, False, False])
    np.testing.assert_array_equal(s.dense, [False, True, False, True])
    assert s.l0 == pytest.approx(l0(A))
    np.testing.assert_array_equal(s.top_indices[2], [17, 40, 4])
    np.testing.assert_allclose(s.top_values[2], [2.0, 1.0, 0.5])
    np.testing.assert_array_equal(s.top_indices[0], [0, 1, 2])    # dead: first zeros
    # histograms: zeros left out and counted apart; nonzero values binned on [0, peak]
    np.testing.assert_array_equal(s.zeros, [50, 20, 47, 0])
    np.testing.assert_array_equal(s.hist_counts.sum(axis=1), 50 - s.zeros)
    np.testing.assert_allclose(s.hist_edges[2], np.linspace(0, 2.0, 11))
    expected = np.histogram([0.5, 2.0, 1.0], np.linspace(0, 2.0, 11))[0]
    np.testing.assert_array_equal(s.hist_counts[2], expected)
    card = s.unit(2)
    assert card.unit == 2 and card.density == pytest.approx(0.06) and not card.dead
    np.testing.assert_array_equal(card.encoder, model.W1[2])
    np.testing.assert_array_equal(card.decoder, model.W2[:, 2])


def test_summaries_of_sigmoid_units_have_no_density(table_model):
    rng = np.random.default_rng(0)
    A = rng.uniform(0.001, 0.02, (3, 400))
    A[0] = 1e-4                     # total activation 0.04 < one example fully on: dead
    A[1, :250] = 0.9                # mean 0.56+: dense (more on than off)
    A[2, :100] = 0.7                # mean 0.18: above 0.1 but not dense for sigmoid units
    model = table_model(A, kind=None)
    s = summarize_units(model, model.data(), k=4)
    assert not s.true_zero and s.density is None and s.statistic_name == "rho_hat"
    np.testing.assert_array_equal(s.dead, [True, False, False])
    np.testing.assert_array_equal(s.dense, [False, True, False])
    assert s.dead_below == pytest.approx(1 / 400) and s.l0 == 3
    np.testing.assert_array_equal(s.zeros, 0)
    np.testing.assert_array_equal(s.hist_counts.sum(axis=1), 400)
    assert "density" not in s.available_orders()
    with pytest.raises(ValueError, match="sigmoid units are never exactly 0"):
        s.order("density")
    # explicit thresholds apply to rho_hat
    s2 = summarize_units(model, model.data(), dead_below=0.005, dense_above=0.1)
    np.testing.assert_array_equal(s2.dead, s.rho_hat < 0.005)
    np.testing.assert_array_equal(s2.dense, [False, True, True])
    assert s.dense_above == 0.5 and s2.dense_above == 0.1


def test_order_is_largest_first_with_ties_by_index(table_model):
    A = known_relu_table()
    s = summarize_units(table_model(A, kind="l1"), table_model(A).data(), k=2)
    np.testing.assert_array_equal(s.order("density"), [3, 1, 2, 0])
    np.testing.assert_array_equal(s.order("peak"), [1, 2, 3, 0])
    for by in ORDERS:
        assert sorted(s.order(by)) == [0, 1, 2, 3]


def grating(angle, size=8, freq=0.25):
    y, x = np.mgrid[:size, :size]
    return np.cos(2 * np.pi * freq * (np.cos(angle) * x + np.sin(angle) * y)).ravel()


def test_orientation_selectivity_tells_gratings_from_blobs():
    y, x = np.mgrid[:8, :8] - 3.5
    blob = np.exp(-(x**2 + y**2) / 4).ravel()
    noise = np.random.default_rng(0).standard_normal(64)
    F = np.stack([grating(0.0), grating(np.pi / 2), grating(np.pi / 4), blob, noise,
                  np.ones(64)])
    s, o = orientation_selectivity(F, (8, 8))
    assert s[0] > 0.8 and s[1] > 0.8 and s[2] > 0.6, s
    assert s[3] < 0.1 and s[5] == 0.0, s
    assert s[4] < s[0] and s[4] < s[1]
    # the frequency vector of a vertical-stripe grating points along x: orientation 0
    assert o[0] == pytest.approx(0.0, abs=0.05)
    assert o[1] == pytest.approx(np.pi / 2, abs=0.05)
    assert o[2] == pytest.approx(np.pi / 4, abs=0.1)
    assert np.all((o >= 0) & (o < np.pi))


def test_summaries_use_orientation_for_patches_and_lifetime_sparseness_otherwise(
        table_model, kl_model, patches):
    s = summarize_units(kl_model, patches[0][:, :500])
    assert s.patch_shape == (8, 8) and s.orientation is not None
    assert "orientation" in s.selectivity_name
    np.testing.assert_allclose(s.selectivity, orientation_selectivity(kl_model.W1, (8, 8))[0])
    A = np.zeros((2, 10))
    A[0, 3] = 1.0                  # responds to one example only
    A[1] = 0.5                     # responds equally to all
    model = table_model(A, visible_size=3, kind="l1")
    s = summarize_units(model, model.data(), k=2)
    assert s.patch_shape is None and s.orientation is None
    assert "lifetime sparseness" in s.selectivity_name
    np.testing.assert_allclose(s.selectivity, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(lifetime_sparseness(np.array([0.1]), np.array([0.1]), 10),
                               [1.0])
    assert np.isnan(lifetime_sparseness(np.array([0.0]), np.array([0.0]), 10)[0])
    A = np.zeros((3, 10))
    A[1, 2] = 1.0
    A[2] = 0.3
    model = table_model(A, visible_size=3, kind="topk")        # unit 0 dead
    s = summarize_units(model, model.data(), k=2)
    assert np.isnan(s.selectivity[0])
    np.testing.assert_array_equal(s.order("selectivity"), [1, 2, 0])   # nan last


def test_chunked_summary_equals_one_chunk(kl_model, patches):
    X = patches[0][:, :700]
    a = summarize_units(kl_model, X, chunk_size=64)
    b = summarize_units(kl_model, X, chunk_size=10_000)
    np.testing.assert_array_equal(a.top_indices, b.top_indices)
    np.testing.assert_array_equal(a.hist_counts, b.hist_counts)
    np.testing.assert_allclose(a.rho_hat, b.rho_hat, rtol=1e-12)
    np.testing.assert_allclose(a.rho_hat, kl_model.hidden_activations(X).mean(axis=1))


@pytest.mark.parametrize("call,match", [
    (lambda m, X: top_activating(m, X.T), "looks transposed: pass data.T"),
    (lambda m, X: top_activating(m, X[:3]), "visible_size"),
    (lambda m, X: top_activating(m, X[0]), "2-D array"),
    (lambda m, X: top_activating(m, X, k=0), "between 1 and the number of examples"),
    (lambda m, X: top_activating(m, X[:, :5], k=6), "m = 5"),
    (lambda m, X: top_activating(m, X, k=2.5), "must be an integer"),
    (lambda m, X: top_activating(object(), X), "lacks hidden_activations, W1, W2"),
    (lambda m, X: summarize_units(m, X).order("size"), "unknown order 'size'"),
    (lambda m, X: summarize_units(m, X).unit(16), "numbered 0 to 15"),
    (lambda m, X: summarize_units(m, X, bins=0), "bins must be a positive integer"),
    (lambda m, X: summarize_units(m, X, patch_shape=(4, 4)), "holds 16 pixels"),
    (lambda m, X: summarize_units(m, X, dense_above=-1), "dense_above must be"),
])
def test_bad_input_is_a_teaching_value_error(kl_model, patches, call, match):
    X = patches[0][:, :40]
    with pytest.raises(ValueError, match=match):
        call(kl_model, X)


def test_topk_codes_through_the_variant_interface(topk_model, toy):
    codes = topk_model.hidden_activations(toy.data)
    s = summarize_units(topk_model, toy.data, k=5, chunk_size=97)
    assert s.true_zero
    np.testing.assert_array_equal(s.top_indices, direct_top(codes, 5))
    np.testing.assert_allclose(s.density, firing_rates(codes))
    assert s.n_dead == dead_units(codes) and s.l0 == pytest.approx(l0(codes))
    assert s.l0 <= topk_model.k + 1e-12
    np.testing.assert_array_equal(s.zeros, np.sum(codes == 0, axis=1))
