"""Benchmark UFLDL's MNIST setting (notebook 08): 784 inputs, 196 hidden units, 10,000
images, rho = 0.1, lambda = 3e-3, beta = 3, 400 L-BFGS iterations.

    .venv/bin/python benchmarks/bench_mnist.py                        # MNIST-like images
    .venv/bin/python benchmarks/bench_mnist.py --mnist path/to/mnist  # the real files
    .venv/bin/python benchmarks/bench_mnist.py --estimate             # no 400-iteration run
    .venv/bin/python benchmarks/bench_mnist.py --blas-threads 1       # CPU seconds on one core

Run by hand; nothing here is a test.

Without the MNIST files (they are not shipped, and nothing is downloaded), the images are
MNIST-like: the 1797 shipped 8x8 digits enlarged to 20x20 and placed, like MNIST's, in a
28x28 frame, at a random shift of up to 2 pixels each way -- 10,000 images of the same
size and value range [0, 1] as MNIST, with a little more ink (mean pixel 0.17 against
MNIST's 0.13). The time per evaluation depends only on the shapes; the number of L-BFGS
evaluations per iteration depends a little on the data.

Prints one table: seconds per evaluation of the three versions of the objective on the
same data (the same m) -- the fast cost_and_grad that training uses, the readable
sparse_autoencoder_cost that notebook 08 shows, and loop_sparse_autoencoder_cost, one
example at a time (notebook 08's starting point; median of --repeats runs, the loop of
--loop-repeats) -- with the loop's time as a multiple of each vectorised one; the peak
memory of one evaluation (tracemalloc); and the 400-iteration training run -- measured, or
with --estimate estimated from the time per evaluation and the evaluations per iteration of
a 20-iteration run. Use --skip-loop to leave out the loop (about 4 CPU seconds per
evaluation at m = 10,000).
Wall-clock and CPU seconds (this process, all its threads) are both given: on a machine
shared with other work, wall-clock times of multithreaded BLAS vary wildly, while with
--blas-threads 1 the CPU time is a stable measure, close to the time on an idle core.
"""

import argparse
import os
import sys
import time

