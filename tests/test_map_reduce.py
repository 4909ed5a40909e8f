"""The two passes as a map and a reduce on Dask (sae_lib.map_reduce; notebook 07, last section).

These tests prove that, given a ``dask.array.Array`` chunked along the examples,
``cost_and_grad``, ``sparse_autoencoder_cost`` and ``train``

* return the in-memory objective's cost and gradient to a relative 1e-12 for any
  chunking (uneven last chunk included), under the synchronous and the threaded scheduler
  and on a ``dask.distributed`` cluster of worker processes;
* validate shape and dtype from the metadata and the values during pass 1 -- every chunk
  is made exactly twice per evaluation, once per pass, never for a separate check;
* keep memory bounded by a chunk on every worker, with only parameters and sums sent;
* train to the same parameters as on numpy;

and that Dask stays optional: the library imports and works without it, and the functions
that need it say how to install it.
"""

import logging
import pickle
import subprocess
import sys
import textwrap
import threading
import tracemalloc

import dask
import dask.array as da
import numpy as np
import pytest

from sae_lib import load_natural_images, sample_images
from sae_lib.gradient_check import relative_difference
from sae_lib.map_reduce import (
    activation_sum_pass,
    dask_cost_and_grad,
    gradient_pass,
    patch_array,
    patch_chunk,
    require_dask,
    validate_dask_data,
)
from sae_lib.objective import (
    cost_and_grad,
    initialize_parameters,
    sparse_autoencoder_cost,
)
from sae_lib.training import gradient_descent, train

VISIBLE, HIDDEN = 64, 25
M = 2003                                   # no chunk size below divides it
CHUNKINGS = [2003, 1000, 700, 333, 64, 1, (500, 1500, 3)]   # the last: chunks of unequal size
SETTINGS = [(1e-4, 0.01, 3.0), (3e-3, 0.1, 3.0), (0.0, 0.3, 10.0)]


@pytest.fixture(scope="module")
def patches():
    return sample_images(load_natural_images(), 8, M, rng=0)


def problem_theta(seed=0, hidden=HIDDEN, visible=VISIBLE):
    """Random weights and non-zero biases: rho_hat far from rho, every term matters."""
    rng = np.random.default_rng(seed)
    theta = initialize_parameters(hidden, visible, rng)
    theta[2 * hidden * visible:] = rng.normal(0, 0.5, hidden + visible)
    return theta


def as_dask(data, chunks):
    if isinstance(chunks, tuple):
        return da.from_array(data, chunks=((data.shape[0],), chunks))
    return da.from_array(data, chunks=(data.shape[0], chunks))


def assert_same(result, reference, rtol=1e-12):
    cost, grad = result
    ref_cost, ref_grad = reference
    assert abs(cost - ref_cost) <= rtol * abs(ref_cost), (cost, ref_cost)
    assert relative_difference(grad, ref_grad) < rtol
    assert isinstance(cost, float) and grad.dtype == np.float64 and grad.shape == ref_grad.shape


# ---------------------------------------------------------------------------------------
# Same cost and gradient as in memory
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
@pytest.mark.parametrize("lambda_,rho,beta", SETTINGS)
def test_equals_the_in_memory_objective_for_any_chunking(patches, scheduler, lambda_, rho, beta):
    theta = problem_theta()
    reference = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, lambda_, rho, beta, patches)
    with dask.config.set(scheduler=scheduler):
        for chunks in CHUNKINGS if scheduler == "threads" else CHUNKINGS[:4]:
            data = as_dask(patches, chunks)
            assert_same(cost_and_grad(theta, VISIBLE, HIDDEN, lambda_, rho, beta, data),
                        reference)
            assert_same(sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, lambda_, rho, beta,
                                                data), reference)


def test_chunks_along_the_rows_are_merged(patches):
    """Chunks that split the examples' rows are joined lazily: each map sees whole examples."""
    theta = problem_theta(1)
    reference = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, patches)
    data = da.from_array(patches, chunks=(10, 400))
    assert validate_dask_data(data, VISIBLE).numblocks == (1, 6)
    assert_same(cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data), reference)


def test_float32_and_integer_chunks(patches):
    """float32 chunks are processed in float32 (as numpy input); integers become float64."""
    theta = problem_theta(2)
    c32, g32 = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, patches.astype(np.float32))
    c, g = cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0,
                         as_dask(patches.astype(np.float32), 300))
    assert abs(c - c32) <= 1e-5 * abs(c32) and relative_difference(g, g32) < 1e-5
    ints = np.random.default_rng(0).integers(0, 2, size=(VISIBLE, 500)).astype(np.uint8)
    reference = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0,
                                        ints.astype(np.float64))
    assert_same(cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, as_dask(ints, 128)),
                reference)


