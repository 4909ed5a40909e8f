"""The two-pass evaluation for large training sets (notebook 07).

``chunk_size=N`` makes the objective run over the data in chunks of N examples: pass 1
accumulates rho_hat, pass 2 recomputes each chunk's activations and accumulates cost and
gradient. These tests prove that it

* returns the same cost and gradient as the full batch (relative difference < 1e-12 in
  float64) for every kind of chunk size -- 1, sizes that do not divide m, m itself and
  more than m -- and for data held in memory, in Fortran order, or in an ``np.memmap``
  on disk;
* trains the same model (``train`` and ``gradient_descent``) as the full batch;
* keeps its peak memory flat in m, while the full batch grows linearly (tracemalloc).
"""

import tracemalloc

import numpy as np
import pytest

from sae_lib import load_natural_images, sample_images
from sae_lib.gradient_check import relative_difference
from sae_lib.objective import cost_and_grad, initialize_parameters, sparse_autoencoder_cost
from sae_lib.training import gradient_descent, train

VISIBLE, HIDDEN = 64, 25
M = 1003                                  # a prime-ish size: most chunk sizes leave a remainder
CHUNK_SIZES = [1, 2, 7, 64, 100, 500, 1002, M, M + 1, 5000]


@pytest.fixture(scope="module")
def patches():
    return sample_images(load_natural_images(), 8, M, rng=0)


def problem_theta(seed=0, hidden=HIDDEN, visible=VISIBLE):
    """Random weights and non-zero biases, so that rho_hat is far from rho and every term
    of the gradient (including the sparsity term) matters."""
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(hidden, visible, rng)
    theta[2 * hidden * visible:] = rng.normal(0, 0.5, hidden + visible)
    return theta


SETTINGS = [  # (lambda_, rho, beta)
    (1e-4, 0.01, 3.0),                    # UFLDL's natural-image settings
    (3e-3, 0.1, 3.0),                     # UFLDL's digit settings
    (0.0, 0.3, 10.0),
]


def write_memmap(path, data):
    """Write data to a .npy file and reopen it read-only as an np.memmap."""
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=data.dtype, shape=data.shape)
    mm[:] = data
    mm.flush()
    del mm
    out = np.load(path, mmap_mode="r")
    assert isinstance(out, np.memmap)
    return out


# ---------------------------------------------------------------------------------------
# Same cost and gradient as the full batch
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lambda_,rho,beta", SETTINGS)
@pytest.mark.parametrize("fn", [cost_and_grad, sparse_autoencoder_cost])
def test_chunked_equals_full_batch_in_memory(patches, fn, lambda_, rho, beta):
    theta = problem_theta()
    full_cost, full_grad = fn(theta, VISIBLE, HIDDEN, lambda_, rho, beta, patches)
    ref_cost, ref_grad = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, lambda_, rho, beta,
                                                 patches)
    assert abs(full_cost - ref_cost) <= 1e-12 * abs(ref_cost)
    assert relative_difference(full_grad, ref_grad) < 1e-12
    for chunk in CHUNK_SIZES:
        cost, grad = fn(theta, VISIBLE, HIDDEN, lambda_, rho, beta, patches, chunk_size=chunk)
        assert abs(cost - full_cost) <= 1e-12 * abs(full_cost), chunk
        assert relative_difference(grad, full_grad) < 1e-12, chunk
        assert grad.dtype == np.float64 and grad.shape == theta.shape


def test_the_sparsity_term_is_exercised(patches):
    """rho_hat is far from rho here, so a chunked rho_hat that were wrong (e.g. the mean of
    the last chunk only) would change the cost by much more than the tolerance."""
    theta = problem_theta()
    lambda_, rho, beta = SETTINGS[0]
    cost, _ = cost_and_grad(theta, VISIBLE, HIDDEN, lambda_, rho, beta, patches)
    no_sparsity, _ = cost_and_grad(theta, VISIBLE, HIDDEN, lambda_, rho, 0.0, patches)
    assert cost - no_sparsity > 1.0
    last = patches[:, -3:]                # what pass 2 alone would see in its last chunk
    wrong, _ = cost_and_grad(theta, VISIBLE, HIDDEN, lambda_, rho, beta, last)
    assert abs(wrong - cost) > 1e-3


@pytest.mark.parametrize("chunk", [1, 37, M, 2 * M])
def test_chunked_equals_full_batch_for_fortran_ordered_data(patches, chunk):
    theta = problem_theta(1)
    f_data = np.asfortranarray(patches)
    full_cost, full_grad = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, patches)
    cost, grad = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, f_data,
                               chunk_size=chunk)
    assert abs(cost - full_cost) <= 1e-12 * abs(full_cost)
    assert relative_difference(grad, full_grad) < 1e-12


