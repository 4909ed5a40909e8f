"""Notebook 07 (two passes for large training sets): measuring peak memory, a data set
readable only in chunks, and the checkers of its exercises (the first pass; predicting the
full batch's memory; a chunk size for a memory budget).
"""

from __future__ import annotations

import tracemalloc as _tracemalloc

import numpy as np

from ..objective import cost_and_grad as _cost_and_grad
from ..objective import initialize_parameters as _initialize_parameters
from ..objective import sigmoid as _sigmoid
from .feedback import Feedback, call_learner

__all__ = [
    "peak_traced_memory",
    "ColumnReader",
    "check_rho_hat_in_chunks",
    "check_full_batch_memory_prediction",
    "check_chunk_size_for_budget",
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
    averaging z2 instead of a2, forgetting b1.
    """
    fb = Feedback("rho_hat_in_chunks")
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
    return fb.report()


#: MNIST's network of notebook 08, for the memory prediction.
_N07_PREDICT = dict(visible=784, hidden=196, m=10_000)


def _measure_full_batch(visible, hidden, m):
    rng = np.random.default_rng(0)
    data = rng.uniform(0.0, 1.0, (visible, m))
    theta = _initialize_parameters(hidden, visible, rng)
    _, peak = peak_traced_memory(_cost_and_grad, theta, visible, hidden, 3e-3, 0.1, 3.0,
                                 data)
    return peak


def check_full_batch_memory_prediction(predicted_mb):
    """Check a prediction of the peak memory (in MB, 10**6 bytes) of one full-batch
    evaluation of ``cost_and_grad`` for 784 inputs, 196 hidden units and m = 10,000
    examples (MNIST's network in notebook 08).

    The checker measures it with :func:`peak_traced_memory` and accepts predictions within
    15%. It recognises the usual slips: counting a2 and a3 only, forgetting the 8 bytes of
    a float64, counting the data, answering in bytes or GB.
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
    per_example = 8 * (h + 1 + 2 * v)
    guesses = [
        (8 * (h + v) * m / 1e6, "you counted a2 and a3; f'(z3) = a3 (1 - a3) is a third array "
                                "alive at the same moment (and [a2; 1] has one row more)"),
        ((h + 1 + 2 * v) * m / 1e6, "you counted the numbers but not their size: a float64 "
                                    "takes 8 bytes"),
        (8 * (h + 1 + 3 * v) * m / 1e6, "the data itself was allocated before the evaluation "
                                        "started; the peak counts only what the evaluation "
                                        "adds"),
        (8 * v * m / 1e6, "that is the size of the data alone"),
    ]
    if abs(pred / measured - 1) <= 0.15:
        pass
    elif pred > 1e5:
        fb.fail(f"{pred:.4g} looks like bytes; give megabytes (divide by 10**6)")
    elif pred < 5 and abs(pred * 1000 / measured - 1) <= 0.15:
        fb.fail(f"{pred:.4g} looks like gigabytes; give megabytes (1 GB = 1000 MB)")
    else:
        for value, message in guesses:
            if abs(pred / value - 1) <= 0.1:
                fb.fail(f"{pred:.4g} MB: {message}. The measured peak is {measured:.0f} MB")
                break
        else:
            fb.fail(f"{pred:.4g} MB is {pred / measured:.2g} times the measured peak of "
                    f"{measured:.0f} MB. Count the arrays of cost_and_grad that hold one "
                    "column per example at the same moment, 8 bytes per number")
    ok = fb.report()
    if ok:
        print(f"  Measured: {measured:.0f} MB. Per example, at the peak cost_and_grad holds "
              f"[a2; 1] ({h} + 1 numbers), a3 in the buffer d ({v}) and f'(z3) ({v}) at once: "
              f"8 x ({h} + 1 + 2 x {v}) = {per_example} bytes, times m = {m:,} is "
              f"{per_example * m / 1e6:.0f} MB. The rest is a few parameter-sized buffers "
              "(the negated weights, the gradient).")
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
                    "of the budget: larger chunks would fit, and every chunk costs a Python "
                    "round trip and two small matrix products more")
            break
    return fb.report()