def test_the_passes_are_lazy_until_computed(patches):
    """activation_sum_pass and gradient_pass build graphs; nothing runs before compute."""
    calls = []

    def counted(block):
        calls.append(block.shape[1])
        return block

    data = as_dask(patches, 500).map_blocks(counted, dtype=np.float64, meta=np.empty((0, 0)))
    theta = problem_theta()
    a2_sum, first_bad = activation_sum_pass(data, theta, VISIBLE, HIDDEN)
    sums = gradient_pass(data, theta, VISIBLE, HIDDEN, np.zeros(HIDDEN))
    assert calls == []
    assert a2_sum.shape == (HIDDEN,) and first_bad.shape == ()
    assert sums.shape == (1 + 2 * HIDDEN * VISIBLE + HIDDEN + VISIBLE,)
    a2_sum, first_bad = dask.compute(a2_sum, first_bad, scheduler="synchronous")
    assert sorted(calls) == [3, 500, 500, 500, 500]
    assert np.isinf(first_bad)
    expected = 1 / (1 + np.exp(-(theta[:HIDDEN * VISIBLE].reshape(HIDDEN, VISIBLE) @ patches
                                 + theta[2 * HIDDEN * VISIBLE:2 * HIDDEN * VISIBLE + HIDDEN,
                                         None])))
    assert np.allclose(a2_sum, expected.sum(axis=1), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Validation: metadata at once, values during pass 1 (no extra pass)
# ---------------------------------------------------------------------------------------
class ChunkCounter:
    """Wraps a Dask array so that every time one of its chunks is made, it is counted."""

    def __init__(self, data):
        self.count = {}
        self.lock = threading.Lock()
        self.array = data.map_blocks(self._seen, dtype=data.dtype,
                                     meta=np.empty((0, 0), data.dtype))

    def _seen(self, block, block_info=None):
        key = block_info[0]["chunk-location"][1]
        with self.lock:
            self.count[key] = self.count.get(key, 0) + 1
        return block


def test_each_chunk_is_made_twice_per_evaluation_validation_included(patches):
    counter = ChunkCounter(as_dask(patches, 400))
    theta = problem_theta()
    with dask.config.set(scheduler="threads"):
        sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, counter.array)
    assert counter.count == {k: 2 for k in range(6)}          # pass 1 and pass 2
    counter.count.clear()
    with dask.config.set(scheduler="threads"):
        result = train(counter.array, HIDDEN, max_iter=2, rng=0, progress=False)
    assert counter.count == {k: 2 * result.n_evaluations for k in range(6)}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", [(0, 0), (7, 1234), (63, 2002)])
def test_non_finite_values_are_found_by_pass_1(patches, bad, where):
    data = patches.copy()
    data[where] = bad
    data[5, 1800] = np.nan                       # a later one is not the one reported
    message = rf"NaN or infinite values \(first at row {where[0]}, column {where[1]}\)"
    if where[1] > 1800:
        message = r"NaN or infinite values \(first at row 5, column 1800\)"
    theta = problem_theta()
    for fn in (cost_and_grad, sparse_autoencoder_cost):
        with pytest.raises(ValueError, match=message):
            fn(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, as_dask(data, 300))
    with pytest.raises(ValueError, match=message):
        train(as_dask(data, 300), HIDDEN, max_iter=1, rng=0)
    with pytest.raises(ValueError, match=message):       # the same message as for numpy
        sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data)


@pytest.mark.parametrize("make, words, train_too", [
    (lambda p: as_dask(p, 500).T, "examples go in columns; pass data.T", False),
    (lambda p: as_dask(p[:60], 500), "has 60 rows but visible_size is 64", False),
    (lambda p: da.from_array(p[:, 0], chunks=100), "must be a 2-D array", True),
    (lambda p: as_dask(p, 500)[:, :0], "has no examples", True),
    (lambda p: as_dask(p.astype(np.complex128), 500), "must hold real numbers", True),
    (lambda p: as_dask(p, 500)[:, as_dask(p, 500)[0] > 0.5], "chunks of unknown size", True),
])
def test_bad_shapes_and_dtypes_are_refused_before_any_pass(patches, make, words, train_too):
    counter = ChunkCounter(make(patches)) if make(patches).ndim == 2 else None
    data = counter.array if counter is not None else make(patches)
    theta = problem_theta()
    pattern = words.replace(".", r"\.")
    with pytest.raises(ValueError, match=pattern):
        sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data)
    with pytest.raises(ValueError, match=pattern):
        cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data)
    if train_too:       # train takes visible_size from the data: only these are detectable
        with pytest.raises(ValueError, match=pattern):
            train(data, HIDDEN, max_iter=1, rng=0)
    assert counter is None or counter.count == {}        # refused without reading a chunk


