"""The sparse autoencoder objective: agreement with a loop-based reference, gradient
checks, properties, and every validation error."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sae_lib.gradient_check import compute_numerical_gradient, relative_difference
from sae_lib.objective import (
    cost_and_grad,
    forward,
    initialize_parameters,
    kl_divergence,
    kl_divergence_prime,
    pack_parameters,
    sigmoid,
    sparse_autoencoder_cost,
    sparsity_delta,
    theta_size,
    unpack_parameters,
)


# ---------------------------------------------------------------------------------------
# A second, deliberately naive implementation: one example at a time, plain Python sums.
# ---------------------------------------------------------------------------------------
def loop_cost_and_grad(theta, visible_size, hidden_size, lambda_, rho, beta, data):
    hv = hidden_size * visible_size
    W1 = theta[:hv].reshape(hidden_size, visible_size)
    W2 = theta[hv:2 * hv].reshape(visible_size, hidden_size)
    b1 = theta[2 * hv:2 * hv + hidden_size]
    b2 = theta[2 * hv + hidden_size:]
    m = data.shape[1]
    f = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731

    rho_hat = np.zeros(hidden_size)
    for i in range(m):
        rho_hat += f(W1 @ data[:, i] + b1)
    rho_hat /= m

    W1g = np.zeros_like(W1)
    W2g = np.zeros_like(W2)
    b1g = np.zeros_like(b1)
    b2g = np.zeros_like(b2)
    err = 0.0
    for i in range(m):
        x = data[:, i]
        a2 = f(W1 @ x + b1)
        a3 = f(W2 @ a2 + b2)
        err += 0.5 * np.sum((a3 - x) ** 2)
        d3 = -(x - a3) * a3 * (1 - a3)
        d2 = (W2.T @ d3 + beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))) * a2 * (1 - a2)
        W1g += np.outer(d2, x)
        W2g += np.outer(d3, a2)
        b1g += d2
        b2g += d3
    kl = sum(rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r)) for r in rho_hat)
    cost = err / m + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)) + beta * kl
    grad = np.concatenate([(W1g / m + lambda_ * W1).ravel(), (W2g / m + lambda_ * W2).ravel(),
                           b1g / m, b2g / m])
    return cost, grad


def random_problem(seed, visible=7, hidden=4, m=13):
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(hidden, visible, rng)
    theta[2 * hidden * visible:] = rng.normal(0, 0.3, hidden + visible)  # non-zero biases
    data = rng.uniform(0.05, 0.95, size=(visible, m))
    return theta, data


CONFIGS = [  # (visible, hidden, m, lambda_, rho, beta)
    (7, 4, 13, 1e-4, 0.01, 3.0),
    (5, 9, 8, 0.0, 0.1, 0.0),
    (10, 3, 21, 3e-3, 0.05, 1.0),
    (4, 4, 1, 0.1, 0.5, 10.0),
    (16, 6, 30, 1e-2, 0.2, 5.0),
]


@pytest.mark.parametrize("visible,hidden,m,lambda_,rho,beta", CONFIGS)
def test_vectorised_versions_agree_with_loop_reference(visible, hidden, m, lambda_, rho, beta):
    theta, data = random_problem(visible * 100 + hidden, visible, hidden, m)
    ref_cost, ref_grad = loop_cost_and_grad(theta, visible, hidden, lambda_, rho, beta, data)
    for fn in (sparse_autoencoder_cost, cost_and_grad):
        cost, grad = fn(theta, visible, hidden, lambda_, rho, beta, data)
        assert cost == pytest.approx(ref_cost, rel=1e-12)
        assert relative_difference(grad, ref_grad) < 1e-12
    for chunk in (1, 3, m, m + 5):
        cost, grad = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data,
                                             chunk_size=chunk)
        assert cost == pytest.approx(ref_cost, rel=1e-12)
        assert relative_difference(grad, ref_grad) < 1e-12


@pytest.mark.parametrize("visible,hidden,m,lambda_,rho,beta", CONFIGS)
def test_gradient_check_on_random_configurations(visible, hidden, m, lambda_, rho, beta):
    theta, data = random_problem(visible + 31 * hidden, visible, hidden, m)
    J = lambda t: sparse_autoencoder_cost(t, visible, hidden, lambda_, rho, beta, data)[0]  # noqa: E731
    numgrad = compute_numerical_gradient(J, theta)
    _, grad = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data)
    assert relative_difference(numgrad, grad) < 1e-9


def test_gradient_check_on_ufldl_defaults_with_image_patches():
    from sae_lib.data import load_natural_images, sample_images

    patches = sample_images(load_natural_images(), patch_size=8, num_patches=20, rng=1)
    visible, hidden = 64, 5
    theta = initialize_parameters(hidden, visible, rng=2)
    J = lambda t: sparse_autoencoder_cost(t, visible, hidden, 1e-4, 0.01, 3.0, patches)[0]  # noqa: E731
    numgrad = compute_numerical_gradient(J, theta)
    _, grad = sparse_autoencoder_cost(theta, visible, hidden, 1e-4, 0.01, 3.0, patches)
    assert relative_difference(numgrad, grad) < 1e-9


def test_initial_cost_is_dominated_by_kl_term_at_ufldl_settings():
    # With rho = 0.01 and small random weights every rho_hat is near 0.5: the cost is about
    # beta * 25 * KL(0.01 || 0.5) = 47.8 (UFLDL's sanity check).
    from sae_lib.data import load_natural_images, sample_images

    patches = sample_images(load_natural_images(), num_patches=2000, rng=0)
    theta = initialize_parameters(25, 64, rng=0)
    cost, _ = sparse_autoencoder_cost(theta, 64, 25, 1e-4, 0.01, 3.0, patches)
    assert 3 * 25 * float(kl_divergence(0.01, 0.5)) == pytest.approx(47.78, abs=0.01)
    assert 47.8 < cost < 60


def test_float32_data_runs_in_float32_and_stays_close():
    theta, data = random_problem(3, 12, 5, 40)
    c64, g64 = cost_and_grad(theta, 12, 5, 1e-3, 0.05, 3.0, data)
    c32, g32 = cost_and_grad(theta, 12, 5, 1e-3, 0.05, 3.0, data.astype(np.float32))
    assert g32.dtype == np.float64
    assert c32 == pytest.approx(c64, rel=1e-5)
    assert relative_difference(g32, g64) < 1e-5


def test_integer_data_is_accepted_as_float():
    theta, _ = random_problem(4, 3, 2, 5)
    data = np.array([[0, 1, 0, 1, 1], [1, 0, 0, 1, 0], [1, 1, 1, 0, 0]])
    c_int, g_int = sparse_autoencoder_cost(theta, 3, 2, 1e-4, 0.1, 3.0, data)
    c_f, g_f = sparse_autoencoder_cost(theta, 3, 2, 1e-4, 0.1, 3.0, data.astype(float))
    assert c_int == c_f and np.array_equal(g_int, g_f)


# ---------------------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------------------
problem = st.tuples(
    st.integers(1, 8), st.integers(1, 6), st.integers(1, 12),   # visible, hidden, m
    st.floats(0, 0.1), st.floats(0.01, 0.99), st.floats(0, 10),  # lambda_, rho, beta
    st.integers(0, 2**32 - 1),
)


@settings(max_examples=60, deadline=None)
@given(problem)
def test_cost_is_sum_of_its_three_terms(p):
    visible, hidden, m, lambda_, rho, beta, seed = p
    theta, data = random_problem(seed, visible, hidden, m)
    W1, W2, b1, b2 = unpack_parameters(theta, visible, hidden)
    _, a2, _, a3 = forward(W1, b1, W2, b2, data)
    recon = 0.5 * np.sum((a3 - data) ** 2) / m
    decay = lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    penalty = beta * np.sum(kl_divergence(rho, a2.mean(axis=1)))
    cost, _ = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data)
    assert cost == pytest.approx(recon + decay + penalty, rel=1e-12, abs=1e-15)
    assert recon >= 0 and decay >= 0 and penalty >= -1e-12


@settings(max_examples=60, deadline=None)
@given(problem)
def test_gradient_matches_directional_derivative(p):
    visible, hidden, m, lambda_, rho, beta, seed = p
    theta, data = random_problem(seed, visible, hidden, m)
    direction = np.random.default_rng(seed + 1).normal(size=theta.size)
    direction /= np.linalg.norm(direction)
    J = lambda t: sparse_autoencoder_cost(t, visible, hidden, lambda_, rho, beta, data)[0]  # noqa: E731
    eps = 1e-5
    numeric = (J(theta + eps * direction) - J(theta - eps * direction)) / (2 * eps)
    _, grad = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data)
    assert grad @ direction == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@settings(max_examples=40, deadline=None)
@given(problem)
def test_order_of_examples_does_not_matter_and_fast_equals_readable(p):
    visible, hidden, m, lambda_, rho, beta, seed = p
    theta, data = random_problem(seed, visible, hidden, m)
    perm = np.random.default_rng(seed).permutation(m)
    c1, g1 = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data)
    c2, g2 = sparse_autoencoder_cost(theta, visible, hidden, lambda_, rho, beta, data[:, perm])
    c3, g3 = cost_and_grad(theta, visible, hidden, lambda_, rho, beta, data,
                           chunk_size=max(1, m // 3))
    assert c2 == pytest.approx(c1, rel=1e-12)
    assert c3 == pytest.approx(c1, rel=1e-12)
    assert np.allclose(g2, g1, rtol=1e-10, atol=1e-14)
    assert np.allclose(g3, g1, rtol=1e-10, atol=1e-14)


@settings(max_examples=80, deadline=None)
@given(st.floats(1e-4, 1 - 1e-4), st.floats(1e-4, 1 - 1e-4))
def test_kl_divergence_is_nonnegative_and_zero_only_at_target(rho, rho_hat):
    kl = float(kl_divergence(rho, rho_hat))
    assert kl >= -1e-15
    assert float(kl_divergence(rho, rho)) == pytest.approx(0, abs=1e-15)
    if abs(rho - rho_hat) > 1e-3:
        assert kl > 0


def test_kl_divergence_values_and_derivative():
    # KL(0.2 || 0.5) by hand
    expected = 0.2 * np.log(0.2 / 0.5) + 0.8 * np.log(0.8 / 0.5)
    assert float(kl_divergence(0.2, 0.5)) == pytest.approx(expected, rel=1e-14)
    # broadcasting over rho_hat
    rho_hat = np.array([0.1, 0.2, 0.9])
    assert kl_divergence(0.2, rho_hat).shape == (3,)
    # derivative against a central difference
    h = 1e-6
    num = (kl_divergence(0.2, rho_hat + h) - kl_divergence(0.2, rho_hat - h)) / (2 * h)
    assert np.allclose(kl_divergence_prime(0.2, rho_hat), num, rtol=1e-7)
    assert np.allclose(sparsity_delta(0.2, rho_hat, 3.0), 3.0 * num, rtol=1e-7)
    # grows without bound towards 0 and 1
    assert float(kl_divergence(0.2, 1e-12)) > 5 and float(kl_divergence(0.2, 1 - 1e-12)) > 20


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(all="raise"):
        a = sigmoid(z)
    assert a[0] == 0.0 and a[2] == 0.5 and a[-1] == 1.0


# ---------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------
def test_initialize_parameters_range_layout_and_seed():
    hidden, visible = 25, 64
    theta = initialize_parameters(hidden, visible, rng=0)
    assert theta.shape == (theta_size(visible, hidden),) == (2 * 25 * 64 + 25 + 64,)
    r = np.sqrt(6) / np.sqrt(hidden + visible + 1)
    W1, W2, b1, b2 = unpack_parameters(theta, visible, hidden)
    assert W1.shape == (25, 64) and W2.shape == (64, 25)
    assert np.abs(W1).max() <= r and np.abs(W2).max() <= r
    assert np.abs(W1).max() > 0.9 * r  # really spread over the range
    assert not b1.any() and not b2.any()
    assert np.array_equal(theta, initialize_parameters(hidden, visible, rng=0))
    assert not np.array_equal(theta, initialize_parameters(hidden, visible, rng=1))


def test_pack_unpack_round_trip_and_layout():
    W1 = np.arange(6.0).reshape(2, 3)
    W2 = 10 + np.arange(6.0).reshape(3, 2)
    b1 = np.array([100.0, 101.0])
    b2 = np.array([200.0, 201.0, 202.0])
    theta = pack_parameters(W1, W2, b1, b2)
    assert theta.tolist() == [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 100, 101, 200, 201, 202]
    for a, b in zip(unpack_parameters(theta, 3, 2), (W1, W2, b1, b2)):
        assert np.array_equal(a, b)
    with pytest.raises(ValueError, match=r"W2 must have shape \(visible_size, hidden_size\)"):
        pack_parameters(W1, W2.T, b1, b2)


# ---------------------------------------------------------------------------------------
# Validation: every bad input gets a ValueError that says what is wrong and how to fix it
# ---------------------------------------------------------------------------------------
@pytest.fixture
def ok():
    theta, data = random_problem(0, 6, 3, 10)
    return dict(theta=theta, visible_size=6, hidden_size=3, lambda_=1e-4, sparsity_param=0.05,
                beta=3.0, data=data)


@pytest.mark.parametrize("rho", [0.0, 1.0, -0.1, 1.5])
def test_rho_outside_open_interval(ok, rho):
    ok["sparsity_param"] = rho
    with pytest.raises(ValueError, match=r"sparsity_param \(rho\) must lie strictly between 0 and 1"):
        sparse_autoencoder_cost(**ok)


def test_rho_nan(ok):
    ok["sparsity_param"] = float("nan")
    with pytest.raises(ValueError, match="finite real number"):
        sparse_autoencoder_cost(**ok)


def test_negative_beta(ok):
    ok["beta"] = -1.0
    with pytest.raises(ValueError, match=r"beta \(sparsity weight\) must be >= 0.*use 0 to switch"):
        sparse_autoencoder_cost(**ok)


def test_negative_lambda(ok):
    ok["lambda_"] = -1e-4
    with pytest.raises(ValueError, match=r"lambda_ \(weight decay\) must be >= 0"):
        sparse_autoencoder_cost(**ok)


def test_examples_passed_as_rows(ok):
    ok["data"] = ok["data"].T
    with pytest.raises(ValueError, match=r"examples go in columns; pass data\.T"):
        sparse_autoencoder_cost(**ok)


def test_wrong_number_of_rows(ok):
    ok["data"] = ok["data"][:4]
    with pytest.raises(ValueError, match=r"has 4 rows but visible_size is 6"):
        sparse_autoencoder_cost(**ok)


def test_one_dimensional_data(ok):
    ok["data"] = ok["data"][:, 0]
    with pytest.raises(ValueError, match=r"must be a 2-D array.*x\.reshape\(-1, 1\)"):
        sparse_autoencoder_cost(**ok)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data(ok, bad):
    ok["data"] = ok["data"].copy()
    ok["data"][2, 7] = bad
    with pytest.raises(ValueError, match=r"NaN or infinite values \(first at row 2, column 7\)"):
        sparse_autoencoder_cost(**ok)


def test_non_finite_data_names_the_first_example_with_one(ok):
    """The reported place is the first *example* (column) holding a bad value -- the one to
    remove or impute first -- as the Dask objective reports it too."""
    ok["data"] = ok["data"].copy()
    ok["data"][5, 3] = np.nan
    ok["data"][1, 9] = np.inf               # an earlier row, but a later example
    with pytest.raises(ValueError, match=r"first at row 5, column 3\)"):
        sparse_autoencoder_cost(**ok)


def test_empty_data(ok):
    ok["data"] = np.empty((6, 0))
    with pytest.raises(ValueError, match="no examples"):
        sparse_autoencoder_cost(**ok)


def test_theta_of_wrong_length(ok):
    ok["theta"] = ok["theta"][:-1]
    with pytest.raises(ValueError, match=r"need a 1-D vector of length 45 .*"
                                         r"concatenate\(\[W1\.ravel\(\), W2\.ravel\(\), b1, b2\]\)"):
        sparse_autoencoder_cost(**ok)


def test_theta_as_matrix(ok):
    ok["theta"] = ok["theta"].reshape(5, 9)
    with pytest.raises(ValueError, match="need a 1-D vector of length 45"):
        sparse_autoencoder_cost(**ok)


def test_non_finite_theta(ok):
    ok["theta"] = ok["theta"].copy()
    ok["theta"][0] = np.nan
    with pytest.raises(ValueError, match="theta contains NaN"):
        sparse_autoencoder_cost(**ok)


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_layer_sizes(ok, size):
    ok["hidden_size"] = size
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        sparse_autoencoder_cost(**ok)


def test_bad_chunk_size(ok):
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        sparse_autoencoder_cost(**ok, chunk_size=0)


def test_complex_data_is_refused(ok):
    ok["data"] = ok["data"].astype(complex)
    with pytest.raises(ValueError, match="must hold real numbers"):
        sparse_autoencoder_cost(**ok)
