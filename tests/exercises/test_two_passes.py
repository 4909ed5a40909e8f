"""Notebook 07's section of sae_lib.exercises: peak_traced_memory, ColumnReader and the
checkers of its exercises (the first pass in chunks; predicting the full batch's memory; a
chunk size for a memory budget).

Each checker passes a correct answer, names each planted mistake, and never raises.
"""

import numpy as np
import pytest

from sae_lib import initialize_parameters, sigmoid
from sae_lib.exercises import (
    ColumnReader,
    check_chunk_size_for_budget,
    check_full_batch_memory_prediction,
    check_rho_hat_in_chunks,
    peak_traced_memory,
)
from sae_lib.objective import cost_and_grad


def verdict(capsys, checker, *args):
    ok = checker(*args)
    out = capsys.readouterr().out
    return ok, out


# --- peak_traced_memory and ColumnReader ---------------------------------------------------
def test_peak_traced_memory_sees_numpy_arrays_and_returns_the_result():
    def make(n):
        a = np.ones(n)
        return float(a.sum())

    result, peak = peak_traced_memory(make, 1_000_000)
    assert result == 1_000_000.0
    assert 8_000_000 <= peak < 8_500_000
    _, small = peak_traced_memory(make, 1000)
    assert small < 100_000


def test_peak_traced_memory_counts_only_what_the_call_adds():
    import tracemalloc

    tracemalloc.start()
    try:
        held = np.ones(2_000_000)                  # 16 MB allocated before the call
        _, peak = peak_traced_memory(lambda: np.zeros(100_000).sum())
        assert 800_000 <= peak < 1_000_000
        assert tracemalloc.is_tracing()            # an outer trace is left running
        del held
    finally:
        tracemalloc.stop()


def test_peak_of_full_batch_is_linear_in_m_and_chunked_is_not():
    theta = initialize_parameters(25, 64, 0)
    data = np.random.default_rng(0).uniform(0, 1, (64, 20_000))
    args = (theta, 64, 25, 1e-4, 0.01, 3.0)
    _, full_1 = peak_traced_memory(cost_and_grad, *args, data[:, :10_000])
    _, full_2 = peak_traced_memory(cost_and_grad, *args, data)
    _, chunk_1 = peak_traced_memory(cost_and_grad, *args, data[:, :10_000], chunk_size=1000)
    _, chunk_2 = peak_traced_memory(cost_and_grad, *args, data, chunk_size=1000)
    assert 1.9 < full_2 / full_1 < 2.1
    assert chunk_2 == pytest.approx(chunk_1, rel=0.05)


def test_column_reader_serves_column_slices_and_records_them():
    data = np.arange(12.0).reshape(3, 4)
    r = ColumnReader(data, 2)
    assert r.shape == (3, 4) and r.ndim == 2 and r.dtype == data.dtype and len(r) == 3
    assert np.array_equal(r[:, 0:2], data[:, 0:2])
    assert np.array_equal(r[:, 3:10], data[:, 3:])       # stops at m, like an array
    assert np.array_equal(r[..., 2:3], data[:, 2:3])
    assert r.reads == [(0, 2), (3, 4), (2, 3)]
    chunk = r[:, 0:1]
    chunk[:] = -1                                         # a copy: the data stay intact
    assert data[0, 0] == 0


@pytest.mark.parametrize("bad, error, words", [
    (lambda r: r[:, 0:3], MemoryError, "read 3 columns at once"),
    (lambda r: np.asarray(r), MemoryError, "whole data set into one array"),
    (lambda r: r[0], TypeError, "data[:, start:stop]"),
    (lambda r: r[:, 1], TypeError, "data[:, start:stop]"),
    (lambda r: r[:, 0:4:2], TypeError, "without a step"),
    (lambda r: list(r), TypeError, "range(0, m, chunk_size)"),
])
def test_column_reader_refuses_reading_too_much_or_otherwise(bad, error, words):
    r = ColumnReader(np.zeros((3, 4)), 2)
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        bad(r)


# --- Exercise 1: rho_hat_in_chunks -----------------------------------------------------------
def good(W1, b1, data, chunk_size):
    m = data.shape[1]
    a2_sum = np.zeros(W1.shape[0])
    for start in range(0, m, chunk_size):
        X = data[:, start:start + chunk_size]
        a2_sum += sigmoid(W1 @ X + b1[:, None]).sum(axis=1)
    return a2_sum / m


