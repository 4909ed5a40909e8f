"""Checkers for the exercises in the notebooks.

Each ``check_*`` function runs a learner's function on cases whose answers are known and
prints what exactly is wrong (or that all is right). It returns True when every case
passes, False otherwise -- and never raises because the learner's code is wrong or not
written yet, so a notebook still runs top to bottom with an unfinished exercise.

Sections below are per notebook; each notebook's exercises use only its own checkers.
"""

from __future__ import annotations

import traceback

import numpy as np

__all__ = ["Feedback"]


class Feedback:
    """Collects the findings of one check and prints them as a short report.

    >>> fb = Feedback("kl_divergence")
    >>> fb.fail("at rho_hat = rho the penalty must be 0, yours is 0.12")
    >>> fb.report()   # prints the title, each finding, and a verdict; returns False
    """

    def __init__(self, name):
        self.name = name
        self.problems = []

    def fail(self, message):
        self.problems.append(message)

    def expect_close(self, got, expected, what, rtol=1e-7, atol=1e-10):
        """Record a problem unless ``got`` matches ``expected`` (shape, then values)."""
        got_arr = np.asarray(got, dtype=float) if got is not None else None
        expected = np.asarray(expected, dtype=float)
        if got_arr is None:
            self.fail(f"{what}: your function returned None (did you forget `return`?)")
            return False
        if got_arr.shape != expected.shape:
            self.fail(f"{what}: expected shape {expected.shape}, yours has shape {got_arr.shape}")
            return False
        if not np.allclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=False):
            err = np.max(np.abs(got_arr - expected))
            if expected.size == 1:
                self.fail(f"{what}: expected {expected.item():.6g}, yours is {got_arr.item():.6g}")
            else:
                self.fail(f"{what}: largest difference from the expected values is {err:.3g}")
            return False
        return True

    def report(self):
        if not self.problems:
            print(f"✓ {self.name}: all checks passed.")
            return True
        print(f"✗ {self.name}: {len(self.problems)} problem(s):")
        for p in self.problems:
            print(f"  - {p}")
        return False


def call_learner(fb, fn, *args, **kwargs):
    """Call the learner's ``fn``; record NotImplementedError or an exception as a finding.

    Returns ``(ok, value)``.
    """
    try:
        return True, fn(*args, **kwargs)
    except NotImplementedError:
        fb.fail("not implemented yet: replace the `raise NotImplementedError` line with "
                "your code")
    except Exception as exc:  # the learner's bug, reported instead of raised
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        fb.fail(f"your function raised {type(exc).__name__}: {exc} "
                f"(line {tb.lineno}: `{(tb.line or '').strip()}`)")
    return False, None


# === 01 Autoencoders ====================================================================
# Checkers of notebook 01's exercises. Private helpers carry the prefix _n01_ (section 02
# uses them too); the diagnosis compares the learner's result with the right answer and
# with what each common mistake would return, and names the mistake that matches.
__all__ += [
    "check_autoencoder_forward",
    "check_pca_autoencoder_quiz",
    "check_pca_reconstruct",
]


def _n01_same(got, candidate, rtol=1e-7, atol=1e-12):
    candidate = np.asarray(candidate, dtype=float)
    return (got.shape == candidate.shape
            and bool(np.allclose(got, candidate, rtol=rtol, atol=atol)))


def _n01_as_array(fb, value, what):
    """The learner's return value as a float array, or None (recorded) if it is not one."""
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    if isinstance(value, tuple):
        fb.fail(f"{what}: your function returned a tuple of {len(value)} values; return a "
                "single array (or number)")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: your function returned {type(value).__name__}, not numbers")
        return None
    if not np.all(np.isfinite(arr)):
        fb.fail(f"{what}: your result contains NaN or infinite values")
        return None
    return arr


def _n01_diagnose(fb, got, expected, candidates, what):
    """True if got equals expected; else record the first matching candidate's message
    (or a generic one that says where the values differ) and return False."""
    expected = np.asarray(expected, dtype=float)
    if _n01_same(got, expected):
        return True
    for value, message in candidates:
        if value is not None and _n01_same(got, value):
            fb.fail(f"{what}: {message}")
            return False
    if got.shape != expected.shape:
        fb.fail(f"{what}: expected shape {expected.shape}, yours has shape {got.shape}")
        return False
    if expected.ndim == 0:
        fb.fail(f"{what}: expected {float(expected):.6g}, yours is {float(got):.6g} (none of "
                "the common mistakes matches; compare your code with the formula term by "
                "term)")
    else:
        idx = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
        fb.fail(f"{what}: wrong values, e.g. at index {idx if len(idx) > 1 else idx[0]} "
                f"expected {expected[idx]:.6g}, yours is {got[idx]:.6g} (none of the common "
                "mistakes matches; compare your code with the formula term by term)")
    return False


def _n01_call(fb, fn, *args):
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


def _n01_unchanged(fb, originals, given, names, what):
    for name, orig, arg in zip(names, originals, given):
        if not np.array_equal(orig, arg):
            fb.fail(f"{what}: your function changed its argument {name} in place; compute "
                    "new arrays instead (e.g. `d = X_hat - X`, not `X_hat -= X`)")
            return False
    return True


def _n01_top_components(X_train, k, centre=True, largest=True):
    """The k principal directions (columns) of X_train, by the eigenvalues of its covariance
    (of its second-moment matrix if centre=False); the smallest k if largest=False."""
    Xc = X_train - X_train.mean(axis=1, keepdims=True) if centre else X_train
    evals, vecs = np.linalg.eigh(Xc @ Xc.T / X_train.shape[1])   # ascending order
    return vecs[:, ::-1][:, :k] if largest else vecs[:, :k]


def _n01_pca_case(seed, n, m_train, m):
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
        X_train, X = _n01_pca_case(seed, n, m_train, m)
        args = (X_train.copy(), X.copy())
        ok, value = call_learner(fb, pca_reconstruct, *args, k)
        if not ok or not _n01_unchanged(fb, (X_train, X), args, ("X_train", "X"), what):
            break
        got = _n01_as_array(fb, value, what)
        if got is None:
            break
        x_bar = X_train.mean(axis=1, keepdims=True)
        P = _n01_top_components(X_train, k)
        expected = x_bar + P @ (P.T @ (X - x_bar))
        Ps = _n01_top_components(X_train, k, largest=False)
        Pu = _n01_top_components(X_train, k, centre=False)
        x_own = X.mean(axis=1, keepdims=True)
        Xr = X_train - X_train.mean(axis=0)                      # each example centred
        Pr = _n01_top_components(Xr, k, centre=False)
        Pf = _n01_top_components(X, k) if k <= m else None
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
        if not _n01_diagnose(fb, got, expected, candidates, what):
            break
    return fb.report()


def _n01_forward_case(seed, n, h, m):
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
    from .objective import forward, sigmoid

    fb = Feedback("autoencoder_forward")
    cases = [(21, 6, 4, 5, "6 inputs, 4 hidden units, m = 5 examples"),
             (22, 4, 4, 4, "4 inputs, 4 hidden units, m = 4 examples (square matrices)"),
             (23, 5, 3, 1, "one example: X of shape (5, 1)")]
    for seed, n, h, m, what in cases:
        W1, b1, W2, b2, X = _n01_forward_case(seed, n, h, m)
        originals = (W1, b1, W2, b2, X)
        args = tuple(a.copy() for a in originals)
        ok, value = _n01_call(fb, autoencoder_forward, *args)
        if not ok or not _n01_unchanged(fb, originals, args, ("W1", "b1", "W2", "b2", "X"),
                                        what):
            break
        if isinstance(value, tuple) and len(value) == 4:
            fb.fail(f"{what}: you returned a tuple of 4 arrays (like sae_lib.forward); return "
                    "only the output a3")
            break
        got = _n01_as_array(fb, value, what)
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
        if not _n01_diagnose(fb, got, a3, candidates, what):
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
# === end 01 =============================================================================

# === 02 Sparsity and the KL penalty =====================================================
# Checkers of notebook 02's exercises (helpers _n01_* come from section 01).
__all__ += [
    "check_rho_hat",
    "check_kl_divergence",
    "check_kl_divergence_prime",
]


def check_rho_hat(rho_hat):
    """Check ``rho_hat(a2)``: each hidden unit's average activation over the examples.

    ``a2`` has shape (hidden_size, m): one row per hidden unit, one column per example.
    The answer is ``a2.mean(axis=1)``, shape (hidden_size,). Names the common mistakes:
    averaging over the units instead of the examples (axis error), a sum instead of an
    average, one number for all units, a column instead of a vector.
    """
    fb = Feedback("rho_hat")
    rng = np.random.default_rng(31)
    cases = [("a2 of shape (3, 8): 3 hidden units, m = 8 examples",
              rng.uniform(0.0, 1.0, size=(3, 8))),
             ("a2 of shape (4, 4): 4 hidden units, m = 4 examples",
              rng.uniform(0.0, 1.0, size=(4, 4)) * np.array([0.1, 0.4, 0.7, 1.0])[:, None]),
             ("one hidden unit, a2 of shape (1, 5)", np.array([[0.1, 0.2, 0.9, 0.4, 0.0]]))]
    for what, a2 in cases:
        arg = a2.copy()
        ok, value = call_learner(fb, rho_hat, arg)
        if not ok or not _n01_unchanged(fb, (a2,), (arg,), ("a2",), what):
            break
        got = _n01_as_array(fb, value, what)
        if got is None:
            break
        h, m = a2.shape
        expected = a2.mean(axis=1)
        axis_message = (f"you averaged over the hidden units (axis=0) instead of over the "
                        f"examples: rho_hat has one entry per hidden unit ({h} here), each "
                        f"the average of that unit's row over the m = {m} examples -- "
                        "a2.mean(axis=1)")
        candidates = [
            (a2.mean(axis=0), axis_message),
            (a2.sum(axis=0), axis_message + " (and divide by m)"),
            (a2.sum(axis=1), f"m = {m} times too large: you summed each unit's activations; "
                             "divide by m to average"),
            (a2.sum(axis=1) / h, f"you divided each unit's sum by the number of hidden units "
                                 f"({h}) instead of the number of examples (m = {m})"),
            (a2.mean(axis=1, keepdims=True), f"shape ({h}, 1): return a plain vector of "
                                             f"shape ({h},) (drop keepdims)"),
            (a2.mean(), "you returned one number, the mean over all units and examples; "
                        f"rho_hat has one value per hidden unit, shape ({h},)"),
        ]
        if not _n01_diagnose(fb, got, expected, candidates, what):
            break
    return fb.report()


def _n02_kl(rho, rho_hat):
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def _n02_kl_prime(rho, rho_hat):
    return -rho / rho_hat + (1 - rho) / (1 - rho_hat)


_N02_MATH_LOG_HINT = ("use np.log, which works on whole arrays elementwise; math.log "
                      "takes a single number")


def _n02_math_hint(fb):
    if fb.problems and ("only length-1 arrays" in fb.problems[-1]
                        or "only 0-dimensional" in fb.problems[-1]
                        or "must be real number" in fb.problems[-1]):
        fb.fail(_N02_MATH_LOG_HINT)


def check_kl_divergence(kl_divergence):
    """Check ``kl_divergence(rho, rho_hat)`` = rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat)).

    ``rho`` is the target (a number), ``rho_hat`` a number or an array (one value per
    hidden unit); the result has the shape of ``rho_hat`` (elementwise, no sum). Names the
    common mistakes: a nonzero value at rho_hat = rho, the arguments swapped -- KL(rho_hat
    || rho) --, a flipped sign, a missing or mis-signed second term, log base 10 or 2, a
    sum over the units, the L1 or squared penalty.
    """
    fb = Feedback("kl_divergence")
    cases = [("at rho_hat = rho = 0.2", 0.2, 0.2),
             ("rho = 0.2, rho_hat = 0.05", 0.2, 0.05),
             ("rho = 0.05, rho_hat = [0.01, 0.05, 0.2, 0.5, 0.9] (a vector: one value per "
              "unit)", 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.9])),
             ("rho = 0.3, rho_hat = 0.8", 0.3, 0.8)]
    for what, rho, rho_hat in cases:
        arg = np.copy(rho_hat) if isinstance(rho_hat, np.ndarray) else rho_hat
        ok, value = call_learner(fb, kl_divergence, rho, arg)
        if not ok:
            _n02_math_hint(fb)
            break
        if isinstance(rho_hat, np.ndarray) and not _n01_unchanged(fb, (rho_hat,), (arg,),
                                                                   ("rho_hat",), what):
            break
        got = _n01_as_array(fb, value, what)
        if got is None:
            break
        expected = _n02_kl(rho, rho_hat)
        if what.startswith("at rho_hat = rho"):
            if got.size == 1 and abs(float(got.ravel()[0])) > 1e-12:
                fb.fail(f"at rho_hat = rho the penalty must be 0 (a unit exactly on target "
                        f"pays nothing), yours is {float(got.ravel()[0]):.4g}")
                continue  # the next cases name the mistake
            if _n01_diagnose(fb, got, expected, [], what):
                continue
            break
        first = rho * np.log(rho / rho_hat)
        second = (1 - rho) * np.log((1 - rho) / (1 - rho_hat))
        swapped = _n02_kl(rho_hat, rho)
        candidates = [
            (swapped, "you computed KL(rho_hat || rho): the arguments are swapped. The target "
                      "rho weighs the logarithms and sits in the numerators: "
                      "rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat))"),
            (-expected, "the sign is flipped (a KL divergence is never negative): it is "
                        "log(rho/rho_hat), not log(rho_hat/rho), and the same in the "
                        "second term"),
            (-swapped, "the arguments are swapped and the sign is flipped: write "
                       "rho log(rho/rho_hat) + (1-rho) log((1-rho)/(1-rho_hat))"),
            (first, "only the first term: (1-rho) log((1-rho)/(1-rho_hat)) is missing. KL "
                    "between two Bernoulli distributions sums over both outcomes, "
                    "active (probability rho) and inactive (1-rho)"),
            (second, "only the second term: rho log(rho/rho_hat) is missing"),
            (first - second, "the second term has the wrong sign: both terms are added"),
            (first + np.log((1 - rho) / (1 - rho_hat)), "the second logarithm lacks its "
                                                        "weight (1-rho)"),
            (np.log(rho / rho_hat) + second, "the first logarithm lacks its weight rho"),
            (expected / np.log(10), "you used log base 10 (np.log10); the penalty uses the "
                                    "natural logarithm, np.log"),
            (expected / np.log(2), "you used log base 2 (np.log2); the penalty uses the "
                                   "natural logarithm, np.log"),
            (np.abs(rho - rho_hat), "that is the L1 penalty |rho - rho_hat|, not KL"),
            ((rho - rho_hat) ** 2, "that is the squared penalty (rho - rho_hat)^2, not KL"),
        ]
        if isinstance(rho_hat, np.ndarray):
            candidates.append((expected.sum(), "you returned one number, the sum over the "
                                               "units; return one value per entry of rho_hat "
                                               "(the sum over j belongs to the cost)"))
            candidates.append((expected.mean(), "you returned one number, the mean over the "
                                                "units; return one value per entry of "
                                                "rho_hat"))
        if not _n01_diagnose(fb, got, expected, candidates, what):
            break
    return fb.report()


