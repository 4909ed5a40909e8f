"""Train the grid of sparse autoencoders behind notebook 06's rho/beta explorer.

    .venv/bin/python scripts/make_explorer_grid.py           # -> sae_lib/data/explorer_grid.npz
    .venv/bin/python scripts/make_explorer_grid.py --jobs 1   # one process (default: one per core)

One model per (rho, beta) on the grid

* rho  = 0.001 * 10**(k/3), k = 0..8   (0.001, 0.00215, 0.00464, 0.01, ..., 0.464: three
  steps per decade, the steps of the explorer's log slider),
* beta = 0, 1, 2, ..., 10               (the steps of the explorer's beta slider),

each trained exactly as notebook 05 trains UFLDL's model: 25 hidden units, lambda = 1e-4,
at most 400 L-BFGS iterations with the library's stopping rule (``sae_lib.train``), on
notebook 05's 10000 whitened 8x8 patches (``sample_images(load_natural_images(), 8, 10000,
rng=default_rng(0))``), starting from notebook 05's initial weights
(``initialize_parameters(25, 64, rng=1)``, 05's ``SEED = 1``) -- the same patches and the
same initial weights for every model, so that differences between models come from rho and
beta alone, and the model at rho = 0.01, beta = 3 is notebook 05's. With beta = 0 the
objective does not depend on rho, so that column is trained once and shared. The explorer
trains a value between grid points the same way (``ExplorerGrid.train_model``), so that
models on and off the grid can be compared.

For every model the file stores theta (float32, enough to display the filters and to
warm-start further training) and the figures the explorer's panels show, computed in
float64 by ``sae_lib.widgets.model_figures`` from the stored parameters on the training
patches:

``reconstruction_error``  (1/m) sum_i 1/2 ||a3_i - x_i||^2       -- the first term of J
``weight_decay``          lambda/2 (||W1||^2 + ||W2||^2)
``sparsity_penalty``      beta sum_j KL(rho || rho_hat_j)
``cost``                  their sum, J_sparse
``rho_hat``               (25,) average activation of each hidden unit
``n_iter``                L-BFGS iterations run

The file is a plain .npz (no pickle), about 1.2 MB. Run time: 4-7 s per model with one
BLAS thread per process on an idle core, so a few minutes with two processes (91 distinct
models); on a busy machine much longer (16 minutes with two processes when it was last
made, on a shared 2-core machine with a load average of 10 to 15).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread per process: several processes with multi-threaded BLAS fight over the
# cores (on a 2-core machine that made each evaluation up to 8x slower). Must be set
# before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib.data import load_natural_images, sample_images
from sae_lib.objective import initialize_parameters
from sae_lib.training import train
from sae_lib.widgets import model_figures

OUT = ROOT / "sae_lib" / "data" / "explorer_grid.npz"
FORMAT = "sae_lib.explorer_grid"
VERSION = 1

RHO_EXPONENTS = -3.0 + np.arange(9) / 3.0          # log10(rho): -3, -2.67, ..., -0.33
RHOS = 10.0 ** RHO_EXPONENTS
BETAS = np.arange(11, dtype=np.float64)            # 0, 1, ..., 10
LAMBDA = 1e-4
HIDDEN = 25
PATCH = 8
NUM_PATCHES = 10000
PATCH_SEED = 0
INIT_SEED = 1                                      # notebook 05's SEED
MAX_ITER = 400

_data = None


def training_patches():
    """The 10000 whitened 8x8 patches every model of the grid is trained on."""
    return sample_images(load_natural_images(), PATCH, NUM_PATCHES,
                         rng=np.random.default_rng(PATCH_SEED))


def _init_worker():
    global _data
    _data = training_patches()


def _train_one(job):
    i, j = job
    rho, beta = float(RHOS[i]), float(BETAS[j])
    theta0 = initialize_parameters(HIDDEN, PATCH * PATCH, np.random.default_rng(INIT_SEED))
    result = train(_data, HIDDEN, lambda_=LAMBDA, sparsity_param=rho, beta=beta,
                   max_iter=MAX_ITER, theta0=theta0, progress=False)
    return i, j, result.theta, result.n_iter, result.seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: one per core)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT})")
    args = parser.parse_args(argv)

    n_rho, n_beta = len(RHOS), len(BETAS)
    # beta = 0: rho does not enter the objective -- train once (rho index 0), share.
    jobs = [(0, 0)] + [(i, j) for j in range(1, n_beta) for i in range(n_rho)]
    visible = PATCH * PATCH
    theta_len = HIDDEN * visible * 2 + HIDDEN + visible
    thetas = np.zeros((n_rho, n_beta, theta_len))
    n_iter = np.zeros((n_rho, n_beta), dtype=np.int64)

    start = time.perf_counter()
    print(f"training {len(jobs)} models with {args.jobs} process(es)...", flush=True)
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs, initializer=_init_worker) as pool:
            results = pool.map(_train_one, jobs)
            for done, (i, j, theta, nit, sec) in enumerate(results, 1):
                thetas[i, j], n_iter[i, j] = theta, nit
                print(f"  [{done:3d}/{len(jobs)}] rho={RHOS[i]:.3g} beta={BETAS[j]:g}: "
                      f"{nit} iterations, {sec:.1f} s", flush=True)
    else:
        _init_worker()
        for done, job in enumerate(jobs, 1):
            i, j, theta, nit, sec = _train_one(job)
            thetas[i, j], n_iter[i, j] = theta, nit
            print(f"  [{done:3d}/{len(jobs)}] rho={RHOS[i]:.3g} beta={BETAS[j]:g}: "
                  f"{nit} iterations, {sec:.1f} s", flush=True)
    thetas[1:, 0] = thetas[0, 0]
    n_iter[1:, 0] = n_iter[0, 0]

    data = training_patches()
    figures = {k: np.zeros((n_rho, n_beta)) for k in
               ("reconstruction_error", "weight_decay", "sparsity_penalty", "cost")}
    rho_hat = np.zeros((n_rho, n_beta, HIDDEN))
    for i in range(n_rho):
        for j in range(n_beta):
            # the stored (float32) parameters are the model: measure those
            f = model_figures(thetas[i, j].astype(np.float32), RHOS[i], BETAS[j], LAMBDA,
                              data, HIDDEN)
            for k in figures:
                figures[k][i, j] = f[k]
            rho_hat[i, j] = f["rho_hat"]

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        format=np.array(FORMAT), version=np.array(VERSION),
        generated_by=np.array("scripts/make_explorer_grid.py"),
        rho=RHOS, beta=BETAS, lambda_=np.array(LAMBDA), hidden_size=np.array(HIDDEN),
        visible_size=np.array(visible), patch_size=np.array(PATCH),
        num_patches=np.array(NUM_PATCHES), patch_seed=np.array(PATCH_SEED),
        init_seed=np.array(INIT_SEED), max_iter=np.array(MAX_ITER),
        theta=thetas.astype(np.float32), n_iter=n_iter, rho_hat=rho_hat, **figures)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.2f} MB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
