"""Notebook 01's section of sae_lib.exercises: each checker passes a correct function,
reports an unwritten one without raising, and names each planted mistake."""

import inspect
import math
import sys

import numpy as np
import pytest

from sae_lib import forward, sigmoid
from sae_lib.exercises import (
    PCA_AUTOENCODER_QUIZ,
    SHUFFLE_PREDICTION,
    check_autoencoder_forward,
    check_pca_autoencoder_quiz,
    check_pca_reconstruct,
    check_shuffle_prediction,
    python_steps,
)


def run(checker, fn, capsys):
    result = checker(fn)
    return result, capsys.readouterr().out


def not_implemented(*args):
    raise NotImplementedError


# --- pca_reconstruct -----------------------------------------------------------------------
def centred(X_train):
    x_bar = X_train.mean(axis=1, keepdims=True)
    return x_bar, X_train - x_bar


def pca_eigh(X_train, X, k):
    x_bar, Xc = centred(X_train)
    evals, vecs = np.linalg.eigh(Xc @ Xc.T / X_train.shape[1])
    P = vecs[:, np.argsort(evals)[::-1][:k]]
    return x_bar + P @ P.T @ (X - x_bar)


def pca_svd(X_train, X, k):
    x_bar, Xc = centred(X_train)
    U = np.linalg.svd(Xc, full_matrices=False)[0][:, :k]
    return x_bar + U @ (U.T @ (X - x_bar))


@pytest.mark.parametrize("fn", [pca_eigh, pca_svd,
                                lambda Xt, X, k: pca_svd(Xt, X, k) if k else
                                np.repeat(Xt.mean(axis=1, keepdims=True), X.shape[1], axis=1)],
                         ids=["eigh", "svd", "special_case_k0"])
def test_pca_reconstruct_correct(fn, capsys):
    ok, out = run(check_pca_reconstruct, fn, capsys)
    assert ok is True and "✓ pca_reconstruct: all checks passed" in out