def check_kl_divergence_prime(kl_divergence_prime):
    """Check ``kl_divergence_prime(rho, rho_hat)`` = -rho/rho_hat + (1-rho)/(1-rho_hat).

    The derivative of KL(rho || rho_hat) with respect to rho_hat, elementwise (shape of
    ``rho_hat``). Besides the formula, each case is compared with a central finite
    difference of KL, so the message can say what the slope really is. Names the common
    mistakes: a flipped sign, swapped denominators, a missing term, the derivative with
    respect to rho instead, squared denominators, KL itself instead of its slope.
    """
    fb = Feedback("kl_divergence_prime")
    cases = [("at rho_hat = rho = 0.2", 0.2, 0.2),
             ("rho = 0.2, rho_hat = 0.05", 0.2, 0.05),
             ("rho = 0.05, rho_hat = [0.01, 0.05, 0.2, 0.5, 0.9] (a vector: one value per "
              "unit)", 0.05, np.array([0.01, 0.05, 0.2, 0.5, 0.9])),
             ("rho = 0.3, rho_hat = 0.8", 0.3, 0.8)]
    eps = 1e-6
    for what, rho, rho_hat in cases:
        arg = np.copy(rho_hat) if isinstance(rho_hat, np.ndarray) else rho_hat
        ok, value = call_learner(fb, kl_divergence_prime, rho, arg)
        if not ok:
            _n02_math_hint(fb)
            break
        if isinstance(rho_hat, np.ndarray) and not _n01_unchanged(fb, (rho_hat,), (arg,),
                                                                   ("rho_hat",), what):
            break
        got = _n01_as_array(fb, value, what)
        if got is None:
            break
        expected = _n02_kl_prime(rho, rho_hat)
        if what.startswith("at rho_hat = rho"):
            if got.size == 1 and abs(float(got.ravel()[0])) > 1e-12:
                fb.fail(f"at rho_hat = rho the slope must be 0 (the penalty is at its "
                        f"minimum there), yours is {float(got.ravel()[0]):.4g}")
                continue
            if _n01_diagnose(fb, got, expected, [], what):
                continue
            break
        candidates = [
            (-expected, "the sign is flipped: the slope is negative below the target (raising "
                        "rho_hat lowers the penalty) -- it is -rho/rho_hat + "
                        "(1-rho)/(1-rho_hat)"),
            (-rho / (1 - rho_hat) + (1 - rho) / rho_hat,
             "the denominators are swapped: -rho/rho_hat + (1-rho)/(1-rho_hat)"),
            (-rho_hat / rho + (1 - rho_hat) / (1 - rho),
             "rho and rho_hat are swapped: the target rho is in the numerators"),
            (-rho / rho_hat, "only the first term; + (1-rho)/(1-rho_hat), the derivative of "
                             "the second logarithm, is missing"),
            ((1 - rho) / (1 - rho_hat), "only the second term; -rho/rho_hat, the derivative "
                                        "of the first logarithm, is missing"),
            (-rho / rho_hat - (1 - rho) / (1 - rho_hat),
             "the second term has the wrong sign: d/d(rho_hat) of -(1-rho) log(1-rho_hat) is "
             "+(1-rho)/(1-rho_hat) (the chain rule gives a factor -1 from 1-rho_hat)"),
            (-rho / rho_hat ** 2 + (1 - rho) / (1 - rho_hat) ** 2,
             "the denominators are squared: d/dx log(x) = 1/x, so -rho/rho_hat + "
             "(1-rho)/(1-rho_hat)"),
            (np.log(rho / rho_hat) - np.log((1 - rho) / (1 - rho_hat)),
             "that is the derivative with respect to rho, the target; backpropagation needs "
             "the derivative with respect to rho_hat"),
            (_n02_kl(rho, rho_hat), "that is KL itself; return its derivative with respect "
                                    "to rho_hat"),
        ]
        if isinstance(rho_hat, np.ndarray):
            candidates.append((expected.sum(), "you returned one number, the sum over the "
                                               "units; return one value per entry of rho_hat"))
        if not _n01_diagnose(fb, got, expected, candidates, what):
            numeric = (_n02_kl(rho, rho_hat + eps) - _n02_kl(rho, rho_hat - eps)) / (2 * eps)
            if np.ndim(numeric) == 0:
                fb.fail(f"{what}: the finite difference (KL(rho, rho_hat + e) - "
                        f"KL(rho, rho_hat - e)) / 2e with e = 1e-6 gives {float(numeric):.6g}")
            break
    return fb.report()
# === end 02 =============================================================================

# === 03 Deriving the modified delta term ================================================
# Planted bugs (shared with notebook 04), the plain-backpropagation delta for comparison,
# and the checkers of notebook 03's exercises.
import difflib as _difflib
import inspect as _inspect

from .objective import (
    forward,
    kl_divergence,
    kl_divergence_prime,
    pack_parameters,
    sigmoid,
    sigmoid_prime,
    sparse_autoencoder_cost,
    sparsity_delta,
    unpack_parameters,
)

__all__ += [
    "PLANTED_BUGS",
    "plain_backprop_deltas",
    "buggy_sparse_autoencoder_cost",
    "bug_lines",
    "show_bug",
    "check_sparsity_term",
    "check_delta2",
    "check_duplicate_prediction",
]

#: Every planted mistake: kind -> (what is wrong, the gradient blocks it corrupts).
#: The first five are notebook 03's "common mistakes"; the last four serve notebook 04.
PLANTED_BUGS = {
    "extra_1_over_m": ("an extra 1/m on the sparsity term of delta2", ("W1", "b1")),
    "missing_fprime": ("f'(z2) not applied to the sparsity term", ("W1", "b1")),
    "units_mean": ("rho_hat averaged over the hidden units (axis=0) instead of the examples",
                   ("W1", "b1")),
    "wrong_sign": ("the sparsity term subtracted instead of added", ("W1", "b1")),
    "forgot_beta": ("the sparsity term without its weight beta", ("W1", "b1")),
    "swapped_denominators": ("rho_hat and 1 - rho_hat swapped in the sparsity term's "
                             "denominators", ("W1", "b1")),
    "bias_decay": ("weight decay applied to the biases in the gradient (not in the cost)",
                   ("b1", "b2")),
    "W2_no_decay": ("the weight-decay term lambda_ * W2 missing from W2grad", ("W2",)),
    "b2_not_averaged": ("b2grad summed over the examples but not divided by m", ("b2",)),
}


def plain_backprop_deltas(W1, b1, W2, b2, data):
    """delta3 and delta2 of plain backpropagation -- no sparsity penalty.

    The error terms of J = (1/m) sum_i 1/2 ||a3_i - x_i||^2, one column per example:
    delta3 = (a3 - x) * f'(z3) and delta2 = (W2^T delta3) * f'(z2). Compare the delta2 line
    with the one in :func:`sae_lib.sparse_autoencoder_cost`.
    """
    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    delta3 = (a3 - data) * sigmoid_prime(a3)
    delta2 = (W2.T @ delta3) * sigmoid_prime(a2)
    return delta3, delta2


def buggy_sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                  beta, data, kind):
    """:func:`sae_lib.sparse_autoencoder_cost` with one planted mistake.

    ``kind`` is a key of :data:`PLANTED_BUGS`. Every changed line ends with the comment
    ``# BUG: <kind>``; :func:`show_bug` shows it beside the correct line. Returns
    ``(cost, grad)`` like the correct function, so a gradient check can be run on it.
    """
    if kind not in PLANTED_BUGS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(PLANTED_BUGS)}.")
    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    data = np.asarray(data, dtype=float)
    m = data.shape[1]
    rho = sparsity_param

    z2, a2, z3, a3 = forward(W1, b1, W2, b2, data)
    rho_hat = a2.mean(axis=1)
    if kind == "units_mean":
        rho_hat = a2.mean(axis=0)  # BUG: units_mean

    cost = (0.5 * np.sum((a3 - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl_divergence(rho, rho_hat)))

    delta3 = (a3 - data) * sigmoid_prime(a3)
    if kind == "extra_1_over_m":
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None] / m) * sigmoid_prime(a2)  # BUG: extra_1_over_m
    elif kind == "missing_fprime":
        delta2 = W2.T @ delta3 * sigmoid_prime(a2) + sparsity_delta(rho, rho_hat, beta)[:, None]  # BUG: missing_fprime
    elif kind == "units_mean":
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[None, :]) * sigmoid_prime(a2)  # BUG: units_mean
    elif kind == "wrong_sign":
        delta2 = (W2.T @ delta3 - sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)  # BUG: wrong_sign
    elif kind == "forgot_beta":
        delta2 = (W2.T @ delta3 + kl_divergence_prime(rho, rho_hat)[:, None]) * sigmoid_prime(a2)  # BUG: forgot_beta
    elif kind == "swapped_denominators":
        delta2 = (W2.T @ delta3 + beta * (-rho / (1 - rho_hat) + (1 - rho) / rho_hat)[:, None]) * sigmoid_prime(a2)  # BUG: swapped_denominators
    else:
        delta2 = (W2.T @ delta3 + sparsity_delta(rho, rho_hat, beta)[:, None]) * sigmoid_prime(a2)

    W1grad = delta2 @ data.T / m + lambda_ * W1
    W2grad = delta3 @ a2.T / m + lambda_ * W2
    b1grad = delta2.sum(axis=1) / m
    b2grad = delta3.sum(axis=1) / m
    if kind == "bias_decay":
        b1grad = delta2.sum(axis=1) / m + lambda_ * b1  # BUG: bias_decay
        b2grad = delta3.sum(axis=1) / m + lambda_ * b2  # BUG: bias_decay
    elif kind == "W2_no_decay":
        W2grad = delta3 @ a2.T / m  # BUG: W2_no_decay
    elif kind == "b2_not_averaged":
        b2grad = delta3.sum(axis=1)  # BUG: b2_not_averaged
    return cost, pack_parameters(W1grad, W2grad, b1grad, b2grad)


def _code_part(line):
    """A source line without its trailing comment and indentation."""
    return line.split("  #")[0].strip()


def bug_lines(kind):
    """The source lines of :func:`buggy_sparse_autoencoder_cost` that plant ``kind``."""
    if kind not in PLANTED_BUGS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(PLANTED_BUGS)}.")
    src = _inspect.getsource(buggy_sparse_autoencoder_cost).splitlines()
    return [_code_part(line) for line in src if line.rstrip().endswith(f"# BUG: {kind}")]


def _library_line(target):
    """The line of sparse_autoencoder_cost assigning ``target`` (e.g. 'delta2'), or None."""
    for line in _inspect.getsource(sparse_autoencoder_cost).splitlines():
        if line.strip().startswith(f"{target} = "):
            return _code_part(line)
    return None


def show_bug(kind):
    """Print what ``kind`` gets wrong and its line(s) as a diff against the correct code.

    ``-`` is the line of :func:`sae_lib.sparse_autoencoder_cost`, ``+`` the buggy line, and
    the ``?`` line under it marks the characters that differ.
    """
    description, blocks = PLANTED_BUGS[kind] if kind in PLANTED_BUGS else (None, None)
    lines = bug_lines(kind)
    print(f"{kind}: {description} (corrupts the gradient of {' and '.join(blocks)})")
    for line in lines:
        target = line.split(" = ")[0]
        correct = _library_line(target)
        if correct is None:
            print("+ " + line)
        else:
            for d in _difflib.ndiff([correct + "\n"], [line + "\n"]):
                print(d, end="")


# --- Exercise checkers --------------------------------------------------------------------
def _first_difference(got, expected):
    """Index and values of the entry of ``got`` that is furthest from ``expected``."""
    diff = np.abs(got - expected)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
    return idx, got[idx], expected[idx]


def _match(got, candidate):
    candidate = np.asarray(candidate, dtype=float)
    return (got.shape == candidate.shape
            and np.allclose(got, candidate, rtol=1e-6, atol=1e-12))


def _as_float_array(fb, value, what):
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: your function returned {type(value).__name__}, not an array of "
                "numbers")
        return None


def _diagnose(fb, got, expected, candidates, what):
    """Compare got with expected; if wrong, name the first candidate mistake it matches.

    ``candidates``: list of (array, message). Returns "right", "named" (a candidate
    matched and its message was recorded) or "unknown" (wrong in some other way).
    """
    expected = np.asarray(expected, dtype=float)
    if _match(got, expected):
        return "right"
    for value, message in candidates:
        if _match(got, value):
            fb.fail(f"{what}: {message}")
            return "named"
    if got.shape != expected.shape:
        if got.size == 1 and np.isclose(float(got.ravel()[0]), expected.sum()):
            fb.fail(f"{what}: you returned one number, the sum over all units; return one "
                    f"value per entry, shape {expected.shape} (no sum)")
        else:
            fb.fail(f"{what}: expected shape {expected.shape}, yours has shape {got.shape}")
        return "named"
    idx, g, e = _first_difference(got, expected)
    where = f" at index {idx[0] if len(idx) == 1 else idx}"
    fb.fail(f"{what}: wrong values, e.g.{where} expected {e:.6g}, yours is {g:.6g} "
            "(none of the common mistakes matches; compare your code with the formula "
            "term by term)")
    return "unknown"


def check_sparsity_term(sparsity_term):
    """Check ``sparsity_term(rho, rho_hat, beta)`` = beta (-rho/rho_hat + (1-rho)/(1-rho_hat)).

    The term the sparsity penalty adds to each hidden unit's delta, one value per unit.
    Prints what is wrong (sign, beta, the penalty instead of its derivative, ...) and
    returns True when every case passes.
    """
    fb = Feedback("sparsity_term")
    cases = [
        (0.05, np.array([0.05, 0.05, 0.05]), 3.0, "at rho_hat = rho"),
        (0.05, np.array([0.02, 0.05, 0.2, 0.5, 0.9]), 3.0, "rho = 0.05, beta = 3"),
        (0.2, np.array([0.1, 0.3, 0.6, 0.85]), 0.5, "rho = 0.2, beta = 0.5"),
    ]
    for rho, rho_hat, beta, label in cases:
        args = (rho, rho_hat.copy(), beta)
        ok, value = call_learner(fb, sparsity_term, *args)
        if not ok:
            break
        if not np.array_equal(args[1], rho_hat):
            fb.fail(f"{label}: your function changed its rho_hat argument in place; compute "
                    "a new array instead")
            break
        got = _as_float_array(fb, value, label)
        if got is None:
            break
        expected = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        if label == "at rho_hat = rho":
            if got.shape == expected.shape and not np.allclose(got, 0, atol=1e-12):
                fb.fail(f"at rho_hat = rho the term must be 0 (the penalty is at its "
                        f"minimum), yours is {float(got.ravel()[0]):.4g}")
                # keep going: the next case names the mistake
                continue
        kl = kl_divergence(rho, rho_hat)
        candidates = [
            (-expected, "the sign is flipped: it is beta * (-rho/rho_hat + (1-rho)/(1-rho_hat)),"
                        " negative where rho_hat < rho"),
            (expected / beta, f"the factor beta (= {beta:g} here) is missing"),
            (beta * kl, "that is beta * KL(rho || rho_hat), the penalty itself; delta needs its "
                        "derivative with respect to rho_hat"),
            (kl, "that is KL(rho || rho_hat), the penalty itself (and without beta); delta "
                 "needs beta times its derivative with respect to rho_hat"),
            (beta * (-rho / rho_hat), "only the -rho/rho_hat part; (1-rho)/(1-rho_hat) is "
                                      "missing"),
            (beta * (1 - rho) / (1 - rho_hat), "only the (1-rho)/(1-rho_hat) part; "
                                               "-rho/rho_hat is missing"),
            (beta * (-rho_hat / rho + (1 - rho_hat) / (1 - rho)),
             "rho and rho_hat are swapped: the target rho goes in the numerators"),
            (beta * (-rho / (1 - rho_hat) + (1 - rho) / rho_hat),
             "the denominators are swapped: -rho/rho_hat + (1-rho)/(1-rho_hat)"),
            (beta * (rho / rho_hat - (1 - rho) / (1 - rho_hat)),
             "the sign is flipped: it is beta * (-rho/rho_hat + (1-rho)/(1-rho_hat))"),
            (expected / rho_hat.size, "divided by the number of hidden units; each unit's "
                                      "term stands alone, no average"),
        ]
        if _diagnose(fb, got, expected, candidates, label) != "right":
            break
    return fb.report()


def _delta2_case(seed, visible_size, hidden_size, m):
    rng = np.random.default_rng(seed)
    W2 = rng.normal(0, 0.5, size=(visible_size, hidden_size))
    delta3 = rng.normal(0, 0.1, size=(visible_size, m))
    a2 = rng.uniform(0.05, 0.95, size=(hidden_size, m))
    return W2, delta3, a2


