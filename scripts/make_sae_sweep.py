"""Train notebook 09's comparison over settings and seeds -> sae_lib/data/sae_sweep.npz.

    .venv/bin/python scripts/make_sae_sweep.py            # two worker processes
    .venv/bin/python scripts/make_sae_sweep.py --jobs 1   # one process

The protocol -- toy problems, seeds, training budgets, the grids, and how the learning
rate and the representative KL setting are chosen on separate tuning seeds -- is written
down once, in the docstring of ``sae_lib.variants.sweep``; this script only runs it:

1. on the tuning seeds: L1 (beta = 0.15) and TopK (k = 3) at every learning rate and
   number of Adam steps, and KL at every (rho, lambda); pick each family's Adam settings,
   and the KL setting, that
   find the most true features (mean over the tuning seeds; ties: lower FVU);
2. on the report seeds: every setting of the three families, TopK at three dictionary
   sizes with and without AuxK from both initialisations, and TopK with each training
   trick.

Every model is scored with ``sae_lib.variants.sweep.evaluate``. The file holds only those
scores (about 17 KB, no weights). 203 models; most of the time goes to the KL models with
little weight decay, which run to the 3000-iteration limit. It took 59 minutes with two
processes on the shared 2-core machine it was made on (heavily loaded at the time).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # one BLAS thread per process, set before numpy loads

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib.variants import sweep  # noqa: E402
from sae_lib.variants.sweep import METRICS, evaluate, toy_problem, train_point  # noqa: E402

FORMAT = "sae_lib.sae_sweep"
VERSION = 1


def run(job):
    """job = (key, family, setting, seed, options) -> (key, metrics, seconds)."""
    key, family, setting, seed, options = job
    toy = toy_problem(seed)
    start = time.perf_counter()
    model, data = train_point(family, setting, seed, toy, **options)
    return key, evaluate(model, toy, data if data is not toy.data else None), \
        time.perf_counter() - start


def run_all(jobs, n_jobs, label):
    print(f"{label}: {len(jobs)} models with {n_jobs} process(es)", flush=True)
    out = {}
    if n_jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(n_jobs) as pool:
            results = pool.map(run, jobs)
            for done, (key, metrics, sec) in enumerate(results, 1):
                out[key] = metrics
                print(f"  [{done:3d}/{len(jobs)}] {key}: found {metrics[2]:.0f}, "
                      f"FVU {metrics[1]:.3f}, {sec:.1f} s", flush=True)
    else:
        for done, job in enumerate(jobs, 1):
            key, metrics, sec = run(job)
            out[key] = metrics
            print(f"  [{done:3d}/{len(jobs)}] {key}: found {metrics[2]:.0f}, "
                  f"FVU {metrics[1]:.3f}, {sec:.1f} s", flush=True)
    return out


def best(scores):
    """The key whose mean over seeds finds the most features (ties: the lower FVU)."""
    found, fvu = METRICS.index("features_found"), METRICS.index("FVU")
    return max(scores, key=lambda k: (scores[k][:, found].mean(), -scores[k][:, fvu].mean()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=sweep.SWEEP_PATH)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    kl_settings = [(rho, lam) for rho in sweep.KL_RHOS for lam in sweep.KL_LAMBDAS]
    adam_choices = [(lr, n) for lr in sweep.LEARNING_RATES for n in sweep.ADAM_STEP_CHOICES]

    # 1. Tuning seeds: learning rates for L1 and TopK, the representative KL setting.
    jobs = []
    for seed in sweep.TUNING_SEEDS:
        for a in adam_choices:
            jobs.append((("l1", a, seed), "l1", 0.15, seed, dict(adam=a)))
            jobs.append((("topk", a, seed), "topk", 3, seed, dict(adam=a)))
        for s in kl_settings:
            jobs.append((("kl_linear", s, seed), "kl_linear", s, seed, {}))
    tuned = run_all(jobs, args.jobs, "tuning")

    def collect(family, options):
        return {o: np.array([tuned[(family, o, s)] for s in sweep.TUNING_SEEDS])
                for o in options}

    tuning = {"l1": collect("l1", adam_choices),
              "topk": collect("topk", adam_choices),
              "kl_linear": collect("kl_linear", kl_settings)}
    adam = {f: best(tuning[f]) for f in ("l1", "topk")}
    kl_choice = best(tuning["kl_linear"])
    print(f"chosen: Adam (learning rate, steps) L1 {adam['l1']}, TopK {adam['topk']}; "
          f"KL rho={kl_choice[0]:g}, lambda={kl_choice[1]:g}", flush=True)

    # 2. Report seeds.
    settings = {"l1": list(sweep.L1_BETAS), "topk": list(sweep.TOPK_KS),
                "kl_linear": kl_settings}
    jobs = []
    for family, values in settings.items():
        options = {} if family == "kl_linear" else dict(adam=adam[family])
        for s in values:
            for seed in sweep.REPORT_SEEDS:
                jobs.append((("frontier", family, s, seed), family, s, seed, options))
    for size in sweep.DICTIONARY_SIZES:
        for tied in (True, False):
            for aux in (False, True):
                for seed in sweep.REPORT_SEEDS:
                    jobs.append((("dictionary", size, tied, aux, seed), "topk", 3, seed,
                                 dict(adam=adam["topk"], hidden_size=size, tied=tied,
                                      aux_k=sweep.AUX_K if aux else None)))
    for trick in sweep.TRICKS:
        for seed in sweep.REPORT_SEEDS:
            jobs.append((("tricks", trick, seed), "topk", 3, seed,
                         dict(adam=adam["topk"], trick=trick)))
    done = run_all(jobs, args.jobs, "report")

    seeds = sweep.REPORT_SEEDS
    frontier = {f: np.array([[done[("frontier", f, s, seed)] for seed in seeds] for s in v])
                for f, v in settings.items()}
    dictionary = np.array([[[[done[("dictionary", size, tied, aux, seed)] for seed in seeds]
                             for aux in (False, True)] for tied in (True, False)]
                           for size in sweep.DICTIONARY_SIZES])
    tricks = np.array([[done[("tricks", t, seed)] for seed in seeds] for t in sweep.TRICKS])

    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        format=np.array(FORMAT), version=np.array(VERSION),
        generated_by=np.array("scripts/make_sae_sweep.py"),
        metrics=np.array(METRICS),
        seeds=np.array(seeds), tuning_seeds=np.array(sweep.TUNING_SEEDS),
        **{f"frontier_{f}": v for f, v in frontier.items()},
        settings_l1=np.array(settings["l1"], dtype=float),
        settings_topk=np.array(settings["topk"]),
        settings_kl_linear=np.array(kl_settings, dtype=float),
        dictionary=dictionary, tricks=tricks,
        adam_l1=np.array(adam["l1"], dtype=float), adam_topk=np.array(adam["topk"], dtype=float),
        kl_choice=np.array(kl_choice, dtype=float),
        tuning_adam_choices=np.array(adam_choices, dtype=float),
        tuning_l1=np.array([tuning["l1"][o] for o in adam_choices]),
        tuning_topk=np.array([tuning["topk"][o] for o in adam_choices]),
        tuning_kl_linear=np.array([tuning["kl_linear"][o] for o in kl_settings]),
        config_batch_size=np.array(sweep.BATCH_SIZE),
        config_kl_max_iter=np.array(sweep.KL_MAX_ITER), config_kl_beta=np.array(sweep.KL_BETA),
        config_dictionary_sizes=np.array(sweep.DICTIONARY_SIZES),
        config_aux_k=np.array(sweep.AUX_K), config_tricks=np.array(sweep.TRICKS),
    )
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e3:.0f} KB) in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
