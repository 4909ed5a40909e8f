"""The comparison behind notebook 09, run over settings and seeds, and its stored result.

Training every model of notebook 09 over a grid of settings and several seeds takes
minutes, too long for the notebook itself. ``scripts/make_sae_sweep.py`` runs it once with
the functions below and writes ``sae_lib/data/sae_sweep.npz``; :func:`load_sae_sweep`
reads it, and the notebook retrains one stored point live with :func:`train_point` to show
that the file holds what this code produces.

**The protocol** (the same for every family, so that no model is favoured):

* Toy problem: :func:`toy_problem` -- 48 features in 16 dimensions, frequencies from 1 %
  to 10 %, 4000 examples; seed s draws the features and the data.
* Seeds: a model trained for seed s starts from weights drawn with seed s + 1 and (Adam)
  visits minibatches in an order drawn with seed s + 2. Results are reported over
  ``REPORT_SEEDS``; choices are made on ``TUNING_SEEDS``, a different set of toy problems.
* L1 and TopK: Adam on minibatches of ``BATCH_SIZE`` examples from the tied
  initialisation, with the learning rate (``LEARNING_RATES``) and number of steps
  (``ADAM_STEP_CHOICES``) that find the most features on the tuning seeds at the middle
  setting (beta = 0.15, k = 3), chosen for each family separately; then every beta in
  ``L1_BETAS`` and every k in ``TOPK_KS``.
* KL with a linear decoder: L-BFGS until the library's convergence test, at most
  ``KL_MAX_ITER`` iterations (it converges within that on this problem), the notes'
  initialisation, beta = ``KL_BETA``; every (rho, lambda) in
  ``KL_RHOS`` x ``KL_LAMBDAS``. The pair that finds the most features on the tuning seeds
  is the notebook's representative KL model.
* Dictionary size: TopK (k = 3) with ``DICTIONARY_SIZES`` latents, with and without AuxK,
  from the tied and from the notes' untied initialisation.
* Training tricks: TopK (k = 3, 48 latents) with unit-norm decoder columns, a pre-encoder
  bias started at the geometric median, inputs normalised by :func:`normalize_scale`,
  and all of them with AuxK.

Every trained model is scored by :func:`evaluate` on its own training data: the
``METRICS`` below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..objective import initialize_parameters, pack_parameters, unpack_parameters
from .metrics import coefficient_shrinkage, fraction_variance_unexplained, l0, recovery
from .models import initialize_tied_parameters
from .preprocessing import geometric_median, normalize_scale
from .toy_data import make_superposition_data
from .training import train_kl_linear, train_l1, train_topk

__all__ = [
    "METRICS",
    "toy_problem",
    "initial_theta",
    "train_point",
    "evaluate",
    "SaeSweep",
    "load_sae_sweep",
    "SWEEP_PATH",
]

SWEEP_PATH = Path(__file__).resolve().parents[1] / "data" / "sae_sweep.npz"

N_FEATURES, VISIBLE_SIZE, M = 48, 16, 4000
P_ACTIVE = np.geomspace(0.01, 0.1, N_FEATURES)
REPORT_SEEDS = (0, 1, 2)
TUNING_SEEDS = (100, 101)
ADAM_STEP_CHOICES, BATCH_SIZE = (3000, 8000), 128
LEARNING_RATES = (3e-3, 1e-2)
L1_BETAS = (0.03, 0.05, 0.1, 0.15, 0.2, 0.3)
TOPK_KS = (1, 2, 3, 4, 5, 8)
KL_RHOS = (0.01, 0.02, 0.05, 0.1)
KL_LAMBDAS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3)
KL_BETA = 3.0
KL_MAX_ITER = 3000
DICTIONARY_SIZES = (48, 96, 192)
AUX_K = 8
TRICKS = ("plain", "unit_norm_decoder", "pre_bias", "normalized_input", "all_with_auxk")

METRICS = (
    "L0",                   # active latents per example
    "FVU",                  # fraction of variance unexplained
    "features_found",       # true features with a latent at cosine >= 0.9
    "mean_feature_cosine",  # mean over features of the best cosine (feature -> latent)
    "matched_latents",      # live latents within cosine 0.9 of a feature (latent -> feature)
    "duplicates",           # matched latents whose feature already has a better latent
    "junk",                 # live latents that match no feature
    "dead",                 # latents that never fire
    "mean_latent_cosine",   # mean over live latents of the best cosine
    "matched_cosine",       # mean cosine of the one-to-one matching
    "shrink_ratio",         # coded / true coefficient where the matched latent fires
    "fired_fraction",       # how often the matched latent fires when its feature is present
)


def toy_problem(seed):
    """The toy problem of notebook 09 drawn with ``seed`` (a :class:`SuperpositionData`)."""
    return make_superposition_data(N_FEATURES, VISIBLE_SIZE, M, p_active=P_ACTIVE, rng=seed)


def initial_theta(family, hidden_size, seed, *, tied=True):
    """The starting weights for a model of ``family`` ("l1", "topk", "kl_linear") and seed.

    L1 and TopK start tied (W1 = W2^T, unit columns; ``tied=False``: the notes'
    uniform initialisation); the KL model starts from the notes' initialisation. All are
    drawn with seed + 1.
    """
    if family == "kl_linear" or not tied:
        return initialize_parameters(hidden_size, VISIBLE_SIZE, rng=seed + 1)
    return initialize_tied_parameters(hidden_size, VISIBLE_SIZE, rng=seed + 1)


def train_point(family, setting, seed, toy=None, *, adam=None, hidden_size=N_FEATURES,
                tied=True, trick="plain", aux_k=None):
    """Train one model of the sweep exactly as ``scripts/make_sae_sweep.py`` does.

    ``family`` "l1" (``setting`` = beta), "topk" (``setting`` = k) or "kl_linear"
    (``setting`` = (rho, lambda_)); ``toy`` defaults to :func:`toy_problem` (seed).
    ``adam`` = (learning_rate, n_steps) is required for L1 and TopK: the sweep's tuned
    values are ``load_sae_sweep().adam[family]``. ``trick`` (TopK only): one of ``TRICKS``.
    Returns ``(model, data)``: the trained :class:`VariantResult` and the data it was
    trained on (the toy data, or their normalised copy).
    """
    toy = toy_problem(seed) if toy is None else toy
    x = toy.data
    theta0 = initial_theta(family, hidden_size, seed, tied=tied)
    if family == "kl_linear":
        rho, lambda_ = setting
        model = train_kl_linear(x, hidden_size, lambda_=lambda_, sparsity_param=rho,
                                beta=KL_BETA, max_iter=KL_MAX_ITER, theta0=theta0)
        return model, x
    if adam is None:
        raise ValueError("adam = (learning_rate, n_steps) is required for L1 and TopK: use "
                         "the sweep's tuned values, load_sae_sweep().adam[family].")
    learning_rate, n_steps = adam
    adam = dict(n_steps=int(n_steps), batch_size=BATCH_SIZE, learning_rate=float(learning_rate),
                rng=seed + 2, theta0=theta0)
    if family == "l1":
        return train_l1(x, hidden_size, beta=setting, **adam), x
    if family != "topk":
        raise ValueError(f"family must be 'l1', 'topk' or 'kl_linear', got {family!r}.")
    if trick not in TRICKS:
        raise ValueError(f"trick must be one of {TRICKS}, got {trick!r}.")
    options = dict(aux_k=aux_k)
    if trick in ("normalized_input", "all_with_auxk"):
        x = normalize_scale(x)[0]
    if trick in ("pre_bias", "all_with_auxk"):
        W1, W2, b1, _ = unpack_parameters(theta0, VISIBLE_SIZE, hidden_size)
        adam["theta0"] = pack_parameters(W1, W2, b1, geometric_median(x))
        options["pre_bias"] = True
    if trick in ("unit_norm_decoder", "all_with_auxk"):
        options["unit_norm_decoder"] = True
    if trick == "all_with_auxk":
        options["aux_k"] = AUX_K
    return train_topk(x, hidden_size, k=setting, **adam, **options), x


def evaluate(model, toy, data=None):
    """The ``METRICS`` of a trained model on its training data: a float array.

    ``data`` defaults to ``toy.data`` (pass the normalised copy for a model trained on
    it; a single scale changes none of the metrics' meaning).
    """
    x = toy.data if data is None else data
    codes = model.hidden_activations(x)
    rec = recovery(toy.features, model.W2, codes)
    shrink = coefficient_shrinkage(toy.features, toy.coefficients, codes, model.W2)
    if data is not None:                        # coefficients in the scaled data's units
        scale = np.sqrt(np.sum(x ** 2) / np.sum(toy.data ** 2))
        shrink = shrink._replace(ratio=shrink.ratio / scale)
    values = dict(L0=l0(codes), FVU=fraction_variance_unexplained(x, model.reconstruct(x)),
                  shrink_ratio=shrink.ratio, fired_fraction=shrink.fired_fraction,
                  **rec._asdict())
    return np.array([values[name] for name in METRICS], dtype=float)


@dataclass
class SaeSweep:
    """The stored sweep (see the module docstring); arrays indexed [setting, seed, metric].

    ``frontier[family]``: (n_settings, n_seeds, n_metrics) for "l1", "topk" and
    "kl_linear"; ``settings[family]`` the settings in that order (beta; k; (rho, lambda)).
    ``dictionary``: (n_sizes, 2 (init tied/untied), 2 (without/with AuxK), n_seeds,
    n_metrics). ``tricks``: (n_tricks, n_seeds, n_metrics). ``tuning``: the same scores on
    the tuning seeds that chose ``adam`` ({family: (learning_rate, n_steps)}) and
    ``kl_choice`` ((rho, lambda)).
    """

    frontier: dict
    settings: dict
    dictionary: np.ndarray
    tricks: np.ndarray
    adam: dict
    kl_choice: tuple
    tuning: dict
    seeds: tuple
    tuning_seeds: tuple
    config: dict

    def metric(self, family, name):
        """(n_settings, n_seeds) values of metric ``name`` for ``family``."""
        return self.frontier[family][..., METRICS.index(name)]

    def summary(self, family, name):
        """Mean and standard deviation over the seeds: two (n_settings,) arrays."""
        v = self.metric(family, name)
        return v.mean(axis=1), v.std(axis=1, ddof=1)

    def point(self, family, setting, seed):
        """The stored metrics of one model: {metric name: value}."""
        settings = [tuple(s) if np.ndim(s) else s for s in self.settings[family]]
        key = tuple(setting) if np.ndim(setting) else setting
        i = settings.index(key)
        return dict(zip(METRICS, self.frontier[family][i, self.seeds.index(seed)]))


def load_sae_sweep(path=None):
    """Read ``sae_lib/data/sae_sweep.npz`` (or ``path``) into a :class:`SaeSweep`."""
    path = SWEEP_PATH if path is None else Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist; run `.venv/bin/python scripts/"
                         "make_sae_sweep.py` to compute it (a few minutes).")
    with np.load(path, allow_pickle=False) as f:
        z = {k: f[k] for k in f.files}
    names = tuple(str(n) for n in z["metrics"])
    if names != METRICS:
        raise ValueError(f"{path} stores the metrics {names}, this code expects {METRICS}; "
                         "recompute it with scripts/make_sae_sweep.py.")
    families = ("l1", "topk", "kl_linear")
    return SaeSweep(
        frontier={f: z[f"frontier_{f}"] for f in families},
        settings={"l1": z["settings_l1"], "topk": z["settings_topk"].astype(int),
                  "kl_linear": z["settings_kl_linear"]},
        dictionary=z["dictionary"],
        tricks=z["tricks"],
        adam={f: (float(z[f"adam_{f}"][0]), int(z[f"adam_{f}"][1])) for f in ("l1", "topk")},
        kl_choice=tuple(float(v) for v in z["kl_choice"]),
        tuning={k[len("tuning_"):]: z[k] for k in z if k.startswith("tuning_")},
        seeds=tuple(int(s) for s in z["seeds"]),
        tuning_seeds=tuple(int(s) for s in z["tuning_seeds"]),
        config={k[len("config_"):]: z[k] for k in z if k.startswith("config_")},
    )