def check_delta2(delta2):
    """Check ``delta2(W2, delta3, a2, rho, rho_hat, beta)``, the sparse backpropagation delta.

    Expected: ``(W2.T @ delta3 + beta * (-rho/rho_hat + (1-rho)/(1-rho_hat))[:, None])
    * a2 * (1 - a2)``, shape (hidden_size, m). Names the common mistakes: an extra 1/m, a
    missing f'(z2), a wrong sign, a forgotten beta, rho_hat averaged over units.
    """
    fb = Feedback("delta2")
    cases = [(3, 5, 3, 7, 0.05, 3.0), (4, 4, 6, 2, 0.2, 0.5)]
    for seed, v, h, m, rho, beta in cases:
        label = f"{h} hidden units, {v} inputs, m = {m}, rho = {rho:g}, beta = {beta:g}"
        W2, delta3, a2 = _delta2_case(seed, v, h, m)
        rho_hat = a2.mean(axis=1)
        args = [W2.copy(), delta3.copy(), a2.copy(), rho, rho_hat.copy(), beta]
        ok, value = call_learner(fb, delta2, *args)
        if not ok:
            break
        for name, given, orig in zip(("W2", "delta3", "a2", None, "rho_hat"), args,
                                     (W2, delta3, a2, None, rho_hat)):
            if name and not np.array_equal(given, orig):
                fb.fail(f"{label}: your function changed its {name} argument in place (e.g. "
                        f"with +=); later code still needs the original {name}")
        if fb.problems:
            break
        got = _as_float_array(fb, value, label)
        if got is None:
            break
        fprime = a2 * (1 - a2)
        back = W2.T @ delta3
        s = (beta * kl_divergence_prime(rho, rho_hat))[:, None]
        expected = (back + s) * fprime
        s_units = (beta * kl_divergence_prime(rho, a2.mean(axis=0)))[None, :]
        sig_fprime = sigmoid(a2) * (1 - sigmoid(a2))
        candidates = [
            ((back + s / m) * fprime,
             f"an extra 1/m on the sparsity term (yours is m = {m} times too small there). "
             "The 1/m of rho_hat cancels the 1/m of the average cost: no m in delta2"),
            (back * fprime + s,
             "f'(z2) is missing on the sparsity term: multiply the whole sum "
             "(W2.T @ delta3 + sparsity term) by a2 * (1 - a2) -- check the parentheses"),
            (back + s,
             "f'(z2) is missing: delta2 = (W2.T @ delta3 + sparsity term) * a2 * (1 - a2)"),
            ((back - s) * fprime,
             "the sparsity term has the wrong sign: it is + beta * (-rho/rho_hat + "
             "(1-rho)/(1-rho_hat))"),
            ((back + s / beta) * fprime,
             f"the sparsity term is missing its factor beta (= {beta:g} here)"),
            ((back + s_units) * fprime,
             "rho_hat is averaged over the hidden units (axis=0): it must be each unit's "
             "average over the examples, a2.mean(axis=1) -- and here it is given to you as "
             "the argument rho_hat"),
            (back * fprime,
             "that is plain backpropagation's delta2: the sparsity term "
             "beta * (-rho/rho_hat + (1-rho)/(1-rho_hat)) is missing"),
            ((back + s) * sig_fprime,
             "f'(z2) is computed as if a2 were z2: with a2 = f(z2), f'(z2) = a2 * (1 - a2), "
             "not sigmoid(a2) * (1 - sigmoid(a2))"),
            (expected * m,
             f"the result is m = {m} times too large: no sum or 1/m belongs in delta2"),
        ]
        verdict = _diagnose(fb, got, expected, candidates, label)
        if verdict != "right":
            if verdict == "unknown":
                # Localise an unrecognised mistake: is the backpropagation part right?
                ok0, v0 = call_learner(fb, delta2, W2.copy(), delta3.copy(), a2.copy(), rho,
                                       rho_hat.copy(), 0.0)
                g0 = _as_float_array(fb, v0, "with beta = 0") if ok0 else None
                if g0 is not None and _match(g0, back * fprime):
                    fb.fail("with beta = 0 your delta2 is right, so the mistake is in the "
                            "sparsity term")
                elif g0 is not None:
                    fb.fail("with beta = 0 your delta2 differs from plain backpropagation's "
                            "(W2.T @ delta3) * a2 * (1 - a2) too, so the mistake is (also) "
                            "outside the sparsity term")
            break
    return fb.report()


def check_duplicate_prediction(factor_correct, factor_extra_1_over_m):
    """Check the predictions: duplicating every example, by what factor does the sparsity
    part of the b1 gradient change -- in the correct code, and with the extra-1/m bug?

    Measures both factors on a small network and explains the answer.
    """
    fb = Feedback("duplicate-the-data prediction")
    rng = np.random.default_rng(7)
    v, h, m = 6, 4, 10
    data = rng.uniform(0.1, 0.9, size=(v, m))
    theta = rng.normal(0, 0.3, size=2 * v * h + v + h)
    twice = np.hstack([data, data])
    hv = 2 * v * h

    def sparsity_part_b1(cost_fn, x, **kw):
        on = cost_fn(theta, v, h, 0.0, 0.05, 3.0, x, **kw)[1]
        off = cost_fn(theta, v, h, 0.0, 0.05, 0.0, x, **kw)[1]
        return (on - off)[hv : hv + h]

    measured = {}
    for name, fn, kw in (("correct", sparse_autoencoder_cost, {}),
                         ("extra_1_over_m", buggy_sparse_autoencoder_cost,
                          {"kind": "extra_1_over_m"})):
        ratio = sparsity_part_b1(fn, twice, **kw) / sparsity_part_b1(fn, data, **kw)
        measured[name] = float(np.mean(ratio))
    for name, answer in (("correct", factor_correct),
                         ("extra_1_over_m", factor_extra_1_over_m)):
        what = ("factor_correct" if name == "correct" else "factor_extra_1_over_m")
        try:
            answer = float(answer)
        except (TypeError, ValueError):
            fb.fail(f"{what}: set it to a number (e.g. 2, 1 or 0.5), not {answer!r}")
            continue
        if not np.isfinite(answer):
            fb.fail(f"{what}: set it to a number (e.g. 2, 1 or 0.5), not {answer!r}")
        elif not np.isclose(answer, measured[name], rtol=1e-6):
            if name == "correct":
                fb.fail(f"{what}: you predicted {answer:g}, the measured factor is "
                        f"{measured[name]:.4g}. rho_hat is unchanged by duplication, so each "
                        "example's delta2 is unchanged, and the gradient averages them: "
                        "the sparsity pull does not depend on m")
            else:
                fb.fail(f"{what}: you predicted {answer:g}, the measured factor is "
                        f"{measured[name]:.4g}. With the bug each delta2 carries 1/m, and "
                        "m doubled")
    if not fb.problems:
        print(f"measured: correct code x{measured['correct']:.4g}, "
              f"extra-1/m bug x{measured['extra_1_over_m']:.4g}. The correct gradient is "
              "an average, so duplicating the data changes nothing; with the bug, the "
              "sparsity pressure would weaken as the data set grows.")
    return fb.report()
# === end 03 =============================================================================

# === 04 Gradient checking ===============================================================
# Per-block relative differences and the checkers of notebook 04's exercises. The buggy
# costs it checks are buggy_sparse_autoencoder_cost's (section 03).
from .gradient_check import compute_numerical_gradient as _reference_numerical_gradient
from .gradient_check import relative_difference
from .objective import initialize_parameters, theta_size

__all__ += [
    "BLOCKS",
    "block_relative_differences",
    "check_compute_numerical_gradient",
    "check_find_wrong_blocks",
    "check_revealing_point",
]

#: The parameter blocks of theta, in the order they are packed.
BLOCKS = ("W1", "W2", "b1", "b2")


def block_relative_differences(numgrad, grad, visible_size, hidden_size):
    """Relative difference of two gradients block by block: {'W1': ..., 'W2': ..., ...}.

    Splits both vectors with :func:`sae_lib.unpack_parameters` (theta is laid out as
    ``[W1, W2, b1, b2]``) and applies :func:`sae_lib.relative_difference` to each block,
    so a failed check says *where* the gradient is wrong.
    """
    num_blocks = unpack_parameters(np.asarray(numgrad, dtype=float), visible_size, hidden_size)
    grad_blocks = unpack_parameters(np.asarray(grad, dtype=float), visible_size, hidden_size)
    return {name: relative_difference(n.ravel(), g.ravel())
            for name, n, g in zip(BLOCKS, num_blocks, grad_blocks)}


# --- Exercise 1: compute_numerical_gradient ----------------------------------------------
_CNG_A = np.array([0.5, 1.0, 1.5, 2.0])
_CNG_THETA = np.array([0.3, -0.7, 0.15, 1.2])  # 0.15: +eps, -2 eps, +eps is inexact


def _cng_J(theta):
    """A test function with curvature in every direction and one coupling term."""
    return float(np.sum(np.exp(_CNG_A * theta)) + theta[0] * theta[1])


def _cng_grad(theta):
    g = _CNG_A * np.exp(_CNG_A * theta)
    g[0] += theta[1]
    g[1] += theta[0]
    return g


def _one_sided(J, theta, eps, forward_step=True):
    out = np.empty_like(theta)
    j0 = J(theta)
    for i in range(theta.size):
        t = theta.copy()
        t[i] += eps if forward_step else -eps
        out[i] = (J(t) - j0) / eps if forward_step else (j0 - J(t)) / eps
    return out


def check_compute_numerical_gradient(compute_numerical_gradient):
    """Check a learner's ``compute_numerical_gradient(J, theta, epsilon=1e-4)``.

    It must return the central differences (J(theta + eps e_i) - J(theta - eps e_i)) /
    (2 eps) for every i, with 2n calls of J, leaving theta as it found it. Detects a
    one-sided difference (by the order of its error), a wrong step or divisor, an
    ignored epsilon, all entries perturbed at once, and theta modified in place.
    """
    fb = Feedback("compute_numerical_gradient")
    n = _CNG_THETA.size
    exact = _cng_grad(_CNG_THETA)
    calls = []

    def J(theta):
        t = np.array(theta, dtype=float, copy=True)
        calls.append(t)
        return _cng_J(t)

    def run(epsilon):
        calls.clear()
        theta = _CNG_THETA.copy()
        ok, value = call_learner(fb, compute_numerical_gradient, J, theta, epsilon)
        if not ok:
            return None, theta
        got = _as_float_array(fb, value, f"epsilon = {epsilon:g}")
        if got is not None and got.shape != theta.shape:
            fb.fail(f"epsilon = {epsilon:g}: expected shape {theta.shape} (one derivative per "
                    f"entry of theta), yours has shape {got.shape}")
            return None, theta
        return got, theta

    got, theta_after = run(1e-4)
    if got is None:
        return fb.report()
    n_calls = len(calls)
    perturbed = [int(np.sum(c != _CNG_THETA)) for c in calls]

    # theta must come back unchanged (if not, later derivatives were taken at the wrong
    # point, so report only this).
    if not np.array_equal(theta_after, _CNG_THETA):
        i = int(np.argmax(np.abs(theta_after - _CNG_THETA)))
        change = theta_after[i] - _CNG_THETA[i]
        if abs(change) < 1e-12:
            fb.fail(f"theta changed: theta[{i}] is off by {change:.2g} after your function "
                    "returned. Adding and subtracting epsilon leaves rounding error; save the "
                    "old value and put it back (old = theta[i]; ...; theta[i] = old), or "
                    "perturb a copy")
        else:
            fb.fail(f"theta changed: after your function returned, theta[{i}] was "
                    f"{theta_after[i]:.6g} instead of {_CNG_THETA[i]:.6g}. Restore each entry "
                    "after perturbing it (or perturb a copy): the caller's theta must not move")
        return fb.report()

    if perturbed and min(perturbed) == n:
        fb.fail("you perturb every entry at once (theta + epsilon): each derivative needs "
                "its own perturbation theta + epsilon * e_i, one entry at a time")
        return fb.report()

    reference = _reference_numerical_gradient(_cng_J, _CNG_THETA, 1e-4)
    if _match(got, reference):
        if n_calls != 2 * n:
            fb.fail(f"your function called J {n_calls} times; central differences need "
                    f"exactly 2n = {2 * n} calls (two per entry of theta)")
        # Right at the default epsilon; does it use its epsilon argument?
        got2, _ = run(1e-2)
        if got2 is not None:
            reference2 = _reference_numerical_gradient(_cng_J, _CNG_THETA, 1e-2)
            if not _match(got2, reference2):
                if _match(got2, got):
                    fb.fail("your function ignores its epsilon argument: with epsilon = 1e-2 "
                            "it returns the same numbers as with 1e-4")
                else:
                    fb.fail("right with epsilon = 1e-4 but not with epsilon = 1e-2: use the "
                            "epsilon argument both in the step and in the divisor 2 * epsilon")
        return fb.report()

    # Wrong at the default epsilon: name the mistake.
    candidates = [
        (2 * reference, "your derivatives are twice too large: divide the difference "
                        "J(theta + eps e_i) - J(theta - eps e_i) by 2 * epsilon, not epsilon"),
        (reference / 2, "your derivatives are half the true ones: divide by 2 * epsilon "
                        "(the two points are 2 * epsilon apart), not 4 * epsilon"),
        (-reference, "your derivatives have the wrong sign: it is J(theta + eps e_i) minus "
                     "J(theta - eps e_i)"),
    ]
    for value, message in candidates:
        if _match(got, value):
            fb.fail(message)
            return fb.report()

    # Measure how the error shrinks with epsilon: order 1 is a one-sided difference.
    got_a, _ = run(1e-2)
    got_b, _ = run(1e-3)
    if got_a is None or got_b is None:
        return fb.report()
    err_a = relative_difference(got_a, exact)
    err_b = relative_difference(got_b, exact)
    one_sided = [_one_sided(_cng_J, _CNG_THETA, 1e-2, forward_step=s) for s in (True, False)]
    if any(_match(got_a, c) for c in one_sided) or (
            err_b > 0 and 0.7 < np.log10(err_a / err_b) < 1.3):
        order = np.log10(err_a / err_b) if err_b > 0 else float("nan")
        fb.fail(f"a one-sided difference: your error fell from {err_a:.2g} to {err_b:.2g} when "
                f"epsilon fell 10x (order {order:.2g}; central differences give order 2, "
                f"error ~ epsilon^2). Use (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)")
    elif err_b > 0 and abs(np.log10(err_a / err_b)) < 0.2 and err_b > 1e-6:
        fb.fail(f"your error does not shrink with epsilon ({err_a:.2g} at 1e-2, {err_b:.2g} "
                "at 1e-3): does your function use its epsilon argument? The step must be "
                "epsilon and the divisor 2 * epsilon")
    else:
        i = int(np.argmax(np.abs(got - reference)))
        fb.fail(f"wrong derivative for theta[{i}]: expected {reference[i]:.6g}, yours is "
                f"{got[i]:.6g} (relative difference of the whole gradient: "
                f"{relative_difference(got, reference):.2g})")
    return fb.report()


# --- Exercise 2: find_wrong_blocks --------------------------------------------------------
def _blocks_config():
    rng = np.random.default_rng(11)
    v, h, m = 5, 3, 8
    data = rng.uniform(0.1, 0.9, size=(v, m))
    theta = rng.normal(0, 0.4, size=theta_size(v, h))     # random, biases included
    return v, h, data, theta