@pytest.mark.parametrize("fn", [cost_and_grad, sparse_autoencoder_cost])
def test_chunked_memmap_equals_full_batch_in_memory(patches, tmp_path, fn):
    mm = write_memmap(tmp_path / "patches.npy", patches)
    theta = problem_theta(2)
    for k, (lambda_, rho, beta) in enumerate(SETTINGS):
        full_cost, full_grad = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, lambda_, rho,
                                                       beta, patches)
        for chunk in [None] + (CHUNK_SIZES if k == 0 else [7, 1002, M + 1]):
            cost, grad = fn(theta, VISIBLE, HIDDEN, lambda_, rho, beta, mm, chunk_size=chunk)
            assert abs(cost - full_cost) <= 1e-12 * abs(full_cost), chunk
            assert relative_difference(grad, full_grad) < 1e-12, chunk
    assert np.array_equal(mm, patches)    # read-only memmap left untouched


def test_memmap_of_a_column_slice(patches, tmp_path):
    """A view of the first m columns of a larger memmap (what notebook 07 uses)."""
    mm = write_memmap(tmp_path / "patches.npy", patches)
    theta = problem_theta(3)
    part = mm[:, :700]
    full_cost, full_grad = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0,
                                         np.array(patches[:, :700]))
    for chunk in (1, 99, 700, 1000):
        cost, grad = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, part,
                                   chunk_size=chunk)
        assert abs(cost - full_cost) <= 1e-12 * abs(full_cost)
        assert relative_difference(grad, full_grad) < 1e-12


def test_float32_memmap_runs_in_float32_and_agrees(patches, tmp_path):
    """float32 data is processed in float32 (half the memory); chunked still agrees with the
    full batch to float32 rounding, and with the float64 result to about 1e-5."""
    mm = write_memmap(tmp_path / "patches32.npy", patches.astype(np.float32))
    theta = problem_theta(4)
    c64, g64 = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, patches)
    c32, g32 = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, mm)
    for chunk in (1, 100, 1002):
        c, g = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, mm, chunk_size=chunk)
        assert g.dtype == np.float64
        assert abs(c - c32) <= 1e-5 * abs(c32)
        assert relative_difference(g, g32) < 1e-5
        assert relative_difference(g, g64) < 1e-4
    assert abs(c32 - c64) <= 1e-5 * abs(c64)


def test_a_single_example(patches):
    theta = problem_theta(5)
    x = patches[:, :1]
    full = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, x)
    for chunk in (1, 2):
        cost, grad = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, x,
                                   chunk_size=chunk)
        assert cost == full[0]
        assert np.array_equal(grad, full[1])


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", 2000.5, float("inf"), True])
def test_bad_chunk_sizes_are_refused(patches, bad):
    theta = problem_theta()
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, patches,
                                chunk_size=bad)
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        train(patches, HIDDEN, max_iter=1, rng=0, chunk_size=bad)


# ---------------------------------------------------------------------------------------
# Same model when training
# ---------------------------------------------------------------------------------------
def test_train_with_chunks_equals_train_without(patches, tmp_path):
    mm = write_memmap(tmp_path / "patches.npy", patches)
    a = train(patches, HIDDEN, max_iter=12, rng=7)
    assert a.n_iter == 12
    for data, chunk in ((patches, 100), (patches, 333), (mm, 250), (mm, None)):
        b = train(data, HIDDEN, max_iter=12, rng=7, chunk_size=chunk)
        assert b.n_iter == a.n_iter
        assert np.allclose(b.cost_history, a.cost_history, rtol=1e-10, atol=0)
        assert np.allclose(b.theta, a.theta, rtol=1e-8, atol=1e-10)


def test_gradient_descent_with_chunks_equals_without(patches, tmp_path):
    mm = write_memmap(tmp_path / "patches.npy", patches)
    a = gradient_descent(patches, HIDDEN, alpha=0.5, max_iter=20, rng=3)
    b = gradient_descent(mm, HIDDEN, alpha=0.5, max_iter=20, rng=3, chunk_size=128)
    assert np.allclose(b.cost_history, a.cost_history, rtol=1e-12, atol=0)
    assert np.allclose(b.theta, a.theta, rtol=1e-10, atol=1e-13)


# ---------------------------------------------------------------------------------------
# Memory: flat in m with chunks, linear in m without (a memory assertion, not timing)
# ---------------------------------------------------------------------------------------
M_SMALL, M_LARGE = 10_000, 100_000
CHUNK = 1_000


