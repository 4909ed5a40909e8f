"""Notebook 07 (two passes for large training sets): measuring peak memory (here and on the
workers of a Dask cluster), the memory guards of the notebook, a data set readable only in
chunks, and the checkers of its exercises (the first pass; predicting the full batch's
memory; a chunk size for a memory budget; the first pass as map and reduce on Dask).
"""

from __future__ import annotations

import os as _os
import tracemalloc as _tracemalloc

import numpy as np

from ..objective import cost_and_grad as _cost_and_grad
from ..objective import initialize_parameters as _initialize_parameters
from ..objective import sigmoid as _sigmoid
from .feedback import Feedback, as_array, call_learner, diagnose

__all__ = [
    "peak_traced_memory",
    "peak_traced_memory_on_workers",
    "available_memory",
    "folder_in_memory",
    "ColumnReader",
    "check_rho_hat_in_chunks",
    "check_full_batch_memory_prediction",
    "check_chunk_size_for_budget",
    "check_rho_hat_map_reduce",
]


def peak_traced_memory(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return ``(result, peak_bytes)``.

    ``peak_bytes`` is the largest amount of memory allocated *during* the call beyond what
    was allocated when it started, as counted by :mod:`tracemalloc` -- which sees every
    numpy array buffer, but not the pages of an ``np.memmap`` (those belong to the file,
    and the operating system can drop and re-read them at will). The numbers are
    deterministic: the same code on the same shapes allocates the same arrays.
    """
    was_tracing = _tracemalloc.is_tracing()
    if not was_tracing:
        _tracemalloc.start()
    try:
        _tracemalloc.reset_peak()
        before = _tracemalloc.get_traced_memory()[0]
        result = fn(*args, **kwargs)
        peak = _tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            _tracemalloc.stop()
    return result, peak


def peak_traced_memory_on_workers(client, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` here while :mod:`tracemalloc` watches every worker of a
    ``dask.distributed`` ``client``; return ``(result, peaks)``.

    ``fn`` drives a computation on the cluster (e.g. ``cost_and_grad`` of a Dask array);
    ``peaks`` maps each worker's address to the largest amount of memory its process
    allocated during the call beyond what it held when the call started -- the numpy
    buffers of the chunks and activations it computed, as :func:`peak_traced_memory`
    counts them in this process.
    """
    started = client.run(_start_tracing)
    try:
        result = fn(*args, **kwargs)
        peaks = client.run(_traced_peak)
    finally:
        client.run(_stop_tracing_if_started, started)
    return result, peaks


_WORKER_TRACE = {}


def _start_tracing():
    """On a worker: start (or reuse) tracemalloc, remember the baseline; True if it was on."""
    was_tracing = _tracemalloc.is_tracing()
    if not was_tracing:
        _tracemalloc.start()
    _tracemalloc.reset_peak()
    _WORKER_TRACE["before"] = _tracemalloc.get_traced_memory()[0]
    return was_tracing


def _traced_peak():
    return _tracemalloc.get_traced_memory()[1] - _WORKER_TRACE.get("before", 0)


def _stop_tracing_if_started(started, dask_worker=None):
    if dask_worker is not None and not started.get(dask_worker.address, True):
        _tracemalloc.stop()


def available_memory():
    """Bytes of memory this process can still take without swapping or being killed, or
    None where that cannot be read (then assume little).

    Linux: ``MemAvailable`` from /proc/meminfo, lowered to the container's limit minus its
    usage where a cgroup limits memory (Docker, Binder: /proc/meminfo shows the host's
    memory there). Elsewhere: free pages times the page size, from ``os.sysconf``.
    """
    return _available_memory()


_CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),        # v2
                 ("/sys/fs/cgroup/memory/memory.limit_in_bytes",                       # v1
                  "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


def _available_memory(meminfo="/proc/meminfo", cgroup_files=_CGROUP_FILES):
    available = None
    try:
        with open(meminfo) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except OSError:
        pass
    if available is None:
        try:
            available = _os.sysconf("SC_AVPHYS_PAGES") * _os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    for limit_file, usage_file in cgroup_files:
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:          # "max" or a huge number: no limit
            available = min(available, max(0, int(limit) - usage))
        break
    return available


def folder_in_memory(path, mounts="/proc/mounts"):
    """True if ``path`` lies on a file system held in RAM (tmpfs, ramfs), False if not, None
    where that cannot be told (no /proc/mounts: macOS, Windows -- whose temporary folders
    are on disk)."""
    try:
        with open(mounts) as f:
            mounts = [line.split()[1:3] for line in f if len(line.split()) >= 3]
    except OSError:
        return None
    path = _os.path.realpath(path)
    best, fstype = "", None
    for point, kind in mounts:
        point = point.replace("\\040", " ")
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, kind
    return None if fstype is None else fstype in ("tmpfs", "ramfs")


class ColumnReader:
    """A data set that can only be read a few columns at a time, like a file too large
    for memory.

    Wraps an array of shape (visible_size, m). ``reader[:, start:stop]`` returns those
    columns (a new array) and records the read in ``reader.reads``; ``reader.shape``,
    ``reader.ndim``, ``reader.dtype`` and ``len(reader)`` behave as for the array. Reading
    more than ``max_columns`` columns at once, or turning the whole reader into one array
    (``np.asarray(reader)``), raises ``MemoryError`` saying so: that is how a checker
    notices code that would try to load a file larger than memory.
    """

    def __init__(self, data, max_columns):
        self._data = np.asarray(data)
        if self._data.ndim != 2:
            raise ValueError(f"data must be 2-D (visible_size, m), got shape {self._data.shape}.")
        self.max_columns = int(max_columns)
        self.reads = []

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: 2)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)

    def __len__(self):
        return self._data.shape[0]

    def __getitem__(self, key):
        m = self._data.shape[1]
        if (not isinstance(key, tuple) or len(key) != 2 or key[0] not in (slice(None), Ellipsis)
                or not isinstance(key[1], slice)):
            raise TypeError(f"this data set can only be read as data[:, start:stop] (all rows, "
                            f"a range of columns); you asked for data[{key!r}]")
        start, stop, step = key[1].indices(m)
        if step != 1:
            raise TypeError("read a contiguous range of columns, data[:, start:stop], "
                            "without a step")
        n = max(0, stop - start)
        if n > self.max_columns:
            raise MemoryError(f"you read {n} columns at once (data[:, {start}:{stop}]); with "
                              f"chunk_size = {self.max_columns} read at most that many at a "
                              "time -- the whole set may not fit in memory")
        self.reads.append((start, stop))
        return self._data[:, start:stop].copy()

    def __array__(self, dtype=None, copy=None):
        raise MemoryError("you turned the whole data set into one array (np.asarray(data), "
                          "np.array(data), data.mean(...) or similar); the point of the chunks "
                          "is never to hold all of it -- read data[:, start:stop]")

    def __iter__(self):
        raise TypeError("do not iterate over the data set itself; loop over chunk starts, "
                        "for start in range(0, m, chunk_size), and read data[:, start:start + "
                        "chunk_size]")

    def __repr__(self):
        return f"ColumnReader(shape={self.shape}, max_columns={self.max_columns})"