def check_find_wrong_blocks(find_wrong_blocks):
    """Check ``find_wrong_blocks(J, theta, visible_size, hidden_size)``.

    ``J(theta)`` returns ``(cost, grad)``; the function must return the names of the
    blocks ('W1', 'W2', 'b1', 'b2') whose analytic gradient disagrees with the numerical
    one. It is run on the correct cost and on costs with planted bugs in different
    blocks; the report says, e.g., "gradient wrong for W2, right for W1".
    """
    fb = Feedback("find_wrong_blocks")
    v, h, data, theta = _blocks_config()
    lambda_, rho, beta = 1e-3, 0.1, 3.0
    cases = [None, "W2_no_decay", "b2_not_averaged", "extra_1_over_m", "bias_decay"]
    for kind in cases:
        if kind is None:
            def J(t):
                return sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data)
            label = "the correct cost"
            truth = set()
        else:
            def J(t, kind=kind):
                return buggy_sparse_autoencoder_cost(t, v, h, lambda_, rho, beta, data, kind)
            label = f"a cost with a planted bug ({PLANTED_BUGS[kind][0]})"
            truth = set(PLANTED_BUGS[kind][1])
        ok, value = call_learner(fb, find_wrong_blocks, J, theta.copy(), v, h)
        if not ok:
            break
        if value is None:
            fb.fail("your function returned None (did you forget `return`?)")
            break
        if isinstance(value, str):
            value = [value]
        try:
            got = set(value)
        except TypeError:
            fb.fail(f"return a list or set of block names such as ['W2'], not "
                    f"{type(value).__name__}")
            break
        unknown = got - set(BLOCKS)
        if unknown:
            fb.fail(f"unknown block name(s) {sorted(map(str, unknown))}: use 'W1', 'W2', 'b1' "
                    "and 'b2'")
            break
        if got == truth:
            continue
        num = _reference_numerical_gradient(lambda t: J(t)[0], theta)
        diffs = block_relative_differences(num, J(theta)[1], v, h)
        wrong = [b for b in BLOCKS if b in truth and b not in got]
        right = [b for b in BLOCKS if b in got and b not in truth]
        parts = []
        if wrong:
            parts.append("gradient wrong for " + " and ".join(
                f"{b} (relative difference {diffs[b]:.2g})" for b in wrong))
        if right:
            parts.append("right for " + " and ".join(
                f"{b} (relative difference "
                + ("< 1e-7" if diffs[b] < 1e-7 else f"{diffs[b]:.2g}") + ")" for b in right))
        fb.fail(f"on {label} you reported {sorted(got) or 'no block'}: " + ", ".join(parts)
                + ". theta is laid out as [W1, W2, b1, b2] (unpack_parameters splits it); "
                "a correct block differs by ~1e-10, a wrong one by far more")
        break
    return fb.report()


# --- Exercise 3: a point that reveals a hidden bug ---------------------------------------
def check_revealing_point(theta, visible_size, hidden_size, data, kind="bias_decay",
                          lambda_=1e-3, sparsity_param=0.1, beta=3.0):
    """Check that a gradient check at ``theta`` catches the planted bug ``kind``.

    The buggy cost is :func:`buggy_sparse_autoencoder_cost`; it passes a check at the
    usual starting point. Prints the relative difference at the learner's theta and why
    the bug hides (or shows) there; True when the difference exceeds 1e-7, more than a
    correct gradient ever shows.
    """
    fb = Feedback("a point that reveals the bug")
    v, h = visible_size, hidden_size
    try:
        theta = np.asarray(theta, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"theta must be an array of numbers, got {type(theta).__name__}")
        return fb.report()
    if theta.shape != (theta_size(v, h),):
        fb.fail(f"theta must be a vector of length {theta_size(v, h)} (W1, W2, b1, b2 for "
                f"{v} inputs and {h} hidden units), yours has shape {theta.shape}")
        return fb.report()
    if not np.isfinite(theta).all():
        fb.fail("theta contains NaN or infinite values")
        return fb.report()

    def J(t):
        return buggy_sparse_autoencoder_cost(t, v, h, lambda_, sparsity_param, beta, data,
                                             kind)

    num = _reference_numerical_gradient(lambda t: J(t)[0], theta)
    grad = J(theta)[1]
    diff = relative_difference(num, grad)
    blocks = block_relative_differences(num, grad, v, h)
    def shown(d):          # below 1e-7: the finite differences' own error
        return "ok" if d < 1e-7 else f"{d:.2g}"

    print(f"relative difference at your theta: {shown(diff)} ("
          + ", ".join(f"{b}: {shown(blocks[b])}" for b in BLOCKS) + ")")
    if diff <= 1e-7:
        W1, W2, b1, b2 = unpack_parameters(theta, v, h)
        hint = ""
        if kind == "bias_decay" and not (b1.any() or b2.any()):
            hint = (" At your theta b1 and b2 are all zero, and this bug adds lambda_ * b to "
                    "their gradients -- zero there. Give the biases nonzero values.")
        elif kind == "bias_decay":
            hint = (" Your biases are nonzero but small; lambda_ * b is tiny next to the "
                    "gradient. Try biases of size ~0.1 to 1.")
        fb.fail("the check passes at your theta (relative difference below 1e-7), "
                f"so it cannot see the bug.{hint}")
    return fb.report()
# === end 04 =============================================================================

# === 05 Edge filters from natural images ================================================
# Checkers of notebook 05's exercises: diagnosing failed runs from their numbers, patches
# from one's own photographs, and the orientation of a learned edge detector.
from .analysis import neighbour_correlation as _n05_neighbour_correlation
from .data import load_natural_images as _n05_load_natural_images
from .data import sample_images as _n05_sample_images
from .data import whiten_images as _n05_whiten_images

__all__ += [
    "FAILURE_CAUSES",
    "failure_table",
    "check_failure_diagnosis",
    "check_patches_from_photos",
    "check_filter_orientation",
]

# --- Exercise 1: which failure is which? ---------------------------------------------------
#: The four causes of the failure gallery: key -> description.
FAILURE_CAUSES = {
    "no_sparsity": "no sparsity penalty (beta = 0)",
    "large_lambda": "weight decay lambda too large (1e-3, ten times UFLDL's)",
    "no_whitening": "patches of the raw, unwhitened photographs",
    "wrong_delta": "a wrong delta2 (the sparsity term with an extra 1/m)",
}
_N05_MYSTERY = {"A": "no_whitening", "B": "wrong_delta", "C": "large_lambda", "D": "no_sparsity"}


def _n05_row(result, data):
    return {"iterations": int(result.n_iter), "cost": float(result.cost),
            "rho_hat": float(result.hidden_activations(data).mean()),
            "rms_W1": float(np.sqrt(np.mean(np.asarray(result.W1) ** 2))),
            "corr2": _n05_neighbour_correlation(data, 2)}


def failure_table(runs, reference=None):
    """Print the mystery table of exercise 1 and return its rows.

    ``runs`` maps each key of :data:`FAILURE_CAUSES` to ``(result, data)``: a
    :class:`~sae_lib.TrainResult` and the patches it was trained on. ``reference`` is an
    optional ``(result, data)`` of the good run, printed first for comparison. The four
    runs appear under the letters A-D in an order fixed here (not the gallery's), with:
    L-BFGS iterations run, final cost, mean rho_hat_j over the units, the RMS of W1, and
    the correlation of pixels two apart in the training patches. Returns
    ``{letter: row}`` (and ``"ref"`` if given), which :func:`check_failure_diagnosis`
    quotes.
    """
    missing = set(FAILURE_CAUSES) - set(runs)
    if missing:
        raise ValueError(f"runs lacks {sorted(missing)}; pass (result, data) for each of "
                         f"{sorted(FAILURE_CAUSES)}.")
    rows = {}
    if reference is not None:
        rows["ref"] = _n05_row(*reference)
    for letter, key in _N05_MYSTERY.items():
        rows[letter] = _n05_row(*runs[key])
    print(f"{'run':>5}  {'iterations':>10}  {'final cost':>10}  {'mean rho_hat':>12}  "
          f"{'RMS of W1':>9}  {'data: corr. 2 px apart':>22}")
    for name, r in rows.items():
        label = "good" if name == "ref" else name
        print(f"{label:>5}  {r['iterations']:>10d}  {r['cost']:>10.3g}  {r['rho_hat']:>12.2g}  "
              f"{r['rms_W1']:>9.2g}  {r['corr2']:>22.2f}")
    return rows


def _n05_explain(key, row):
    r = row or {}

    def num(name, fmt, fallback):
        return format(r[name], fmt) if name in r else fallback

    if key == "no_whitening":
        return ("the giveaway is the data column: pixels two apart still correlate at "
                f"{num('corr2', '.2f', 'about 0.3')} (whitened patches: about 0). Raw "
                "photographs carry most of their power at low frequencies (1/f^2), so the "
                "units spend themselves on smooth ramps and blobs. The other numbers look "
                "healthy -- only the pictures, or a look at the data, tell.")
    if key == "wrong_delta":
        return (f"L-BFGS stopped after {num('iterations', 'd', 'a few')} iterations with the "
                f"cost still at {num('cost', '.3g', 'several units')}: the gradient no longer "
                "belongs to the cost, so the line search finds no step along it that lowers "
                "the cost, and the optimiser gives up. A gradient check catches this in "
                "seconds (notebook 04).")
    if key == "large_lambda":
        return (f"the weights have shrunk to RMS {num('rms_W1', '.2g', 'about 2e-4')}: weight "
                "decay won, every unit gives (almost) the same output for every patch, the "
                "network outputs the average patch whatever comes in, and the cost "
                f"{num('cost', '.3g', '0.492')} is that of reconstructing every patch by the "
                "average patch. The biases alone hold rho_hat at rho, so the sparsity term "
                "is satisfied too.")
    if key == "no_sparsity":
        return (f"mean rho_hat = {num('rho_hat', '.2g', 'about 0.5')}, nowhere near "
                "rho = 0.01: with beta = 0 nothing pulls the activations down, so the units "
                "sit in the middle of the sigmoid and share the work as a distributed code. "
                f"Its cost{' ' + num('cost', '.3g', '') if 'cost' in r else ''} is the lowest "
                "of all, since no penalty "
                "is paid -- a lower cost does not mean better features.")
    return ""


def check_failure_diagnosis(answer, table=None):
    """Predict-then-check: ``answer`` maps each letter A-D to a key of FAILURE_CAUSES.

    ``table`` is what :func:`failure_table` returned; its numbers are quoted in the
    explanations. Every letter gets its verdict and the reason that gives it away.
    """
    keys = ", ".join(f"'{k}'" for k in FAILURE_CAUSES)
    template = "{'A': ..., 'B': ..., 'C': ..., 'D': ...}"
    if answer is None or (isinstance(answer, dict) and all(v in (None, ...) for v in answer.values())):
        print(f"✗ failure diagnosis: not answered yet -- set `answer = {template}` with one "
              f"of {keys} for each letter (decide first, then check).")
        return False
    if not isinstance(answer, dict):
        print(f"✗ failure diagnosis: `answer` must be a dict like {template}, "
              f"got {type(answer).__name__}.")
        return False
    given = {str(k).strip().upper(): v for k, v in answer.items()}
    unknown_letters = sorted(set(given) - set(_N05_MYSTERY))
    problems = []
    if unknown_letters:
        problems.append(f"there is no run {', '.join(unknown_letters)}; the runs are A, B, C, D")
    correct = 0
    lines = []
    for letter, truth in _N05_MYSTERY.items():
        row = table.get(letter) if isinstance(table, dict) else None
        guess = given.get(letter)
        if guess in (None, ...):
            problems.append(f"{letter}: no answer yet")
            continue
        guess_key = str(guess).strip().lower()
        if guess_key not in FAILURE_CAUSES:
            problems.append(f"{letter}: {guess!r} is not one of {keys}")
            continue
        if guess_key == truth:
            correct += 1
            lines.append(f"  ✓ {letter} = {truth}: {_n05_explain(truth, row)}")
        else:
            lines.append(f"  ✗ {letter} is not {guess_key} but {truth}: "
                         f"{_n05_explain(truth, row)}")
    used = [str(v).strip().lower() for v in given.values() if v not in (None, ...)]
    duplicates = sorted({u for u in used if used.count(u) > 1 and u in FAILURE_CAUSES})
    if duplicates:
        problems.append(f"each cause produced exactly one run, but you used "
                        f"{', '.join(duplicates)} more than once")
    ok = correct == len(_N05_MYSTERY) and not problems
    if ok:
        print("✓ failure diagnosis: all four right.")
    else:
        print(f"✗ failure diagnosis: {correct} of {len(_N05_MYSTERY)} right.")
    for p in problems:
        print(f"  - {p}")
    for line in lines:
        print(line)
    return ok


# --- Exercise 2: patches from your own photographs -----------------------------------------
def _n05_array(fb, value, what):
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: your function returned {type(value).__name__}, not an array of "
                "numbers")
        return None
    return arr


def check_patches_from_photos(patches_from_photos):
    """Check ``patches_from_photos(images, num_patches=10000, rng=None)``.

    ``images``: raw photographs, (n_images, height, width) as :func:`sae_lib.load_images`
    returns them. The answer: 8x8 patches of the *whitened* images, normalised to
    [0.1, 0.9] -- ``sample_images(whiten_images(images), 8, num_patches, rng=rng)``, shape
    (64, num_patches). Checks shape, range, per-patch mean, that the images were
    whitened (pixels two apart barely correlate), that ``rng`` and ``num_patches`` and
    ``images`` are used, and that the input is left unchanged; names the usual slips.
    """
    fb = Feedback("patches_from_photos")
    raw = _n05_load_natural_images(whiten=False)
    n = 2000
    what = f"the 10 shipped photographs (raw), num_patches={n}, rng=0"
    arg = raw.copy()
    ok, value = call_learner(fb, patches_from_photos, arg, num_patches=n, rng=0)
    if not ok:
        return fb.report()
    if not np.array_equal(arg, raw):
        fb.fail(f"{what}: your function changed the images it was given; work on a copy "
                "(whiten_images returns a new array)")
    got = _n05_array(fb, value, what)
    if got is None:
        return fb.report()
    white = _n05_whiten_images(raw)
    candidates = [
        (_n05_sample_images(raw, 8, n, rng=0),
         "these are patches of the raw photographs: whiten them first, "
         "whiten_images(images), then sample"),
        (_n05_sample_images(white, 8, n, rng=0, normalize=False),
         "whitened but not normalised: sample_images(..., normalize=True) (the default) maps "
         "the patches into [0.1, 0.9]"),
        (_n05_sample_images(_n05_whiten_images(white), 8, n, rng=0),
         "you whitened twice (whiten_images of already whitened images); once is enough"),
    ]
    expected = _n05_sample_images(white, 8, n, rng=0)
    if got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=1e-9):
        candidates = []
    for cand, message in candidates:
        if got.shape == cand.shape and np.allclose(got, cand, rtol=0, atol=1e-9):
            fb.fail(f"{what}: {message}")
            return fb.report()
    if got.shape != (64, n):
        if got.shape == (n, 64):
            fb.fail(f"{what}: shape {got.shape} -- one patch per column, please: "
                    f"(64, {n}); sample_images already returns that layout")
        elif got.ndim == 2 and got.shape[0] == 64:
            fb.fail(f"{what}: {got.shape[1]} patches instead of num_patches = {n}; pass "
                    "num_patches on to sample_images")
        elif got.ndim == 2 and got.shape[1] == n:
            fb.fail(f"{what}: patches of {got.shape[0]} pixels; 8x8 patches have 64 "
                    "(patch_size=8)")
        else:
            fb.fail(f"{what}: expected shape (64, {n}), yours has shape {got.shape}")
        return fb.report()
    if not np.isfinite(got).all():
        fb.fail(f"{what}: your patches contain NaN or infinite values")
        return fb.report()
    lo, hi = float(got.min()), float(got.max())
    if hi > 1.5:
        fb.fail(f"{what}: values go up to {hi:.4g}: the patches are not normalised -- "
                "sample_images(..., normalize=True) (or normalize_data) maps them into "
                "[0.1, 0.9]")
    elif lo < 0.1 - 1e-9 or hi > 0.9 + 1e-9:
        fb.fail(f"{what}: values range over [{lo:.3g}, {hi:.3g}]; UFLDL's normalisation "
                "maps them into [0.1, 0.9] (sigmoid outputs can never reach 0 or 1)")
    else:
        offset = float(np.mean(np.abs(got.mean(axis=0) - 0.5)))
        if offset > 0.03:
            fb.fail(f"{what}: the patches' own means are on average {offset:.3g} away from "
                    "0.5: each patch's mean must be removed before the rescaling "
                    "(normalize_data does that)")
    corr2 = _n05_neighbour_correlation(got, 2)
    if corr2 > 0.2:
        fb.fail(f"{what}: pixels two apart correlate at {corr2:.2f}; in patches of "
                f"whitened photographs they hardly do ({_n05_neighbour_correlation(_n05_sample_images(white, 8, n, rng=0), 2):.2f}). "
                "Call whiten_images(images) before sampling")
    if fb.problems:
        return fb.report()

    ok, again = call_learner(fb, patches_from_photos, raw.copy(), num_patches=n, rng=0)
    if ok:
        again = _n05_array(fb, again, "the same call again")
        if again is not None and (again.shape != got.shape or not np.array_equal(again, got)):
            fb.fail("called twice with rng=0 you return different patches: pass rng on to "
                    "sample_images (rng=rng) so that a seed reproduces the patches")
    ok, other_seed = call_learner(fb, patches_from_photos, raw.copy(), num_patches=n, rng=1)
    if ok:
        other_seed = _n05_array(fb, other_seed, "rng=1")
        if other_seed is not None and other_seed.shape == got.shape and np.array_equal(other_seed, got):
            fb.fail("rng=0 and rng=1 give the same patches: your function ignores rng (a fixed "
                    "seed inside?) -- pass rng on to sample_images")
    ok, other_images = call_learner(fb, patches_from_photos, raw[::-1].copy(), num_patches=n,
                                    rng=0)
    if ok:
        other_images = _n05_array(fb, other_images, "the photographs in reverse order")
        if other_images is not None and other_images.shape == got.shape and np.array_equal(other_images, got):
            fb.fail("different images give the same patches: your function ignores its "
                    "`images` argument")
    ok, small = call_learner(fb, patches_from_photos, raw[:2].copy(), num_patches=300, rng=0)
    if ok:
        small = _n05_array(fb, small, "two photographs, num_patches=300")
        if small is not None and small.shape != (64, 300):
            fb.fail(f"two photographs, num_patches=300: expected shape (64, 300), yours has "
                    f"shape {small.shape}")
    return fb.report()