@pytest.fixture(scope="module")
def big_memmap(tmp_path_factory):
    """100,000 patch-like examples (51 MB) in a .npy file, opened read-only."""
    path = tmp_path_factory.mktemp("two_pass") / "big.npy"
    rng = np.random.default_rng(11)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64,
                                   shape=(VISIBLE, M_LARGE))
    for s in range(0, M_LARGE, 25_000):
        mm[:, s:s + 25_000] = rng.uniform(0.1, 0.9, size=(VISIBLE, 25_000))
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def peak_bytes(fn, *args, **kwargs):
    """Peak of the memory traced by tracemalloc (numpy reports its array buffers) while
    fn runs, above what was allocated before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base


@pytest.mark.parametrize("fn", [cost_and_grad, sparse_autoencoder_cost])
def test_peak_memory_is_flat_in_m_with_chunks_and_linear_without(big_memmap, fn):
    theta = problem_theta()
    args = (theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0)
    small, large = big_memmap[:, :M_SMALL], big_memmap[:, :M_LARGE]
    chunked_small = peak_bytes(fn, *args, small, chunk_size=CHUNK)
    chunked_large = peak_bytes(fn, *args, large, chunk_size=CHUNK)
    full_small = peak_bytes(fn, *args, small)
    full_large = peak_bytes(fn, *args, large)
    # Two passes: ten times the data, the same memory. (sparse_autoencoder_cost first
    # checks the data for NaN in blocks of at most 2**22 values, one byte each: a bounded
    # extra that reaches its cap only for m >= 2**22 / 64 = 65536.)
    allowance = 2**22 if fn is sparse_autoencoder_cost else 0
    assert chunked_large < 1.5 * chunked_small + allowance, (chunked_small, chunked_large)
    # Full batch: ten times the data, about ten times the memory (the activations of every
    # example: at least (hidden + visible) float64 numbers per example).
    assert 8 < full_large / full_small < 12, (full_small, full_large)
    assert full_large > 8 * (HIDDEN + VISIBLE) * M_LARGE
    assert chunked_large < full_large / 20


def test_peak_memory_grows_with_the_chunk_size(big_memmap):
    theta = problem_theta()
    args = (theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, big_memmap[:, :M_SMALL])
    p_small = peak_bytes(cost_and_grad, *args, chunk_size=250)
    p_large = peak_bytes(cost_and_grad, *args, chunk_size=2_500)
    # chunk memory dominates the fixed part (parameters, gradient): ~ linear in chunk size
    assert 4 < p_large / p_small < 11, (p_small, p_large)


def test_training_memory_is_flat_in_m_with_chunks(big_memmap):
    small, large = big_memmap[:, :M_SMALL], big_memmap[:, :M_LARGE]
    kwargs = dict(max_iter=1, rng=0, chunk_size=CHUNK, progress=False)
    p_small = peak_bytes(train, small, HIDDEN, **kwargs)
    p_large = peak_bytes(train, large, HIDDEN, **kwargs)
    assert p_large < 1.5 * p_small, (p_small, p_large)
    # far below the activations a full-batch evaluation would hold
    assert p_large < 8 * (HIDDEN + VISIBLE) * M_LARGE / 5


def test_integer_memmap_is_read_chunk_by_chunk(tmp_path):
    """uint8 data on disk (like MNIST bytes) must not be converted to float in one piece."""
    import tracemalloc

    rng = np.random.default_rng(0)
    m = 100_000
    path = tmp_path / "bytes.u8"
    mm = np.memmap(path, dtype=np.uint8, mode="w+", shape=(VISIBLE, m))
    mm[:] = rng.integers(0, 256, size=(VISIBLE, m), dtype=np.uint8)
    mm.flush()
    del mm
    data = np.memmap(path, dtype=np.uint8, mode="r", shape=(VISIBLE, m))
    theta = problem_theta()
    tracemalloc.start()
    sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data, chunk_size=1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    whole_as_float = VISIBLE * m * 8
    assert peak < whole_as_float / 10


def test_two_passes_hold_one_chunk_at_a_time(big_memmap):
    """The peak of two passes over many chunks is the peak of the full batch over one chunk:
    no array of the previous chunk is alive while the next one is processed."""
    theta = problem_theta()
    args = (theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0)
    one_chunk = peak_bytes(cost_and_grad, *args, big_memmap[:, :CHUNK])      # full batch
    many_chunks = peak_bytes(cost_and_grad, *args, big_memmap[:, :20 * CHUNK],
                             chunk_size=CHUNK)
    per_example = 8 * (HIDDEN + 1 + 2 * VISIBLE)          # [a2; 1], a3 and f'(z3)
    assert one_chunk >= per_example * CHUNK
    # the same arrays; what differs is parameter-sized (pass 1's running sum and the like)
    assert abs(many_chunks - one_chunk) < 8 * (2 * HIDDEN * VISIBLE + HIDDEN + VISIBLE), (
        one_chunk, many_chunks)
