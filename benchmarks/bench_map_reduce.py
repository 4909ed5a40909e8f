"""Benchmark the two passes on Dask (notebook 07, last section) against the memory-mapped run:
seconds per evaluation and peak memory, a million 8x8 patches.

    .venv/bin/python benchmarks/bench_map_reduce.py                 # 10^6 patches (~1-2 min)
    .venv/bin/python benchmarks/bench_map_reduce.py --patches 200000 --repeats 2   # quick

Run by hand; nothing here is a test. Three ways to evaluate the same cost and gradient
(64 inputs, 25 hidden units, float64) on the same patches, chunk k being
``sae_lib.map_reduce.patch_chunk(k, chunk, seed)``:

* memmap: the patches written once to a .npy file (512 MB for a million) and read through
  ``np.memmap``; ``cost_and_grad(..., chunk_size=chunk)`` in this process, with the
  machine's BLAS threads (``--blas-threads`` to set them).
* dask, threads: ``patch_array`` (each chunk sampled where it is computed) evaluated by
  Dask's threaded scheduler in this process.
* dask, 2 processes: the same array on a ``LocalCluster`` of two worker processes with one
  thread each (Dask sets their BLAS to one thread), as in the notebook.

Columns:

* wall s: median wall-clock seconds of one evaluation (after one warm-up evaluation, which
  pays for starting the workers' imports and whitening the photographs);
* traced MB: tracemalloc's peak during one evaluation (``peak_traced_memory``, and
  ``peak_traced_memory_on_workers`` on each worker): every numpy buffer allocated -- chunk
  of data and activations -- but not the memmap's pages, which belong to the page cache;
* RSS MB (workers): each worker process's peak resident memory (VmHWM, Linux) over its
  life, and how much of it came on top of the resident memory it had before the first
  evaluation (Python, numpy, Dask; the photographs) -- the memory the chunks really took.

The dask runs also sample every patch twice per evaluation (once per pass), work the
memmap run does not do. On a machine shared with other work the times mean little: the
load average is printed at the start and the end.
"""

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# --blas-threads N must act before numpy loads its BLAS.
if "--blas-threads" in sys.argv:
    _n = sys.argv[sys.argv.index("--blas-threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402

from _common import load, machine, median_seconds  # noqa: E402  (benchmarks/ is on sys.path)
from sae_lib.exercises import peak_traced_memory, peak_traced_memory_on_workers  # noqa: E402
from sae_lib.gradient_check import relative_difference  # noqa: E402
from sae_lib.map_reduce import patch_array, patch_chunk  # noqa: E402
from sae_lib.objective import cost_and_grad, initialize_parameters  # noqa: E402

V, H = 64, 25
SETTINGS = (1e-4, 0.01, 3.0)


def write_patches(path, m, chunk, seed):
    """The patch set, chunk by chunk, in a .npy file; returned opened read-only."""
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(V, m))
    for k, s in enumerate(range(0, m, chunk)):
        n = min(chunk, m - s)
        mm[:, s:s + n] = patch_chunk(k, n, seed)
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def resident_mb(dask_worker=None):
    """(current, peak) resident memory of this process in MB, from /proc (Linux)."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, kb, _ = line.split()
                values[key] = int(kb) / 1000
    return values.get("VmRSS:", float("nan")), values.get("VmHWM:", float("nan"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patches", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--blas-threads", default=None,
                        help="BLAS threads of this process (set before numpy loads)")
    parser.add_argument("--dir", default=None, help="where to write the temporary file")
    args = parser.parse_args()

    import dask
    from distributed import Client, LocalCluster

    m, chunk = args.patches, args.chunk
    print(time.strftime("%Y-%m-%d %H:%M"), "--", machine())
    print(f"{m:,} patches in chunks of {chunk:,}, {V} inputs, {H} hidden units, float64; "
          f"median of {args.repeats} evaluations; load average {load():.1f} at start\n")
    theta = initialize_parameters(H, V, 0)
    fixed = (theta, V, H, *SETTINGS)
    rows = []

    tmp = Path(tempfile.mkdtemp(dir=args.dir))
    try:
        start = time.perf_counter()
        data = write_patches(tmp / "patches.npy", m, chunk, args.seed)
        print(f"wrote the memmap ({data.nbytes / 1e6:.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s")
        np.asarray(data).sum()                     # its pages in the page cache

        def memmap_eval():
            return cost_and_grad(*fixed, data, chunk_size=chunk)

        reference, traced = peak_traced_memory(memmap_eval)
        wall, _ = median_seconds(memmap_eval, args.repeats)
        rows.append(("memmap, this process", wall, f"{traced / 1e6:.0f}", "", 0.0))

        lazy = patch_array(m, chunk, seed=args.seed)

        def threads_eval():
            with dask.config.set(scheduler="threads"):
                return cost_and_grad(*fixed, lazy)

        threads_eval()                             # warm-up
        result, traced = peak_traced_memory(threads_eval)
        wall, _ = median_seconds(threads_eval, args.repeats)
        diff = relative_difference(result[1], reference[1])
        rows.append(("dask, threads", wall, f"{traced / 1e6:.0f}", "", diff))

        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None, host="127.0.0.1",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            started = time.perf_counter() - start
            before = client.run(resident_mb)
            start = time.perf_counter()
            client.run(lambda: __import__("sae_lib.map_reduce").map_reduce._photographs())
            cost_and_grad(*fixed, lazy)            # warm-up: imports on the workers
            warm = time.perf_counter() - start
            result, traced = peak_traced_memory_on_workers(client, cost_and_grad, *fixed, lazy)
            wall, _ = median_seconds(lambda: cost_and_grad(*fixed, lazy), args.repeats)
            after = client.run(resident_mb)
            diff = relative_difference(result[1], reference[1])
            per_worker = " / ".join(f"{p / 1e6:.0f}" for p in traced.values())
            rss = " / ".join(f"{after[w][1]:.0f} (+{after[w][1] - before[w][0]:.0f})"
                             for w in after)
            rows.append(("dask, 2 worker processes", wall, per_worker, rss, diff))
            closing = time.perf_counter()
        closed = time.perf_counter() - closing
        del data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    head = (f"{'':<26} | {'wall s':>7} | {'traced MB (per worker)':>22} | "
            f"{'worker peak RSS MB (+ over idle)':>32} | {'grad vs memmap':>14}")
    print()
    print(head)
    print("-" * len(head))
    for name, wall, traced, rss, diff in rows:
        print(f"{name:<26} | {wall:>7.2f} | {traced:>22} | {rss:>32} | {diff:>14.1e}")
    print(f"\ncluster: started in {started:.1f} s, first evaluation (workers import sae_lib, "
          f"whiten the photographs) {warm:.1f} s, closed in {closed:.1f} s")
    print(f"one chunk: {V} x {chunk:,} float64 = {8 * V * chunk / 1e6:.1f} MB of data, "
          f"{8 * (H + 1 + 2 * V) * chunk / 1e6:.1f} MB of activations at the peak")
    print(f"load average {load():.1f} at the end")


if __name__ == "__main__":
    main()