# --- Exercise 3: the orientation of a filter -------------------------------------------------
def _n05_gabor(theta_deg, frequency=0.2, phase=0.0, sigma=2.5, centre=(3.5, 3.5), size=8):
    """An 8x8 Gabor filter whose stripes run at theta_deg (0 = horizontal, y axis up)."""
    theta = np.radians(theta_deg)
    rows, cols = np.mgrid[0:size, 0:size].astype(float)
    x = cols - centre[1]
    y = -(rows - centre[0])                          # the picture's y axis points up
    across = -np.sin(theta) * x + np.cos(theta) * y  # distance across the stripes
    envelope = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return np.cos(2 * np.pi * frequency * across + phase) * envelope


_N05_ORIENTATION_CASES = [
    (0, dict()), (90, dict(phase=np.pi / 2)), (45, dict()), (135, dict(phase=1.0)),
    (20, dict(frequency=0.25)), (70, dict(phase=np.pi / 2, frequency=0.18)),
    (110, dict(sigma=2.0)), (160, dict(phase=2.0, frequency=0.22)),
    (30, dict(centre=(2.5, 4.5))), (150, dict(sigma=100.0)),   # a plain grating
]


def _n05_angle_error(got, expected):
    """Signed difference got - expected folded into (-90, 90] degrees."""
    d = (got - expected) % 180.0
    return d - 180.0 if d > 90.0 else d


def check_filter_orientation(filter_orientation, tolerance=10.0):
    """Check ``filter_orientation(w)``: the direction of the stripes of an 8x8 filter.

    ``w`` is (8, 8), rows top to bottom as on screen (``W1[j].reshape(8, 8)``). The answer
    is in degrees, in [0, 180), counter-clockwise from the horizontal with the picture's y
    axis pointing up: horizontal stripes are 0, vertical ones 90, stripes rising to the
    right 45. Tested on Gabor filters and a grating at known angles, within
    ``tolerance`` degrees. Recognises: the stripes' normal (gradient direction) instead of
    the stripes, angles mirrored by a downward y axis, radians, values outside [0, 180).
    """
    fb = Feedback("filter_orientation")
    results = []
    for theta, kwargs in _N05_ORIENTATION_CASES:
        w = _n05_gabor(theta, **kwargs)
        arg = w.copy()
        ok, value = call_learner(fb, filter_orientation, arg)
        if not ok:
            return fb.report()
        if not np.array_equal(arg, w):
            fb.fail("your function changed the filter it was given; work on a copy")
            return fb.report()
        if value is None:
            fb.fail("your function returned None (did you forget `return`?)")
            return fb.report()
        try:
            got = float(np.asarray(value, dtype=float).reshape(()))
        except (TypeError, ValueError):
            shape = np.shape(value) if not isinstance(value, (str, bytes)) else "a string"
            fb.fail(f"return one number (the angle in degrees); yours returned "
                    f"{type(value).__name__} {shape}")
            return fb.report()
        if not np.isfinite(got):
            fb.fail(f"for stripes at {theta} degrees your function returned {got}")
            return fb.report()
        results.append((theta, got))
    thetas = np.array([t for t, _ in results], dtype=float)
    gots = np.array([g for _, g in results])

    def fits(predicted):
        return all(abs(_n05_angle_error(g, p)) <= tolerance for g, p in zip(gots, predicted))

    if fits(thetas):
        outside = [(t, g) for t, g in results if not 0.0 <= g < 180.0]
        if outside:
            t, g = outside[0]
            fb.fail(f"the angles are right but not all in [0, 180): for stripes at {t} "
                    f"degrees yours is {g:.4g}; an orientation repeats every 180 degrees, "
                    "so return angle % 180")
        return fb.report()
    if np.all(np.abs(gots) <= np.pi + 1e-9) and all(
            abs(_n05_angle_error(np.degrees(g), t)) <= tolerance for t, g in results):
        fb.fail("your angles are in radians; return degrees (np.degrees)")
    elif fits(thetas + 90):
        fb.fail("your angles are off by 90 degrees everywhere: you returned the direction "
                "in which the filter changes fastest (across the stripes, the peak of its "
                "spectrum); the stripes -- the edge -- run perpendicular to it: add 90")
    elif fits(-thetas):
        fb.fail("your angles are mirrored (stripes at 30 degrees come out at 150): row "
                "indices grow downward, but the picture's y axis points up -- use -row (or "
                "the negated row frequency) as y")
    elif fits(90 - thetas):
        fb.fail("your angles are mirrored and off by 90 degrees: the y axis points up (use "
                "-row as y), and the stripes run perpendicular to the direction of fastest "
                "change (add 90)")
    else:
        bad = [(t, g) for t, g in results if abs(_n05_angle_error(g, t)) > tolerance]
        shown = "; ".join(f"stripes at {t} degrees -> yours {g:.4g}" for t, g in bad[:3])
        fb.fail(f"{len(bad)} of {len(results)} test filters are off by more than "
                f"{tolerance:g} degrees: {shown}")
    return fb.report()
# === end 05 =============================================================================

# === 06 Explore rho and beta ============================================================
__all__ += [
    "RHO_HALF_OPTIONS",
    "BETA_ZERO_OPTIONS",
    "PENALTY_SHARE_OPTIONS",
    "check_rho_half_prediction",
    "check_beta_zero_prediction",
    "check_penalty_share_prediction",
    "check_smallest_beta",
    "filter_smoothness",
]


def filter_smoothness(W1, patch_shape=(8, 8)):
    """How smooth each filter is: the correlation of neighbouring weights.

    For each row w of W1 (one filter), reshaped to ``patch_shape`` and with its mean
    removed: the sum of w_p w_q over all pairs of horizontally or vertically adjacent
    pixels, divided by the mean of w_p^2 + w_q^2 over the same pairs. An edge detector,
    smooth along its edge, scores high; a speckled, noisy pattern scores low (0 for
    independent random weights, -1 for a checkerboard). Returns one number per filter.
    """
    W = np.asarray(W1, dtype=float).reshape(-1, *patch_shape)
    W = W - W.mean(axis=(1, 2), keepdims=True)
    pairs = [(W[:, 1:, :], W[:, :-1, :]), (W[:, :, 1:], W[:, :, :-1])]
    num = sum((p * q).sum(axis=(1, 2)) for p, q in pairs)
    den = sum((0.5 * (p**2 + q**2)).sum(axis=(1, 2)) for p, q in pairs)
    return num / den


def _explorer_grid():
    from .widgets import load_explorer_grid

    return load_explorer_grid()


def _check_choice(name, answer, options, correct, explain):
    """A predict-then-check question: compare the learner's letter, then explain."""
    letters = ", ".join(f"'{k}'" for k in options)
    if answer is None:
        print(f"✗ {name}: not answered yet -- in the cell above, replace None by your "
              f"prediction, one of {letters} (predict first, then check).")
        return False
    key = str(answer).strip().lower().strip("()")
    if key not in options:
        print(f"✗ {name}: {answer!r} is not one of the options {letters}.")
        return False
    if key == correct:
        print(f"✓ {name}: right, ({key}) {options[key]}.")
        print(f"  {explain()}")
        return True
    print(f"✗ {name}: you predicted ({key}) {options[key]} -- the trained models say "
          f"({correct}) {options[correct]}.")
    print(f"  {explain()}")
    return False


# --- Exercise 1: rho -> 0.5 -------------------------------------------------------------
RHO_HALF_OPTIONS = {
    "a": "the same clean edge detectors as at rho = 0.01",
    "b": "rough, speckled patterns without clear edges, much like the network without "
         "sparsity (beta = 0)",
    "c": "noise: every unit switches off, as at rho = 0.001",
}


def check_rho_half_prediction(answer):
    """Predict: with beta = 3, what do the filters become when rho goes up to 0.464?"""
    def explain():
        g = _explorer_grid()
        i01, j3 = g.find(0.01, 3.0)
        ihalf, j0 = len(g.rho) - 1, 0
        s = {k: filter_smoothness(g.model(*k).W1).mean()
             for k in [(i01, j3), (ihalf, j3), (ihalf, j0)]}
        return (f"At rho = {g.rho[ihalf]:.3g} every unit is asked to be on about half the "
                f"time (mean rho_hat_j = {g.mean_activation[ihalf, j3]:.3f}), close to what "
                f"the network does without any penalty ({g.mean_activation[ihalf, j0]:.3f} "
                "at beta = 0): the sparsity constraint no longer constrains. So the filters "
                "look like the non-sparse network's and so does the reconstruction error: "
                f"{g.reconstruction_error[ihalf, j3]:.3g} (beta = 0: "
                f"{g.reconstruction_error[ihalf, j0]:.3g}; rho = 0.01: "
                f"{g.reconstruction_error[i01, j3]:.3g}). Neighbouring weights agree far "
                f"less (filter_smoothness {s[(ihalf, j3)]:.2f}, beta = 0: {s[(ihalf, j0)]:.2f}) "
                f"than in the edge detectors at rho = 0.01 ({s[(i01, j3)]:.2f}).")
    return _check_choice("rho -> 0.5", answer, RHO_HALF_OPTIONS, "b", explain)


# --- Exercise 2: beta = 0 ---------------------------------------------------------------
BETA_ZERO_OPTIONS = {
    "a": "the rho_hat_j follow the target rho as you move it",
    "b": "nothing changes as you move rho: one and the same model for every rho",
    "c": "the rho_hat_j all drop to about 0",
}


def check_beta_zero_prediction(answer):
    """Predict: with beta = 0, what happens as you move the rho slider?"""
    def explain():
        g = _explorer_grid()
        same = all(np.array_equal(g.theta[i, 0], g.theta[0, 0]) for i in range(len(g.rho)))
        rh = g.rho_hat[0, 0]
        return ("rho enters J_sparse only through beta * sum_j KL(rho || rho_hat_j); with "
                "beta = 0 that term is 0 for every rho, so training sees the same objective "
                "and finds the same weights"
                f"{' (the grid stores one model for the whole column)' if same else ''}. "
                f"Its units' average activations rho_hat_j lie between {rh.min():.2f} and "
                f"{rh.max():.2f} (mean {rh.mean():.2f}), whatever rho says.")
    return _check_choice("beta = 0", answer, BETA_ZERO_OPTIONS, "b", explain)


# --- Exercise 3: how big is the penalty term? -------------------------------------------
PENALTY_SHARE_OPTIONS = {
    "a": "under 5% of the cost",
    "b": "between 20% and 50% of the cost",
    "c": "over half of the cost",
}


def check_penalty_share_prediction(answer):
    """Predict: at UFLDL's rho = 0.01, beta = 3, what share of J_sparse is the penalty?"""
    def explain():
        g = _explorer_grid()
        i, j = g.find(0.01, 3.0)
        _, j0 = g.find(0.01, 0.0)
        return (f"The penalty is {100 * g.penalty_share[i, j]:.1f}% of J_sparse = "
                f"{g.cost[i, j]:.3g}: training drives every rho_hat_j close to rho "
                f"(mean {g.rho_hat[i, j].mean():.4f}), where KL is nearly 0. The penalty acts "
                "like a constraint: cheap once met, decisive for what is learned. Its real "
                "price shows in the reconstruction error: "
                f"{g.reconstruction_error[i, j]:.3g} with the penalty, "
                f"{g.reconstruction_error[i, j0]:.3g} without it (beta = 0).")
    return _check_choice("penalty share", answer, PENALTY_SHARE_OPTIONS, "a", explain)


# --- Exercise 4: the smallest beta that holds every unit near rho -----------------------
def _smallest_beta_reference(grid, rho, tolerance, use_mean=False):
    i = grid.find(rho, grid.beta[0])[0]
    for j, beta in enumerate(grid.beta):
        rh = grid.rho_hat[i, j]
        dev = np.abs(rh.mean() - rho) if use_mean else np.max(np.abs(rh - rho))
        if dev <= tolerance * rho:
            return float(beta), j
    return None, None


def check_smallest_beta(smallest_beta):
    """Check ``smallest_beta(grid, rho, tolerance)`` on every rho of the grid.

    It must return the smallest beta of the grid at which EVERY unit's rho_hat_j lies
    within ``tolerance * rho`` of ``rho`` (|rho_hat_j - rho| <= tolerance * rho for all j),
    or None when no beta of the grid achieves that.
    """
    fb = Feedback("smallest_beta")
    g = _explorer_grid()
    for tolerance in (0.5, 0.2):
        for rho in g.rho:
            want, _ = _smallest_beta_reference(g, rho, tolerance)
            what = f"rho = {rho:.3g}, tolerance = {tolerance:g}"
            ok, got = call_learner(fb, smallest_beta, g, float(rho), tolerance)
            if not ok:
                return fb.report()
            if want is None:
                if got is not None:
                    fb.fail(f"{what}: no beta of the grid holds every unit within "
                            f"{tolerance:g} * rho, so the answer is None; yours is {got!r}")
                continue
            if got is None:
                fb.fail(f"{what}: expected beta = {want:g}, yours is None")
                continue
            try:
                got_f = float(got)
            except (TypeError, ValueError):
                fb.fail(f"{what}: return a number (a beta of the grid) or None; yours is "
                        f"{got!r}")
                continue
            if np.isclose(got_f, want):
                continue
            hint = ""
            mean_answer, _ = _smallest_beta_reference(g, rho, tolerance, use_mean=True)
            if mean_answer is not None and np.isclose(got_f, mean_answer):
                hint = (" -- that is where the MEAN of rho_hat_j gets close; the task asks "
                        "for every unit (the largest deviation)")
            elif got_f > want:
                hint = (f" -- at beta = {want:g} already every |rho_hat_j - rho| <= "
                        f"{tolerance:g} * rho; search from the smallest beta upwards")
            fb.fail(f"{what}: expected beta = {want:g}, yours is {got_f:g}{hint}")
            if len(fb.problems) >= 4:
                return fb.report()
    return fb.report()


# === end 06 =============================================================================

# === 07 Two passes for large training sets ==============================================
# Notebook 07: measuring peak memory, a data set readable only in chunks, and the checkers
# of its exercises (the first pass; predicting the full batch's memory; a chunk size for
# a memory budget).
import tracemalloc as _n07_tracemalloc

from .objective import cost_and_grad as _n07_cost_and_grad
from .objective import initialize_parameters as _n07_initialize_parameters
from .objective import sigmoid as _n07_sigmoid

__all__ += [
    "peak_traced_memory",
    "ColumnReader",
    "check_rho_hat_in_chunks",
    "check_full_batch_memory_prediction",
    "check_chunk_size_for_budget",
]


