"""The shared toolkit of the checkers, sae_lib.exercises.feedback: each helper on the inputs
a learner's code really produces -- right answers, forgotten returns, tuples, wrong shapes,
NaN, exceptions -- and the exact findings it records."""

import numpy as np
import pytest

from sae_lib.exercises.feedback import (
    Feedback,
    as_array,
    as_scalar,
    call_learner,
    diagnose,
    first_difference,
    same,
    unchanged,
)


# --- Feedback ------------------------------------------------------------------------------
def test_report_without_problems_prints_a_tick_and_returns_true(capsys):
    fb = Feedback("rho_hat")
    assert fb.problems == []
    assert fb.report() is True
    assert capsys.readouterr().out == "✓ rho_hat: all checks passed.\n"


def test_report_lists_every_problem_in_order_and_returns_false(capsys):
    fb = Feedback("kl_divergence")
    fb.fail("first finding")
    fb.fail("second finding")
    assert fb.report() is False
    assert capsys.readouterr().out == ("✗ kl_divergence: 2 problem(s):\n"
                                       "  - first finding\n  - second finding\n")


def test_expect_close_passes_within_tolerance():
    fb = Feedback("x")
    assert fb.expect_close([1.0, 2.0 + 1e-9], [1.0, 2.0], "vector") is True
    assert fb.expect_close(3, 3.0, "int against float") is True
    assert fb.problems == []


@pytest.mark.parametrize("got, expected, message", [
    (None, [1.0], "case: your function returned None (did you forget `return`?)"),
    ([1.0, 2.0], [[1.0, 2.0]], "case: expected shape (1, 2), yours has shape (2,)"),
    (0.5, 0.25, "case: expected 0.25, yours is 0.5"),
    ([1.0, 2.5, 3.0], [1.0, 2.0, 3.0],
     "case: largest difference from the expected values is 0.5"),
])
def test_expect_close_records_what_is_wrong(got, expected, message):
    fb = Feedback("x")
    assert fb.expect_close(got, expected, "case") is False
    assert fb.problems == [message]


def test_expect_close_rejects_nan_even_against_nan():
    fb = Feedback("x")
    assert fb.expect_close([np.nan], [np.nan], "nan") is False


def test_expect_close_tolerances_are_used():
    fb = Feedback("x")
    assert fb.expect_close(1.001, 1.0, "loose", rtol=1e-2) is True
    assert fb.expect_close(1.001, 1.0, "tight") is False


# --- call_learner --------------------------------------------------------------------------
def test_call_learner_returns_the_value_and_passes_arguments():
    fb = Feedback("x")
    assert call_learner(fb, lambda a, b=0: a + b, 2, b=3) == (True, 5)
    assert fb.problems == []


def test_call_learner_names_an_unwritten_exercise():
    def stub(*args):
        raise NotImplementedError

    fb = Feedback("x")
    assert call_learner(fb, stub, 1) == (False, None)
    assert fb.problems == [("not implemented yet: replace the `raise NotImplementedError` "
                           "line with your code")]


def test_call_learner_reports_an_exception_with_its_line():
    def buggy(a2):
        total = a2.sum()
        return total / undefined_name  # noqa: F821 -- the learner's bug

    fb = Feedback("x")
    assert call_learner(fb, buggy, np.ones(3)) == (False, None)
    (problem,) = fb.problems
    assert problem.startswith("your function raised NameError: name 'undefined_name' is "
                              "not defined (line ")
    assert "`return total / undefined_name  # noqa: F821 -- the learner's bug`" in problem


def test_call_learner_quotes_the_learners_line_when_numpy_raises():
    def inverts(C):
        P = np.linalg.inv(C)
        return P

    fb = Feedback("x")
    assert call_learner(fb, inverts, np.zeros((2, 2))) == (False, None)
    assert "`P = np.linalg.inv(C)`" in fb.problems[0]


def test_call_learner_does_not_swallow_keyboard_interrupt():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        call_learner(Feedback("x"), interrupted)


