"""Checkers of notebook 01 (autoencoders): the forward pass without loops, the PCA
reconstruction, and the two predict-first questions (the shuffled patches; what a linear
autoencoder learns).
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap

import numpy as np

from .feedback import Feedback, as_array, call_learner, diagnose, unchanged

__all__ = [
    "check_autoencoder_forward",
    "check_pca_autoencoder_quiz",
    "check_pca_reconstruct",
    "check_shuffle_prediction",
    "python_steps",
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
    (``np.linalg.eigh`` sorts eigenvalues in ascending order), ``V[:, -k:]`` with k = 0
    (which keeps every component), no centring, the mean not added back, X's own mean,
    each example's mean, PCA fitted on X, the code instead of the reconstruction, X
    returned unchanged.
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
        if k == 0:
            candidates.insert(0, (x_bar + (X - x_bar),
                                  "with k = 0 you kept all n components instead of none. "
                                  "`V[:, -k:]` is the usual culprit: with k = 0 it is "
                                  "`V[:, -0:]`, and -0 is 0 in Python, so it selects "
                                  "`V[:, 0:]`, every column. Slice with `V[:, n - k:]` "
                                  "(n = X_train.shape[0]), or sort the eigenvectors in "
                                  "descending order and take `V[:, :k]`"))
        else:
            candidates.append((X, "you returned X itself: reconstruct it from its k "
                                  "coordinates along the principal components, "
                                  "x_bar + P @ P.T @ (X - x_bar)"))
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


def python_steps(fn, *args):
    """Call ``fn(*args)`` and count the Python steps it takes: the lines executed and the
    functions entered, in ``fn`` and in everything it calls (numpy's compiled loops count
    as one step each -- that is the point).

    A vectorised function takes the same number of steps for 3 examples as for 300; a
    loop over the examples -- ``for``, ``while``, a comprehension, ``map``,
    ``np.apply_along_axis``, ``np.vectorize`` -- takes more for each extra example, however
    it is written and whatever it converts its arguments to. Returns ``(value, steps)``;
    exceptions from ``fn`` propagate. Any trace function already installed (a debugger) is
    restored afterwards.
    """
    steps = 0

    def local(frame, event, arg):
        nonlocal steps
        if event == "line":
            steps += 1
        return local

    def on_call(frame, event, arg):
        nonlocal steps
        steps += 1
        return local

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        value = fn(*args)
    finally:
        sys.settrace(previous)
    return value, steps


_LOOP_NODES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
               ast.GeneratorExp)
_LOOP_CALLS = {"map", "apply_along_axis", "vectorize", "frompyfunc", "fromiter"}


def _loop_lines(fn):
    """The lines of ``fn``'s source that loop (``for``, ``while``, comprehensions, ``map``,
    ``np.apply_along_axis``, ``np.vectorize``), as ``(line number, text)``; numbered as in
    the file or notebook cell that defines ``fn``. Empty when the source is unavailable."""
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return []
    source = "".join(lines)
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:              # e.g. a lambda cut out of a longer expression
        return []
    found = set()
    for node in ast.walk(tree):
        call_name = None
        if isinstance(node, ast.Call):
            f = node.func
            call_name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
        if isinstance(node, _LOOP_NODES) or call_name in _LOOP_CALLS:
            found.add(node.lineno)
    return [(first + k - 1, lines[k - 1].strip()) for k in sorted(found)]


def _check_no_loop_over_examples(fb, autoencoder_forward):
    """Record a finding if the learner's forward pass does Python work per example.

    The function runs on the same network with m = 3, 11 and 19 examples. Vectorised code
    takes the same number of Python steps each time; a loop over the columns of X takes
    more steps for every extra example (at least 8 more per 8 examples, twice over).
    """
    W1, b1, W2, b2, X = _forward_case(29, 6, 4, 19)
    steps = []
    for m in (3, 11, 19):
        try:
            _, count = python_steps(autoencoder_forward, W1.copy(), b1.copy(), W2.copy(),
                                    b2.copy(), X[:, :m].copy())
        except Exception:  # noqa: BLE001 -- the value cases report the learner's errors
            return True
        steps.append(count)
    grows = steps[1] - steps[0] >= 8 and steps[2] - steps[1] >= 8   # 8 more examples each
    if not grows:
        return True
    where = _loop_lines(autoencoder_forward)
    if where:
        quoted = "; ".join(f"line {n}: `{text}`" for n, text in where[:3])
        located = f" The loop is at {quoted}."
    else:
        located = " (The loop may be in a function it calls.)"
    fb.fail("your function works one example at a time: on 3, 11 and 19 examples it took "
            f"{steps[0]}, {steps[1]} and {steps[2]} Python steps -- the count grows with m, "
            f"so it loops over the examples (the columns of X).{located} The values are "
            "right, but the exercise asks for no loop: one matrix product per layer "
            "handles all m columns at once -- a2 = f(W1 @ X + b1[:, None]), "
            "a3 = f(W2 @ a2 + b2[:, None]) -- and numpy then runs the loop in compiled "
            "code, many times faster (notebook 08 measures how much)")
    return False


def check_autoencoder_forward(autoencoder_forward):
    """Check ``autoencoder_forward(W1, b1, W2, b2, X)`` returns the reconstruction a3.

    a2 = f(W1 X + b1), a3 = f(W2 a2 + b2) with the sigmoid f, computed for all m examples
    (the columns of X) at once; the result has the shape of X. Names the common mistakes:
    a missing sigmoid, a missing or sideways bias, the hidden activations returned instead,
    a transposed result -- and, when the values are right, a loop over the examples
    (found by counting the Python steps the function takes for 3, 11 and 19 examples,
    see :func:`python_steps`, whatever form the loop takes; the loop's line is quoted
    when the source is available).
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
    else:
        _check_no_loop_over_examples(fb, autoencoder_forward)
    return fb.report()


