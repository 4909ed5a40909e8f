"""How sparse autoencoders are measured: L0, FVU, firing rates and feature density, dead
units, recovery of known features, shrinkage of codes, the ideal L1 code."""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .._blas_threads import one_blas_thread
from ._checks import _finite_nonneg, _positive_int

__all__ = [
    "l0",
    "fraction_variance_unexplained",
    "firing_rates",
    "feature_density",
    "dead_units",
    "cosine_matrix",
    "feature_recovery",
    "latent_recovery",
    "one_to_one_matching",
    "display_order",
    "Recovery",
    "recovery",
    "RandomBaseline",
    "random_dictionary_baseline",
    "Shrinkage",
    "coefficient_shrinkage",
    "l1_optimal_code",
]


def _codes(codes):
    codes = np.asarray(codes, dtype=float)
    if codes.ndim != 2:
        raise ValueError(f"codes must be a 2-D array (hidden_size, m), one example per "
                         f"column; got shape {codes.shape}.")
    if codes.shape[1] == 0:
        raise ValueError("codes has no examples (m = 0).")
    return codes


def _threshold(threshold):
    if (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)
            or not np.isfinite(threshold) or threshold < 0):
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}.")
    return float(threshold)


def l0(codes, threshold=0.0):
    """L0: the mean number of active units per example, for codes (hidden_size, m).

    A unit is active on an example when |a| > threshold (default: when it is not exactly
    0). Units are counted down each column (one example), then averaged over the m
    columns. For sigmoid units this is always hidden_size: f(z) = 1/(1 + e^-z) is
    positive for every z, so no unit is ever exactly off -- KL sparsity makes the
    *average* activation small, not the code sparse. A positive threshold (say 0.1)
    counts "clearly on" sigmoid units, at the price of an arbitrary choice.
    """
    codes = _codes(codes)
    return float(np.mean(np.sum(np.abs(codes) > _threshold(threshold), axis=0)))


def fraction_variance_unexplained(data, reconstruction):
    """FVU = sum_i ||x_hat_i - x_i||^2 / sum_i ||x_i - x_bar||^2, x_bar the mean example.

    Both arrays (visible_size, m). 0 for a perfect reconstruction, 1 for the best
    constant guess (x_hat_i = x_bar for every i). Unchanged when data and reconstruction
    go through the same map x -> s x + c with one scalar s (see
    :func:`rescale_for_sigmoid`).
    """
    data = np.asarray(data, dtype=float)
    reconstruction = np.asarray(reconstruction, dtype=float)
    if data.shape != reconstruction.shape or data.ndim != 2:
        raise ValueError(f"data and reconstruction must be 2-D arrays of the same shape "
                         f"(visible_size, m); got {data.shape} and {reconstruction.shape}.")
    total = np.sum((data - data.mean(axis=1, keepdims=True)) ** 2)
    if total == 0:
        raise ValueError("the data has no variance (every example is the same), so the "
                         "fraction of variance unexplained is undefined.")
    return float(np.sum((reconstruction - data) ** 2) / total)


def firing_rates(codes, threshold=0.0):
    """Fraction of examples on which each unit is active (|a| > threshold): (hidden_size,)."""
    codes = _codes(codes)
    return np.mean(np.abs(codes) > _threshold(threshold), axis=1)


def feature_density(codes, threshold=0.0):
    """log10 of each unit's firing rate, (hidden_size,); -inf for a unit that never fires.

    The "feature density" histograms of the SAE literature plot this: a unit at -1 fires
    on one example in ten, at -3 on one in a thousand.
    """
    rates = firing_rates(codes, threshold)
    with np.errstate(divide="ignore"):
        return np.log10(rates)


def dead_units(codes, threshold=0.0):
    """Number of units that never fire (|a| <= threshold on every example)."""
    return int(np.sum(firing_rates(codes, threshold) == 0))


