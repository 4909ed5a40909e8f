"""Notebook 01's section of sae_lib.exercises: each checker passes a correct function,
reports an unwritten one without raising, and names each planted mistake."""

import math

import numpy as np
import pytest

from sae_lib import forward, sigmoid
from sae_lib.exercises import (
    PCA_AUTOENCODER_QUIZ,
    check_autoencoder_forward,
    check_pca_autoencoder_quiz,
    check_reconstruction_error,
)


def run(checker, fn, capsys):
    result = checker(fn)
    return result, capsys.readouterr().out


def not_implemented(*args):
    raise NotImplementedError


# --- reconstruction_error ------------------------------------------------------------------
def reconstruction_error(X, X_hat):
    return 0.5 * np.sum((X_hat - X) ** 2) / X.shape[1]


def test_reconstruction_error_correct(capsys):
    ok, out = run(check_reconstruction_error, reconstruction_error, capsys)
    assert ok is True
    assert out.startswith("✓ reconstruction_error: all checks passed")


def test_reconstruction_error_loop_version_also_passes(capsys):
    def looped(X, X_hat):
        m = X.shape[1]
        return sum(0.5 * np.linalg.norm(X_hat[:, i] - X[:, i]) ** 2 for i in range(m)) / m

    assert run(check_reconstruction_error, looped, capsys)[0] is True


def test_reconstruction_error_stub_reported_not_raised(capsys):
    ok, out = run(check_reconstruction_error, not_implemented, capsys)
    assert ok is False
    assert "✗ reconstruction_error" in out and "not implemented yet" in out


RECONSTRUCTION_BUGS = {
    "no_half": (lambda X, Xh: np.sum((Xh - X) ** 2) / X.shape[1], "the 1/2"),
    "sum_not_mean": (lambda X, Xh: 0.5 * np.sum((Xh - X) ** 2), "you summed over the examples"),
    "np_mean": (lambda X, Xh: 0.5 * np.mean((Xh - X) ** 2), "you averaged over all n*m numbers"),
    "np_mean_no_half": (lambda X, Xh: np.mean((Xh - X) ** 2), "you took np.mean"),
    "divide_by_n": (lambda X, Xh: 0.5 * np.sum((Xh - X) ** 2) / X.shape[0],
                    "you divided by X.shape[0] = 5"),
    "norm_not_squared": (lambda X, Xh: 0.5 * np.linalg.norm(Xh - X, axis=0).sum() / X.shape[1],
                         "the norm is not squared"),
    "per_example": (lambda X, Xh: 0.5 * np.sum((Xh - X) ** 2, axis=0),
                    "one value per example, shape (8,)"),
    "per_pixel": (lambda X, Xh: 0.5 * np.sum((Xh - X) ** 2, axis=1) / X.shape[1],
                  "one value per pixel, shape (5,)"),
    "absolute": (lambda X, Xh: 0.5 * np.abs(Xh - X).sum() / X.shape[1], "not absolute ones"),
    "negative": (lambda X, Xh: -0.5 * np.sum((Xh - X) ** 2) / X.shape[1], "the sign is wrong"),
    "no_return": (lambda X, Xh: None, "returned None"),
    "constant": (lambda X, Xh: 0.1, "the error of a perfect reconstruction must be 0, yours is 0.1"),
}


@pytest.mark.parametrize("kind", list(RECONSTRUCTION_BUGS))
def test_reconstruction_error_bugs_named(kind, capsys):
    fn, message = RECONSTRUCTION_BUGS[kind]
    ok, out = run(check_reconstruction_error, fn, capsys)
    assert ok is False
    assert message in out, out


def test_reconstruction_error_in_place_change_reported(capsys):
    def in_place(X, X_hat):
        X_hat -= X
        return 0.5 * np.sum(X_hat ** 2) / X.shape[1]

    ok, out = run(check_reconstruction_error, in_place, capsys)
    assert ok is False and "changed its argument X_hat in place" in out


# --- autoencoder_forward -------------------------------------------------------------------
def autoencoder_forward(W1, b1, W2, b2, X):
    a2 = sigmoid(W1 @ X + b1[:, None])
    return sigmoid(W2 @ a2 + b2[:, None])


def test_autoencoder_forward_correct(capsys):
    ok, out = run(check_autoencoder_forward, autoencoder_forward, capsys)
    assert ok is True and "all checks passed" in out


def test_autoencoder_forward_per_example_loop_passes(capsys):
    def looped(W1, b1, W2, b2, X):
        out = np.empty_like(X)
        for i in range(X.shape[1]):
            a2 = 1 / (1 + np.exp(-(W1 @ X[:, i] + b1)))
            out[:, i] = 1 / (1 + np.exp(-(W2 @ a2 + b2)))
        return out

    assert run(check_autoencoder_forward, looped, capsys)[0] is True


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


# --- quiz ----------------------------------------------------------------------------------
RIGHT = {q: correct for q, (correct, _) in PCA_AUTOENCODER_QUIZ.items()}


def test_quiz_right_answers(capsys):
    ok = check_pca_autoencoder_quiz(dict(RIGHT))
    out = capsys.readouterr().out
    assert ok is True and "All four right" in out


def test_quiz_stub_unanswered(capsys):
    ok = check_pca_autoencoder_quiz({"a": None, "b": None, "c": None, "d": None})
    out = capsys.readouterr().out
    assert ok is False and "not answered yet: questions a, b, c, d" in out


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
        assert "3 of 4 right so far" in out


def test_quiz_bad_values(capsys):
    assert check_pca_autoencoder_quiz(dict(RIGHT, a="2")) is False
    assert "answer with the number of an option, not '2'" in capsys.readouterr().out
    assert check_pca_autoencoder_quiz(dict(RIGHT, b=7)) is False
    assert "question b: there is no option 7" in capsys.readouterr().out
    assert check_pca_autoencoder_quiz([2, 1, 3, 3]) is False
    assert "answers must be a dict" in capsys.readouterr().out


def test_quiz_answers_are_true():
    """The quiz's claims, verified on a small problem."""
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
    # (d) independent equal-variance pixels: half the components keep about half the variance
    Z = rng.normal(size=(100, 20000))
    ev = np.linalg.eigvalsh(np.cov(Z))[::-1]
    assert math.isclose(ev[50:].sum() / ev.sum(), 0.5, abs_tol=0.05)
