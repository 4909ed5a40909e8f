"""Notebook 08's section of sae_lib.exercises: the loop version of the objective, the
measures of what the digit units are (ink coverage, units by digit, distinct filters) and the
checkers of the four exercises.

Each checker passes a correct answer, names each planted mistake, and never raises.
"""

import numpy as np
import pytest

from sae_lib import (
    kl_divergence,
    load_digits,
    pack_parameters,
    relative_difference,
    sigmoid,
    sparse_autoencoder_cost,
    unpack_parameters,
)
from sae_lib.exercises import (
    ON_THRESHOLD,
    check_distinct_filters,
    check_fewest_units,
    check_rho_for_digits,
    check_vectorized_cost,
    distinct_filters,
    ink_coverage,
    loop_sparse_autoencoder_cost,
    units_by_digit,
)
from sae_lib.objective import initialize_parameters


def verdict(capsys, checker, *args):
    ok = checker(*args)
    return ok, capsys.readouterr().out


# --- the loop version -------------------------------------------------------------------------
@pytest.mark.parametrize("lambda_,rho,beta", [(3e-3, 0.1, 3.0), (0.0, 0.01, 0.0),
                                              (1e-2, 0.3, 10.0)])
def test_loop_version_equals_the_vectorised_library_function(lambda_, rho, beta):
    data = load_digits()[0][:, :150]
    rng = np.random.default_rng(2)
    theta = initialize_parameters(16, 64, rng)
    theta[2 * 16 * 64:] = rng.normal(0, 0.5, 16 + 64)
    c1, g1 = loop_sparse_autoencoder_cost(theta, 64, 16, lambda_, rho, beta, data)
    c2, g2 = sparse_autoencoder_cost(theta, 64, 16, lambda_, rho, beta, data)
    assert c1 == pytest.approx(c2, rel=1e-12)
    assert relative_difference(g1, g2) < 1e-12