# --- as_array / as_scalar ------------------------------------------------------------------
def test_as_array_converts_numbers_and_lists_to_float_arrays():
    fb = Feedback("x")
    got = as_array(fb, [1, 2, 3], "case")
    assert got.dtype == float and got.tolist() == [1.0, 2.0, 3.0]
    assert as_array(fb, 4, "case").shape == ()
    assert fb.problems == []


@pytest.mark.parametrize("value, message", [
    (None, "case: your function returned None (did you forget `return`?)"),
    ((np.ones(2), np.zeros(2)), ("case: your function returned a tuple of 2 values; return a "
                                "single array (or number)")),
    ("abc", "case: your function returned str 'abc', not an array of numbers"),
    ([[1.0, 2.0], [3.0]], "case: your function returned list, not an array of numbers"),
    ({"a": 1}, "case: your function returned dict, not an array of numbers"),
])
def test_as_array_names_unusable_values(value, message):
    fb = Feedback("x")
    assert as_array(fb, value, "case") is None
    assert fb.problems == [message]


def test_as_array_finite_flag():
    fb = Feedback("x")
    assert as_array(fb, [1.0, np.nan], "case").shape == (2,)      # allowed by default
    assert as_array(fb, [1.0, np.inf], "case", finite=True) is None
    assert fb.problems == ["case: your result contains NaN or infinite values"]


@pytest.mark.parametrize("value, expected", [(2, 2.0), (np.float32(0.5), 0.5),
                                             (np.array(3.0), 3.0), (np.array([[7.0]]), 7.0)])
def test_as_scalar_accepts_any_single_number(value, expected):
    fb = Feedback("x")
    got = as_scalar(fb, value, "case")
    assert type(got) is float and got == expected and fb.problems == []


@pytest.mark.parametrize("value, message", [
    (None, "case: your function returned None (did you forget `return`?)"),
    (np.ones(3), "case: return one number, yours returned an array of shape (3,)"),
    ("abc", "case: return one number, yours returned str"),
])
def test_as_scalar_names_what_is_not_one_number(value, message):
    fb = Feedback("x")
    assert as_scalar(fb, value, "case") is None
    assert fb.problems == [message]


# --- same / first_difference ---------------------------------------------------------------
def test_same_needs_equal_shapes_and_close_values():
    assert same([1.0, 2.0], np.array([1.0, 2.0 + 1e-10]))
    assert not same([1.0, 2.0], [[1.0, 2.0]])                 # broadcasting is not enough
    assert not same([1.0, 2.1], [1.0, 2.0])
    assert same([1.0], [1.1], rtol=0.2)
    assert not same([np.nan], [np.nan])


def test_first_difference_finds_the_largest_deviation():
    got = np.array([[1.0, 2.0], [3.0, 9.0]])
    expected = np.array([[1.0, 2.5], [3.0, 4.0]])
    assert first_difference(got, expected) == ((1, 1), 9.0, 4.0)
    idx, g, e = first_difference(np.array([0.0, 5.0]), np.array([0.0, 4.0]))
    assert idx == (1,) and (g, e) == (5.0, 4.0)


# --- diagnose ------------------------------------------------------------------------------
def test_diagnose_right_records_nothing():
    fb = Feedback("x")
    assert diagnose(fb, np.array([1.0, 2.0]), [1.0, 2.0], [], "case") == "right"
    assert fb.problems == []


def test_diagnose_names_the_first_matching_mistake_and_skips_none():
    fb = Feedback("x")
    expected = np.array([1.0, 2.0])
    got = -expected
    candidates = [(None, "never shown"), (expected * 2, "doubled"), (-expected, "negated"),
                  (-expected, "negated again")]
    assert diagnose(fb, got, expected, candidates, "case") == "named"
    assert fb.problems == ["case: negated"]


def test_diagnose_candidates_are_compared_with_the_same_tolerance():
    fb = Feedback("x")
    assert diagnose(fb, np.array([2.0 + 1e-3]), [1.0], [(np.array([2.0]), "near")], "case",
                    rtol=1e-2) == "named"
    fb = Feedback("x")
    assert diagnose(fb, np.array([2.0 + 1e-3]), [1.0], [(np.array([2.0]), "near")],
                    "case") == "unknown"


