"""Checkers of notebook 01 (autoencoders): the PCA reconstruction, the forward pass
without loops, and the quiz on what a linear autoencoder learns.
"""

from __future__ import annotations

import numpy as np

from .feedback import Feedback, as_array, call_learner, diagnose, unchanged

__all__ = [
    "check_autoencoder_forward",
    "check_pca_autoencoder_quiz",
    "check_pca_reconstruct",
]


def _call(fb, fn, *args):
    """call_learner, plus a hint on shapes when the learner's forward pass raised for one."""
    ok, value = call_learner(fb, fn, *args)
    if not ok and fb.problems and "could not be broadcast" in fb.problems[-1]:
        fb.fail("a bias vector has shape (units,), one value per unit (row); to add it to "
                "every column (example) of a matrix, write b1[:, None] (or b1.reshape(-1, 1))")
    elif not ok and fb.problems and "mismatch in its core dimension" in fb.problems[-1]:
        fb.fail("a matrix product has mismatched shapes: W1 (hidden_size, n) @ X (n, m) "
                "gives z2 (hidden_size, m); W2 (n, hidden_size) @ a2 (hidden_size, m) gives "
                "z3 (n, m) -- no transposes needed")
    return ok, value


def _top_components(X_train, k, centre=True, largest=True):
    """The k principal directions (columns) of X_train, by the eigenvalues of its covariance
    (of its second-moment matrix if centre=False); the smallest k if largest=False."""
    Xc = X_train - X_train.mean(axis=1, keepdims=True) if centre else X_train
    evals, vecs = np.linalg.eigh(Xc @ Xc.T / X_train.shape[1])   # ascending order
    return vecs[:, ::-1][:, :k] if largest else vecs[:, :k]


def _pca_case(seed, n, m_train, m):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n, n)))
    scales = np.linspace(0.3, 0.02, n)                           # distinct variances
    offset = rng.uniform(0.3, 0.7, size=(n, 1))                  # a mean far from 0
    X_train = offset + basis @ (scales[:, None] * rng.normal(size=(n, m_train)))
    X = offset + 0.05 + basis @ (scales[:, None] * rng.normal(size=(n, m)))
    return X_train, X


def check_pca_reconstruct(pca_reconstruct):
    """Check ``pca_reconstruct(X_train, X, k)``: X rebuilt from its projection on the k
    principal components of X_train.

    Expected: ``x_bar + P @ P.T @ (X - x_bar)``, with ``x_bar`` the mean of X_train's
    columns (one value per pixel) and ``P`` (n, k) the eigenvectors of X_train's covariance
    with the k largest eigenvalues. Names the common mistakes: the smallest components
    (``np.linalg.eigh`` sorts eigenvalues in ascending order), no centring, the mean not
    added back, X's own mean, each example's mean, PCA fitted on X, the code instead of
    the reconstruction.
    """
    fb = Feedback("pca_reconstruct")
    cases = [(41, 6, 60, 7, 2, "6 pixels, k = 2 components"),
             (42, 5, 40, 9, 3, "5 pixels, k = 3 components"),
             (43, 4, 30, 5, 0, "k = 0 components (only the mean is left)"),
             (44, 4, 30, 5, 4, "k = n = 4 components (nothing is lost)")]
    for seed, n, m_train, m, k, what in cases:
        X_train, X = _pca_case(seed, n, m_train, m)
        args = (X_train.copy(), X.copy())
        ok, value = call_learner(fb, pca_reconstruct, *args, k)
        if not ok or not unchanged(fb, (X_train, X), args, ("X_train", "X"), what):
            break
        got = as_array(fb, value, what, finite=True)
        if got is None:
            break
        x_bar = X_train.mean(axis=1, keepdims=True)
        P = _top_components(X_train, k)
        expected = x_bar + P @ (P.T @ (X - x_bar))
        Ps = _top_components(X_train, k, largest=False)
        Pu = _top_components(X_train, k, centre=False)
        x_own = X.mean(axis=1, keepdims=True)
        Xr = X_train - X_train.mean(axis=0)                      # each example centred
        Pr = _top_components(Xr, k, centre=False)
        Pf = _top_components(X, k) if k <= m else None
        candidates = [
            (x_bar + Ps @ (Ps.T @ (X - x_bar)),
             "you kept the k components with the SMALLEST variance: np.linalg.eigh returns "
             "eigenvalues in ascending order, so take its last k eigenvectors (or sort in "
             "descending order)"),
            (Pu @ (Pu.T @ X), "the data are not centred: subtract the training mean x_bar "
                              "(one value per pixel) before computing the covariance and "
                              "projecting, then add it back"),
            (P @ (P.T @ X), "project X - x_bar, not X, and add x_bar back: "
                            "x_bar + P @ P.T @ (X - x_bar)"),
            (P @ (P.T @ (X - x_bar)), "you forgot to add the mean back: "
                                      "x_bar + P @ P.T @ (X - x_bar)"),
            (x_own + P @ (P.T @ (X - x_own)),
             "you centred X with its own mean; use the mean of X_train, the one PCA was "
             "fitted with (X may be a handful of new patches)"),
            (X.mean(axis=0) + Pr @ (Pr.T @ (X - X.mean(axis=0))),
             "you subtracted each example's (column's) mean; PCA centres each pixel (row): "
             "X_train.mean(axis=1, keepdims=True)"),
            (Pr @ (Pr.T @ (X - X.mean(axis=0))) + X.mean(axis=0),
             "you subtracted each example's (column's) mean; PCA centres each pixel (row): "
             "X_train.mean(axis=1, keepdims=True)"),
        ]
        if got.shape == (k, m) and k != n:
            fb.fail(f"{what}: shape ({k}, {m}): those are the k coefficients of each example "
                    "(its code, P.T @ (X - x_bar)); map them back to pixels: x_bar + P @ code")
            break
        if Pf is not None:
            xf = X.mean(axis=1, keepdims=True)
            candidates.append((xf + Pf @ (Pf.T @ (X - xf)),
                               "you fitted PCA on X; fit it (mean and components) on X_train "
                               "and apply it to X"))
        if diagnose(fb, got, expected, candidates, what) != "right":
            break
    return fb.report()