def cosine_matrix(true_features, decoder):
    """Cosines between every true feature and every decoder column: (n_features, hidden_size).

    ``true_features`` (visible_size, n_features), ``decoder`` = W2 (visible_size,
    hidden_size), one direction per column. A decoder column of zeros has cosine 0 with
    everything.
    """
    F = np.asarray(true_features, dtype=float)
    D = np.asarray(decoder, dtype=float)
    if F.ndim != 2 or D.ndim != 2 or F.shape[0] != D.shape[0]:
        raise ValueError(f"true_features (visible_size, n_features) and decoder (visible_size, "
                         f"hidden_size) must be 2-D with the same number of rows; got "
                         f"{F.shape} and {D.shape}. Pass W2, not W1 (whose rows are the "
                         "encoder's directions).")
    Fn = np.linalg.norm(F, axis=0)
    if np.any(Fn == 0):
        raise ValueError("a true feature is the zero vector; it has no direction.")
    Dn = np.linalg.norm(D, axis=0)
    Dunit = np.divide(D, Dn, out=np.zeros_like(D), where=Dn > 0)
    return (F / Fn).T @ Dunit


def feature_recovery(true_features, decoder):
    """Best cosine similarity of each true feature with any decoder column.

    ``true_features`` (visible_size, n_features) and ``decoder`` = W2 (visible_size,
    hidden_size), one direction per column. Returns ``(best_cosine, best_unit)``, both of
    shape (n_features,): for true feature f, the largest cosine between f and a decoder
    column, and which column. 1 means the feature was found exactly; the mean over
    features is the "mean max cosine similarity" of Sharkey et al. (2022). It looks from
    the features only: a dictionary with a copy of every feature plus any amount of junk
    scores 1. :func:`latent_recovery` looks the other way.
    """
    cos = cosine_matrix(true_features, decoder)
    best_unit = np.argmax(cos, axis=1)
    return cos[np.arange(cos.shape[0]), best_unit], best_unit


def latent_recovery(true_features, decoder):
    """Best cosine of each decoder column with any true feature: the other direction.

    Returns ``(best_cosine, best_feature)``, both of shape (hidden_size,). A latent that
    matches no feature well (a mixture, or a direction nothing in the data uses) has a
    low best cosine; two latents with the same best feature are duplicates.
    """
    cos = cosine_matrix(true_features, decoder)
    best_feature = np.argmax(cos, axis=0)
    return cos[best_feature, np.arange(cos.shape[1])], best_feature


def one_to_one_matching(true_features, decoder):
    """The pairing of features with decoder columns, each used at most once, of largest total cosine.

    The assignment problem, solved exactly (Hungarian algorithm,
    :func:`scipy.optimize.linear_sum_assignment`). Returns ``(feature, latent, cosine)``,
    three arrays of length min(n_features, hidden_size). Unlike :func:`feature_recovery`,
    a latent cannot be counted for two features: a mixture of two features, which is
    the best latent of both, is credited once.
    """
    from scipy.optimize import linear_sum_assignment

    cos = cosine_matrix(true_features, decoder)
    feature, latent = linear_sum_assignment(cos, maximize=True)
    return feature, latent, cos[feature, latent]


def display_order(true_features, decoder):
    """An order of the decoder columns for drawing the cosine matrix: (hidden_size,) indices.

    First the latents of :func:`one_to_one_matching`, in the order of their features;
    then the unmatched latents, by their best feature. Any dictionary -- even a random one
    -- then shows its largest cosines on the diagonal: the ordering draws the diagonal,
    so what a picture can show is how *dark* it is, against the same picture for a
    random dictionary (:func:`random_dictionary_baseline`).
    """
    cos = cosine_matrix(true_features, decoder)
    feature, latent, _ = one_to_one_matching(true_features, decoder)
    matched = latent[np.argsort(feature)]
    rest = np.setdiff1d(np.arange(cos.shape[1]), matched)
    rest = rest[np.argsort(np.argmax(cos[:, rest], axis=0), kind="stable")]
    return np.concatenate([matched, rest]).astype(int)


class Recovery(NamedTuple):
    """Result of :func:`recovery`: how a dictionary matches known features, both ways.

    Feature -> latent: ``features_found`` (true features whose best latent has cosine >=
    threshold), ``mean_feature_cosine`` (the mean max cosine of Sharkey et al.).
    Latent -> feature, over the live latents: ``matched_latents`` (best cosine >=
    threshold), ``duplicates`` (matched latents whose feature already has a better-matching
    latent), ``junk`` (live latents matching no feature), ``mean_latent_cosine``.
    ``dead``: latents that never fire (0 when no codes were given).
    ``matched_cosine``: mean cosine of the :func:`one_to_one_matching`, per feature
    (a feature left without a latent counts 0).
    """

    features_found: int
    mean_feature_cosine: float
    matched_latents: int
    duplicates: int
    junk: int
    dead: int
    mean_latent_cosine: float
    matched_cosine: float