# --blas-threads N must act before numpy loads its BLAS.
if "--blas-threads" in sys.argv:
    _n = sys.argv[sys.argv.index("--blas-threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402

from sae_lib.data import load_digits, load_mnist  # noqa: E402
from sae_lib.exercises import loop_sparse_autoencoder_cost, peak_traced_memory  # noqa: E402
from _common import load, machine, median_seconds  # noqa: E402  (benchmarks/ is on sys.path)
from sae_lib.objective import (  # noqa: E402
    cost_and_grad,
    initialize_parameters,
    sparse_autoencoder_cost,
)
from sae_lib.training import train  # noqa: E402

VISIBLE, HIDDEN, M = 784, 196, 10_000
SETTINGS = dict(lambda_=3e-3, sparsity_param=0.1, beta=3.0)


def mnist_like(m=M, seed=0):
    """(784, m) in [0, 1]: the shipped digits enlarged to 20x20 in a 28x28 frame."""
    from scipy.ndimage import zoom

    digits = load_digits()[0].T.reshape(-1, 8, 8)
    big = np.clip(zoom(digits, (1, 2.5, 2.5), order=1), 0.0, 1.0)      # (1797, 20, 20)
    rng = np.random.default_rng(seed)
    which = rng.integers(len(big), size=m)
    dy, dx = rng.integers(-2, 3, size=(2, m))
    out = np.zeros((m, 28, 28))
    for k in range(m):
        top, left = 4 + dy[k], 4 + dx[k]
        out[k, top:top + 20, left:left + 20] = big[which[k]]
    return out.reshape(m, -1).T.copy()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mnist", default=None,
                        help="MNIST images file or folder (train-images-idx3-ubyte[.gz])")
    parser.add_argument("--estimate", action="store_true",
                        help="estimate the 400-iteration run from a 20-iteration one")
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop-repeats", type=int, default=1,
                        help="evaluations of the loop version (slow; median of these)")
    parser.add_argument("--skip-loop", action="store_true",
                        help="do not time the loop version")
    parser.add_argument("--blas-threads", default=None,
                        help="BLAS threads (set before numpy loads; 1 for stable CPU times)")
    args = parser.parse_args()

    print(time.strftime("%Y-%m-%d %H:%M"), "--", machine())
    if args.mnist:
        data = load_mnist(args.mnist)[:, :M]
        source = f"MNIST from {args.mnist}"
    else:
        data = mnist_like()
        source = "MNIST-like (shipped digits enlarged to 20x20 in 28x28)"
    m = data.shape[1]
    print(f"{source}: {data.shape[0]} inputs x {m:,} images, mean pixel {data.mean():.3f}; "
          f"{HIDDEN} hidden units, rho = 0.1, lambda = 3e-3, beta = 3; load average "
          f"{load():.1f} at start\n")

    theta = initialize_parameters(HIDDEN, VISIBLE, 0)
    a = (theta, VISIBLE, HIDDEN, SETTINGS["lambda_"], SETTINGS["sparsity_param"],
         SETTINGS["beta"], data)
    w_fast, c_fast = median_seconds(lambda: cost_and_grad(*a), args.repeats, warmup=True)
    w_read, c_read = median_seconds(lambda: sparse_autoencoder_cost(*a), args.repeats,
                                    warmup=True)
    if args.skip_loop:
        w_loop = c_loop = float("nan")
    else:
        w_loop, c_loop = median_seconds(lambda: loop_sparse_autoencoder_cost(*a),
                                        args.loop_repeats)
    _, peak = peak_traced_memory(cost_and_grad, *a)

    if args.estimate:
        res = train(data, HIDDEN, max_iter=20, rng=0, progress=False, **SETTINGS)
        per_iter = res.n_evaluations / max(res.n_iter, 1)
        w_run, c_run = (t * per_iter * args.iterations for t in (w_fast, c_fast))
        run = (f"estimated: {args.iterations} iterations x {per_iter:.2f} evaluations per "
               "iteration x the time of one evaluation")
        final = "-"
    else:
        w, c = time.perf_counter(), time.process_time()
        res = train(data, HIDDEN, max_iter=args.iterations, rng=0, progress=False, **SETTINGS)
        w_run, c_run = time.perf_counter() - w, time.process_time() - c
        run = (f"measured: {res.n_iter} iterations, {res.n_evaluations} evaluations "
               f"({res.message})")
        final = f"{res.cost:.4g}"

    rows = [
        ("one evaluation, cost_and_grad (training's)", f"{w_fast:8.3f}", f"{c_fast:8.3f}"),
        ("one evaluation, sparse_autoencoder_cost (readable)", f"{w_read:8.3f}",
         f"{c_read:8.3f}"),
        ("one evaluation, loop_sparse_autoencoder_cost (loop)", f"{w_loop:8.3f}",
         f"{c_loop:8.3f}"),
        (f"training, {args.iterations} L-BFGS iterations", f"{w_run:8.1f}", f"{c_run:8.1f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}} | {'wall s':>8} | {'CPU s':>8}")
    print("-" * (width + 24))
    for name, w, c in rows:
        print(f"{name:<{width}} | {w} | {c}")
    if not args.skip_loop:
        print(f"\nsame m = {m:,}: the loop takes {w_loop / w_read:.1f}x the readable version's "
              f"wall time ({c_loop / c_read:.1f}x its CPU time) and {w_loop / w_fast:.1f}x "
              f"training's ({c_loop / c_fast:.1f}x CPU)")
    print(f"\ntraining run {run}; final cost {final}")
    print(f"peak memory of one evaluation (tracemalloc): {peak / 1e6:.0f} MB")
    print(f"load average {load():.1f} at the end")


if __name__ == "__main__":
    main()