def _forward_case(seed, n, h, m):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.7, size=(h, n)), rng.normal(0, 0.5, size=h),
            rng.normal(0, 0.7, size=(n, h)), rng.normal(0, 0.5, size=n),
            rng.uniform(0.1, 0.9, size=(n, m)))


def check_autoencoder_forward(autoencoder_forward):
    """Check ``autoencoder_forward(W1, b1, W2, b2, X)`` returns the reconstruction a3.

    a2 = f(W1 X + b1), a3 = f(W2 a2 + b2) with the sigmoid f, computed for all m examples
    (the columns of X) at once; the result has the shape of X. Names the common mistakes:
    a missing sigmoid, a missing or sideways bias, the hidden activations returned instead,
    a transposed result.
    """
    from ..objective import forward, sigmoid

    fb = Feedback("autoencoder_forward")
    cases = [(21, 6, 4, 5, "6 inputs, 4 hidden units, m = 5 examples"),
             (22, 4, 4, 4, "4 inputs, 4 hidden units, m = 4 examples (square matrices)"),
             (23, 5, 3, 1, "one example: X of shape (5, 1)")]
    for seed, n, h, m, what in cases:
        W1, b1, W2, b2, X = _forward_case(seed, n, h, m)
        originals = (W1, b1, W2, b2, X)
        args = tuple(a.copy() for a in originals)
        ok, value = _call(fb, autoencoder_forward, *args)
        if not ok or not unchanged(fb, originals, args, ("W1", "b1", "W2", "b2", "X"),
                                        what):
            break
        if isinstance(value, tuple) and len(value) == 4:
            fb.fail(f"{what}: you returned a tuple of 4 arrays (like sae_lib.forward); return "
                    "only the output a3")
            break
        got = as_array(fb, value, what, finite=True)
        if got is None:
            break
        z2, a2, z3, a3 = forward(W1, b1, W2, b2, X)
        z2_rows = W1 @ X + b1[None, :] if m == h else None
        z3_rows = (lambda a: W2 @ a + b2[None, :]) if m == n else None
        candidates = [
            (z3, "the output is W2 a2 + b2 without the sigmoid: the output layer applies "
                 "f too, a3 = f(z3)"),
            (a2, "that is a2, the hidden layer's activations; return the output "
                 "a3 = f(W2 a2 + b2)"),
            (z2, "that is z2 = W1 X + b1; continue through the sigmoid and the second layer"),
            (sigmoid(W2 @ z2 + b2[:, None]), "the hidden layer is missing its sigmoid: "
                                             "a2 = f(W1 X + b1)"),
            (sigmoid(W2 @ sigmoid(W1 @ X) + b2[:, None]), "b1 is missing: z2 = W1 X + b1"),
            (sigmoid(W2 @ a2), "b2 is missing: z3 = W2 a2 + b2"),
            (sigmoid(W2 @ sigmoid(W1 @ X)), "both biases are missing: z2 = W1 X + b1 and "
                                            "z3 = W2 a2 + b2"),
            (a3.T, f"the result is transposed: return shape (n, m) = {X.shape}, one "
                   "reconstruction per column like X"),
        ]
        if z2_rows is not None:
            candidates.append((sigmoid(W2 @ sigmoid(z2_rows) + b2[:, None]),
                               "b1 was added along the wrong axis (to each column j the "
                               "value b1[j]); each unit (row) gets its own bias: "
                               "W1 @ X + b1[:, None]"))
        if z3_rows is not None:
            candidates.append((sigmoid(z3_rows(a2)),
                               "b2 was added along the wrong axis (to each column j the "
                               "value b2[j]); each output unit (row) gets its own bias: "
                               "W2 @ a2 + b2[:, None]"))
        if diagnose(fb, got, a3, candidates, what) != "right":
            break
    return fb.report()