# --- Exercise 1: the vectorised cost ------------------------------------------------------------
def make_cost(recon_half=0.5, mean=True, decay_biases_cost=False, decay_biases_grad=False,
              decay_factor=0.5, sparsity_over_m=False, sparsity_no_fprime=False,
              sparsity_sign=1.0, sparsity_beta=True, use_args=True, sparsity_in_cost=True,
              b_sum_axis=1, return_blocks=False):
    """A vectorised cost with optional planted mistakes (defaults: correct)."""
    def cost_fn(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
        if not use_args:
            lambda_, beta = 3e-3, 3.0               # the notebook's values, not the arguments
        W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
        m = data.shape[1]
        rho = sparsity_param
        a2 = sigmoid(W1 @ data + b1[:, None])
        a3 = sigmoid(W2 @ a2 + b2[:, None])
        rho_hat = a2.mean(axis=1)
        n = m if mean else 1
        decay = np.sum(W1 ** 2) + np.sum(W2 ** 2)
        if decay_biases_cost:
            decay += np.sum(b1 ** 2) + np.sum(b2 ** 2)
        cost = (recon_half * np.sum((a3 - data) ** 2) / n + lambda_ * decay_factor * decay
                + (beta * np.sum(kl_divergence(rho, rho_hat)) if sparsity_in_cost else 0))
        delta3 = (a3 - data) * a3 * (1 - a3)
        sp = (beta if sparsity_beta else 1.0) * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        sp = sparsity_sign * sp / (m if sparsity_over_m else 1)
        if sparsity_no_fprime:
            delta2 = (W2.T @ delta3) * a2 * (1 - a2) + sp[:, None]
        else:
            delta2 = (W2.T @ delta3 + sp[:, None]) * a2 * (1 - a2)
        W1grad = delta2 @ data.T / n + lambda_ * W1
        W2grad = delta3 @ a2.T / n + lambda_ * W2
        b1grad = delta2.sum(axis=b_sum_axis) / n
        b2grad = delta3.sum(axis=b_sum_axis) / n
        if decay_biases_grad:
            b1grad = b1grad + lambda_ * b1
            b2grad = b2grad + lambda_ * b2
        if return_blocks:
            return cost, (W1grad, W2grad, b1grad, b2grad)
        return cost, pack_parameters(W1grad, W2grad, b1grad, b2grad)
    return cost_fn


def test_vectorized_cost_accepts_a_correct_version(capsys):
    ok, out = verdict(capsys, check_vectorized_cost, make_cost())
    assert ok is True
    assert "✓ vectorized_cost" in out
    ok, _ = verdict(capsys, check_vectorized_cost, sparse_autoencoder_cost)
    assert ok is True


def _with_a2(a2_of):
    """A correct cost whose hidden activations come from ``a2_of(W1, b1, data)``."""
    def cost_fn(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
        W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
        m = data.shape[1]
        a2 = a2_of(W1, b1, data)
        rho = sparsity_param
        rho_hat = a2.mean(axis=1)
        a3 = sigmoid(W2 @ a2 + b2[:, None])
        cost = (0.5 * np.sum((a3 - data) ** 2) / m
                + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
                + beta * np.sum(kl_divergence(rho, rho_hat)))
        delta3 = (a3 - data) * a3 * (1 - a3)
        sp = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        delta2 = (W2.T @ delta3 + sp[:, None]) * a2 * (1 - a2)
        return cost, pack_parameters(delta2 @ data.T / m + lambda_ * W1,
                                     delta3 @ a2.T / m + lambda_ * W2,
                                     delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)
    return cost_fn


def a2_for_loop(W1, b1, data):
    a2 = np.empty((W1.shape[0], data.shape[1]))
    for i in range(data.shape[1]):                       # one column at a time
        a2[:, i] = sigmoid(W1 @ data[:, i] + b1)
    return a2


LEARNER_CELL = """
import numpy as np
from sae_lib import kl_divergence, pack_parameters, sigmoid, unpack_parameters


def vectorized_cost(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
    W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
    m = data.shape[1]
{a2}
    rho = sparsity_param
    rho_hat = a2.mean(axis=1)
    a3 = sigmoid(W2 @ a2 + b2[:, None])
    cost = (0.5 * np.sum((a3 - data) ** 2) / m
            + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            + beta * np.sum(kl_divergence(rho, rho_hat)))
    delta3 = (a3 - data) * a3 * (1 - a3)
    sp = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
    delta2 = (W2.T @ delta3 + sp[:, None]) * a2 * (1 - a2)
    return cost, pack_parameters(delta2 @ data.T / m + lambda_ * W1,
                                 delta3 @ a2.T / m + lambda_ * W2,
                                 delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)
"""


def learner_cell(tmp_path, a2_lines):
    """The learner's vectorized_cost, defined in a file of its own as a notebook cell is
    (IPython too keeps each cell's source where tracebacks and the checker can read it)."""
    source = LEARNER_CELL.format(a2="\n".join("    " + line for line in a2_lines))
    path = tmp_path / "cell.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["vectorized_cost"]


@pytest.mark.parametrize("a2_lines, words", [
    (["a2 = np.empty((hidden_size, m))",
      "for i in range(m):                      # one column at a time",
      "    a2[:, i] = sigmoid(W1 @ data[:, i] + b1)"],
     "this line runs once per example: `for i in range(m):`. Replace the loop"),
    (["a2 = np.empty((hidden_size, m))",
      "for i in range(m): a2[:, i] = W1 @ data[:, i]",
      "a2 = sigmoid(a2 + b1[:, None])"],
     "this line runs once per example: `for i in range(m): a2[:, i] = W1 @ data[:, i]`"),
    (["a2 = np.stack([sigmoid(W1 @ x + b1) for x in data.T], axis=1)"],
     "this line runs once per example: `a2 = np.stack([sigmoid(W1 @ x + b1) for x in "
     "data.T], axis=1)`"),
    (["i = 0", "a2 = np.empty((hidden_size, m))",
      "while i < m:",
      "    a2[:, i] = sigmoid(W1 @ data[:, i] + b1)",
      "    i += 1"],
     "this line runs once per example: `while i < m:`"),
    (["a2 = np.apply_along_axis(lambda x: sigmoid(W1 @ x + b1), 0, data)"],
     "the loop is inside apply_along_axis() -- np.apply_along_axis and np.vectorize run a "
     "Python loop over the columns; they are not vectorisation (called from `a2 = "
     "np.apply_along_axis(lambda x: sigmoid(W1 @ x + b1), 0, data)`)"),
    (["import itertools",
      "a2 = sigmoid(np.array(list(map(np.dot, itertools.repeat(W1), data.T))).T "
      "+ b1[:, None])"],
     "this line calls dot() once per example: `a2 = sigmoid(np.array(list(map(np.dot, "),
])
def test_vectorized_cost_names_the_loop_over_examples(capsys, tmp_path, a2_lines, words):
    ok, out = verdict(capsys, check_vectorized_cost, learner_cell(tmp_path, a2_lines))
    assert ok is False
    assert "the result is right, but it is not vectorised: with 150 examples instead of 50 " \
           "your function takes" in out, out
    assert "per extra example), so something in it runs once per example" in out, out
    assert "Replace the loop by matrix products" in out, out
    assert words in out, out


def test_vectorized_cost_passes_the_same_cell_written_with_matrices(capsys, tmp_path):
    ok, out = verdict(capsys, check_vectorized_cost,
                      learner_cell(tmp_path, ["a2 = sigmoid(W1 @ data + b1[:, None])"]))
    assert ok is True, out
    # a loop, but over the hidden units, not the examples: the work does not grow with m
    ok, out = verdict(capsys, check_vectorized_cost, learner_cell(
        tmp_path, ["a2 = np.stack([sigmoid(w @ data + b) for w, b in zip(W1, b1)])"]))
    assert ok is True, out


def test_vectorized_cost_names_a_helper_that_loops(capsys):
    ok, out = verdict(capsys, check_vectorized_cost, _with_a2(a2_for_loop))
    assert ok is False
    assert "the loop is inside a2_for_loop(), which your function calls (called from " \
           "`a2 = a2_of(W1, b1, data)`)" in out, out


def test_vectorized_cost_quotes_the_loop_in_the_learners_own_function(capsys):
    def looped(theta, visible_size, hidden_size, lambda_, sparsity_param, beta, data):
        W1, W2, b1, b2 = unpack_parameters(theta, visible_size, hidden_size)
        m = data.shape[1]
        a2 = np.empty((hidden_size, m))
        for i in range(m):                               # one column at a time
            a2[:, i] = sigmoid(W1 @ data[:, i] + b1)
        rho = sparsity_param
        rho_hat = a2.mean(axis=1)
        a3 = sigmoid(W2 @ a2 + b2[:, None])
        cost = (0.5 * np.sum((a3 - data) ** 2) / m
                + lambda_ / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
                + beta * np.sum(kl_divergence(rho, rho_hat)))
        delta3 = (a3 - data) * a3 * (1 - a3)
        sp = beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))
        delta2 = (W2.T @ delta3 + sp[:, None]) * a2 * (1 - a2)
        return cost, pack_parameters(delta2 @ data.T / m + lambda_ * W1,
                                     delta3 @ a2.T / m + lambda_ * W2,
                                     delta2.sum(axis=1) / m, delta3.sum(axis=1) / m)

    ok, out = verdict(capsys, check_vectorized_cost, looped)
    assert ok is False
    assert "this line runs once per example: `for i in range(m):`" in out, out