def test_pca_reconstruct_stub(capsys):
    ok, out = run(check_pca_reconstruct, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


def smallest_components(X_train, X, k):
    x_bar, Xc = centred(X_train)
    P = np.linalg.eigh(np.cov(Xc))[1][:, :k]                  # ascending order: a bug
    return x_bar + P @ P.T @ (X - x_bar)


def not_centred(X_train, X, k):
    U = np.linalg.svd(X_train, full_matrices=False)[0][:, :k]
    return U @ U.T @ X


def mean_not_subtracted_before_projecting(X_train, X, k):
    U = np.linalg.svd(centred(X_train)[1], full_matrices=False)[0][:, :k]
    return U @ U.T @ X


def mean_not_added_back(X_train, X, k):
    x_bar, Xc = centred(X_train)
    U = np.linalg.svd(Xc, full_matrices=False)[0][:, :k]
    return U @ U.T @ (X - x_bar)


def own_mean(X_train, X, k):
    Xc = centred(X_train)[1]
    U = np.linalg.svd(Xc, full_matrices=False)[0][:, :k]
    x_own = X.mean(axis=1, keepdims=True)
    return x_own + U @ U.T @ (X - x_own)


def per_example_mean(X_train, X, k):
    Xc = X_train - X_train.mean(axis=0)
    U = np.linalg.svd(Xc, full_matrices=False)[0][:, :k]
    mu = X.mean(axis=0)
    return mu + U @ U.T @ (X - mu)


def fitted_on_X(X_train, X, k):
    return pca_svd(X, X, k)


def returns_code(X_train, X, k):
    x_bar, Xc = centred(X_train)
    U = np.linalg.svd(Xc, full_matrices=False)[0][:, :k]
    return U.T @ (X - x_bar)


def minus_k_slice(X_train, X, k):
    # eigh's ascending order handled by taking the last k columns -- except for k = 0,
    # where V[:, -0:] is every column
    x_bar, Xc = centred(X_train)
    V = np.linalg.eigh(Xc @ Xc.T / X_train.shape[1])[1]
    P = V[:, -k:]
    return x_bar + P @ P.T @ (X - x_bar)


def returns_X(X_train, X, k):
    return X.copy()


PCA_BUGS = {
    minus_k_slice: "with k = 0 you kept all n components instead of none. `V[:, -k:]`",
    returns_X: "you returned X itself",
    smallest_components: "you kept the k components with the SMALLEST variance: np.linalg.eigh",
    not_centred: "the data are not centred",
    mean_not_subtracted_before_projecting: "project X - x_bar, not X",
    mean_not_added_back: "you forgot to add the mean back",
    own_mean: "you centred X with its own mean",
    per_example_mean: "you subtracted each example's (column's) mean",
    fitted_on_X: "you fitted PCA on X",
    returns_code: "shape (2, 7): those are the k coefficients of each example",
}


def test_minus_k_slice_is_right_for_k_above_zero(capsys):
    # The k = 0 case alone exposes the slice: the message must come from that case.
    ok, out = run(check_pca_reconstruct, minus_k_slice, capsys)
    assert ok is False and "k = 0 components (only the mean is left)" in out
    assert "6 pixels, k = 2" not in out and "5 pixels, k = 3" not in out


@pytest.mark.parametrize("fn", list(PCA_BUGS), ids=lambda f: f.__name__)
def test_pca_reconstruct_bugs_named(fn, capsys):
    ok, out = run(check_pca_reconstruct, fn, capsys)
    assert ok is False
    assert PCA_BUGS[fn] in out, out


def test_pca_reconstruct_in_place(capsys):
    def in_place(X_train, X, k):
        X_train -= X_train.mean(axis=1, keepdims=True)
        return pca_svd(X_train, X, k)

    ok, out = run(check_pca_reconstruct, in_place, capsys)
    assert ok is False and "changed its argument X_train in place" in out


# --- autoencoder_forward -------------------------------------------------------------------
def autoencoder_forward(W1, b1, W2, b2, X):
    a2 = sigmoid(W1 @ X + b1[:, None])
    return sigmoid(W2 @ a2 + b2[:, None])


_rng = np.random.default_rng(3)
FORWARD_ARGS = (_rng.normal(size=(4, 6)), _rng.normal(size=4), _rng.normal(size=(6, 4)),
                _rng.normal(size=6), _rng.uniform(0.1, 0.9, size=(6, 9)))


def test_autoencoder_forward_correct(capsys):
    ok, out = run(check_autoencoder_forward, autoencoder_forward, capsys)
    assert ok is True and "all checks passed" in out


def looped_for(W1, b1, W2, b2, X):
    out = np.empty_like(X)
    for i in range(X.shape[1]):
        a2 = 1 / (1 + np.exp(-(W1 @ X[:, i] + b1)))
        out[:, i] = 1 / (1 + np.exp(-(W2 @ a2 + b2)))
    return out


def looped_after_asarray(W1, b1, W2, b2, X):
    X = np.asarray(X)                              # plain arrays: nothing left to count on
    cols = []
    for x in X.T:
        cols.append(sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2))
    return np.stack(cols, axis=1)


def looped_comprehension(W1, b1, W2, b2, X):
    return np.column_stack([sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2) for x in X.T])


def looped_while(W1, b1, W2, b2, X):
    out, i = np.empty_like(X), 0
    while i < X.shape[1]:
        out[:, i] = sigmoid(W2 @ sigmoid(W1 @ X[:, i] + b1) + b2)
        i += 1
    return out


def looped_apply_along_axis(W1, b1, W2, b2, X):
    return np.apply_along_axis(lambda x: sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2), 0, X)


def looped_map(W1, b1, W2, b2, X):
    return np.array(list(map(lambda x: sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2), X.T))).T  # noqa: C417


def one_example(W1, b1, W2, b2, x):
    return sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2)


def looped_in_a_helper(W1, b1, W2, b2, X):
    return np.stack(list(map(one_example, *zip(*[(W1, b1, W2, b2, x) for x in X.T]))), axis=1)


LOOPS = {
    looped_for: "line ",
    looped_after_asarray: "`for x in X.T:`",
    looped_comprehension: "for x in X.T]",
    looped_while: "`while i < X.shape[1]:`",
    looped_apply_along_axis: "np.apply_along_axis",
    looped_map: "list(map(",
    looped_in_a_helper: "list(map(",
}


