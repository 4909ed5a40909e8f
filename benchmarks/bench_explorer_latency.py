"""How fast does notebook 06's rho/beta explorer answer a slider change?

    .venv/bin/python benchmarks/bench_explorer_latency.py [--repeats N]

The explorer (``sae_lib.widgets.rho_beta_explorer``) promises an answer within a second
on a 2-core machine. This script drives it as the front end does -- by setting the
sliders' values -- and measures, in the kernel process, the time from the new value to
the panels holding their new PNGs:

* on the grid: every change renders the precomputed model (filters, rho_hat histogram,
  KL curve, figures table);
* off the grid: the first answer (the nearest grid model, shown at once while training
  starts in a background thread), then the background training itself (as the grid's
  models were trained: from the same initial weights, with the same stopping rule, at
  most 400 L-BFGS iterations) until the panels show the trained model. Outside a
  kernel the explorer draws a finished result when asked (``wait()``), so this time
  includes that drawing, as the kernel's event loop would.

Sending the PNGs to the browser adds the comm round trip (a few ms on localhost; the
browser test prints one). Prints a table of the median and worst times, and the load
average: on a shared machine the times grow with it.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from sae_lib.widgets import load_explorer_grid, rho_beta_explorer  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="off-grid requests to time (default 3)")
    args = parser.parse_args(argv)

    load_at_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    grid = load_explorer_grid()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ex = rho_beta_explorer(grid=grid)
    build_s = time.perf_counter() - t0

    # --- on the grid: a walk over every (rho, beta) pair, one slider at a time ----------
    on_grid = []
    for j, beta in enumerate(grid.beta):
        ex.beta_slider.value = float(beta)
        on_grid.append(ex.last_update_seconds)
        assert ex.model.source == "grid"
        rhos = grid.rho if j % 2 == 0 else grid.rho[::-1]
        for rho in rhos:
            if abs(ex.rho_slider.value - rho) > 1e-12:
                ex.rho_slider.value = float(rho)
                on_grid.append(ex.last_update_seconds)
                assert ex.model.source == "grid"

    # --- off the grid: first answer, then background training ---------------------------
    rng = np.random.default_rng(0)
    first, background, iters = [], [], []
    ex.rho_slider.value, ex.beta_slider.value = 0.01, 3.0
    for k in range(args.repeats):
        # between grid points: rho at a random place within a grid step, beta 3 (UFLDL)
        i = int(rng.integers(2, len(grid.rho) - 2))
        rho = float(grid.rho[i] * 10 ** rng.uniform(0.05, 0.28))
        t0 = time.perf_counter()
        ex.rho_slider.value = rho
        first.append(time.perf_counter() - t0)
        assert ex.model.source == "grid" and ex.training
        ex.wait()
        background.append(time.perf_counter() - t0)
        assert ex.model.source == "trained", ex.status.value
        iters.append(ex.model.n_iter)
        assert ex.model.trained_like(grid), ex.status.value
        ex.rho_slider.value = 0.01

    def ms(x):
        return f"{1000 * x:8.1f} ms"

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"rho/beta explorer latency ({os.cpu_count()} cores, OpenBLAS threads: {threads}, "
          f"load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end)")
    print(f"  load grid file                       {ms(load_s)}")
    print(f"  build explorer (first render)        {ms(build_s)}")
    print(f"{'':38s}{'median':>11s}{'worst':>11s}{'n':>5s}")
    print(f"  on-grid change -> panels updated     {ms(statistics.median(on_grid))} "
          f"{ms(max(on_grid))} {len(on_grid):4d}")
    print(f"  off-grid change -> first answer      {ms(statistics.median(first))} "
          f"{ms(max(first))} {len(first):4d}")
    print(f"  off-grid -> trained model shown      {statistics.median(background):8.2f} s  "
          f"{max(background):8.2f} s {len(background):4d}   "
          f"({min(iters)}-{max(iters)} L-BFGS iterations)")
    worst = max(max(on_grid), max(first))
    print(f"every change answered within {1000 * worst:.0f} ms "
          f"({'meets' if worst < 1.0 else 'MISSES'} the 1 s bound)")


if __name__ == "__main__":
    main()
