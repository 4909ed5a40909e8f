"""Tests for sae_lib.variants.activations: ReLU and TopK."""

import numpy as np
import pytest

from sae_lib.variants import relu, topk

def test_topk_keeps_the_k_largest_of_each_column():
    z = np.array([[3.0, -1.0, 0.2],
                  [1.0, 4.0, 0.1],
                  [2.0, 5.0, -0.3],
                  [-1.0, 0.5, 0.4]])
    expected = np.array([[3.0, 0.0, 0.2],
                         [0.0, 4.0, 0.0],
                         [2.0, 5.0, 0.0],
                         [0.0, 0.0, 0.4]])
    np.testing.assert_array_equal(topk(z, 2), expected)


def test_topk_sets_kept_negative_values_to_zero():
    z = np.array([[-1.0], [-2.0], [0.5], [-3.0]])
    np.testing.assert_array_equal(topk(z, 3), [[0.0], [0.0], [0.5], [0.0]])


def test_topk_keeps_exactly_k_at_a_tie():
    z = np.array([[3.0], [1.0], [1.0], [1.0]])
    out = topk(z, 2)
    assert np.count_nonzero(out) == 2
    assert out[0, 0] == 3.0 and np.sum(out) == 4.0


def test_topk_does_not_modify_its_input():
    z = np.random.default_rng(0).standard_normal((6, 4))
    before = z.copy()
    topk(z, 2)
    np.testing.assert_array_equal(z, before)


def test_topk_random_matrices_have_at_most_k_nonzeros_which_are_the_largest():
    rng = np.random.default_rng(1)
    for k in (1, 3, 7):
        z = rng.standard_normal((7, 50))
        out = topk(z, k)
        assert np.all(np.count_nonzero(out, axis=0) <= k)
        assert np.all(out >= 0)
        kth = -np.sort(-z, axis=0)[k - 1]
        np.testing.assert_array_equal(out != 0, (z >= kth) & (z > 0))


def test_relu():
    np.testing.assert_array_equal(relu([-1.0, 0.0, 2.5]), [0.0, 0.0, 2.5])


@pytest.mark.parametrize("k,match", [(0, "between 1 and hidden_size=4"),
                                     (5, "between 1 and hidden_size=4"),
                                     (2.0, "must be an integer"),
                                     (True, "must be an integer")])
def test_topk_rejects_bad_k(k, match):
    with pytest.raises(ValueError, match=match):
        topk(np.zeros((4, 3)), k)


def test_topk_rejects_a_vector():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        topk(np.zeros(4), 2)
