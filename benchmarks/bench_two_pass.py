"""Benchmark the two-pass evaluation (notebook 07): peak memory and seconds per evaluation,
full batch against two passes, for m from 10^4 to 10^6 patches.

    .venv/bin/python benchmarks/bench_two_pass.py             # the full table (~1 minute)
    .venv/bin/python benchmarks/bench_two_pass.py --quick     # m up to 10^5, fewer repeats
    .venv/bin/python benchmarks/bench_two_pass.py --chunk-size 20000 --hidden 25

Run by hand on a quiet machine; nothing here is a test. The patches are written once to a
temporary .npy file (float64, 512 MB for a million 8x8 patches) with sample_images in
batches and opened as an np.memmap; the file is deleted at the end.

* peak MB: the peak of tracemalloc during one evaluation, above what was allocated before
  (sae_lib.exercises.peak_traced_memory). tracemalloc sees every numpy buffer the
  evaluation allocates, not the memmap's pages (the operating system's page cache, which
  it can drop and re-read). Data held in memory would add 8 x 64 bytes per patch to the
  full batch -- the "data in RAM" column.
* seconds: the median of a few evaluations (cost and gradient) with cost_and_grad, the
  function training uses; the two passes are timed on the same memmap.
* extra: two passes against the full batch, in time. Pass 1 recomputes only the hidden
  layer (one of the five hidden x visible x m matrix products of an evaluation), so about
  +20% is the floor; chunks add a small Python overhead each.
"""

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from sae_lib.data import load_natural_images, sample_images
from sae_lib.exercises import peak_traced_memory
from sae_lib.objective import cost_and_grad, initialize_parameters


def write_patches(path, m, batch=100_000, seed=0):
    """A million-patch .npy file, written batch by batch; returns it opened read-only."""
    images = load_natural_images()
    rng = np.random.default_rng(seed)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(64, m))
    for s in range(0, m, batch):
        n = min(batch, m - s)
        mm[:, s:s + n] = sample_images(images, 8, n, rng=rng)
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, numpy {np.__version__}, Python "
            f"{platform.python_version()}; load average {load:.1f} at start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="m up to 1e5, 1 repeat")
    parser.add_argument("--hidden", type=int, default=25)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to write the temporary file")
    args = parser.parse_args()

    sizes = [10_000, 30_000, 100_000, 300_000, 1_000_000]
    repeats = args.repeats
    if args.quick:
        sizes, repeats = sizes[:3], 1
    h, v = args.hidden, 64
    print(time.strftime("%Y-%m-%d %H:%M"), "--", machine())
    print(f"{v} inputs, {h} hidden units, chunk_size {args.chunk_size}, float64, "
          f"median of {repeats} evaluation(s)\n")

    tmp = Path(tempfile.mkdtemp(dir=args.dir))
    try:
        start = time.perf_counter()
        data = write_patches(tmp / "patches.npy", max(sizes))
        print(f"wrote {max(sizes):,} patches ({data.nbytes / 1e6:.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s\n")
        theta = initialize_parameters(h, v, 0)
        fixed = (theta, v, h, 1e-4, 0.01, 3.0)

        head = (f"{'m':>10} | {'full batch':>10} {'+data in RAM':>12} {'two passes':>10} | "
                f"{'full s':>7} {'two-pass s':>10} {'extra':>6}")
        print("peak memory in MB (tracemalloc), seconds per evaluation")
        print(head)
        print("-" * len(head))
        for m in sizes:
            X = data[:, :m]
            _, full_peak = peak_traced_memory(cost_and_grad, *fixed, X)
            _, two_peak = peak_traced_memory(cost_and_grad, *fixed, X,
                                             chunk_size=args.chunk_size)
            np.asarray(X).sum()                    # pages in the page cache before timing
            t_full = median_seconds(lambda: cost_and_grad(*fixed, X), repeats)
            t_two = median_seconds(lambda: cost_and_grad(*fixed, X, chunk_size=args.chunk_size),
                                   repeats)
            print(f"{m:>10,} | {full_peak / 1e6:>10.1f} {(full_peak + X.nbytes) / 1e6:>12.1f} "
                  f"{two_peak / 1e6:>10.1f} | {t_full:>7.3f} {t_two:>10.3f} "
                  f"{t_two / t_full - 1:>+6.0%}")

        m = max(sizes)
        X = data[:, :m]
        print(f"\nchunk size at m = {m:,}: peak memory and seconds per evaluation")
        head = f"{'chunk_size':>10} | {'peak MB':>8} | {'seconds':>8}"
        print(head)
        print("-" * len(head))
        for c in (100, 1_000, 10_000, 100_000):
            if c > m:
                continue
            _, peak = peak_traced_memory(cost_and_grad, *fixed, X, chunk_size=c)
            t = median_seconds(lambda: cost_and_grad(*fixed, X, chunk_size=c), repeats)
            print(f"{c:>10,} | {peak / 1e6:>8.1f} | {t:>8.3f}")
        del X, data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