#: Notebook 01's first predict-first question (section 4, before the shuffled patches are
#: trained on): (right option, {wrong option: explanation}).
SHUFFLE_PREDICTION = (2, {
    1: "the network compresses photographs only because their pixels are correlated -- a "
       "pixel predicts its neighbours, and edges run across many pixels. Shuffling each "
       "pixel on its own destroys every correlation, and 50 numbers cannot describe 100 "
       "unrelated pixels: the error rises to about 0.5",
    3: "even without correlations the network is not helpless: its 50 hidden units can "
       "carry 50 of the 100 pixel values, and the output can predict the average for the "
       "other 50. That alone halves the error, so about 0.5, not 1",
})

#: Notebook 01's second predict-first quiz (section 5, before the linear autoencoder is
#: trained): question -> (right option, {wrong option: explanation}).
PCA_AUTOENCODER_QUIZ = {
    "a": (2, {
        1: "no linear map that passes through 50 numbers can beat PCA with 50 components: "
           "PCA's reconstruction is the best rank-50 approximation of the centred data "
           "(the Eckart-Young theorem)",
        3: "trained to its minimum, the linear autoencoder reaches PCA's error exactly: "
           "every local minimum of its error is a global one (Baldi & Hornik 1989). The "
           "gradient descent below approaches the PCA line and never crosses it",
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
}


def _option_number(fb, label, given, why, correct):
    """Record a finding for one answer; True when it is the right option."""
    try:
        given_int = int(given)
        valid = given_int == given and not isinstance(given, bool)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        fb.fail(f"{label}: answer with the number of an option, not {given!r}")
    elif given_int == correct:
        return True
    elif given_int in why:
        explanation = why[given_int]
        fb.fail(f"{label}: not {given_int}. {explanation[0].upper()}{explanation[1:]}.")
    else:
        fb.fail(f"{label}: there is no option {given_int}")
    return False


def check_shuffle_prediction(prediction):
    """Check the prediction asked in notebook 01 before training on shuffled patches.

    ``prediction`` is the number of the chosen option (None while unanswered): the
    relative test error of the 100-50-100 network on patches whose pixels were shuffled
    independently is about (1) 0.12, (2) 0.5, (3) 1. A wrong option is explained.
    """
    fb = Feedback("prediction: the network on shuffled patches")
    correct, why = SHUFFLE_PREDICTION
    if prediction is None:
        fb.fail("not answered yet: replace None by the number of your choice, then run the "
                "training below to see")
        return fb.report()
    ok = _option_number(fb, "your prediction", prediction, why, correct)
    fb.report()
    if ok:
        print("  Without correlations between pixels, 50 numbers keep about half of the "
              "variance of 100 -- no more than storing 50 of the pixels would.")
    return ok


def check_pca_autoencoder_quiz(answers):
    """Check the answers to notebook 01's predict-first quiz on PCA and linear autoencoders.

    ``answers`` is a dict mapping "a", "b", "c" to the number of the chosen option.
    Each wrong answer is explained.
    """
    fb = Feedback("PCA and autoencoder quiz")
    if not isinstance(answers, dict):
        fb.fail(f"answers must be a dict like {{'a': 1, 'b': 2, 'c': 3}}, not "
                f"{type(answers).__name__}")
        return fb.report()
    unanswered = []
    right = 0
    for q, (correct, why) in PCA_AUTOENCODER_QUIZ.items():
        given = answers.get(q)
        if given is None:
            unanswered.append(q)
            continue
        right += _option_number(fb, f"question {q}", given, why, correct)
    extra = sorted(set(answers) - set(PCA_AUTOENCODER_QUIZ), key=str)
    if extra:
        fb.fail(f"there is no question {', '.join(map(repr, extra))}: the questions are "
                f"{', '.join(PCA_AUTOENCODER_QUIZ)}")
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


__all__ += ["PCA_AUTOENCODER_QUIZ", "SHUFFLE_PREDICTION"]