def peak_traced_memory(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)``; return ``(result, peak_bytes)``.

    ``peak_bytes`` is the largest amount of memory allocated *during* the call beyond what
    was allocated when it started, as counted by :mod:`tracemalloc` -- which sees every
    numpy array buffer, but not the pages of an ``np.memmap`` (those belong to the file,
    and the operating system can drop and re-read them at will). The numbers are
    deterministic: the same code on the same shapes allocates the same arrays.
    """
    was_tracing = _n07_tracemalloc.is_tracing()
    if not was_tracing:
        _n07_tracemalloc.start()
    try:
        _n07_tracemalloc.reset_peak()
        before = _n07_tracemalloc.get_traced_memory()[0]
        result = fn(*args, **kwargs)
        peak = _n07_tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            _n07_tracemalloc.stop()
    return result, peak


class ColumnReader:
    """A data set that can only be read a few columns at a time, like a file too large
    for memory.

    Wraps an array of shape (visible_size, m). ``reader[:, start:stop]`` returns those
    columns (a new array) and records the read in ``reader.reads``; ``reader.shape``,
    ``reader.ndim``, ``reader.dtype`` and ``len(reader)`` behave as for the array. Reading
    more than ``max_columns`` columns at once, or turning the whole reader into one array
    (``np.asarray(reader)``), raises ``MemoryError`` saying so: that is how a checker
    notices code that would try to load a file larger than memory.
    """

    def __init__(self, data, max_columns):
        self._data = np.asarray(data)
        if self._data.ndim != 2:
            raise ValueError(f"data must be 2-D (visible_size, m), got shape {self._data.shape}.")
        self.max_columns = int(max_columns)
        self.reads = []

    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: 2)
    dtype = property(lambda self: self._data.dtype)
    size = property(lambda self: self._data.size)

    def __len__(self):
        return self._data.shape[0]

    def __getitem__(self, key):
        m = self._data.shape[1]
        if (not isinstance(key, tuple) or len(key) != 2 or key[0] not in (slice(None), Ellipsis)
                or not isinstance(key[1], slice)):
            raise TypeError(f"this data set can only be read as data[:, start:stop] (all rows, "
                            f"a range of columns); you asked for data[{key!r}]")
        start, stop, step = key[1].indices(m)
        if step != 1:
            raise TypeError("read a contiguous range of columns, data[:, start:stop], "
                            "without a step")
        n = max(0, stop - start)
        if n > self.max_columns:
            raise MemoryError(f"you read {n} columns at once (data[:, {start}:{stop}]); with "
                              f"chunk_size = {self.max_columns} read at most that many at a "
                              "time -- the whole set may not fit in memory")
        self.reads.append((start, stop))
        return self._data[:, start:stop].copy()

    def __array__(self, dtype=None, copy=None):
        raise MemoryError("you turned the whole data set into one array (np.asarray(data), "
                          "np.array(data), data.mean(...) or similar); the point of the chunks "
                          "is never to hold all of it -- read data[:, start:stop]")

    def __iter__(self):
        raise TypeError("do not iterate over the data set itself; loop over chunk starts, "
                        "for start in range(0, m, chunk_size), and read data[:, start:start + "
                        "chunk_size]")

    def __repr__(self):
        return f"ColumnReader(shape={self.shape}, max_columns={self.max_columns})"


def _n07_rho_hat_case(seed=7, visible=12, hidden=5, m=103):
    """W1, b1 and data whose examples change along the set (so averaging mistakes show)."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 0.8, (hidden, visible))
    b1 = rng.normal(0, 0.5, hidden)
    trend = np.linspace(-1.0, 1.0, m)[None, :]                 # later examples differ
    data = np.clip(0.5 + 0.25 * trend + rng.normal(0, 0.15, (visible, m)), 0.0, 1.0)
    return W1, b1, data


def _n07_describe_columns(cols):
    cols = list(cols)
    if len(cols) <= 6:
        return ", ".join(str(c) for c in cols)
    return ", ".join(str(c) for c in cols[:5]) + f", ... ({len(cols)} columns)"


def check_rho_hat_in_chunks(rho_hat_in_chunks):
    """Check ``rho_hat_in_chunks(W1, b1, data, chunk_size)``: the first pass.

    It must return rho_hat, the average over all m examples of each hidden unit's
    activation a2 = f(W1 x + b1), shape (hidden_size,), reading ``data`` only as
    ``data[:, start:stop]`` with at most ``chunk_size`` columns at a time and each column
    exactly once. ``data`` is a :class:`ColumnReader`, so loading everything at once is
    noticed. Names the common mistakes: the last (partial) chunk dropped, off-by-one chunk
    boundaries, overlapping chunks, averaging the chunk means, dividing by the wrong count,
    averaging z2 instead of a2, forgetting b1.
    """
    fb = Feedback("rho_hat_in_chunks")
    W1, b1, full = _n07_rho_hat_case()
    for m, cs in [(103, 10), (103, 1), (100, 10), (103, 7), (103, 103), (103, 500)]:
        what = f"m = {m}, chunk_size = {cs}"
        data = full[:, :m]
        reader = ColumnReader(data, cs)
        ok, value = call_learner(fb, rho_hat_in_chunks, W1.copy(), b1.copy(), reader, cs)
        if not ok:
            break
        if value is None:
            fb.fail(f"{what}: your function returned None (did you forget `return`?)")
            break
        got = np.asarray(value, dtype=float)
        a2 = _n07_sigmoid(W1 @ data + b1[:, None])
        expected = a2.mean(axis=1)
        h = len(b1)
        if got.shape != (h,):
            if got.size == h:
                fb.fail(f"{what}: return a vector of shape ({h},) -- one average per hidden "
                        f"unit -- yours has shape {got.shape} (np.ravel it, or keep the "
                        "running sum as np.zeros(hidden_size))")
            elif got.size == m:
                fb.fail(f"{what}: yours has shape {got.shape}, one number per example: "
                        "average over the examples (the columns), not over the units")
            else:
                fb.fail(f"{what}: expected shape ({h},), yours has shape {got.shape}")
            break
        # which columns were read, and how often
        counts = np.zeros(m, dtype=int)
        for s, e in reader.reads:
            counts[s:e] += 1
        missing = np.flatnonzero(counts == 0)
        if missing.size:
            tail = np.arange(m - m % cs, m) if m % cs else np.arange(0)
            if tail.size and np.array_equal(missing, tail):
                fb.fail(f"{what}: the last, partial chunk (columns {tail[0]}..{m - 1}) was "
                        f"never read. m = {m} is not a multiple of chunk_size = {cs}; "
                        "range(0, m, chunk_size) yields that last start too (m // chunk_size "
                        "chunks do not), and data[:, start:start + chunk_size] simply stops "
                        "at m")
            elif cs > 1 and np.all((missing + 1) % cs == 0):
                fb.fail(f"{what}: off by one: the last column of each chunk ({_n07_describe_columns(missing)}) "
                        "was never read. A slice start:stop already excludes stop, so read "
                        "data[:, start:start + chunk_size], not start + chunk_size - 1")
            else:
                fb.fail(f"{what}: columns {_n07_describe_columns(missing)} were never read; "
                        "every example counts in rho_hat")
            break
        if (counts > 1).any():
            twice = np.flatnonzero(counts > 1)
            fb.fail(f"{what}: columns {_n07_describe_columns(twice)} were read more than once "
                    "(overlapping chunks, or the data read twice). One pass reads each "
                    "example exactly once -- for a file on disk every extra read costs time")
            break
        if np.allclose(got, expected, rtol=1e-10, atol=1e-13):
            continue
        chunks = [(s, min(s + cs, m)) for s in range(0, m, cs)]
        sums = a2.sum(axis=1)
        z2 = W1 @ data + b1[:, None]
        candidates = [
            (np.mean([a2[:, s:e].mean(axis=1) for s, e in chunks], axis=0),
             "you averaged the chunk means. The last chunk is smaller than the others, so "
             "its examples weigh more in a mean of means: keep a running *sum* of a2 over "
             "all examples and divide by m once at the end"),
            (sums / (len(chunks) * cs),
             "you divided the sum by (number of chunks) x chunk_size, which is more than m "
             "when the last chunk is partial; divide by m, the number of examples"),
            (sums / cs, "you divided by chunk_size; divide the sum over all examples by m"),
            (sums / len(chunks), "you divided by the number of chunks; divide by m"),
            (sums, "you returned the sum of the activations; divide it by m"),
            (a2[:, chunks[-1][0]:].mean(axis=1),
             "that is the mean of the last chunk only: add each chunk's sum to a running "
             "total (a2_sum += ...) instead of overwriting it"),
            (a2[:, chunks[-1][0]:].sum(axis=1) / m,
             "only the last chunk's sum survived: accumulate (a2_sum += ...), do not assign"),
            (z2.mean(axis=1), "you averaged z2 = W1 x + b1; rho_hat averages the activations "
                              "a2 = f(z2) -- apply the sigmoid"),
            (_n07_sigmoid(W1 @ data).mean(axis=1), "b1 is missing: a2 = f(W1 x + b1)"),
        ]
        for cand, message in candidates:
            if np.allclose(got, cand, rtol=1e-9, atol=1e-12):
                fb.fail(f"{what}: {message}")
                break
        else:
            err = np.max(np.abs(got - expected))
            fb.fail(f"{what}: the values differ from the average activation by up to "
                    f"{err:.3g}; rho_hat_j = (1/m) sum_i f(W1 x_i + b1)_j")
        break
    return fb.report()


#: MNIST's network of notebook 08, for the memory prediction.
_N07_PREDICT = dict(visible=784, hidden=196, m=10_000)


def _n07_measure_full_batch(visible, hidden, m):
    rng = np.random.default_rng(0)
    data = rng.uniform(0.0, 1.0, (visible, m))
    theta = _n07_initialize_parameters(hidden, visible, rng)
    _, peak = peak_traced_memory(_n07_cost_and_grad, theta, visible, hidden, 3e-3, 0.1, 3.0,
                                 data)
    return peak


def check_full_batch_memory_prediction(predicted_mb):
    """Check a prediction of the peak memory (in MB, 10**6 bytes) of one full-batch
    evaluation of ``cost_and_grad`` for 784 inputs, 196 hidden units and m = 10,000
    examples (MNIST's network in notebook 08).

    The checker measures it with :func:`peak_traced_memory` and accepts predictions within
    15%. It recognises the usual slips: counting a2 and a3 only, forgetting the 8 bytes of
    a float64, counting the data, answering in bytes or GB.
    """
    fb = Feedback("full-batch memory prediction")
    if predicted_mb is None:
        fb.fail("not answered yet: set predicted_mb to your prediction, in MB")
        return fb.report()
    try:
        pred = float(predicted_mb)
    except (TypeError, ValueError):
        fb.fail(f"predicted_mb must be a number of MB, got {predicted_mb!r}")
        return fb.report()
    v, h, m = _N07_PREDICT["visible"], _N07_PREDICT["hidden"], _N07_PREDICT["m"]
    if not np.isfinite(pred) or pred <= 0:
        fb.fail(f"a peak memory is a positive number of MB, got {pred!r}")
        return fb.report()
    measured = _n07_measure_full_batch(v, h, m) / 1e6
    per_example = 8 * (h + 1 + 2 * v)
    guesses = [
        (8 * (h + v) * m / 1e6, "you counted a2 and a3; f'(z3) = a3 (1 - a3) is a third array "
                                "alive at the same moment (and [a2; 1] has one row more)"),
        ((h + 1 + 2 * v) * m / 1e6, "you counted the numbers but not their size: a float64 "
                                    "takes 8 bytes"),
        (8 * (h + 1 + 3 * v) * m / 1e6, "the data itself was allocated before the evaluation "
                                        "started; the peak counts only what the evaluation "
                                        "adds"),
        (8 * v * m / 1e6, "that is the size of the data alone"),
    ]
    if abs(pred / measured - 1) <= 0.15:
        pass
    elif pred > 1e5:
        fb.fail(f"{pred:.4g} looks like bytes; give megabytes (divide by 10**6)")
    elif pred < 5 and abs(pred * 1000 / measured - 1) <= 0.15:
        fb.fail(f"{pred:.4g} looks like gigabytes; give megabytes (1 GB = 1000 MB)")
    else:
        for value, message in guesses:
            if abs(pred / value - 1) <= 0.1:
                fb.fail(f"{pred:.4g} MB: {message}. The measured peak is {measured:.0f} MB")
                break
        else:
            fb.fail(f"{pred:.4g} MB is {pred / measured:.2g} times the measured peak of "
                    f"{measured:.0f} MB. Count the arrays of cost_and_grad that hold one "
                    "column per example at the same moment, 8 bytes per number")
    ok = fb.report()
    if ok:
        print(f"  Measured: {measured:.0f} MB. Per example, at the peak cost_and_grad holds "
              f"[a2; 1] ({h} + 1 numbers), a3 in the buffer d ({v}) and f'(z3) ({v}) at once: "
              f"8 x ({h} + 1 + 2 x {v}) = {per_example} bytes, times m = {m:,} is "
              f"{per_example * m / 1e6:.0f} MB. The rest is a few parameter-sized buffers "
              "(the negated weights, the gradient).")
    return ok


def check_chunk_size_for_budget(chunk_size_for_budget):
    """Check ``chunk_size_for_budget(budget_mb, visible_size, hidden_size)``.

    It must return a chunk size (a positive int) for which a two-pass evaluation of
    ``cost_and_grad`` stays within ``budget_mb`` MB (10**6 bytes) of extra memory, yet
    uses at least 70% of it (fewer, larger chunks are faster). The learner's function may
    measure (e.g. with :func:`peak_traced_memory` at two chunk sizes) or count. The checker
    measures each answer on data of 2.4 chunks, for a patch-sized and an MNIST-sized
    network.
    """
    fb = Feedback("chunk_size_for_budget")
    for budget, v, h in [(8, 64, 25), (40, 64, 25), (40, 784, 196)]:
        what = f"budget {budget} MB, {v} inputs, {h} hidden"
        ok, c = call_learner(fb, chunk_size_for_budget, budget, v, h)
        if not ok:
            break
        if isinstance(c, (float, np.floating)) and float(c).is_integer():
            c = int(c)
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)):
            fb.fail(f"{what}: return a whole number of examples (an int), got {c!r}"
                    + (" -- use int(...) or // " if isinstance(c, (float, np.floating)) else ""))
            break
        c = int(c)
        if c < 1:
            fb.fail(f"{what}: the chunk size must be at least 1, got {c}: is the budget "
                    "smaller than the fixed part (parameters and gradient)? It should not be "
                    "here")
            break
        if c > 2_000_000:
            fb.fail(f"{what}: {c} examples per chunk cannot fit in {budget} MB; each example "
                    "needs several arrays of hidden_size or visible_size float64 numbers")
            break
        m = 2 * c + (2 * c) // 5 + 1
        rng = np.random.default_rng(1)
        data = rng.uniform(0.0, 1.0, (v, m))
        theta = _n07_initialize_parameters(h, v, rng)
        _, peak = peak_traced_memory(_n07_cost_and_grad, theta, v, h, 1e-4, 0.1, 3.0, data,
                                     chunk_size=c)
        del data
        used = peak / (budget * 1e6)
        if used > 1:
            fb.fail(f"{what}: with chunk_size = {c} the evaluation peaked at "
                    f"{peak / 1e6:.3g} MB, {used:.0%} of the budget. Count every array that "
                    "holds one column per example at the peak, and the fixed part")
            break
        if used < 0.7:
            fb.fail(f"{what}: chunk_size = {c} peaks at {peak / 1e6:.3g} MB, only {used:.0%} "
                    "of the budget: larger chunks would fit, and every chunk costs a Python "
                    "round trip and two small matrix products more")
            break
    return fb.report()
# === end 07 =============================================================================

# === 08 Pen strokes from digits =========================================================
# Notebook 08: the objective written one example at a time (the starting point of UFLDL's
# vectorisation exercise) and the checkers of its exercises.
import sys as _n08_sys

from .objective import initialize_parameters as _n08_initialize_parameters
from .objective import kl_divergence as _n08_kl_divergence
from .objective import pack_parameters as _n08_pack
from .objective import sigmoid as _n08_sigmoid
from .objective import sparse_autoencoder_cost as _n08_cost
from .objective import unpack_parameters as _n08_unpack

__all__ += ["loop_sparse_autoencoder_cost", "check_vectorized_cost", "check_rho_for_digits"]