def recovery(true_features, decoder, codes=None, threshold=0.9):
    """Feature recovery measured both ways; returns a :class:`Recovery`.

    ``true_features`` (visible_size, n_features), ``decoder`` = W2 (visible_size,
    hidden_size); ``codes`` (hidden_size, m), optional, identify the dead latents (never
    nonzero), which are then left out of the latent -> feature counts. A latent or
    feature "matches" at cosine >= ``threshold`` (0.9, as in the notebook).
    """
    F = np.asarray(true_features, dtype=float)
    threshold = float(threshold)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a cosine in (0, 1], got {threshold!r}.")
    best_f, _ = feature_recovery(F, decoder)
    best_l, best_feature = latent_recovery(F, decoder)
    h = best_l.size
    if codes is None:
        alive = np.ones(h, dtype=bool)
    else:
        codes = _codes(codes)
        if codes.shape[0] != h:
            raise ValueError(f"codes has {codes.shape[0]} units but the decoder has {h} "
                             "columns; pass the codes and W2 of the same model.")
        alive = np.any(codes != 0, axis=1)
    matched = alive & (best_l >= threshold)
    distinct = np.unique(best_feature[matched]).size
    _, _, cos = one_to_one_matching(F, decoder)
    return Recovery(
        features_found=int(np.sum(best_f >= threshold)),
        mean_feature_cosine=float(best_f.mean()),
        matched_latents=int(matched.sum()),
        duplicates=int(matched.sum() - distinct),
        junk=int(np.sum(alive & ~matched)),
        dead=int(np.sum(~alive)),
        mean_latent_cosine=float(best_l[alive].mean()) if alive.any() else float("nan"),
        matched_cosine=float(cos.sum() / F.shape[1]),
    )


class RandomBaseline(NamedTuple):
    """Result of :func:`random_dictionary_baseline`.

    best_cosine (n_draws, n_features): each feature's best cosine with each random
    dictionary; mean_best_cosine (n_draws,) and features_found (n_draws,) per dictionary.
    """

    best_cosine: np.ndarray
    mean_best_cosine: np.ndarray
    features_found: np.ndarray


def random_dictionary_baseline(true_features, hidden_size, n_draws=100, rng=None,
                               threshold=0.9):
    """What recovery scores a dictionary of random directions gets: the chance level.

    Draws ``n_draws`` decoders of ``hidden_size`` Gaussian columns (random directions in
    visible_size dimensions) and scores each with :func:`feature_recovery`. In 16
    dimensions a random direction is far from orthogonal to everything: the best of 48
    random cosines is already large, so a mean best cosine must be compared with this
    baseline before it means anything. ``rng`` seeds the draws -- use another seed than
    the one that drew the true features (:func:`make_superposition_data` draws them as
    Gaussian columns too, so the same seed would make the first random dictionary the
    features themselves). Returns a :class:`RandomBaseline`.
    """
    F = np.asarray(true_features, dtype=float)
    hidden_size = _positive_int(hidden_size, "hidden_size")
    n_draws = _positive_int(n_draws, "n_draws")
    rng = np.random.default_rng(rng)
    best = np.empty((n_draws, F.shape[1]))
    for d in range(n_draws):
        best[d] = feature_recovery(F, rng.standard_normal((F.shape[0], hidden_size)))[0]
    return RandomBaseline(best, best.mean(axis=1), np.sum(best >= threshold, axis=1))


class Shrinkage(NamedTuple):
    """Result of :func:`coefficient_shrinkage`.

    ratio: sum of coded coefficients / sum of true coefficients, over the pairs where the
    matched unit fired (1: codes as large as the truth; below 1: shrinkage);
    fired_fraction: fraction of the (feature, example) pairs where it fired at all;
    true_coefficient, coded_coefficient, feature: one entry per (feature, example) pair
    with the feature present (coded 0 where the unit did not fire), for scatter plots.
    """

    ratio: float
    fired_fraction: float
    true_coefficient: np.ndarray
    coded_coefficient: np.ndarray
    feature: np.ndarray