def _rho_hat_case(seed=7, visible=12, hidden=5, m=103):
    """W1, b1 and data whose examples change along the set (so averaging mistakes show)."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 0.8, (hidden, visible))
    b1 = rng.normal(0, 0.5, hidden)
    trend = np.linspace(-1.0, 1.0, m)[None, :]                 # later examples differ
    data = np.clip(0.5 + 0.25 * trend + rng.normal(0, 0.15, (visible, m)), 0.0, 1.0)
    return W1, b1, data


def _describe_columns(cols):
    cols = list(cols)
    if len(cols) <= 6:
        return ", ".join(str(c) for c in cols)
    return ", ".join(str(c) for c in cols[:5]) + f", ... ({len(cols)} columns)"


def check_rho_hat_in_chunks(rho_hat_in_chunks):
    """Check ``rho_hat_in_chunks(W1, b1, data, chunk_size)``: the first pass.

    It must return rho_hat, the average over all m examples of each hidden unit's
    activation a2 = f(W1 x + b1), shape (hidden_size,), reading ``data`` only as
    ``data[:, start:stop]`` with at most ``chunk_size`` columns at a time and each column
    exactly once. ``data`` is a :class:`ColumnReader`, so loading everything at once is
    noticed. Names the common mistakes: the last (partial) chunk dropped, off-by-one chunk
    boundaries, overlapping chunks, averaging the chunk means, dividing by the wrong count,
    averaging z2 instead of a2, forgetting b1. Then measures the peak memory of a call on
    80 chunks with tracemalloc: keeping every chunk's activations (a list of a2) or every
    chunk of data grows with m and is named.
    """
    fb = Feedback("rho_hat_in_chunks")
    _check_rho_hat_values(fb, rho_hat_in_chunks)
    if not fb.problems:
        _check_rho_hat_memory(fb, rho_hat_in_chunks)
    return fb.report()


def _check_rho_hat_values(fb, rho_hat_in_chunks):
    W1, b1, full = _rho_hat_case()
    for m, cs in [(103, 10), (103, 1), (100, 10), (103, 7), (103, 103), (103, 500)]:
        what = f"m = {m}, chunk_size = {cs}"
        data = full[:, :m]
        reader = ColumnReader(data, cs)
        ok, value = call_learner(fb, rho_hat_in_chunks, W1.copy(), b1.copy(), reader, cs)
        if not ok:
            break
        if value is None:
            fb.fail(f"{what}: your function returned None (did you forget `return`?)")
            break
        got = np.asarray(value, dtype=float)
        a2 = _sigmoid(W1 @ data + b1[:, None])
        expected = a2.mean(axis=1)
        h = len(b1)
        if got.shape != (h,):
            if got.size == h:
                fb.fail(f"{what}: return a vector of shape ({h},) -- one average per hidden "
                        f"unit -- yours has shape {got.shape} (np.ravel it, or keep the "
                        "running sum as np.zeros(hidden_size))")
            elif got.size == m:
                fb.fail(f"{what}: yours has shape {got.shape}, one number per example: "
                        "average over the examples (the columns), not over the units")
            else:
                fb.fail(f"{what}: expected shape ({h},), yours has shape {got.shape}")
            break
        # which columns were read, and how often
        counts = np.zeros(m, dtype=int)
        for s, e in reader.reads:
            counts[s:e] += 1
        missing = np.flatnonzero(counts == 0)
        if missing.size:
            tail = np.arange(m - m % cs, m) if m % cs else np.arange(0)
            if tail.size and np.array_equal(missing, tail):
                fb.fail(f"{what}: the last, partial chunk (columns {tail[0]}..{m - 1}) was "
                        f"never read. m = {m} is not a multiple of chunk_size = {cs}; "
                        "range(0, m, chunk_size) yields that last start too (m // chunk_size "
                        "chunks do not), and data[:, start:start + chunk_size] simply stops "
                        "at m")
            elif cs > 1 and np.all((missing + 1) % cs == 0):
                fb.fail(f"{what}: off by one: the last column of each chunk ({_describe_columns(missing)}) "
                        "was never read. A slice start:stop already excludes stop, so read "
                        "data[:, start:start + chunk_size], not start + chunk_size - 1")
            else:
                fb.fail(f"{what}: columns {_describe_columns(missing)} were never read; "
                        "every example counts in rho_hat")
            break
        if (counts > 1).any():
            twice = np.flatnonzero(counts > 1)
            fb.fail(f"{what}: columns {_describe_columns(twice)} were read more than once "
                    "(overlapping chunks, or the data read twice). One pass reads each "
                    "example exactly once -- for a file on disk every extra read costs time")
            break
        if np.allclose(got, expected, rtol=1e-10, atol=1e-13):
            continue
        chunks = [(s, min(s + cs, m)) for s in range(0, m, cs)]
        sums = a2.sum(axis=1)
        z2 = W1 @ data + b1[:, None]
        candidates = [
            (np.mean([a2[:, s:e].mean(axis=1) for s, e in chunks], axis=0),
             "you averaged the chunk means. The last chunk is smaller than the others, so "
             "its examples weigh more in a mean of means: keep a running *sum* of a2 over "
             "all examples and divide by m once at the end"),
            (sums / (len(chunks) * cs),
             "you divided the sum by (number of chunks) x chunk_size, which is more than m "
             "when the last chunk is partial; divide by m, the number of examples"),
            (sums / cs, "you divided by chunk_size; divide the sum over all examples by m"),
            (sums / len(chunks), "you divided by the number of chunks; divide by m"),
            (sums, "you returned the sum of the activations; divide it by m"),
            (a2[:, chunks[-1][0]:].mean(axis=1),
             "that is the mean of the last chunk only: add each chunk's sum to a running "
             "total (a2_sum += ...) instead of overwriting it"),
            (a2[:, chunks[-1][0]:].sum(axis=1) / m,
             "only the last chunk's sum survived: accumulate (a2_sum += ...), do not assign"),
            (z2.mean(axis=1), "you averaged z2 = W1 x + b1; rho_hat averages the activations "
                              "a2 = f(z2) -- apply the sigmoid"),
            (_sigmoid(W1 @ data).mean(axis=1), "b1 is missing: a2 = f(W1 x + b1)"),
        ]
        for cand, message in candidates:
            if np.allclose(got, cand, rtol=1e-9, atol=1e-12):
                fb.fail(f"{what}: {message}")
                break
        else:
            err = np.max(np.abs(got - expected))
            fb.fail(f"{what}: the values differ from the average activation by up to "
                    f"{err:.3g}; rho_hat_j = (1/m) sum_i f(W1 x_i + b1)_j")
        break


#: The memory case of exercise 1: many chunks, and more hidden units than inputs, so that
#: keeping every chunk's activations (or every chunk of data) shows in the peak.
_N07_MEMORY_CASE = dict(visible=12, hidden=40, m=40_000, chunk_size=500)


def _check_rho_hat_memory(fb, rho_hat_in_chunks):
    """The first pass must hold one chunk at a time: measure the peak with tracemalloc."""
    v, h, m, cs = (_N07_MEMORY_CASE[k] for k in ("visible", "hidden", "m", "chunk_size"))
    rng = np.random.default_rng(3)
    W1 = rng.normal(0, 0.5, (h, v))
    b1 = rng.normal(0, 0.5, h)
    data = rng.uniform(0.0, 1.0, (v, m))
    reader = ColumnReader(data, cs)
    (ok, value), peak = peak_traced_memory(call_learner, fb, rho_hat_in_chunks, W1, b1,
                                           reader, cs)
    if not ok:
        return
    what = f"m = {m:,}, chunk_size = {cs}, {h} hidden units"
    expected = _sigmoid(W1 @ data + b1[:, None]).mean(axis=1)
    got = np.asarray(value, dtype=float) if value is not None else None
    if got is None or got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-10,
                                                                      atol=1e-13):
        fb.fail(f"{what}: wrong values here although the small cases passed; rho_hat_j = "
                "(1/m) sum_i f(W1 x_i + b1)_j")
        return
    # What one chunk needs: the chunk read (v rows) and a few hidden-sized arrays (W1 x,
    # + b1, the sigmoid), each chunk_size columns; plus slack for small objects.
    allowed = 8 * cs * (v + 4 * h) + 256_000
    if peak <= allowed:
        return
    all_hidden, all_data = 8 * h * m, 8 * v * m
    if peak >= 0.8 * all_hidden:
        fb.fail(f"{what}: your function held {peak / 1e6:.1f} MB at once -- the activations of "
                f"every chunk ({h} x {m:,} numbers = {all_hidden / 1e6:.1f} MB): a list of each "
                "chunk's a2 (or z2), or their concatenation, grows with m. Add each chunk's "
                "sum to a running total (a2_sum += ...sum(axis=1)) and let the chunk go")
    elif peak >= 0.8 * all_data:
        fb.fail(f"{what}: your function held {peak / 1e6:.1f} MB at once -- every chunk of the "
                f"data ({v} x {m:,} numbers = {all_data / 1e6:.1f} MB): keeping the chunks you "
                "read (a list, or np.concatenate/np.hstack of them) loads the whole file after "
                "all. Use each chunk and let it go")
    else:
        fb.fail(f"{what}: your function held {peak / 1e6:.2f} MB at once, more than one chunk "
                f"needs (about {allowed / 1e6:.2f} MB): something grows with the number of "
                "chunks. Keep only the running sum from one chunk to the next")


#: The network of the memory prediction: as many hidden units as inputs (a complete code for
#: 8x8 patches). Its hidden/visible ratio differs from the 25/64 network measured in the
#: notebook, so scaling that network's 1232 bytes per example by a size ratio misses by 15%
#: or more, while counting the arrays lands within 1%.
_N07_PREDICT = dict(visible=64, hidden=64, m=50_000)
_N07_TOLERANCE = 0.07
_N07_MEASURED_BYTES = 1232       # per example, the 64-input, 25-hidden network of notebook 07


def _measure_full_batch(visible, hidden, m):
    rng = np.random.default_rng(0)
    data = rng.uniform(0.0, 1.0, (visible, m))
    theta = _initialize_parameters(hidden, visible, rng)
    _, peak = peak_traced_memory(_cost_and_grad, theta, visible, hidden, 3e-3, 0.1, 3.0,
                                 data)
    return peak


def check_full_batch_memory_prediction(predicted_mb):
    """Check a prediction of the peak memory (in MB, 10**6 bytes) of one full-batch
    evaluation of ``cost_and_grad`` for 64 inputs, 64 hidden units and m = 50,000 examples.

    The checker measures it with :func:`peak_traced_memory` and accepts predictions within
    7%. It recognises the usual slips: scaling the 25-hidden-unit network's 1232 bytes per
    example by the ratio of hidden units (or of hidden + visible units) instead of counting
    arrays, counting a2 and a3 only, forgetting the 8 bytes of a float64, counting the
    data, answering in bytes or GB.
    """
    fb = Feedback("full-batch memory prediction")
    if predicted_mb is None:
        fb.fail("not answered yet: set predicted_mb to your prediction, in MB")
        return fb.report()
    try:
        pred = float(predicted_mb)
    except (TypeError, ValueError):
        fb.fail(f"predicted_mb must be a number of MB, got {predicted_mb!r}")
        return fb.report()
    v, h, m = _N07_PREDICT["visible"], _N07_PREDICT["hidden"], _N07_PREDICT["m"]
    if not np.isfinite(pred) or pred <= 0:
        fb.fail(f"a peak memory is a positive number of MB, got {pred!r}")
        return fb.report()
    measured = _measure_full_batch(v, h, m) / 1e6
    rows = max(h + 1 + 2 * v, 2 * h + 1 + v)
    per_example = 8 * rows
    b = _N07_MEASURED_BYTES
    scaled = ("you scaled the measured 1232 bytes per example of the 64-input, 25-hidden "
              "network by {ratio}. Memory does not grow in proportion to either layer: "
              "count the arrays with one column per example that are alive at the same "
              "moment, and the rows of each")
    guesses = [
        (b * m / 1e6, "you used the 1232 bytes per example of the 25-hidden-unit network as "
                      f"they are; this network has {h} hidden units, and some of the arrays "
                      "have one row per hidden unit"),
        (b * h / 25 * m / 1e6, scaled.format(ratio=f"{h}/25, the ratio of hidden units")),
        (b * (h + v) / (25 + 64) * m / 1e6,
         scaled.format(ratio=f"({h} + {v})/(25 + 64), the ratio of units")),
        (8 * (h + v) * m / 1e6, "you counted a2 and a3; f'(z3) = a3 (1 - a3) is a third array "
                                "alive at the same moment (and [a2; 1] has one row more)"),
        (rows * m / 1e6, "you counted the numbers but not their size: a float64 takes 8 bytes"),
        (8 * (rows + v) * m / 1e6, "the data itself was allocated before the evaluation "
                                   "started; the peak counts only what the evaluation adds"),
        (8 * v * m / 1e6, "that is the size of the data alone"),
    ]
    if abs(pred / measured - 1) <= _N07_TOLERANCE:
        pass
    elif pred > 1e5:
        fb.fail(f"{pred:.4g} looks like bytes; give megabytes (divide by 10**6)")
    elif pred < 5 and abs(pred * 1000 / measured - 1) <= _N07_TOLERANCE:
        fb.fail(f"{pred:.4g} looks like gigabytes; give megabytes (1 GB = 1000 MB)")
    else:
        for value, message in guesses:
            if abs(pred / value - 1) <= 0.03:
                fb.fail(f"{pred:.4g} MB: {message}. The measured peak is {measured:.0f} MB")
                break
        else:
            fb.fail(f"{pred:.4g} MB is {pred / measured:.2g} times the measured peak of "
                    f"{measured:.0f} MB. Count the arrays of _chunk_gradient_sums that hold "
                    "one column per example at the same moment, 8 bytes per number")
    ok = fb.report()
    if ok:
        print(f"  Measured: {measured:.0f} MB. Per example, at the peak the evaluation holds "
              f"[a2; 1] ({h} + 1 numbers), d ({v}: a3, then delta3) and f'(z3) ({v}) -- or, "
              f"a moment later, [a2; 1], d and delta2 ({h}); with as many hidden units as "
              f"inputs both come to {rows} numbers: 8 x {rows} = {per_example} bytes, times "
              f"m = {m:,} is {per_example * m / 1e6:.0f} MB. The rest is a few "
              "parameter-sized buffers.")
    return ok


def check_chunk_size_for_budget(chunk_size_for_budget):
    """Check ``chunk_size_for_budget(budget_mb, visible_size, hidden_size)``.

    It must return a chunk size (a positive int) for which a two-pass evaluation of
    ``cost_and_grad`` stays within ``budget_mb`` MB (10**6 bytes) of extra memory, yet
    uses at least 70% of it (fewer, larger chunks are faster). The learner's function may
    measure (e.g. with :func:`peak_traced_memory` at two chunk sizes) or count. The checker
    measures each answer on data of 2.4 chunks, for a patch-sized and an MNIST-sized
    network.
    """
    fb = Feedback("chunk_size_for_budget")
    for budget, v, h in [(8, 64, 25), (40, 64, 25), (40, 784, 196)]:
        what = f"budget {budget} MB, {v} inputs, {h} hidden"
        ok, c = call_learner(fb, chunk_size_for_budget, budget, v, h)
        if not ok:
            break
        if isinstance(c, (float, np.floating)) and float(c).is_integer():
            c = int(c)
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
            fb.fail(f"{what}: return a whole number of examples (an int), got {c!r}"
                    + (" -- use int(...) or // " if isinstance(c, (float, np.floating)) else ""))
            break
        c = int(c)
        if c < 1:
            fb.fail(f"{what}: the chunk size must be at least 1, got {c}: is the budget "
                    "smaller than the fixed part (parameters and gradient)? It should not be "
                    "here")
            break
        if c > 2_000_000:
            fb.fail(f"{what}: {c} examples per chunk cannot fit in {budget} MB; each example "
                    "needs several arrays of hidden_size or visible_size float64 numbers")
            break
        m = 2 * c + (2 * c) // 5 + 1
        rng = np.random.default_rng(1)
        data = rng.uniform(0.0, 1.0, (v, m))
        theta = _initialize_parameters(h, v, rng)
        _, peak = peak_traced_memory(_cost_and_grad, theta, v, h, 1e-4, 0.1, 3.0, data,
                                     chunk_size=c)
        del data
        used = peak / (budget * 1e6)
        if used > 1:
            fb.fail(f"{what}: with chunk_size = {c} the evaluation peaked at "
                    f"{peak / 1e6:.3g} MB, {used:.0%} of the budget. Count every array that "
                    "holds one column per example at the peak, and the fixed part")
            break
        if used < 0.7:
            fb.fail(f"{what}: chunk_size = {c} peaks at {peak / 1e6:.3g} MB, only {used:.0%} "
                    "of the budget: larger chunks would fit, and with the matrix products on "
                    "several threads many tiny chunks can cost wall-clock time")
            break
    return fb.report()


#: Exercise 4's case: as exercise 1's memory case, chunked unevenly for Dask.
_N07_DASK_CASE = dict(visible=12, hidden=40, m=60_000, chunks=(1_300,) * 46 + (200,))


_CHUNKS_MADE = []


def _dask_case_chunk(start, stop, visible, m):
    """Columns start:stop of exercise 4's data: examples that change along the set."""
    rng = np.random.default_rng([5, start])
    trend = np.linspace(-1.0, 1.0, m)[None, start:stop]
    return np.clip(0.5 + 0.3 * trend + rng.normal(0, 0.15, (visible, stop - start)), 0.0, 1.0)