def loop_sparse_autoencoder_cost(theta, visible_size, hidden_size, lambda_, sparsity_param,
                                 beta, data):
    """The sparse autoencoder objective computed one example at a time.

    This is how backpropagation reads in the CS294A notes, and how a first implementation
    usually looks: a loop over the examples to get rho_hat, then a second loop in which
    each example gets its forward pass, its deltas and its share of the gradient. It
    returns the same ``(cost, grad)`` as :func:`sae_lib.sparse_autoencoder_cost`, but the
    Python loops run 2m times -- notebook 08's exercise turns them into matrix products.
    """
    W1, W2, b1, b2 = _n08_unpack(theta, visible_size, hidden_size)
    data = np.asarray(data, dtype=float)
    m = data.shape[1]
    rho = sparsity_param

    # Loop 1: rho_hat, the average activation of each hidden unit over all examples.
    rho_hat = np.zeros(hidden_size)
    for i in range(m):
        x = data[:, i]
        rho_hat += _n08_sigmoid(W1 @ x + b1)
    rho_hat /= m
    sparsity = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))   # same for every example

    # Loop 2: each example's error, its deltas and its share of the gradient.
    squared_error = 0.0
    W1grad, W2grad = np.zeros_like(W1), np.zeros_like(W2)
    b1grad, b2grad = np.zeros_like(b1), np.zeros_like(b2)
    for i in range(m):
        x = data[:, i]
        a2 = _n08_sigmoid(W1 @ x + b1)
        a3 = _n08_sigmoid(W2 @ a2 + b2)
        squared_error += 0.5 * np.sum((a3 - x) ** 2)
        delta3 = (a3 - x) * a3 * (1 - a3)
        delta2 = (W2.T @ delta3 + sparsity) * a2 * (1 - a2)
        W1grad += np.outer(delta2, x)
        W2grad += np.outer(delta3, a2)
        b1grad += delta2
        b2grad += delta3

    cost = (squared_error / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(_n08_kl_divergence(rho, rho_hat)))
    return cost, _n08_pack(W1grad / m + lambda_ * W1, W2grad / m + lambda_ * W2,
                           b1grad / m, b2grad / m)


def _n08_traced_call(fn, *args):
    """Call fn(*args) counting the Python lines executed in fn's own file (its notebook
    cell): a loop over the examples runs thousands; matrix code a few dozen."""
    code = getattr(fn, "__code__", None)
    filename = code.co_filename if code is not None else None
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == filename else None

    previous = _n08_sys.gettrace()
    _n08_sys.settrace(tracer)
    try:
        result = fn(*args)
    finally:
        _n08_sys.settrace(previous)
    return result, count[0]


def _n08_blocks(grad, visible, hidden):
    return dict(zip(("W1", "W2", "b1", "b2"), _n08_unpack(grad, visible, hidden)))


def _n08_wrong_blocks(got, expected, visible, hidden, rtol=1e-7):
    g, e = _n08_blocks(got, visible, hidden), _n08_blocks(expected, visible, hidden)
    wrong = []
    for name in g:
        scale = max(np.max(np.abs(e[name])), 1e-12)
        if np.max(np.abs(g[name] - e[name])) > rtol * scale:
            wrong.append(name)
    return wrong


def _n08_as_cost_grad(fb, value, n, what):
    if not isinstance(value, tuple) or len(value) != 2:
        fb.fail(f"{what}: return a pair (cost, grad), as sparse_autoencoder_cost does; got "
                f"{type(value).__name__}")
        return None
    cost, grad = value
    try:
        cost = float(np.asarray(cost).item())
    except (TypeError, ValueError):
        fb.fail(f"{what}: the cost must be one number, got shape {np.shape(cost)}")
        return None
    try:
        grad = np.asarray(grad, dtype=float)
    except (TypeError, ValueError):
        kind = (f"a {type(grad).__name__} of {len(grad)} arrays"
                if isinstance(grad, (tuple, list)) else type(grad).__name__)
        fb.fail(f"{what}: grad must be a vector of length {n} laid out like theta "
                f"(pack_parameters(W1grad, W2grad, b1grad, b2grad)); yours is {kind}")
        return None
    if grad.shape != (n,):
        fb.fail(f"{what}: grad must be a vector of length {n} laid out like theta "
                f"(pack_parameters(W1grad, W2grad, b1grad, b2grad)); yours has shape "
                f"{grad.shape}")
        return None
    return cost, grad


def check_vectorized_cost(vectorized_cost):
    """Check a vectorised ``vectorized_cost(theta, visible_size, hidden_size, lambda_,
    sparsity_param, beta, data) -> (cost, grad)`` against the loop version.

    If the result differs, the checker evaluates the function with the weight decay and the
    sparsity penalty switched off and on (lambda_ = 0, beta = 0), so it can say which term
    -- reconstruction error, weight decay, sparsity -- is wrong, in the cost or in which
    gradient blocks. If the result is right, it also checks that the work is vectorised:
    the Python lines executed in the learner's cell must not grow with the number of
    examples.
    """
    from .data import load_digits

    fb = Feedback("vectorized_cost")
    v, h, m = 64, 9, 200
    data = load_digits()[0][:, :m].copy()
    rng = np.random.default_rng(8)
    theta = _n08_initialize_parameters(h, v, rng)
    theta[2 * h * v:] = rng.normal(0, 0.5, h + v)       # non-zero biases: every term counts
    lambda_, rho, beta = 2e-3, 0.07, 2.5      # not the notebook's values: globals show up
    n = theta.size

    def ref(lam, bet):
        return _n08_cost(theta, v, h, lam, rho, bet, data)

    def learner(lam, bet, what, traced=False):
        args = (theta.copy(), v, h, lam, rho, bet, data.copy())
        if traced:
            ok, value = call_learner(fb, _n08_traced_call, vectorized_cost, *args)
            if not ok:
                return None, None
            value, lines = value
        else:
            ok, value = call_learner(fb, vectorized_cost, *args)
            if not ok:
                return None, None
            lines = None
        return _n08_as_cost_grad(fb, value, n, what), lines

    what = f"lambda_ = {lambda_}, rho = {rho}, beta = {beta}, m = {m} digits"
    got, lines = learner(lambda_, beta, what, traced=True)
    if got is None:
        return fb.report()
    exp_cost, exp_grad = ref(lambda_, beta)
    if (abs(got[0] - exp_cost) <= 1e-9 * abs(exp_cost)
            and not _n08_wrong_blocks(got[1], exp_grad, v, h, rtol=1e-9)):
        if lines > m:
            fb.fail(f"the result is right, but your function ran {lines} lines of Python for "
                    f"m = {m} examples: it still loops over the examples. Replace the loop "
                    "by matrix products on all columns at once (W1 @ data + b1[:, None], "
                    "...); the vectorised version runs the same few dozen lines whatever m "
                    "is")
        return fb.report()

    # Something differs: find which term.
    parts = {}
    for name, lam, bet in (("none", 0.0, 0.0), ("decay", lambda_, 0.0), ("sparsity", 0.0, beta)):
        g, _ = learner(lam, bet, f"lambda_ = {lam}, beta = {bet}")
        if g is None:
            return fb.report()
        parts[name] = (g, ref(lam, bet))
    (rc, rg), (erc, erg) = parts["none"]
    if (parts["decay"][0][0] == rc and parts["sparsity"][0][0] == rc
            and np.array_equal(parts["decay"][0][1], rg)
            and np.array_equal(parts["sparsity"][0][1], rg)):
        fb.fail("your function returns the same cost and gradient whatever lambda_ and beta "
                "are: it must use its arguments lambda_, sparsity_param and beta, not "
                "variables of the notebook with the same meaning")
        return fb.report()
    unit_sparsity = ref(0.0, 1.0)[1] - erg        # the sparsity gradient at beta = 1
    if (_n08_wrong_blocks(rg, erg, v, h)
            and np.allclose(rg - erg, unit_sparsity, rtol=1e-7, atol=1e-12)):
        fb.fail("with beta = 0 your gradient still contains the sparsity term: beta is "
                "missing from the sparsity term of delta2, which must be beta * (-rho/rho_hat "
                "+ (1-rho)/(1-rho_hat))")
        return fb.report()
    found = False
    # 1. reconstruction term (lambda_ = beta = 0)
    if abs(rc - erc) > 1e-9 * abs(erc):
        found = True
        sq = erc                                          # (1/m) sum 1/2 ||a3 - x||^2
        hints = [(2 * sq, "it is twice the expected: the 1/2 in 1/2 ||a3 - x||^2 is missing"),
                 (m * sq, "it is m times the expected: average over the examples (divide "
                          "the sum by m)"),
                 (sq / 2, "it is half the expected: the 1/2 is applied twice"),
                 (sq / m, "it is 1/m of the expected: divided by m twice?")]
        hint = next((t for val, t in hints if abs(rc - val) <= 1e-9 * abs(val)),
                    f"expected {erc:.6g}, yours is {rc:.6g}")
        fb.fail(f"reconstruction term (the cost with lambda_ = 0, beta = 0): {hint}")
    wrong = _n08_wrong_blocks(rg, erg, v, h)
    if wrong:
        found = True
        g, e = _n08_blocks(rg, v, h), _n08_blocks(erg, v, h)
        ratios = {b: float(np.sum(g[b] * e[b]) / np.sum(e[b] * e[b])) for b in wrong}
        hint = ""
        if all(abs(r - m) < 1e-6 * m for r in ratios.values()):
            hint = ": m times too large -- divide the sums over examples by m"
        elif set(wrong) == {"W1", "b1"}:
            hint = ": W2 and b2 are right, so delta3 is; look at delta2 = (W2.T @ delta3) * f'(z2)"
        elif set(wrong) <= {"b1", "b2"}:
            hint = (": the bias gradients are the deltas summed over the examples "
                    "(axis=1), divided by m")
        fb.fail(f"reconstruction term, gradient: wrong for {', '.join(wrong)}"
                f"{', right for ' + ', '.join(b for b in ('W1', 'W2', 'b1', 'b2') if b not in wrong) if len(wrong) < 4 else ''}"
                f"{hint}")
    # 2. weight decay (its own difference to the lambda_ = 0 result)
    (dc, dg), (edc, edg) = parts["decay"]
    W1, W2, b1, b2 = _n08_unpack(theta, v, h)
    decay, edecay = dc - rc, edc - erc
    if abs(decay - edecay) > 1e-9 * abs(edecay):
        found = True
        with_bias = lambda_ / 2 * (np.sum(W1**2) + np.sum(W2**2) + np.sum(b1**2) + np.sum(b2**2))
        hints = [(2 * edecay, "twice the expected: the weight decay is lambda_/2 times the "
                              "sum of squared weights"),
                 (with_bias, "the biases are included; weight decay applies to W1 and W2 "
                             "only"),
                 (edecay / 2, "half the expected: lambda_/2 (||W1||^2 + ||W2||^2), not "
                              "lambda_/4"),
                 (lambda_ / 2 * np.sum(W1**2), "only W1 is decayed; add ||W2||^2"),
                 (0.0, "it is missing")]
        hint = next((t for val, t in hints if abs(decay - val) <= 1e-9 * max(abs(val), 1e-12)),
                    f"it adds {decay:.6g} to the cost, expected {edecay:.6g}")
        fb.fail(f"weight-decay term (the cost with lambda_ = {lambda_} minus with lambda_ = "
                f"0): {hint}")
    wrong = _n08_wrong_blocks(dg - rg, edg - erg, v, h)
    if wrong:
        found = True
        if set(wrong) <= {"b1", "b2"}:
            hint = "the biases are decayed too; their gradient gets no lambda_ term"
        else:
            hint = "the weight-decay part of the gradient is lambda_ * W1 and lambda_ * W2"
        fb.fail(f"weight-decay term, gradient: wrong for {', '.join(wrong)} -- {hint}")
    # 3. sparsity (its own difference to the beta = 0 result)
    (sc, sg), (esc, esg) = parts["sparsity"]
    sp, esp = sc - rc, esc - erc
    if abs(sp - esp) > 1e-9 * abs(esp):
        found = True
        fb.fail(f"sparsity term (the cost with beta = {beta} minus with beta = 0): it adds "
                f"{sp:.6g}, expected beta * sum_j KL(rho || rho_hat_j) = {esp:.6g}; rho_hat "
                "is the mean of a2 over the examples (axis=1)")
    wrong = _n08_wrong_blocks(sg - rg, esg - erg, v, h)
    if wrong:
        found = True
        ge, ee = _n08_blocks(sg - rg, v, h), _n08_blocks(esg - erg, v, h)
        b = wrong[0]
        ratio = float(np.sum(ge[b] * ee[b]) / np.sum(ee[b] * ee[b]))
        if abs(ratio - 1 / m) < 1e-3 / m:
            hint = ("it is 1/m of the expected: the sparsity term enters delta2 without a "
                    "1/m (the 1/m of rho_hat cancels the 1/m of the average)")
        elif abs(ratio - m) < 1e-3 * m:
            hint = "it is m times the expected: divide the sums over the examples by m"
        elif abs(ratio + 1) < 1e-3:
            hint = "its sign is flipped: delta2 gets + beta (-rho/rho_hat + (1-rho)/(1-rho_hat))"
        elif abs(ratio - 1 / beta) < 1e-3:
            hint = "beta is missing from the sparsity term of delta2"
        else:
            hint = ("it enters delta2 = (W2.T @ delta3 + sparsity[:, None]) * f'(z2) -- "
                    "inside the bracket, so f'(z2) multiplies it too")
        extra = [b for b in wrong if b not in ("W1", "b1")]
        fb.fail(f"sparsity term, gradient: wrong for {', '.join(wrong)}: {hint}"
                + (f" (it should not change {', '.join(extra)} at all)" if extra else ""))
    if not found:
        fb.fail("each term is right on its own, but not all three together: does your "
                "function use its arguments lambda_, sparsity_param and beta (and not "
                "variables of the notebook with the same meaning)?")
    return fb.report()


def check_rho_for_digits(rho):
    """Judge a choice of the sparsity target rho for the 8x8 digits by training with it.

    Trains 49 hidden units on the 1797 digits (lambda_ = 3e-3, beta = 3, 150 L-BFGS
    iterations, seed 0; a second or two) and reports what the code does: how many units
    never switch on (a2 > 0.5 for no digit), how many are on for a typical digit, and the
    reconstruction error against that of always answering the average digit. Accepted
    when at most 10% of the units are silent (the code is used) and at most 15% are on for
    the average digit (the code is sparse).
    """
    from .data import load_digits
    from .training import train

    fb = Feedback("rho for digits")
    if rho is None:
        fb.fail("not answered yet: set rho to your choice, a number between 0 and 1")
        return fb.report()
    try:
        rho = float(rho)
    except (TypeError, ValueError):
        fb.fail(f"rho must be a number between 0 and 1, got {rho!r}")
        return fb.report()
    if not 0 < rho < 1:
        fb.fail(f"rho is a target average activation of a sigmoid unit, strictly between 0 "
                f"and 1; got {rho}")
        return fb.report()
    data = load_digits()[0]
    h = 49
    res = train(data, h, lambda_=3e-3, sparsity_param=rho, beta=3.0, max_iter=150, rng=0,
                progress=False)
    a2 = res.hidden_activations(data)
    on = a2 > 0.5
    silent = int(np.sum(~on.any(axis=1)))
    per_digit = float(on.sum(axis=0).mean())
    err = 0.5 * np.sum((res.reconstruct(data) - data) ** 2) / data.shape[1]
    mean_err = 0.5 * np.sum((data - data.mean(axis=1, keepdims=True)) ** 2) / data.shape[1]
    print(f"rho = {rho:g}: {silent} of {h} units never switch on (a2 > 0.5); "
          f"{per_digit:.2g} units on for the average digit; reconstruction error "
          f"{err:.3g} (always answering the average digit: {mean_err:.3g}).")
    if silent > 0.1 * h:
        msg = (f"{silent} of the {h} units never switch on for any digit: rho = {rho:g} is "
               "too small for these images. The penalty holds every unit near rho on "
               "average, and a digit covers about a third of the picture: a unit that fires "
               "for a stroke fires for many digits, so its average cannot stay that low")
        if err > 0.95 * mean_err:
            msg += ("; the code carries almost nothing -- the reconstruction is no better "
                    "than the average digit")
        fb.fail(msg)
    elif per_digit > 0.15 * h:
        fb.fail(f"{per_digit:.2g} of {h} units ({per_digit / h:.0%}) are on for the average "
                f"digit: with rho = {rho:g} the code is no longer sparse. The error is low, but "
                "each unit no longer stands for one part of a digit")
    return fb.report()