def test_chunk_size_with_a_dask_array_is_refused(patches):
    data = as_dask(patches, 500)
    theta = problem_theta()
    for call in (lambda: cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data,
                                       chunk_size=100),
                 lambda: sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data,
                                                 chunk_size=100),
                 lambda: train(data, HIDDEN, max_iter=1, rng=0, chunk_size=100)):
        with pytest.raises(ValueError, match=r"already divided into chunks.*rechunk"):
            call()


def test_functions_that_need_data_in_memory_refuse_a_dask_array(patches):
    from sae_lib.objective import validate_data

    with pytest.raises(ValueError, match=r"Dask array.*data\.compute\(\)"):
        validate_data(as_dask(patches, 500), VISIBLE)


# ---------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------
def test_training_on_a_dask_array_reaches_the_same_theta(patches):
    a = train(patches, HIDDEN, max_iter=8, rng=4, progress=False)
    with dask.config.set(scheduler="threads"):
        b = train(as_dask(patches, 450), HIDDEN, max_iter=8, rng=4, progress=False)
    assert b.n_iter == a.n_iter == 8
    assert np.allclose(b.cost_history, a.cost_history, rtol=1e-10, atol=0)
    assert np.allclose(b.theta, a.theta, rtol=1e-8, atol=1e-10)
    assert relative_difference(b.theta, a.theta) < 1e-9


def test_gradient_descent_on_a_dask_array_takes_the_same_steps(patches):
    a = gradient_descent(patches, HIDDEN, alpha=0.5, max_iter=5, rng=3)
    with dask.config.set(scheduler="synchronous"):
        b = gradient_descent(as_dask(patches, 777), HIDDEN, alpha=0.5, max_iter=5, rng=3)
    assert np.allclose(b.cost_history, a.cost_history, rtol=1e-12, atol=0)
    assert np.allclose(b.theta, a.theta, rtol=1e-11, atol=1e-14)


# ---------------------------------------------------------------------------------------
# Memory: one chunk at a time, flat in m (synchronous scheduler, so deterministic)
# ---------------------------------------------------------------------------------------
def traced_peak(fn, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_memory_is_one_chunk_and_flat_in_m():
    theta = problem_theta()
    chunk = 2_000
    small, large = patch_array(10_000, chunk, seed=1), patch_array(80_000, chunk, seed=1)
    load_natural_images()                         # the photographs, cached before measuring
    with dask.config.set(scheduler="synchronous"):
        dask_cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, small)   # warm caches
        p_small = traced_peak(dask_cost_and_grad, theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, small)
        p_large = traced_peak(dask_cost_and_grad, theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, large)
    one_chunk = 8 * chunk * (HIDDEN + 1 + 2 * VISIBLE)      # its activations at the peak
    assert p_large < 1.3 * p_small, (p_small, p_large)
    assert p_large < 8 * one_chunk                         # sampling one chunk + its activations
    assert p_large < 8 * VISIBLE * 80_000 / 4              # far below the data it went through


# ---------------------------------------------------------------------------------------
# The lazily sampled patches
# ---------------------------------------------------------------------------------------
def test_patch_array_chunks_are_patch_chunk_and_hold_no_data_in_the_graph():
    data = patch_array(10_500, 4_000, seed=7)
    assert data.shape == (64, 10_500) and data.chunks == ((64,), (4_000, 4_000, 2_500))
    graph_bytes = len(pickle.dumps(dict(data.__dask_graph__())))
    assert graph_bytes < 20_000                       # the seed and sizes, not 5 MB of data
    values = data.compute(scheduler="synchronous")
    assert np.array_equal(values[:, 4_000:8_000], patch_chunk(1, 4_000, seed=7))
    assert np.array_equal(values[:, 8_000:], patch_chunk(2, 2_500, seed=7))
    assert np.array_equal(data.blocks[0, 2].compute(), values[:, 8_000:])    # made again: same
    assert not np.array_equal(values[:, :4_000], patch_chunk(0, 4_000, seed=8))
    assert values.min() >= 0.1 and values.max() <= 0.9