#: The quiz of notebook 01: question -> (right option, {option: explanation}).
PCA_AUTOENCODER_QUIZ = {
    "a": (2, {
        1: "no linear map that passes through 50 numbers can beat PCA with 50 components: "
           "PCA's reconstruction is the best rank-50 approximation of the centred data "
           "(the Eckart-Young theorem)",
        3: "trained to its minimum, the linear autoencoder reaches PCA's error exactly -- "
           "gradient descent above approached the PCA line and never crossed it",
    }),
    "b": (1, {
        2: "the network computes W2 A^-1 A W1 x = W2 W1 x: the product, and so every "
           "reconstruction, is unchanged",
        3: "the network computes W2 A^-1 A W1 x = W2 W1 x: the product, and so every "
           "reconstruction, is unchanged",
    }),
    "c": (3, {
        1: "with 100 hidden units the network can pass all 100 numbers through: W2 W1 = I "
           "(the identity) reconstructs every patch exactly",
        2: "with 100 hidden units the network can pass all 100 numbers through: W2 W1 = I "
           "(the identity) reconstructs every patch exactly",
    }),
    "d": (3, {
        1: "on the shuffled patches every direction has about the same variance, so "
           "50 of 100 components keep only about half of it; 0.05 is what the natural "
           "patches allow",
        2: "on the shuffled patches every direction has about the same variance, so "
           "50 of 100 components keep only about half of it",
        4: "PCA keeps the 50 directions of largest variance; even when all are equal that "
           "is half of the variance, so about 0.5 remains, not 0.9",
    }),
}


def check_pca_autoencoder_quiz(answers):
    """Check the answers to notebook 01's quiz on PCA and linear autoencoders.

    ``answers`` is a dict mapping "a", "b", "c", "d" to the number of the chosen option.
    Each wrong answer is explained.
    """
    fb = Feedback("PCA and autoencoder quiz")
    if not isinstance(answers, dict):
        fb.fail(f"answers must be a dict like {{'a': 1, 'b': 2, ...}}, not "
                f"{type(answers).__name__}")
        return fb.report()
    unanswered = []
    right = 0
    for q, (correct, why) in PCA_AUTOENCODER_QUIZ.items():
        given = answers.get(q)
        if given is None:
            unanswered.append(q)
            continue
        try:
            given_int = int(given)
            valid = given_int == given
        except (TypeError, ValueError):
            valid = False
        if not valid:
            fb.fail(f"question {q}: answer with the number of an option, not {given!r}")
        elif given_int == correct:
            right += 1
        elif given_int in why:
            explanation = why[given_int]
            fb.fail(f"question {q}: not {given_int}. {explanation[0].upper()}{explanation[1:]}.")
        else:
            fb.fail(f"question {q}: there is no option {given_int}")
    if unanswered:
        fb.fail(f"not answered yet: question{'s' if len(unanswered) > 1 else ''} "
                f"{', '.join(unanswered)} (replace None by the number of your choice)")
    ok = fb.report()
    if ok:
        print("  The linear autoencoder finds PCA's subspace but not its axes, and with "
              "enough hidden units it can simply copy its input -- which is why notebook 02 "
              "adds a sparsity constraint.")
    elif right:
        print(f"  {right} of {len(PCA_AUTOENCODER_QUIZ)} right so far.")
    return ok


__all__ += ["PCA_AUTOENCODER_QUIZ"]