def _make_dask_case_chunk(block_info=None, visible=12, m=60_000):
    # module-level and closing over nothing: Dask tokenises it cheaply
    start, stop = block_info[None]["array-location"][1]
    _CHUNKS_MADE.append(start)
    return _dask_case_chunk(start, stop, visible, m)


def check_rho_hat_map_reduce(rho_hat_map_reduce):
    """Check ``rho_hat_map_reduce(W1, b1, data)``: pass 1 as a map and a reduce on Dask.

    ``data`` is a ``dask.array.Array`` (visible_size, m) chunked along the examples, with a
    last chunk shorter than the others. The function must return rho_hat as numbers (not a
    lazy Dask array), making each chunk once -- one pass -- and never holding the whole
    data set or all the activations (measured with tracemalloc; Dask's threaded scheduler
    with two threads). Names the mistakes: a lazy result, the whole array computed, every
    activation kept, chunks made more than once (several computes), the mean of the chunk
    means, z2 instead of a2, b1 forgotten.
    """
    from ..map_reduce import require_dask

    dask, da = require_dask("check_rho_hat_map_reduce")
    fb = Feedback("rho_hat_map_reduce")
    v, h, m = (_N07_DASK_CASE[k] for k in ("visible", "hidden", "m"))
    chunks = _N07_DASK_CASE["chunks"]
    rng = np.random.default_rng(5)
    W1 = rng.normal(0, 0.5, (h, v))
    b1 = rng.normal(0, 0.5, h)
    bounds = np.cumsum((0,) + chunks)
    values = np.concatenate([_dask_case_chunk(s, e, v, m) for s, e in zip(bounds[:-1], bounds[1:])],
                            axis=1)
    lazy = da.map_blocks(_make_dask_case_chunk, chunks=((v,), chunks), dtype=np.float64,
                         meta=np.empty((0, 0)), visible=v, m=m)
    whole = []                          # set when the learner turns the array into one array

    class _Watched(da.Array):
        def __array__(self, *args, **kwargs):
            whole.append("np.asarray(data)")
            return super().__array__(*args, **kwargs)

        def compute(self, **kwargs):
            whole.append("data.compute()")
            return super().compute(**kwargs)

    data = _Watched(lazy.dask, lazy.name, lazy.chunks, meta=lazy._meta)
    _CHUNKS_MADE.clear()
    # Two threads: at most two chunks at once, on any machine. (Dask's synchronous scheduler
    # would do, except that it orders some reductions -- .mean with its default tree -- so
    # that every chunk's result is kept until the end.)
    with dask.config.set(scheduler="threads", num_workers=2):
        # A first compute imports a few hundred modules: not the learner's memory.
        da.ones((2, 4), chunks=(2, 2)).mean(axis=1).compute()
        (ok, result), peak = peak_traced_memory(call_learner, fb, rho_hat_map_reduce,
                                                W1.copy(), b1.copy(), data)
    made = list(_CHUNKS_MADE)
    if not ok:
        return fb.report()
    if isinstance(result, da.Array):
        fb.fail("you returned a lazy Dask array: nothing has been computed yet. End with "
                ".compute() (or dask.compute(...)) to get the numbers")
        return fb.report()
    got = as_array(fb, result, "rho_hat")
    if got is None:
        return fb.report()
    a2 = _sigmoid(W1 @ values + b1[:, None])
    expected = a2.mean(axis=1)
    candidates = [
        (np.mean([a2[:, s:e].mean(axis=1) for s, e in zip(bounds[:-1], bounds[1:])], axis=0),
         "that is the mean of the chunk means: the last chunk is shorter, so its examples "
         "weigh more. Reduce with sums (and divide by m) or with Dask's own .mean(axis=1), "
         "which counts the examples of every chunk"),
        ((W1 @ values + b1[:, None]).mean(axis=1),
         "you averaged z2 = W1 x + b1; rho_hat averages a2 = f(z2)"),
        (_sigmoid(W1 @ values).mean(axis=1), "b1 is missing: a2 = f(W1 x + b1)"),
        (a2.sum(axis=1), "you returned the sum of the activations; divide it by m"),
    ]
    if diagnose(fb, got, expected, candidates, "rho_hat", rtol=1e-9, atol=1e-12) != "right":
        return fb.report()
    per_chunk = {s: made.count(s) for s in bounds[:-1]}
    all_data, all_hidden = 8 * v * m, 8 * h * m
    if whole:
        fb.fail(f"{whole[0]} brings every chunk into one array in memory -- the whole data set, "
                "which on a cluster would not fit. Let the map run on the chunks where they "
                "are: data.map_blocks(...), then a reduction, then .compute() on the result")
    elif peak >= 0.8 * all_hidden:
        fb.fail(f"your function held {peak / 1e6:.1f} MB at once, the activations of all {m:,} "
                f"examples ({all_hidden / 1e6:.1f} MB): reduce each chunk to its sums as you go "
                "(e.g. .sum or .mean of the mapped array, computed in one go) instead of "
                "computing the mapped array itself")
    elif peak >= 0.8 * all_data:
        fb.fail(f"your function held {peak / 1e6:.1f} MB at once, as much as the whole data set "
                f"({all_data / 1e6:.1f} MB): something grows with the number of chunks. Reduce "
                "each chunk to its sums as you go")
    elif max(per_chunk.values()) > 1:
        fb.fail(f"some chunks were made {max(per_chunk.values())} times: each .compute() is "
                "a pass over the data (on a cluster, every chunk read or made again). Compute "
                "everything pass 1 needs in one go -- one .compute(), or dask.compute(a, b)")
    elif min(per_chunk.values()) < 1:
        fb.fail("some chunks were never made, yet rho_hat came out right: how? Use data, not "
                "a copy made elsewhere")
    return fb.report()