@pytest.mark.parametrize("fn", list(LOOPS), ids=lambda f: f.__name__)
def test_a_loop_over_the_examples_is_named(fn, capsys):
    """Right values, but one example at a time: the checker says so, and where."""
    assert np.allclose(fn(*FORWARD_ARGS), autoencoder_forward(*FORWARD_ARGS))
    ok, out = run(check_autoencoder_forward, fn, capsys)
    assert ok is False
    assert "works one example at a time" in out and "loops over the examples" in out, out
    assert "The loop is at" in out and LOOPS[fn] in out, out


def test_loop_line_is_numbered_as_in_its_file(capsys):
    _, out = run(check_autoencoder_forward, looped_while, capsys)
    lines, first = inspect.getsourcelines(looped_while)
    line = first + next(k for k, text in enumerate(lines) if "while i <" in text)
    assert f"line {line}: `while i < X.shape[1]:`" in out


def test_loop_without_source_is_still_caught(capsys):
    # Compiled from a string: inspect cannot find its source, the step count still works.
    namespace = {"np": np, "sigmoid": sigmoid}
    exec("def f(W1, b1, W2, b2, X):\n"  # noqa: S102
         "    return np.stack([sigmoid(W2 @ sigmoid(W1 @ x + b1) + b2) for x in X.T], 1)",
         namespace)
    ok, out = run(check_autoencoder_forward, namespace["f"], capsys)
    assert ok is False and "loops over the examples" in out
    assert "The loop may be in a function it calls" in out


def loop_over_layers(W1, b1, W2, b2, X):
    a = X
    for W, b in ((W1, b1), (W2, b2)):              # two layers, whatever m is
        a = sigmoid(W @ a + b[:, None])
    return a


def loop_over_hidden_units(W1, b1, W2, b2, X):
    z2 = np.empty((W1.shape[0], X.shape[1]))
    for j in range(W1.shape[0]):                   # each unit sees all m examples at once
        z2[j] = W1[j] @ X + b1[j]
    return sigmoid(W2 @ sigmoid(z2) + b2[:, None])


def with_einsum(W1, b1, W2, b2, X):
    a2 = sigmoid(np.einsum("hn,nm->hm", W1, X) + b1[:, None])
    return sigmoid(np.einsum("nh,hm->nm", W2, a2) + b2.reshape(-1, 1))


def with_dot_and_transposes(W1, b1, W2, b2, X):
    a2 = 1 / (1 + np.exp(-(np.dot(X.T, W1.T) + b1)))     # (m, h): examples as rows
    return (1 / (1 + np.exp(-(a2.dot(W2.T) + b2)))).T


@pytest.mark.parametrize("fn", [autoencoder_forward, loop_over_layers, loop_over_hidden_units,
                                with_einsum, with_dot_and_transposes],
                         ids=lambda f: f.__name__)
def test_vectorised_versions_pass(fn, capsys):
    """Every way of handling all m examples at once passes -- including loops whose
    length does not depend on m."""
    ok, out = run(check_autoencoder_forward, fn, capsys)
    assert ok is True and "all checks passed" in out, out


def test_python_steps_counts_work_per_example():
    W1, b1, W2, b2, X = FORWARD_ARGS
    vectorised = [python_steps(autoencoder_forward, W1, b1, W2, b2, X[:, :m])[1]
                  for m in (2, 5, 9)]
    looped = [python_steps(looped_after_asarray, W1, b1, W2, b2, X[:, :m])[1]
              for m in (2, 5, 9)]
    assert vectorised[0] == vectorised[1] == vectorised[2] > 0
    assert looped[1] - looped[0] >= 3 and looped[2] - looped[1] >= 4
    value, _ = python_steps(autoencoder_forward, W1, b1, W2, b2, X)
    assert np.array_equal(value, autoencoder_forward(W1, b1, W2, b2, X))


def test_python_steps_restores_a_debuggers_trace_function():
    def tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        python_steps(autoencoder_forward, *FORWARD_ARGS)
        assert sys.gettrace() is tracer
        with pytest.raises(ZeroDivisionError):
            python_steps(lambda: 1 / 0)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_autoencoder_forward_stub(capsys):
    ok, out = run(check_autoencoder_forward, not_implemented, capsys)
    assert ok is False and "not implemented yet" in out