def good_with_min(W1, b1, data, chunk_size):
    m = data.shape[1]
    total = 0
    start = 0
    while start < m:
        stop = min(start + chunk_size, m)
        total = total + sigmoid(W1 @ data[:, start:stop] + b1[:, None]).sum(axis=1)
        start = stop
    return total / m


def dropped_last(W1, b1, data, chunk_size):
    m = data.shape[1]
    a2_sum = np.zeros(W1.shape[0])
    for k in range(m // chunk_size):
        X = data[:, k * chunk_size:(k + 1) * chunk_size]
        a2_sum += sigmoid(W1 @ X + b1[:, None]).sum(axis=1)
    return a2_sum / m


def off_by_one(W1, b1, data, chunk_size):
    m = data.shape[1]
    a2_sum = np.zeros(W1.shape[0])
    for start in range(0, m, chunk_size):
        X = data[:, start:start + chunk_size - 1]
        a2_sum += sigmoid(W1 @ X + b1[:, None]).sum(axis=1)
    return a2_sum / m


def overlapping(W1, b1, data, chunk_size):
    m = data.shape[1]
    a2_sum = np.zeros(W1.shape[0])
    for start in range(0, m, max(1, chunk_size - 1)):
        X = data[:, start:start + chunk_size]
        a2_sum += sigmoid(W1 @ X + b1[:, None]).sum(axis=1)
    return a2_sum / m


def mean_of_means(W1, b1, data, chunk_size):
    m = data.shape[1]
    means = [sigmoid(W1 @ data[:, s:s + chunk_size] + b1[:, None]).mean(axis=1)
             for s in range(0, m, chunk_size)]
    return np.mean(means, axis=0)


def by_chunks_times_size(W1, b1, data, chunk_size):
    m = data.shape[1]
    n_chunks = -(-m // chunk_size)
    return good(W1, b1, data, chunk_size) * m / (n_chunks * chunk_size)


def overwrite(W1, b1, data, chunk_size):
    m = data.shape[1]
    for start in range(0, m, chunk_size):
        a2_sum = sigmoid(W1 @ data[:, start:start + chunk_size] + b1[:, None]).sum(axis=1)
    return a2_sum / m


def loads_everything(W1, b1, data, chunk_size):
    X = np.asarray(data)
    return sigmoid(W1 @ X + b1[:, None]).mean(axis=1)


def one_big_read(W1, b1, data, chunk_size):
    X = data[:, 0:data.shape[1]]
    return sigmoid(W1 @ X + b1[:, None]).mean(axis=1)


def averages_z2(W1, b1, data, chunk_size):
    m = data.shape[1]
    return sum((W1 @ data[:, s:s + chunk_size] + b1[:, None]).sum(axis=1)
               for s in range(0, m, chunk_size)) / m


def no_bias(W1, b1, data, chunk_size):
    return good(W1, np.zeros_like(b1), data, chunk_size)


def column_vector(W1, b1, data, chunk_size):
    return good(W1, b1, data, chunk_size)[:, None]


def per_example(W1, b1, data, chunk_size):
    m = data.shape[1]
    return np.concatenate([sigmoid(W1 @ data[:, s:s + chunk_size] + b1[:, None]).mean(axis=0)
                           for s in range(0, m, chunk_size)])


def returns_sum(W1, b1, data, chunk_size):
    return good(W1, b1, data, chunk_size) * data.shape[1]


def keeps_every_a2(W1, b1, data, chunk_size):
    # right values, but a list of every chunk's activations: memory grows with m
    m = data.shape[1]
    a2s = [sigmoid(W1 @ data[:, s:s + chunk_size] + b1[:, None]) for s in range(0, m, chunk_size)]
    return np.concatenate(a2s, axis=1).mean(axis=1)


def keeps_every_chunk(W1, b1, data, chunk_size):
    # right values, but every chunk of data is kept and joined: the whole file in memory
    m = data.shape[1]
    X = np.hstack([data[:, s:s + chunk_size] for s in range(0, m, chunk_size)])
    a2_sum = np.zeros(W1.shape[0])
    for s in range(0, m, chunk_size):
        a2_sum += sigmoid(W1 @ X[:, s:s + chunk_size] + b1[:, None]).sum(axis=1)
    return a2_sum / m


def keeps_a_growing_list_of_sums(W1, b1, data, chunk_size):
    # small per chunk, so allowed: a list of hidden_size sums per chunk is not the data
    m = data.shape[1]
    sums = [sigmoid(W1 @ data[:, s:s + chunk_size] + b1[:, None]).sum(axis=1)
            for s in range(0, m, chunk_size)]
    return np.sum(sums, axis=0) / m


def forgot_return(W1, b1, data, chunk_size):
    good(W1, b1, data, chunk_size)


def stub(W1, b1, data, chunk_size):
    raise NotImplementedError


@pytest.mark.parametrize("fn", [good, good_with_min, keeps_a_growing_list_of_sums])
def test_rho_hat_in_chunks_accepts_correct_versions(capsys, fn):
    ok, out = verdict(capsys, check_rho_hat_in_chunks, fn)
    assert ok is True
    assert "✓ rho_hat_in_chunks" in out


@pytest.mark.parametrize("fn, words", [
    (dropped_last, "the last, partial chunk (columns 100..102) was never read"),
    (off_by_one, "off by one: the last column of each chunk"),
    (overlapping, "were read more than once"),
    (mean_of_means, "you averaged the chunk means"),
    (by_chunks_times_size, "(number of chunks) x chunk_size"),
    (overwrite, "only the last chunk's sum survived"),
    (loads_everything, "whole data set into one array"),
    (one_big_read, "you read 103 columns at once"),
    (averages_z2, "you averaged z2"),
    (no_bias, "b1 is missing"),
    (column_vector, "return a vector of shape (5,)"),
    (per_example, "average over the examples (the columns)"),
    (returns_sum, "you returned the sum of the activations"),
    (forgot_return, "did you forget `return`?"),
    (stub, "not implemented yet"),
    (keeps_every_a2, "the activations of every chunk (40 x 40,000 numbers = 12.8 MB)"),
    (keeps_every_chunk, "every chunk of the data (12 x 40,000 numbers = 3.8 MB)"),
])
def test_rho_hat_in_chunks_names_each_mistake(capsys, fn, words):
    ok, out = verdict(capsys, check_rho_hat_in_chunks, fn)
    assert ok is False
    assert "✗ rho_hat_in_chunks" in out
    assert words in out, out


# --- Exercise 2: predicting the full batch's memory -----------------------------------------
V, H, M = 64, 64, 50_000
ROWS = max(H + 1 + 2 * V, 2 * H + 1 + V)                  # 193 numbers per example


def test_memory_prediction_accepts_a_close_answer_and_explains(capsys):
    right = 8 * ROWS * M / 1e6                             # 77.2 MB; measured about 77.5
    ok, out = verdict(capsys, check_full_batch_memory_prediction, right)
    assert ok is True
    assert "✓" in out and "8 x 193 = 1544 bytes" in out
    ok, _ = verdict(capsys, check_full_batch_memory_prediction, 80)
    assert ok is True


def test_the_network_tells_counting_from_scaling():
    """Naive scalings of the notebook's 1232 bytes miss the measurement by far more than the
    tolerance; the count lands well inside it (what makes the exercise worth doing)."""
    from sae_lib.exercises.two_passes import _N07_TOLERANCE, _measure_full_batch

    measured = _measure_full_batch(V, H, M) / 1e6
    assert abs(8 * ROWS * M / 1e6 / measured - 1) < _N07_TOLERANCE / 3
    for naive in (1232 * V / 64, 1232 * H / 25, 1232 * (H + V) / 89, 1232):
        assert abs(naive * M / 1e6 / measured - 1) > 2 * _N07_TOLERANCE, naive


@pytest.mark.parametrize("answer, words", [
    (None, "not answered yet"),
    ("lots", "must be a number of MB"),
    (-3, "positive number of MB"),
    (1232 * M / 1e6, "you used the 1232 bytes per example of the 25-hidden-unit network as they are"),
    (1232 * H / 25 * M / 1e6, "by 64/25, the ratio of hidden units"),
    (1232 * (H + V) / 89 * M / 1e6, "by (64 + 64)/(25 + 64), the ratio of units"),
    (8 * (H + V) * M / 1e6, "you counted a2 and a3"),
    (ROWS * M / 1e6, "a float64 takes 8 bytes"),
    (8 * (ROWS + V) * M / 1e6, "the data itself was allocated before"),
    (8 * V * M / 1e6, "the size of the data alone"),
    (77.2e6, "looks like bytes"),
    (0.0772, "looks like gigabytes"),
    (1000, "times the measured peak"),
])
def test_memory_prediction_names_each_slip(capsys, answer, words):
    ok, out = verdict(capsys, check_full_batch_memory_prediction, answer)
    assert ok is False
    assert words in out, out
    if isinstance(answer, float) and 1 < answer < 1e5:
        assert "measured peak" in out        # a wrong number is answered with the measurement


# --- Exercise 3: chunk size for a memory budget ----------------------------------------------
def measured_budget(budget_mb, visible_size, hidden_size):
    """Measure at two chunk sizes, fit a line, solve for the budget (the solution)."""
    rng = np.random.default_rng(0)
    theta = initialize_parameters(hidden_size, visible_size, rng)
    data = rng.uniform(0, 1, (visible_size, 5000))   # several chunks of each size
    peaks = []
    for c in (1000, 2000):     # large enough for the chunk's arrays to dominate the peak
        _, p = peak_traced_memory(cost_and_grad, theta, visible_size, hidden_size, 1e-4,
                                  0.1, 3.0, data, chunk_size=c)
        peaks.append(p)
    per_example = (peaks[1] - peaks[0]) / 1000
    fixed = peaks[0] - 1000 * per_example
    return int(0.95 * (budget_mb * 1e6 - fixed) / per_example)


def counted_budget(budget_mb, visible_size, hidden_size):
    # per example of the chunk: [a2; 1], d and f'(z3) -- or [a2; 1], d and delta2
    h, v = hidden_size, visible_size
    fixed = 6 * 8 * (2 * h * v + h + v)
    return int(0.9 * (budget_mb * 1e6 - fixed) // (8 * max(h + 1 + 2 * v, 2 * h + 1 + v)))


def full_batch_count(budget_mb, visible_size, hidden_size):
    # the per-example count without the fixed part (parameters, gradient) and no margin:
    # the budget is exceeded by the fixed part
    return int(budget_mb * 1e6 // (8 * (hidden_size + 1 + 2 * visible_size)))


def tiny(budget_mb, visible_size, hidden_size):
    return 10


def as_float(budget_mb, visible_size, hidden_size):
    return budget_mb * 1e6 / 3000


def enormous(budget_mb, visible_size, hidden_size):
    return 10**9


def zero(budget_mb, visible_size, hidden_size):
    return 0


@pytest.mark.parametrize("fn", [measured_budget, counted_budget])
def test_chunk_size_for_budget_accepts_measured_and_counted_answers(capsys, fn):
    ok, out = verdict(capsys, check_chunk_size_for_budget, fn)
    assert ok is True, out


@pytest.mark.parametrize("fn, words", [
    (full_batch_count, "of the budget. Count every array"),
    (tiny, "only 2% of the budget"),
    (as_float, "return a whole number of examples (an int)"),
    (enormous, "cannot fit in 8 MB"),
    (zero, "must be at least 1"),
    (lambda b, v, h: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
])
def test_chunk_size_for_budget_names_each_mistake(capsys, fn, words):
    ok, out = verdict(capsys, check_chunk_size_for_budget, fn)
    assert ok is False
    assert words in out, out


# --- peak_traced_memory_on_workers ------------------------------------------------------------
def _allocate_on_a_worker(n):
    a = np.ones(n)
    return float(a.sum())


def test_peak_traced_memory_on_workers_sees_what_a_worker_allocates():
    """Workers in this process (threads): the mechanics -- start, measure, stop -- and the
    peak of a 16 MB array made by a task. (tests/test_map_reduce.py measures worker
    processes.)"""
    import logging
    import tracemalloc

    from distributed import Client, LocalCluster

    from sae_lib.exercises import peak_traced_memory_on_workers

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        result, peaks = peak_traced_memory_on_workers(
            client, lambda: client.submit(_allocate_on_a_worker, 2_000_000).result())
        assert result == 2_000_000.0
        assert list(peaks) == list(client.scheduler_info()["workers"])
        assert 16_000_000 <= min(peaks.values()) < 20_000_000
        assert not tracemalloc.is_tracing()            # tracing stopped where it was started


# --- available_memory and folder_in_memory (the notebook's guards) ----------------------------
def test_available_memory_reads_meminfo_and_respects_a_container_limit(tmp_path):
    from sae_lib.exercises import available_memory
    from sae_lib.exercises.two_passes import _available_memory

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n")
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    assert _available_memory(meminfo, ()) == 8_000_000 * 1024
    limit.write_text("2147483648\n")                       # Binder: 2 GiB for the container
    usage.write_text("1000000000\n")
    assert _available_memory(meminfo, ((limit, usage),)) == 2147483648 - 1000000000
    limit.write_text("max\n")                               # cgroup v2 without a limit
    assert _available_memory(meminfo, ((limit, usage),)) == 8_000_000 * 1024
    real = available_memory()
    assert real is None or 0 <= real < 2**50


def test_folder_in_memory_finds_the_file_system_of_a_path(tmp_path):
    from sae_lib.exercises import folder_in_memory

    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda / ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n"
                      "/dev/vdb /tmp/disk\\040space ext4 rw 0 0\n")
    assert folder_in_memory("/tmp/sae07_x", mounts) is True
    assert folder_in_memory("/home/learner", mounts) is False
    assert folder_in_memory("/tmp/disk space/sae07", mounts) is False
    assert folder_in_memory("/tmpfoo", mounts) is False
    assert folder_in_memory("/x", tmp_path / "no-such-file") is None


# --- Exercise 4: the first pass as map and reduce on Dask --------------------------------------
def _a2_blocks(W1, b1, data):
    return data.map_blocks(lambda X: sigmoid(W1 @ X + b1[:, None]),
                           chunks=((W1.shape[0],), data.chunks[1]), dtype=float)


def dask_mean(W1, b1, data):
    return _a2_blocks(W1, b1, data).mean(axis=1).compute()


def dask_sums(W1, b1, data):
    sums = data.map_blocks(lambda X: sigmoid(W1 @ X + b1[:, None]).sum(axis=1, keepdims=True),
                           chunks=((W1.shape[0],), (1,) * data.numblocks[1]), dtype=float)
    return sums.sum(axis=1).compute() / data.shape[1]


def dask_sum_and_count_in_one_compute(W1, b1, data):
    import dask

    a2 = _a2_blocks(W1, b1, data)
    total, count = dask.compute(a2.sum(axis=1), a2[0].size)
    return total / count


def dask_mean_of_means(W1, b1, data):
    means = data.map_blocks(lambda X: sigmoid(W1 @ X + b1[:, None]).mean(axis=1, keepdims=True),
                            chunks=((W1.shape[0],), (1,) * data.numblocks[1]), dtype=float)
    return means.mean(axis=1).compute()


def dask_lazy(W1, b1, data):
    return _a2_blocks(W1, b1, data).mean(axis=1)


def dask_whole_array(W1, b1, data):
    X = np.asarray(data)
    return sigmoid(W1 @ X + b1[:, None]).mean(axis=1)


def dask_every_activation(W1, b1, data):
    return _a2_blocks(W1, b1, data).compute().mean(axis=1)


def dask_two_computes(W1, b1, data):
    a2 = _a2_blocks(W1, b1, data)
    return a2.sum(axis=1).compute() / a2[0].sum().compute() * 0 + a2.mean(axis=1).compute()


def dask_z2(W1, b1, data):
    return data.map_blocks(lambda X: W1 @ X + b1[:, None], chunks=((W1.shape[0],), data.chunks[1]),
                           dtype=float).mean(axis=1).compute()


def dask_no_bias(W1, b1, data):
    return dask_mean(W1, np.zeros_like(b1), data)


def dask_sum_only(W1, b1, data):
    return _a2_blocks(W1, b1, data).sum(axis=1).compute()


@pytest.mark.parametrize("fn", [dask_mean, dask_sums, dask_sum_and_count_in_one_compute])
def test_rho_hat_map_reduce_accepts_correct_versions(capsys, fn):
    from sae_lib.exercises import check_rho_hat_map_reduce

    ok, out = verdict(capsys, check_rho_hat_map_reduce, fn)
    assert ok is True, out


@pytest.mark.parametrize("fn, words", [
    (dask_mean_of_means, "that is the mean of the chunk means"),
    (dask_lazy, "you returned a lazy Dask array"),
    (dask_whole_array, "np.asarray(data) brings every chunk into one array"),
    (lambda W1, b1, data: dask_whole_array(W1, b1, data.compute()), "data.compute() brings"),
    (dask_every_activation, "the activations of all 60,000 examples"),
    (dask_two_computes, "some chunks were made 3 times"),
    (dask_z2, "you averaged z2"),
    (dask_no_bias, "b1 is missing"),
    (dask_sum_only, "you returned the sum of the activations"),
    (lambda W1, b1, data: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
])
def test_rho_hat_map_reduce_names_each_mistake(capsys, fn, words):
    from sae_lib.exercises import check_rho_hat_map_reduce

    ok, out = verdict(capsys, check_rho_hat_map_reduce, fn)
    assert ok is False
    assert words in out, out


def test_rho_hat_map_reduce_says_what_to_install_without_dask(monkeypatch):
    import sys

    from sae_lib.exercises import check_rho_hat_map_reduce

    for name in [n for n in sys.modules if n == "dask" or n.startswith("dask.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"check_rho_hat_map_reduce needs Dask.*sae_lib\[scale\]"):
        check_rho_hat_map_reduce(dask_mean)