def test_diagnose_recognises_a_sum_returned_for_a_vector():
    fb = Feedback("x")
    expected = np.array([0.25, 0.5, 1.0])
    assert diagnose(fb, np.array(1.75), expected, [], "case") == "named"
    assert fb.problems == [("case: you returned one number, the sum over all entries; return "
                           "one value per entry, shape (3,) (no sum)")]


def test_diagnose_names_a_shape_mismatch():
    fb = Feedback("x")
    assert diagnose(fb, np.ones((3, 1)), np.ones(3), [], "case") == "named"
    assert fb.problems == ["case: expected shape (3,), yours has shape (3, 1)"]
    fb = Feedback("x")
    assert diagnose(fb, np.array(5.0), np.ones(3), [], "case") == "named"   # not the sum
    assert fb.problems == ["case: expected shape (3,), yours has shape ()"]


def test_diagnose_unknown_mistake_says_where_and_by_how_much():
    generic = "(none of the common mistakes matches; compare your code with the formula " \
              "term by term)"
    fb = Feedback("x")
    assert diagnose(fb, np.array(0.5), np.array(0.25), [], "scalar") == "unknown"
    assert fb.problems == [f"scalar: expected 0.25, yours is 0.5 {generic}"]
    fb = Feedback("x")
    assert diagnose(fb, np.array([1.0, 7.0, 3.0]), [1.0, 2.0, 3.0], [], "vector") == "unknown"
    assert fb.problems == [(f"vector: wrong values, e.g. at index 1 expected 2, yours is 7 "
                           f"{generic}")]


def test_diagnose_prints_a_matrix_index_as_plain_numbers():
    fb = Feedback("x")
    got = np.zeros((2, 2))
    got[1, 0] = 1.0
    assert diagnose(fb, got, np.zeros((2, 2)), [], "matrix") == "unknown"
    assert fb.problems[0].startswith("matrix: wrong values, e.g. at index (1, 0) expected 0, "
                                     "yours is 1")


def test_diagnose_cannot_be_passed_by_nan():
    fb = Feedback("x")
    result = diagnose(fb, np.array([np.nan, 2.0]), [1.0, 2.0], [], "case")
    assert result == "unknown" and "yours is nan" in fb.problems[0]


# --- unchanged -----------------------------------------------------------------------------
def test_unchanged_true_when_arguments_are_intact():
    fb = Feedback("x")
    a, b = np.arange(3.0), np.ones(2)
    assert unchanged(fb, (a, b), (a.copy(), b.copy()), ("a", "b"), "case") is True
    assert fb.problems == []


def test_unchanged_names_the_first_argument_changed_in_place():
    fb = Feedback("x")
    a, b = np.arange(3.0), np.ones(2)
    given_a, given_b = a.copy(), b.copy()
    given_b -= 1                                   # what a learner's `X_hat -= X` does
    assert unchanged(fb, (a, b), (given_a, given_b), ("X_hat", "X"), "case") is False
    assert fb.problems == [("case: your function changed its argument X in place; compute new "
                           "arrays instead (e.g. `d = X_hat - X`, not `X_hat -= X`)")]


# --- the pattern of the module docstring, end to end ---------------------------------------
def test_checker_pattern_end_to_end(capsys):
    def check(fn):
        fb = Feedback("double")
        ok, value = call_learner(fb, fn, np.array([1.0, 2.0]))
        got = as_array(fb, value, "x = [1, 2]") if ok else None
        if got is not None:
            diagnose(fb, got, [2.0, 4.0], [(np.array([1.0, 2.0]), "you returned x itself")],
                     "x = [1, 2]")
        return fb.report()

    assert check(lambda x: 2 * x) is True
    assert check(lambda x: x) is False
    assert "✗ double: 1 problem(s):\n  - x = [1, 2]: you returned x itself" in \
        capsys.readouterr().out
    assert check(lambda x: None) is False
    assert "did you forget `return`?" in capsys.readouterr().out


def test_as_array_rejects_a_string_of_digits():
    fb = Feedback("x")
    assert as_array(fb, "0.5", "rho = 0.5") is None
    assert fb.problems == ["rho = 0.5: your function returned str '0.5', not an array of numbers"]