FORWARD_BUGS = {
    "linear_output": (lambda W1, b1, W2, b2, X: W2 @ sigmoid(W1 @ X + b1[:, None]) + b2[:, None],
                      "without the sigmoid"),
    "returns_a2": (lambda W1, b1, W2, b2, X: sigmoid(W1 @ X + b1[:, None]), "that is a2"),
    "returns_z2": (lambda W1, b1, W2, b2, X: W1 @ X + b1[:, None], "that is z2"),
    "linear_hidden": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ (W1 @ X + b1[:, None]) + b2[:, None]),
                      "the hidden layer is missing its sigmoid"),
    "no_b1": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ sigmoid(W1 @ X) + b2[:, None]),
              "b1 is missing"),
    "no_b2": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ sigmoid(W1 @ X + b1[:, None])),
              "b2 is missing"),
    "no_biases": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ sigmoid(W1 @ X)),
                  "both biases are missing"),
    "transposed": (lambda W1, b1, W2, b2, X: autoencoder_forward(W1, b1, W2, b2, X).T,
                   "the result is transposed"),
    "tuple": (lambda W1, b1, W2, b2, X: forward(W1, b1, W2, b2, X),
              "return only the output a3"),
    # b1 + row vector: raises for 4 hidden units and 5 examples -> the broadcasting hint
    "b1_row_broadcast": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ sigmoid(W1 @ X + b1)
                                                           + b2[:, None]),
                         "write b1[:, None]"),
    "W1_transposed": (lambda W1, b1, W2, b2, X: sigmoid(W2 @ sigmoid(W1.T @ X + b1[:, None])
                                                        + b2[:, None]),
                      "no transposes needed"),
}


@pytest.mark.parametrize("kind", list(FORWARD_BUGS))
def test_autoencoder_forward_bugs_named(kind, capsys):
    fn, message = FORWARD_BUGS[kind]
    ok, out = run(check_autoencoder_forward, fn, capsys)
    assert ok is False
    assert message in out, out


def test_sideways_bias_caught_silently_broadcasting_case(capsys):
    # Broadcasts without error whenever m == hidden_size: named in the square case.
    def sideways_b1(W1, b1, W2, b2, X):
        if X.shape[1] == W1.shape[0]:
            z2 = W1 @ X + b1
        else:
            z2 = W1 @ X + b1[:, None]
        return sigmoid(W2 @ sigmoid(z2) + b2[:, None])

    def sideways_b2(W1, b1, W2, b2, X):
        a2 = sigmoid(W1 @ X + b1[:, None])
        return sigmoid(W2 @ a2 + (b2 if X.shape[1] == X.shape[0] else b2[:, None]))

    ok, out = run(check_autoencoder_forward, sideways_b1, capsys)
    assert ok is False and "b1 was added along the wrong axis" in out
    ok, out = run(check_autoencoder_forward, sideways_b2, capsys)
    assert ok is False and "b2 was added along the wrong axis" in out


def test_autoencoder_forward_in_place_change_reported(capsys):
    def in_place(W1, b1, W2, b2, X):
        X *= 1.0
        X += 0.0
        W1 *= 2
        return autoencoder_forward(W1, b1, W2, b2, X)

    ok, out = run(check_autoencoder_forward, in_place, capsys)
    assert ok is False and "changed its argument W1 in place" in out


# --- the predict-first questions ----------------------------------------------------------
def test_shuffle_prediction_right(capsys):
    assert check_shuffle_prediction(SHUFFLE_PREDICTION[0]) is True
    out = capsys.readouterr().out
    assert out.startswith("✓ prediction: the network on shuffled patches: all checks passed.")
    assert "storing 50 of the pixels" in out


def test_shuffle_prediction_unanswered(capsys):
    assert check_shuffle_prediction(None) is False
    assert "not answered yet" in capsys.readouterr().out


@pytest.mark.parametrize("option", sorted(SHUFFLE_PREDICTION[1]))
def test_shuffle_prediction_wrong_options_explained(option, capsys):
    assert check_shuffle_prediction(option) is False
    out = capsys.readouterr().out
    explanation = SHUFFLE_PREDICTION[1][option]
    assert f"your prediction: not {option}." in out
    assert explanation[0].upper() + explanation[1:] in out