# === end 08 =============================================================================

# === 09 Beyond KL: L1 and TopK ==========================================================
# Checkers of notebook 09: the TopK activation, L0 and FVU, and the predict-then-check on
# the shrinkage of L1 codes. Private names carry a _ex09 prefix (one module, many sections).
from .variants import fraction_variance_unexplained as _ex09_fvu
from .variants import l0 as _ex09_l0
from .variants import topk as _ex09_topk

__all__ += ["check_topk", "check_l0", "check_fvu", "check_shrinkage_prediction"]


def _ex09_same(got, expected, atol=1e-12):
    return got.shape == expected.shape and np.allclose(got, expected, rtol=0, atol=atol)


def _ex09_array(fb, value, what):
    """The learner's return value as a float array, or None (with a finding) if it is not one."""
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: your function returned {type(value).__name__}, not an array of numbers")
        return None


def _ex09_keep_k(z, k, axis=0, magnitude=False):
    """z where it is among the k largest (of z, or of |z|) along ``axis``, else 0."""
    key = -np.abs(z) if magnitude else -z
    idx = np.argsort(key, axis=axis, kind="stable").take(np.arange(k), axis=axis)
    out = np.zeros_like(z)
    np.put_along_axis(out, idx, np.take_along_axis(z, idx, axis=axis), axis=axis)
    return out


def _ex09_diagnose_topk(out, z, k):
    """What a wrong topk result looks like it did (a sentence), or a generic difference."""
    expected = _ex09_topk(z, k)
    if k <= z.shape[1] and z.shape[1] > 1:
        row_wise = _ex09_keep_k(z, k, axis=1)
        if _ex09_same(out, row_wise) or _ex09_same(out, np.maximum(row_wise, 0)):
            return ("you kept the k largest values of each ROW (one unit across the examples); "
                    "TopK chooses per EXAMPLE, i.e. per column of z, whose shape is "
                    "(hidden_size, m): select along axis=0")
    if np.any(out < 0):
        return (f"your result holds negative values (smallest {out.min():.3g}); TopK is "
                "followed by a ReLU, so a selected unit whose pre-activation is negative "
                "must become 0")
    by_magnitude = _ex09_keep_k(z, k, magnitude=True)
    if _ex09_same(out, np.maximum(by_magnitude, 0)):
        return ("you chose the k entries of largest magnitude |z|; TopK keeps the k LARGEST "
                "values (a large negative pre-activation is never chosen)")
    col = int(np.argmax(np.any(~np.isclose(out, expected), axis=0)))
    return (f"column {col} should be {np.round(expected[:, col], 3).tolist()}, yours is "
            f"{np.round(out[:, col], 3).tolist()}")


def check_topk(topk):
    """Check ``topk(z, k)``: per column of z (one example), keep the k largest, then ReLU.

    Cases: random columns with distinct values; a column with fewer than k positive
    values; a large negative value; k = hidden_size; a single column; a tie at the k-th
    place. Recognises: choosing per row (per unit, across examples) instead of per
    column; keeping negative values; keeping more than k units at a tie (a threshold
    ``z >= k-th largest``); choosing by magnitude |z|; changing z in place.
    """
    fb = Feedback("topk")
    rng = np.random.default_rng(9)
    cases = [
        ("a (6, 5) matrix, k = 2", rng.standard_normal((6, 5)) + 0.3, 2),
        ("a (5, 8) matrix, k = 3", rng.standard_normal((5, 8)) + 0.5, 3),
        ("a column with fewer than k positive values, k = 3",
         np.array([[-1.0, 2.0, 0.1], [0.5, 1.0, 0.2], [-2.0, 3.0, 0.3], [-0.5, 0.2, 0.4]]), 3),
        ("a large negative value, k = 1",
         np.array([[-5.0, 1.0], [2.0, -4.0], [1.0, 0.5], [0.5, 0.2]]), 1),
        ("k = hidden_size (every positive value is kept)", rng.standard_normal((4, 6)), 4),
        ("one example (a single column of 7 units), k = 3", rng.standard_normal((7, 1)) + 0.5, 3),
    ]
    for what, z, k in cases:
        z_before = z.copy()
        ok, out = call_learner(fb, topk, z, k)
        if not ok:
            return fb.report()
        if not np.array_equal(z, z_before):
            fb.fail(f"{what}: your function changed its input z in place; work on a copy "
                    "(np.where(mask, z, 0.0) builds a new array)")
            z = z_before
        out = _ex09_array(fb, out, what)
        if out is None:
            continue
        if out.shape != z.shape:
            fb.fail(f"{what}: the result must have the shape of z, {z.shape}; yours has "
                    f"shape {out.shape}")
            continue
        if not _ex09_same(out, _ex09_topk(z, k)):
            fb.fail(f"{what}: {_ex09_diagnose_topk(out, z, k)}")

    # Ties: exactly k units per example, whichever of the tied ones.
    z = np.array([[3.0, 0.4], [1.0, 2.0], [1.0, 2.0], [0.5, 2.0], [-1.0, 1.0]])
    k, what = 2, "a tie at the k-th place, k = 2"
    ok, out = call_learner(fb, topk, z.copy(), k)
    out = _ex09_array(fb, out, what) if ok else None
    if out is not None and out.shape != z.shape:
        fb.fail(f"{what}: the result must have shape {z.shape}, yours has shape {out.shape}")
    elif out is not None:
        for col in range(z.shape[1]):
            kept = np.count_nonzero(out[:, col])
            best = np.sort(_ex09_topk(z[:, [col]], k)[:, 0])
            if kept > k:
                fb.fail(f"{what}: column {col} is {z[:, col].tolist()} and your function kept "
                        f"{kept} units for k = {k}, because values tie at the k-th place; "
                        "select exactly k indices (np.argpartition or np.argsort), not every "
                        "value >= the k-th largest")
                break
            if not np.allclose(np.sort(out[:, col]), best) or np.any(
                    (out[:, col] != 0) & (out[:, col] != z[:, col])):
                fb.fail(f"{what}: column {col} is {z[:, col].tolist()}; any {k} of its largest "
                        f"values may be kept, but yours is {out[:, col].tolist()}")
                break
    return fb.report()


def _ex09_scalar(fb, value, what):
    """The learner's return value as a float, or None (with a finding) if it is not a number."""
    if value is None:
        fb.fail(f"{what}: your function returned None (did you forget `return`?)")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        fb.fail(f"{what}: return one number, yours returned {type(value).__name__}")
        return None
    if arr.size != 1:
        fb.fail(f"{what}: return one number, yours returned an array of shape {arr.shape}")
        return None
    return float(arr.reshape(()))


def check_l0(l0):
    """Check ``l0(codes)``: mean over examples (columns) of the number of nonzero units.

    Recognises: averaging over units (rows) instead of examples; returning the fraction
    of active entries (L0 / hidden_size); summing over all entries without dividing by m;
    counting the zeros.
    """
    fb = Feedback("l0")
    codes = np.array([[0.0, 1.5, 0.0, 0.0],
                      [2.0, 0.0, 0.0, 0.7],
                      [0.3, 0.1, 0.0, 0.0],
                      [0.0, 0.0, 0.0, 0.0],
                      [0.0, 0.4, 0.0, 0.2],
                      [0.0, 0.0, 0.0, 0.9]])          # 6 units x 4 examples
    h, m = codes.shape
    active = codes != 0
    sigmoid_codes = 1 / (1 + np.exp(-np.random.default_rng(3).normal(-4, 1, size=(5, 7))))
    cases = [("a (6 units, 4 examples) ReLU code", codes),
             ("sigmoid codes (5 units, all small but positive)", sigmoid_codes),
             ("codes with a single example", codes[:, [1]])]
    for what, A in cases:
        ok, got = call_learner(fb, l0, A.copy())
        if not ok:
            return fb.report()
        got = _ex09_scalar(fb, got, what)
        if got is None:
            continue
        expected = _ex09_l0(A)
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        act = A != 0
        hh, mm = A.shape
        if mm == 1 and np.isclose(got, act.mean()):
            fb.fail(f"{what}: {got:.4g} is the fraction of the units that are active; L0 is "
                    f"their NUMBER, {expected:.4g} (count down the column; do not average "
                    "over the units)")
        elif np.isclose(got, act.sum(axis=1).mean()):
            fb.fail(f"{what}: you averaged the counts over the units (rows), giving {got:.4g}; "
                    f"L0 counts the active units of each EXAMPLE (down each column of the "
                    f"(hidden_size, m) array) and averages over the m examples: {expected:.4g}")
        elif np.isclose(got, act.mean()):
            fb.fail(f"{what}: {got:.4g} is the fraction of active entries; L0 is a number of "
                    f"units per example (here {expected:.4g} = {got:.4g} x hidden_size)")
        elif np.isclose(got, act.sum()) and mm > 1:
            fb.fail(f"{what}: {got:.4g} is the total number of active entries; divide by the "
                    f"number of examples m = {mm} to get the mean per example, {expected:.4g}")
        elif np.isclose(got, (~act).sum(axis=0).mean()):
            fb.fail(f"{what}: you counted the zeros ({got:.4g}); count the units that are NOT "
                    f"zero: {expected:.4g}")
        else:
            fb.fail(f"{what}: expected {expected:.4g}, yours is {got:.4g}")
    if not fb.problems:
        print(f"  (sigmoid codes: L0 = {_ex09_l0(sigmoid_codes):g} = hidden_size, although "
              f"the mean activation is only {sigmoid_codes.mean():.3f})")
    return fb.report()


def check_fvu(fvu):
    """Check ``fvu(x, x_hat)`` = sum ||x_hat - x||^2 / sum ||x - x_bar||^2.

    Cases: a perfect reconstruction (0); the mean example everywhere (1); a noisy
    reconstruction of data whose dimensions have different means. Recognises: an
    uncentred denominator (sum x^2); centring by the single overall mean instead of each
    dimension's mean; the square root (a ratio of norms); the fraction of variance
    EXPLAINED (1 - FVU); per-dimension ratios averaged; arguments used in swapped roles.
    """
    fb = Feedback("fvu")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 6)) + np.array([[2.0], [-1.0], [0.5]])
    x_bar = x.mean(axis=1, keepdims=True)
    noisy = x + 0.4 * rng.standard_normal(x.shape)
    cases = [("a perfect reconstruction (x_hat = x)", x, x.copy()),
             ("the mean example for every example (x_hat_i = x_bar)", x,
              np.repeat(x_bar, x.shape[1], axis=1)),
             ("a noisy reconstruction", x, noisy)]
    for what, X, Xh in cases:
        ok, got = call_learner(fb, fvu, X.copy(), Xh.copy())
        if not ok:
            return fb.report()
        got = _ex09_scalar(fb, got, what)
        if got is None:
            continue
        expected = _ex09_fvu(X, Xh)
        if np.isclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        err = np.sum((Xh - X) ** 2)
        hints = [
            (err / np.sum(X ** 2), "you divided by sum x^2; FVU divides by the variance "
             "around the MEAN example, sum ||x_i - x_bar||^2 (subtract x.mean(axis=1, "
             "keepdims=True) first)"),
            (err / np.sum((X - X.mean()) ** 2), "you centred with the single overall mean "
             "x.mean(); each dimension has its own mean: x.mean(axis=1, keepdims=True)"),
            (np.sqrt(expected), "that is the square root of the FVU (a ratio of norms); FVU is "
             "a ratio of SQUARED errors"),
            (1 - expected, "that is the fraction of variance EXPLAINED, 1 - FVU"),
            (np.mean(np.sum((Xh - X) ** 2, axis=1)
                     / np.sum((X - X.mean(axis=1, keepdims=True)) ** 2, axis=1)),
             "you averaged per-dimension ratios; FVU divides the TOTAL squared error by the "
             "TOTAL variance"),
            (err / np.sum((Xh - Xh.mean(axis=1, keepdims=True)) ** 2) if np.any(
                Xh != Xh.mean(axis=1, keepdims=True)) else np.nan,
             "you divided by the variance of the reconstruction; divide by the variance of "
             "the data x"),
        ]
        for value, hint in hints:
            if np.isfinite(value) and np.isclose(got, value, rtol=1e-9, atol=1e-12):
                fb.fail(f"{what}: yours is {got:.4g}, expected {expected:.4g}: {hint}")
                break
        else:
            fb.fail(f"{what}: expected {expected:.4g}, yours is {got:.4g}")
    return fb.report()


def check_shrinkage_prediction(a_l1, a_topk):
    """Check predictions of the best L1 code and the best TopK (k = 2) code.

    The setting (notebook 09, exercise 3): orthonormal decoder directions e1, e2, e3;
    x = 0.7 e1 + 0.05 e2 + 0.3 e3; beta = 0.2. The best nonnegative L1 code minimises
    1/2 ||x - D a||^2 + beta sum_j a_j: for orthonormal D it is max(0, D^T x - beta) =
    (0.5, 0, 0.1). The best code with at most k = 2 nonzeros keeps the two largest
    coefficients unchanged: (0.7, 0, 0.3).
    """
    fb = Feedback("shrinkage prediction")
    coef = np.array([0.7, 0.05, 0.3])
    beta = 0.2
    want_l1 = np.maximum(coef - beta, 0)
    want_topk = np.where(coef >= np.sort(coef)[-2], coef, 0.0)
    for name, got, want in [("a_l1", a_l1, want_l1), ("a_topk", a_topk, want_topk)]:
        if got is None:
            fb.fail(f"{name}: not answered yet -- write your prediction as three numbers, "
                    f"e.g. {name} = [0.7, 0.05, 0.3]")
            continue
        try:
            got = np.asarray(got, dtype=float).ravel()
        except (TypeError, ValueError):
            fb.fail(f"{name}: write three numbers, e.g. [0.7, 0.05, 0.3]")
            continue
        if got.shape != (3,):
            fb.fail(f"{name}: write three numbers (a code for e1, e2, e3), yours has {got.size}")
            continue
        if np.allclose(got, want, atol=1e-3):
            continue
        if name == "a_l1":
            if np.allclose(got, coef, atol=1e-3):
                fb.fail("a_l1: those are the true coefficients -- but the penalty charges beta "
                        "for every unit of code. Along e_j the cost is 1/2 (c_j - a_j)^2 + "
                        "beta a_j, smallest at a_j = c_j - beta: each code is beta = 0.2 "
                        "too small")
            elif np.allclose(got, coef - beta, atol=1e-3):
                fb.fail("a_l1: codes are nonnegative (ReLU); where c_j - beta < 0 the best "
                        "nonnegative a_j is 0, not a negative number: the penalty switches "
                        "weak features off")
            elif np.allclose(got, np.where(coef > beta, coef, 0), atol=1e-3):
                fb.fail("a_l1: you switched off the weak feature (right) but kept the others "
                        "at full size; the penalty also SHRINKS the survivors, by beta each")
            else:
                fb.fail(f"a_l1: yours is {got.tolist()}; minimise 1/2 (c_j - a_j)^2 + beta a_j "
                        "over a_j >= 0 separately for each j (D is orthonormal)")
        else:
            if np.allclose(got, want_l1, atol=1e-3) or np.allclose(
                    got, np.where(want_topk > 0, coef - beta, 0), atol=1e-3):
                fb.fail("a_topk: TopK has no penalty to shrink the codes -- once a unit is "
                        "chosen, its code is whatever reconstructs x best: the full "
                        "coefficient")
            elif np.count_nonzero(got) > 2:
                fb.fail("a_topk: at most k = 2 units may be nonzero; drop the smallest")
            else:
                fb.fail(f"a_topk: yours is {got.tolist()}; keep the k = 2 largest "
                        "coefficients of D^T x, the others become 0")
    return fb.report()
# === end 09 =============================================================================