def coefficient_shrinkage(true_features, true_coefficients, codes, decoder, *,
                          min_cosine=0.9):
    """How much of each true feature's coefficient its matched unit puts back.

    For each true feature f that some decoder column matches with cosine >= min_cosine
    (its best unit j from :func:`feature_recovery`), and each example i where f is
    present, the *coded coefficient* is a2_ji (f . W2[:, j]) with f of unit length: the
    amount of direction f that unit j adds to the reconstruction. Measuring along f,
    rather than a2 alone, corrects for the length of the decoder column, so models that
    split the product a2 W2 differently are compared fairly.

    Two questions are kept apart: *does* the unit fire when its feature is present
    (``fired_fraction``), and when it fires, is its code as large as the truth
    (``ratio``, below 1 for shrinkage -- what an L1 penalty does)?

    true_features (visible_size, n_features), true_coefficients (n_features, m), codes
    (hidden_size, m), decoder = W2 (visible_size, hidden_size). Returns a
    :class:`Shrinkage` (ratio and fired_fraction are nan if no feature is matched).
    """
    F = np.asarray(true_features, dtype=float)
    C = np.asarray(true_coefficients, dtype=float)
    A = _codes(codes)
    D = np.asarray(decoder, dtype=float)
    best_cos, best_unit = feature_recovery(F, D)
    if C.shape != (F.shape[1], A.shape[1]):
        raise ValueError(f"true_coefficients must have shape (n_features, m) = "
                         f"{(F.shape[1], A.shape[1])}, got {C.shape}.")
    if A.shape[0] != D.shape[1]:
        raise ValueError(f"codes has {A.shape[0]} units but the decoder has {D.shape[1]} "
                         "columns; pass the codes and W2 of the same model.")
    Fu = F / np.linalg.norm(F, axis=0)
    trues, coded, feats = [np.empty(0)], [np.empty(0)], [np.empty(0, dtype=int)]
    for f in np.flatnonzero(best_cos >= min_cosine):
        j = best_unit[f]
        on = C[f] > 0
        trues.append(C[f, on])
        coded.append(A[j, on] * (Fu[:, f] @ D[:, j]))
        feats.append(np.full(int(on.sum()), f))
    trues, coded, feats = np.concatenate(trues), np.concatenate(coded), np.concatenate(feats)
    fired = coded != 0
    if trues.size == 0:
        return Shrinkage(float("nan"), float("nan"), trues, coded, feats)
    ratio = float(coded[fired].sum() / trues[fired].sum()) if fired.any() else float("nan")
    return Shrinkage(ratio, float(fired.mean()), trues, coded, feats)


def l1_optimal_code(x, dictionary, beta, n_iter=500):
    """The best nonnegative L1 code for fixed decoder directions, by projected ISTA.

    Minimises 1/2 ||x - D a||^2 + beta sum_j a_j over a >= 0, for x (visible_size, m) and
    D = ``dictionary`` (visible_size, n_atoms); returns a (n_atoms, m). Each iteration
    is a gradient step on the squared error followed by the proximal step of the
    penalty, a <- max(0, a - t (D^T (D a - x) + beta)) with t = 1 / ||D||_2^2 (ISTA,
    Daubechies et al. 2004). For an orthonormal D the answer is immediate:
    a = max(0, D^T x - beta), "soft thresholding" -- every coefficient that survives is
    beta smaller than the truth. That is the shrinkage the L1 penalty builds in, whatever
    the encoder.
    """
    x = np.asarray(x, dtype=float)
    D = np.asarray(dictionary, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if D.ndim != 2 or x.ndim != 2 or D.shape[0] != x.shape[0]:
        raise ValueError(f"x (visible_size, m) and dictionary (visible_size, n_atoms) must "
                         f"have the same number of rows; got {x.shape} and {D.shape}.")
    beta = _finite_nonneg(beta, "beta (L1 weight)")
    n_iter = _positive_int(n_iter, "n_iter")
    t = 1.0 / np.linalg.norm(D, 2) ** 2
    a = np.zeros((D.shape[1], x.shape[1]))
    DtX = D.T @ x
    DtD = D.T @ D
    with one_blas_thread():                  # many small products: one BLAS thread is faster
        for _ in range(n_iter):
            a = np.maximum(a - t * (DtD @ a - DtX + beta), 0.0)
    return a
