"""Benchmark the two-pass evaluation (notebook 07): peak memory and seconds per evaluation,
full batch against two passes, for m from 10^4 to 10^6 patches.

    .venv/bin/python benchmarks/bench_two_pass.py                    # the full table (~1 min)
    .venv/bin/python benchmarks/bench_two_pass.py --quick            # m up to 10^5
    .venv/bin/python benchmarks/bench_two_pass.py --blas-threads 1   # CPU seconds on one core

Run by hand; nothing here is a test. The patches are written once to a temporary .npy file
(float64, 512 MB for a million 8x8 patches) with sample_images in batches and opened as an
np.memmap; the file is deleted at the end.

* peak MB: the peak of tracemalloc during one evaluation, above what was allocated before
  (sae_lib.exercises.peak_traced_memory). tracemalloc sees every numpy buffer the
  evaluation allocates, not the memmap's pages (the operating system's page cache, which
  it can drop and re-read). Data held in memory would add 8 x 64 bytes per patch to the
  full batch -- the "+ data in RAM" column.
* seconds: the median over a few evaluations (cost and gradient) of cost_and_grad, the
  function training uses, on the same memmap: wall-clock time, and the CPU time of this
  process (all its threads). On a machine shared with other work, wall-clock times of
  multithreaded BLAS vary wildly; with --blas-threads 1 the CPU time is a stable measure of
  the work, close to the wall-clock time on an idle core.
* two/full: two passes against the full batch. Pass 1 recomputes only the hidden layer (one
  more hidden x visible x m matrix product to the five of an evaluation): +20% of the
  arithmetic. Memory traffic can matter more -- see notebook 07.
"""

import argparse
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

from sae_lib.data import load_natural_images, sample_images  # noqa: E402
from sae_lib.exercises import peak_traced_memory  # noqa: E402
from _common import load, machine, median_seconds  # noqa: E402  (benchmarks/ is on sys.path)
from sae_lib.objective import cost_and_grad, initialize_parameters  # noqa: E402


def write_patches(path, m, batch=100_000, seed=0):
    """m patches in a .npy file, written batch by batch; returned opened read-only."""
    images = load_natural_images()
    rng = np.random.default_rng(seed)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(64, m))
    for s in range(0, m, batch):
        n = min(batch, m - s)
        mm[:, s:s + n] = sample_images(images, 8, n, rng=rng)
    mm.flush()
    del mm
    return np.load(path, mmap_mode="r")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="m up to 1e5")
    parser.add_argument("--hidden", type=int, default=25)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--blas-threads", default=None,
                        help="BLAS threads (set before numpy loads; 1 for stable CPU times)")
    parser.add_argument("--dir", default=None, help="where to write the temporary file")
    args = parser.parse_args()

    sizes = [10_000, 30_000, 100_000, 300_000, 1_000_000]
    if args.quick:
        sizes = sizes[:3]
    h, v, c = args.hidden, 64, args.chunk_size
    print(time.strftime("%Y-%m-%d %H:%M"), "--", machine())
    print(f"{v} inputs, {h} hidden units, chunk_size {c:,}, float64, median of "
          f"{args.repeats} evaluations; load average {load():.1f} at start\n")

    tmp = Path(tempfile.mkdtemp(dir=args.dir))
    try:
        start = time.perf_counter()
        data = write_patches(tmp / "patches.npy", max(sizes))
        print(f"wrote {max(sizes):,} patches ({data.nbytes / 1e6:.0f} MB) in "
              f"{time.perf_counter() - start:.1f} s\n")
        theta = initialize_parameters(h, v, 0)
        fixed = (theta, v, h, 1e-4, 0.01, 3.0)

        head = (f"{'m':>10} | {'peak MB: full':>13} {'+ data in RAM':>13} {'two passes':>10} | "
                f"{'wall s: full':>12} {'two':>6} | {'CPU s: full':>11} {'two':>6} "
                f"{'two/full':>8}")
        print(head)
        print("-" * len(head))
        for m in sizes:
            X = data[:, :m]
            _, full_peak = peak_traced_memory(cost_and_grad, *fixed, X)
            _, two_peak = peak_traced_memory(cost_and_grad, *fixed, X, chunk_size=c)
            np.asarray(X).sum()                    # pages in the page cache before timing
            w_full, c_full = median_seconds(lambda: cost_and_grad(*fixed, X), args.repeats)
            w_two, c_two = median_seconds(lambda: cost_and_grad(*fixed, X, chunk_size=c),
                                          args.repeats)
            note = "  (one chunk)" if m <= c else ""
            print(f"{m:>10,} | {full_peak / 1e6:>13.1f} {(full_peak + X.nbytes) / 1e6:>13.1f} "
                  f"{two_peak / 1e6:>10.1f} | {w_full:>12.3f} {w_two:>6.3f} | {c_full:>11.3f} "
                  f"{c_two:>6.3f} {c_two / c_full:>8.2f}{note}")

        m = max(sizes)
        X = data[:, :m]
        print(f"\nchunk size, at m = {m:,}")
        head = f"{'chunk_size':>10} | {'peak MB':>8} | {'wall s':>7} | {'CPU s':>7}"
        print(head)
        print("-" * len(head))
        for cs in (100, 1_000, 10_000, 100_000):
            if cs > m:
                continue
            _, peak = peak_traced_memory(cost_and_grad, *fixed, X, chunk_size=cs)
            w, cp = median_seconds(lambda: cost_and_grad(*fixed, X, chunk_size=cs), args.repeats)
            print(f"{cs:>10,} | {peak / 1e6:>8.1f} | {w:>7.3f} | {cp:>7.3f}")
        del X, data
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nload average {load():.1f} at the end")


if __name__ == "__main__":
    main()