def test_vectorized_cost_names_the_loop_version_when_the_learner_calls_it(capsys):
    def delegating(*args):
        return loop_sparse_autoencoder_cost(*args)

    ok, out = verdict(capsys, check_vectorized_cost, delegating)
    assert ok is False
    assert "it calls loop_sparse_autoencoder_cost, the loop version itself" in out, out
    assert "(called from `return loop_sparse_autoencoder_cost(*args)`)" in out, out
    ok, out = verdict(capsys, check_vectorized_cost, loop_sparse_autoencoder_cost)
    assert ok is False
    assert "this line runs once per example: `for i in range(m):`" in out, out


@pytest.mark.parametrize("bug, words", [
    (dict(recon_half=1.0), "reconstruction term (the cost with lambda_ = 0, beta = 0): it is "
                           "twice the expected: the 1/2"),
    (dict(mean=False), "it is m times the expected: average over the examples"),
    (dict(mean=False), "sparsity term, gradient: wrong for W1, b1: it is m times the "
                       "expected"),
    (dict(decay_biases_cost=True), "the biases are included; weight decay applies to W1 and "
                                   "W2 only"),
    (dict(decay_factor=1.0), "weight-decay term (the cost with lambda_ = 0.002 minus with "
                             "lambda_ = 0): twice the expected"),
    (dict(decay_biases_grad=True), "weight-decay term, gradient: wrong for b1, b2 -- the "
                                   "biases are decayed too"),
    (dict(sparsity_over_m=True), "sparsity term, gradient: wrong for W1, b1: it is 1/m of "
                                 "the expected"),
    (dict(sparsity_sign=-1.0), "its sign is flipped"),
    (dict(sparsity_beta=False), "beta is missing from the sparsity term of delta2"),
    (dict(sparsity_no_fprime=True), "inside the bracket, so f'(z2) multiplies it too"),
    (dict(sparsity_in_cost=False), "sparsity term (the cost with beta = 2.5 minus with beta "
                                   "= 0): it adds 0"),
    (dict(use_args=False), "whatever lambda_ and beta are"),
    (dict(return_blocks=True), "grad must be a vector of length 1225 laid out like theta"),
])
def test_vectorized_cost_names_which_term_is_wrong(capsys, bug, words):
    ok, out = verdict(capsys, check_vectorized_cost, make_cost(**bug))
    assert ok is False
    assert "✗ vectorized_cost" in out
    assert words in out, out


