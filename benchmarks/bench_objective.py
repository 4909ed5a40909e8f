"""Benchmark the sparse autoencoder objective and the classic training run.

    .venv/bin/python benchmarks/bench_objective.py           # full table (~1-2 minutes)
    .venv/bin/python benchmarks/bench_objective.py --quick   # fewer repeats

Run by hand on a quiet machine; nothing here is a test. Every time is the median of
several runs, and each is reported beside a baseline measured in the same run, because
ratios are what carry over between machines:

* floor: the four matrix products of size hidden x visible x m that one evaluation cannot
  avoid (W1 @ X, W2 @ a2, delta3 @ a2.T, delta2 @ X.T), on arrays of the same shapes and
  dtype. (Backpropagation needs a fifth, W2.T @ delta3; it is left out of the floor, as in
  the target "within 3x the four-product floor".)
* readable: sparse_autoencoder_cost, the version the notebooks show (straightforward numpy).
* fast: cost_and_grad, the version training uses.
* classic run: 10000 whitened 8x8 patches, 25 hidden units, UFLDL's settings, 400 L-BFGS
  iterations with sae_lib.train, against the same run driven by the readable objective.
"""

import argparse
import platform
import time

import numpy as np

from sae_lib.data import load_natural_images, sample_images
from sae_lib.objective import cost_and_grad, initialize_parameters, sparse_autoencoder_cost


def median_seconds(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_evaluation(visible, hidden, m, dtype, repeats, rng):
    X = rng.uniform(0.1, 0.9, size=(visible, m)).astype(dtype)
    theta = initialize_parameters(hidden, visible, rng)
    W1 = theta[: hidden * visible].reshape(hidden, visible).astype(dtype)
    W2 = theta[hidden * visible : 2 * hidden * visible].reshape(visible, hidden).astype(dtype)
    A = rng.random((hidden, m)).astype(dtype)
    D = rng.random((visible, m)).astype(dtype)

    def floor():
        W1 @ X
        W2 @ A
        D @ A.T
        A @ X.T

    args = (theta, visible, hidden, 1e-4, 0.01, 3.0, X)
    # interleave the three so that machine noise hits them alike
    t_floor, t_fast, t_read = [], [], []
    for _ in range(3):
        t_floor.append(median_seconds(floor, repeats))
        t_fast.append(median_seconds(lambda: cost_and_grad(*args), repeats))
        t_read.append(median_seconds(lambda: sparse_autoencoder_cost(*args), repeats))
    return min(t_floor), min(t_fast), min(t_read)


def classic_run(objective_name):
    """Seconds for UFLDL's classic run, with the fast or the readable objective."""
    import sae_lib.training as training
    from sae_lib import objective

    patches = sample_images(load_natural_images(), patch_size=8, num_patches=10000, rng=0)
    original = training.cost_and_grad
    if objective_name == "readable":
        training.cost_and_grad = lambda *a, chunk_size=None: objective.sparse_autoencoder_cost(*a)
    try:
        start = time.perf_counter()
        res = training.train(patches, 25, lambda_=1e-4, sparsity_param=0.01, beta=3.0,
                             max_iter=400, rng=0, progress=False)
        seconds = time.perf_counter() - start
    finally:
        training.cost_and_grad = original
    return seconds, res


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"# {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores, "
          f"numpy {np.__version__}, {time.strftime('%Y-%m-%d')}")
    print()
    print("| visible | hidden | m | dtype | floor (4 products) | fast | readable | fast / floor | readable / floor |")
    print("|---|---|---|---|---|---|---|---|---|")
    for visible, hidden in [(64, 25), (784, 196)]:
        for dtype in (np.float64, np.float32):
            repeats = (5 if args.quick else 15) if visible < 100 else (2 if args.quick else 5)
            fl, fast, read = bench_evaluation(visible, hidden, 10000, dtype, repeats, rng)
            print(f"| {visible} | {hidden} | 10000 | {np.dtype(dtype).name} | {fl * 1e3:.2f} ms "
                  f"| {fast * 1e3:.2f} ms | {read * 1e3:.2f} ms | {fast / fl:.2f} | {read / fl:.2f} |",
                  flush=True)
    print()
    runs = 1 if args.quick else 3
    fast_runs = [classic_run("fast") for _ in range(runs)]
    read_runs = [classic_run("readable") for _ in range(1)]
    t_fast = float(np.median([s for s, _ in fast_runs]))
    t_read = read_runs[0][0]
    res = fast_runs[0][1]
    print("| classic run (10000 patches, 25 hidden, 400 L-BFGS iterations) | seconds |")
    print("|---|---|")
    print(f"| sae_lib.train (fast objective), median of {runs} | {t_fast:.2f} s |")
    print(f"| same run driven by the readable objective | {t_read:.2f} s |")
    print(f"| speed-up | {t_read / t_fast:.1f}x |")
    print()
    print(f"final cost {res.cost:.4f} after {res.n_iter} iterations, {res.n_evaluations} "
          f"evaluations ({res.message})")


if __name__ == "__main__":
    main()