def test_patch_chunk_raw_and_normalised_share_their_draws():
    from sae_lib import normalize_data

    raw = patch_chunk(3, 500, seed=2, normalize=False)
    assert np.array_equal(normalize_data(raw), patch_chunk(3, 500, seed=2))


@pytest.mark.parametrize("call, words", [
    (lambda: patch_array(0, 10), "num_patches must be a positive integer"),
    (lambda: patch_array(10, 2.5), "chunk_size must be a positive integer"),
    (lambda: patch_array(10, 5, seed=-1), "seed must be a non-negative integer"),
    (lambda: patch_chunk(-1, 5), "index must be a non-negative integer"),
])
def test_patch_arguments_are_checked(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# ---------------------------------------------------------------------------------------
# A dask.distributed cluster of worker processes
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, host="127.0.0.1",
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_on_worker_processes_same_result_bounded_memory_per_worker(client):
    from sae_lib.exercises import peak_traced_memory_on_workers

    m, chunk = 60_000, 7_000                       # 9 chunks, the last one 4,000
    data = patch_array(m, chunk, seed=5)
    in_memory = np.concatenate([patch_chunk(k, min(chunk, m - s), seed=5)
                                for k, s in enumerate(range(0, m, chunk))], axis=1)
    theta = problem_theta(6)
    reference = sparse_autoencoder_cost(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, in_memory)
    dask_cost_and_grad(theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data)   # workers warm up
    result, peaks = peak_traced_memory_on_workers(
        client, cost_and_grad, theta, VISIBLE, HIDDEN, 1e-4, 0.01, 3.0, data)
    assert_same(result, reference)
    assert sorted(peaks) == sorted(client.scheduler_info()["workers"])
    one_chunk = 8 * chunk * (HIDDEN + 1 + 2 * VISIBLE + VISIBLE)   # activations + the chunk
    for worker, peak in peaks.items():
        assert peak < 4 * one_chunk, (worker, peak)                # a chunk or so, not m
    assert max(peaks.values()) < 8 * VISIBLE * m / 2
    # the workers stopped tracing afterwards
    import tracemalloc as tm
    assert not any(client.run(tm.is_tracing).values())


def test_training_on_worker_processes_equals_numpy(client):
    m, chunk = 6_000, 2_500
    data = patch_array(m, chunk, seed=9)
    in_memory = data.compute()
    a = train(in_memory, HIDDEN, max_iter=4, rng=2, progress=False)
    b = train(data, HIDDEN, max_iter=4, rng=2, progress=False)
    assert b.n_iter == a.n_iter == 4
    assert np.allclose(b.cost_history, a.cost_history, rtol=1e-10, atol=0)
    assert relative_difference(b.theta, a.theta) < 1e-9


# ---------------------------------------------------------------------------------------
# Dask is optional
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: patch_array(100, 10),
    lambda: require_dask(),
    lambda: validate_dask_data(None, 64),
])
def test_a_clear_message_when_dask_is_missing(monkeypatch, call):
    for name in [n for n in sys.modules if n == "dask" or n.startswith("dask.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"needs Dask.*pip install 'sae_lib\[scale\]'"):
        call()


def test_the_library_imports_and_trains_without_dask():
    """In a fresh interpreter where importing dask fails, sae_lib imports, evaluates,
    trains on numpy, and the Dask helpers explain what to install."""
    script = textwrap.dedent("""
        import sys
        sys.modules["dask"] = None            # import dask -> ImportError
        sys.modules["distributed"] = None
        import numpy as np
        import sae_lib, sae_lib.map_reduce
        from sae_lib import sample_images, load_natural_images, train, cost_and_grad
        X = sample_images(load_natural_images(), 8, 300, rng=0)
        r = train(X, 10, max_iter=3, rng=0, progress=False)
        c, g = cost_and_grad(r.theta, 64, 10, 1e-4, 0.01, 3.0, X, chunk_size=100)
        assert np.isfinite(c) and r.n_iter == 3
        assert not any(n == "dask" or n.startswith("dask.") for n, m in sys.modules.items()
                       if m is not None)
        try:
            sae_lib.map_reduce.patch_array(100, 10)
        except ImportError as e:
            print("MESSAGE:", e)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "MESSAGE: patch_array needs Dask" in out.stdout
    assert "pip install 'sae_lib[scale]'" in out.stdout