def test_shuffle_prediction_bad_values(capsys):
    for bad, message in (("2", "answer with the number of an option, not '2'"),
                         (2.5, "answer with the number of an option, not 2.5"),
                         (True, "answer with the number of an option, not True"),
                         (7, "there is no option 7")):
        assert check_shuffle_prediction(bad) is False
        assert message in capsys.readouterr().out


RIGHT = {q: correct for q, (correct, _) in PCA_AUTOENCODER_QUIZ.items()}


def test_quiz_right_answers(capsys):
    ok = check_pca_autoencoder_quiz(dict(RIGHT))
    out = capsys.readouterr().out
    assert ok is True and out.startswith("✓ PCA and autoencoder quiz: all checks passed.")
    assert "finds PCA's subspace but not its axes" in out


def test_quiz_stub_unanswered(capsys):
    ok = check_pca_autoencoder_quiz({"a": None, "b": None, "c": None})
    out = capsys.readouterr().out
    assert ok is False and "not answered yet: questions a, b, c" in out


@pytest.mark.parametrize("question", list(PCA_AUTOENCODER_QUIZ))
def test_quiz_each_wrong_option_explained(question, capsys):
    correct, why = PCA_AUTOENCODER_QUIZ[question]
    assert why, "every question explains its wrong options"
    for option, explanation in why.items():
        assert option != correct
        answers = dict(RIGHT, **{question: option})
        assert check_pca_autoencoder_quiz(answers) is False
        out = capsys.readouterr().out
        assert f"question {question}: not {option}." in out
        assert explanation[0].upper() + explanation[1:] in out
        assert "2 of 3 right so far" in out


def test_quiz_bad_values(capsys):
    assert check_pca_autoencoder_quiz(dict(RIGHT, a="2")) is False
    assert "answer with the number of an option, not '2'" in capsys.readouterr().out
    assert check_pca_autoencoder_quiz(dict(RIGHT, b=7)) is False
    assert "question b: there is no option 7" in capsys.readouterr().out
    assert check_pca_autoencoder_quiz([2, 1, 3]) is False
    assert "answers must be a dict" in capsys.readouterr().out
    assert check_pca_autoencoder_quiz(dict(RIGHT, d=3)) is False
    assert "there is no question 'd'" in capsys.readouterr().out


def test_quiz_answers_are_true():
    """The answers' claims, verified on a small problem."""
    rng = np.random.default_rng(0)
    n, k, m = 8, 4, 400
    X = rng.normal(size=(n, n)) @ rng.normal(size=(n, m))
    Xc = X - X.mean(axis=1, keepdims=True)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    # (a) PCA's rank-k error is the smallest of any rank-k linear map (random trials)
    pca_err = np.sum(S[k:] ** 2)
    for _ in range(20):
        W1, W2 = rng.normal(size=(k, n)), rng.normal(size=(n, k))
        assert np.sum((W2 @ W1 @ Xc - Xc) ** 2) >= pca_err
    # (b) mixing the hidden units by an invertible A changes nothing
    W1, W2 = U[:, :k].T, U[:, :k]
    A = rng.normal(size=(k, k))
    assert np.allclose(W2 @ np.linalg.inv(A) @ A @ W1 @ Xc, W2 @ W1 @ Xc)
    # (c) as many hidden units as inputs: the identity is a perfect linear autoencoder
    assert np.allclose(U @ U.T @ Xc, Xc)


def test_shuffle_explanation_is_true():
    """Option 3's explanation: for independent pixels of equal variance, storing half of
    them and predicting the average for the rest halves the error."""
    rng = np.random.default_rng(0)
    Z = rng.uniform(0.1, 0.9, size=(100, 20000))
    x_bar = Z.mean(axis=1, keepdims=True)
    half = np.repeat(x_bar, Z.shape[1], axis=1)
    half[:50] = Z[:50]
    relative = np.sum((half - Z) ** 2) / np.sum((x_bar - Z) ** 2)
    assert math.isclose(relative, 0.5, abs_tol=0.02)