def test_vectorized_cost_bias_gradient_summed_over_units(capsys):
    ok, out = verdict(capsys, check_vectorized_cost, make_cost(b_sum_axis=0))
    assert ok is False
    assert "your function raised" in out or "wrong for b1, b2" in out, out


@pytest.mark.parametrize("fn, words", [
    (lambda *a: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
    (lambda *a: None, "return a pair (cost, grad)"),
    (lambda *a: 1 / 0, "your function raised ZeroDivisionError"),
])
def test_vectorized_cost_reports_stubs_and_crashes(capsys, fn, words):
    ok, out = verdict(capsys, check_vectorized_cost, fn)
    assert ok is False
    assert words in out, out


def test_vectorized_cost_counting_leaves_no_trace_or_profile_function_behind():
    import sys

    before = sys.gettrace(), sys.getprofile()
    check_vectorized_cost(make_cost())
    check_vectorized_cost(_with_a2(a2_for_loop))

    calls = []

    def raises_when_counted(*args):              # right at first, fails while counted
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("boom")
        return make_cost()(*args)

    ok = check_vectorized_cost(raises_when_counted)
    assert ok is False
    assert (sys.gettrace(), sys.getprofile()) == before


# --- Exercise 2: rho for the digits ---------------------------------------------------------------
def test_rho_for_digits_accepts_ufldl_choice_and_reports_measurements(capsys):
    ok, out = verdict(capsys, check_rho_for_digits, 0.1)
    assert ok is True
    assert "rho = 0.1:" in out and f"units never pass a2 = {ON_THRESHOLD}" in out
    assert "✓ rho for digits" in out


def test_rho_for_digits_too_small_silences_the_code(capsys):
    ok, out = verdict(capsys, check_rho_for_digits, 0.01)
    assert ok is False
    assert "49 of the 49 units never pass a2 = 0.5 for any digit" in out
    assert "a unit that answers one kind of digit is active on about a tenth" in out
    assert "no better than the average digit" in out


def test_rho_for_digits_too_large_is_not_sparse(capsys):
    ok, out = verdict(capsys, check_rho_for_digits, 0.5)
    assert ok is False
    assert "the code is no longer sparse" in out


@pytest.mark.parametrize("answer, words", [
    (None, "not answered yet"),
    ("small", "must be a number between 0 and 1"),
    (1.5, "strictly between 0"),
    (0, "strictly between 0"),
])
def test_rho_for_digits_rejects_non_answers(capsys, answer, words):
    ok, out = verdict(capsys, check_rho_for_digits, answer)
    assert ok is False
    assert words in out


# --- what the units are: ink coverage, units by digit -------------------------------------------
def test_ink_coverage_counts_the_ink_where_the_filter_is_positive():
    # two 4-pixel "digits": ink on pixels 0, 1 (digit 0) and on 1, 2, 3 (digit 1)
    data = np.array([[1.0, 0.0], [0.9, 0.8], [0.1, 0.7], [0.0, 0.6]])
    W1 = np.array([[1.0, 2.0, -1.0, -1.0],       # wants pixels 0, 1
                   [-1.0, 0.5, 0.5, 0.5]])       # wants pixels 1, 2, 3
    top = np.array([[0, 1], [1, 0]])
    # unit 0: ink of both digits = {0, 1} + {1, 2, 3} = 5 pixels, wanted: 0, 1 and 1 -> 3 of 5
    # unit 1: same 5 ink pixels, wanted: 1, 2, 3 and 1 -> 4 of 5
    np.testing.assert_allclose(ink_coverage(W1, data, top), [3 / 5, 4 / 5])
    # the ink threshold is respected: with ink_above = 0.75 the ink is pixels 0, 1 of digit 0
    # and pixel 1 of digit 1 -- unit 0 wants all 3, unit 1 wants pixel 1 twice: 2 of 3
    np.testing.assert_allclose(ink_coverage(W1, data, top, ink_above=0.75), [3 / 3, 2 / 3])


def test_ink_coverage_of_a_whole_digit_template_beats_a_stroke():
    data, labels = load_digits()
    zeros = np.flatnonzero(labels == 0)[:9]
    template = data[:, labels == 0].mean(axis=1) - data.mean(axis=1)
    stroke = np.where(np.arange(64) < 24, template, -1.0)      # the top three rows only
    cover = ink_coverage(np.stack([template, stroke]), data, np.stack([zeros, zeros]))
    assert cover[0] > 0.8 and cover[1] < 0.5, cover


@pytest.mark.parametrize("W1, data, top, words", [
    (np.ones((3, 5)), np.ones((4, 10)), np.zeros((3, 2), int), "same visible_size"),
    (np.ones((3, 4)), np.ones((4, 10)), np.zeros((2, 2), int), "(3, k)"),
    (np.ones((3, 4)), np.ones((4, 10)), np.zeros((3, 2)), "integer array"),
    (np.ones((3, 4)), np.ones((4, 10)), np.full((3, 2), 10), "column indices of data"),
    (np.ones((3, 4)), np.zeros((4, 10)), np.zeros((3, 2), int), "no pixel above ink_above"),
])
def test_ink_coverage_rejects_bad_input(W1, data, top, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        ink_coverage(W1, data, top)


def test_units_by_digit_takes_the_majority_of_more_than_half():
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    top = np.array([[0, 1, 2],          # all 0s
                    [0, 3, 4],          # two 1s of three: belongs to 1
                    [0, 3, 5],          # 0, 1, 2: no majority
                    [5, 6, 7]])         # all 2s
    digit, share = units_by_digit(top, labels)
    np.testing.assert_array_equal(digit, [0, 1, -1, 2])
    np.testing.assert_allclose(share, [1, 2 / 3, 1 / 3, 1])
    with pytest.raises(ValueError, match="integer array"):
        units_by_digit(top.astype(float), labels)
    with pytest.raises(ValueError, match="one label per example"):
        units_by_digit(top, labels[:4])


# --- Exercise 3: the digit with the fewest units ---------------------------------------------
class PlantedModel:
    """A stand-in for a trained model: unit j is most active on the digits of one kind,
    chosen per unit, so the units per digit are known."""

    def __init__(self, labels, unit_digits, W1=None):
        self.labels = np.asarray(labels)
        self.unit_digits = list(unit_digits)
        h = len(self.unit_digits)
        self.W1 = np.ones((h, 4)) if W1 is None else W1
        self.W2 = self.W1.T.copy()

    def hidden_activations(self, data):
        m = data.shape[1]
        a2 = np.full((len(self.unit_digits), m), 0.05)
        ramp = np.linspace(0.9, 0.5, m)                  # distinct values, no ties
        for j, d in enumerate(self.unit_digits):
            if d >= 0:
                a2[j, self.labels == d] = ramp[self.labels == d]
        return a2


@pytest.fixture
def planted():
    labels = np.repeat(np.arange(10), 12)                 # 12 digits of each kind
    data = np.zeros((4, labels.size))
    # units per digit: 0:3, 1:2, 2:2, 3:1, 4:2, 5:2, 6:2, 7:2, 8:0, 9:2
    unit_digits = [0, 0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 9, 9]
    return PlantedModel(labels, unit_digits), data, labels


def test_fewest_units_accepts_the_digit_and_its_count(capsys, planted):
    model, data, labels = planted
    ok, out = verdict(capsys, check_fewest_units, (8, 0), model, data, labels)
    assert ok is True, out
    assert "The 8 has 0 unit(s) of its own; every other digit has at least 1." in out
    assert "✓ fewest units" in out


@pytest.mark.parametrize("answer, words", [
    ((3, 1), "the 3 has 1 unit(s) of its own (units 7); some digit has fewer"),
    ((0, 3), "the 0 has 3 unit(s) of its own (units 0, 1, 2)"),
    ((8, 1), "the 8 is right, but it has 0 unit(s) of its own, not 1"),
    (None, "not answered yet"),
    (8, "answer with a pair of whole numbers (digit, n_units)"),
    ((8.0, 0), "answer with a pair of whole numbers"),
    ((True, 0), "answer with a pair of whole numbers"),
    ((11, 0), "the digit must be 0..9"),
])
def test_fewest_units_names_what_is_wrong(capsys, planted, answer, words):
    model, data, labels = planted
    ok, out = verdict(capsys, check_fewest_units, answer, model, data, labels)
    assert ok is False
    assert words in out, out


def test_fewest_units_accepts_any_of_tied_digits(capsys, planted):
    model, data, labels = planted
    model.unit_digits[7] = 9                     # the 3 loses its unit: 3 and 8 have none
    for answer in [(3, 0), (8, 0)]:
        ok, out = verdict(capsys, check_fewest_units, answer, model, data, labels)
        assert ok is True, out
    assert "so do the 8" not in out and "(so do the 3)" in out


# --- Exercise 4: distinct filters ---------------------------------------------------------------
def test_distinct_filters_groups_chains_of_twins_by_cosine():
    e = np.eye(6)
    a = np.deg2rad(20)
    W1 = np.array([e[0], 5 * (np.cos(a) * e[0] + np.sin(a) * e[1]),     # twin of 0 (cos 0.94)
                   np.cos(2 * a) * e[0] + np.sin(2 * a) * e[1],         # twin of 1, not of 0
                   -e[0],                                               # the negative: no twin
                   0.01 * e[3]])
    n, group = distinct_filters(W1, 0.9)
    assert n == 3
    np.testing.assert_array_equal(group, [0, 0, 0, 1, 2])
    assert distinct_filters(W1, 0.95)[0] == 5
    for bad, words in [(np.zeros((2, 3)), "all zeros"), (np.ones(3), "one filter per row")]:
        with pytest.raises(ValueError, match=words):
            distinct_filters(bad)
    with pytest.raises(ValueError, match="between -1 and 1"):
        distinct_filters(W1, 1.5)


def _cosines(W):
    u = W / np.linalg.norm(W, axis=1, keepdims=True)
    return u @ u.T


def _components(linked):
    n, seen, count = len(linked), set(), 0
    for s in range(n):
        if s in seen:
            continue
        count += 1
        todo = [s]
        seen.add(s)
        while todo:
            j = todo.pop()
            for i in range(n):
                if linked[j, i] and i not in seen:
                    seen.add(i)
                    todo.append(i)
    return count


def _pairs(W, t):
    c = _cosines(W)
    return int(np.sum(c[np.triu_indices(len(W), 1)] > t))


def _greedy(W, t):
    c, leaders = _cosines(W), []
    for j in range(len(W)):
        if not any(c[j, k] > t for k in leaders):
            leaders.append(j)
    return len(leaders)


def test_distinct_filters_checker_accepts_a_correct_count(capsys):
    ok, out = verdict(capsys, check_distinct_filters, lambda W, t: distinct_filters(W, t)[0])
    assert ok is True, out
    ok, out = verdict(capsys, check_distinct_filters,
                      lambda W, t: _components(_cosines(W) > t))
    assert ok is True, out


@pytest.mark.parametrize("fn, words", [
    (lambda W, t: _components(W @ W.T > t), "you compared dot products"),
    (lambda W, t: _components(np.abs(_cosines(W)) > t), "you used |cos|"),
    (_pairs, "you counted twin pairs"),
    (lambda W, t: len(W) - _pairs(W, t), "you subtracted the twin pairs"),
    (_greedy, "a twin of a twin belongs to the same group"),
    (lambda W, t: len(W), "expected 3 group(s), yours 6"),
    (lambda W, t: 3, "expected 7 group(s), yours 3"),
    (lambda W, t: None, "returned None"),
    (lambda W, t: 1 / 0, "your function raised ZeroDivisionError"),
])
def test_distinct_filters_checker_names_the_mistake(capsys, fn, words):
    ok, out = verdict(capsys, check_distinct_filters, fn)
    assert ok is False
    assert words in out, out


def test_distinct_filters_checker_only_names_a_variant_that_matches_everywhere(capsys):
    ok, out = verdict(capsys, check_distinct_filters, lambda W, t: 3)     # a constant guess
    assert ok is False
    for message in ("dot products", "|cos|", "twin pairs", "subtracted", "twin of a twin"):
        assert message not in out, out
