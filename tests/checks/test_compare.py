"""Comparison helpers: type, then shape, then values; common gradient factors; relative error."""
from __future__ import annotations

import numpy as np
import pytest

from grader.spec.assignment import Tolerance
from grader.checks.compare import Comparison, compare_array, compare_scalar, fit_common_factor, relative_error
from grader.sandbox.remote import Handle

TIGHT = Tolerance(rtol=1e-6, atol=1e-9)
EXPECTED = np.arange(6, dtype=np.float64).reshape(2, 3) + 1.0  # [[1, 2, 3], [4, 5, 6]]


def check(got: object, expected: np.ndarray = EXPECTED, tolerance: Tolerance = TIGHT) -> Comparison:
    return compare_array(name="W1", got=got, expected=expected, tolerance=tolerance)


# -- compare_array: type ---------------------------------------------------------------------------

@pytest.mark.parametrize("got, type_name", [
    ("a string", "str"),
    (None, "NoneType"),
    ({"W1": 1.0}, "dict"),
    (Handle(3, "SimpleNN"), "Handle"),
    ([[1.0, 2.0], [3.0]], "list"),  # ragged: not numeric data
])
def test_array_of_the_wrong_type_is_named(got, type_name):
    result = check(got)
    assert not result.ok
    assert result.message == f"W1 should be a NumPy array, got {type_name}"
    assert result.evidence == {"got_type": type_name}


def test_type_is_checked_before_shape():
    result = check("xx")
    assert "shape" not in result.message and "got_shape" not in result.evidence


def test_nested_list_of_numbers_is_accepted_as_an_array():
    result = check([[1, 2, 3], [4, 5, 6]])
    assert result.ok, result.message


# -- compare_array: shape --------------------------------------------------------------------------

def test_transposed_shape_is_pointed_out():
    result = check(EXPECTED.T.copy())
    assert not result.ok
    assert result.message == "W1 has shape (3, 2), expected (2, 3) (transposed?)"
    assert result.evidence == {"got_shape": [3, 2], "expected_shape": [2, 3]}


@pytest.mark.parametrize("shape", [(6,), (1, 6), (2, 2), (2, 3, 1)])
def test_other_wrong_shapes_do_not_claim_a_transpose(shape):
    result = check(np.ones(shape))
    assert not result.ok
    assert f"has shape {shape}, expected (2, 3)" in result.message
    assert "transposed" not in result.message


def test_shape_is_checked_before_values():
    # Wildly different values, but the shape is what is reported.
    result = check(np.full((3, 2), 1e9))
    assert "shape" in result.message and "worst" not in result.evidence


# -- compare_array: values -------------------------------------------------------------------------

def test_equal_arrays_match():
    result = check(EXPECTED.copy())
    assert result.ok
    assert result.message.startswith("W1 matches")
    assert result.evidence["mismatched"] == 0 and result.evidence["size"] == 6


def test_values_report_the_worst_entries_with_got_and_expected():
    got = EXPECTED.copy()
    got[1, 2] = 16.0   # off by 10: the worst
    got[0, 1] = 2.5    # off by 0.5: second
    result = check(got)
    assert not result.ok
    assert result.message.startswith("W1 differs in 2 of 6 entries")
    assert "at (1, 2) got 16, expected 6" in result.message
    assert result.evidence["mismatched"] == 2
    assert result.evidence["worst"] == [
        {"index": [1, 2], "got": 16.0, "expected": 6.0},
        {"index": [0, 1], "got": 2.5, "expected": 2.0},
    ]
    assert result.evidence["relative_error"] == pytest.approx(10.0 / 16.0)


def test_worst_entries_are_capped_at_three():
    result = check(EXPECTED + np.arange(1, 7).reshape(2, 3))
    assert [w["index"] for w in result.evidence["worst"]] == [[1, 2], [1, 1], [1, 0]]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_reported(bad):
    got = EXPECTED.copy()
    got[0, 0] = bad
    result = check(got)
    assert not result.ok
    assert result.message == "W1 contains NaN or infinity"


def test_tolerance_is_atol_plus_rtol_times_expected():
    expected = np.array([100.0])
    assert check(np.array([100.5]), expected, Tolerance(rtol=1e-2, atol=0.0)).ok
    assert not check(np.array([100.5]), expected, Tolerance(rtol=1e-3, atol=0.0)).ok
    assert check(np.array([100.5]), expected, Tolerance(rtol=0.0, atol=0.5)).ok
    # Near zero only atol helps.
    assert not check(np.array([1e-6]), np.array([0.0]), Tolerance(rtol=1e-2, atol=1e-9)).ok


# -- compare_scalar --------------------------------------------------------------------------------

@pytest.mark.parametrize("got", [0.25, np.array(0.25), np.array([0.25]), np.array([[0.25]]), [0.25]])
def test_scalar_accepts_a_number_or_a_one_element_array(got):
    result = compare_scalar(name="loss", got=got, expected=0.25, tolerance=TIGHT)
    assert result.ok, result.message
    assert result.evidence["got"] == 0.25


@pytest.mark.parametrize("got, type_name", [
    (np.array([0.25, 0.25]), "array of shape (2,)"),
    ("0.25", "str"),
    (True, "bool"),
    (None, "NoneType"),
])
def test_scalar_rejects_what_is_not_one_number(got, type_name):
    result = compare_scalar(name="loss", got=got, expected=0.25, tolerance=TIGHT)
    assert not result.ok
    assert result.message == f"loss should be a single number, got {type_name}"


def test_scalar_mismatch_says_got_and_expected():
    result = compare_scalar(name="loss", got=2.0, expected=0.5, tolerance=TIGHT)
    assert not result.ok
    assert result.message == "loss is 2, expected 0.5"
    assert result.evidence["relative_error"] == pytest.approx(3.0)


def test_scalar_nan_never_matches():
    assert not compare_scalar(name="loss", got=float("nan"), expected=0.5, tolerance=Tolerance(1e9, 1e9)).ok


# -- fit_common_factor -----------------------------------------------------------------------------

RNG = np.random.default_rng(0)
GRADS = {"W1": RNG.standard_normal((2, 4)), "b1": RNG.standard_normal((1, 4)),
         "W2": RNG.standard_normal((4, 1)), "b2": RNG.standard_normal((1, 1))}


def test_common_factor_is_found():
    fit = fit_common_factor(got={k: 5.0 * v for k, v in GRADS.items()}, expected=GRADS)
    assert fit.factor == pytest.approx(5.0)
    assert all(e < 1e-12 for e in fit.errors.values())
    assert fit.per_name == pytest.approx({k: 5.0 for k in GRADS})
    assert fit.ok(TIGHT)


def test_different_factor_per_array_is_visible():
    got = {k: (4.0 if k.startswith("b") else 1.0) * v for k, v in GRADS.items()}
    fit = fit_common_factor(got=got, expected=GRADS)
    assert fit.per_name == pytest.approx({"W1": 1.0, "b1": 4.0, "W2": 1.0, "b2": 4.0})
    # Each array is right for its own factor, not for the common one.
    assert all(e < 1e-12 for e in fit.alone.values())
    assert max(fit.errors.values()) > 0.1
    assert 1.0 < fit.factor < 4.0
    assert not fit.ok(TIGHT)


def test_wrong_array_is_wrong_even_alone():
    got = dict(GRADS, W2=GRADS["W2"] + np.array([[1.0], [0.0], [0.0], [0.0]]))
    fit = fit_common_factor(got=got, expected=GRADS)
    assert fit.alone["W2"] > 0.01
    assert fit.alone["W1"] < 1e-12


def test_negative_factor_is_found_but_not_ok():
    fit = fit_common_factor(got={k: -2.0 * v for k, v in GRADS.items()}, expected=GRADS)
    assert fit.factor == pytest.approx(-2.0)
    assert all(e < 1e-12 for e in fit.errors.values())
    assert not fit.ok(TIGHT)


def test_arrays_missing_from_got_are_left_out():
    fit = fit_common_factor(got={"W1": 3.0 * GRADS["W1"]}, expected=GRADS)
    assert set(fit.per_name) == {"W1"}
    assert fit.factor == pytest.approx(3.0)


def test_all_zero_expected_gives_factor_zero():
    fit = fit_common_factor(got={"W1": np.ones((2, 2))}, expected={"W1": np.zeros((2, 2))})
    assert fit.factor == 0.0 and not fit.ok(TIGHT)


# -- relative_error --------------------------------------------------------------------------------

def test_relative_error_scales_by_the_largest_magnitude():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.5])) == pytest.approx(0.5 / 2.5)
    # Symmetric: the scale is the larger of the two.
    assert relative_error(np.array([1.0, 2.5]), np.array([1.0, 2.0])) == pytest.approx(0.5 / 2.5)


def test_relative_error_of_equal_or_zero_arrays_is_zero():
    assert relative_error(EXPECTED, EXPECTED.copy()) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros(0), np.zeros(0)) == 0.0


def test_relative_error_against_zero_is_one():
    assert relative_error(np.array([1e-3]), np.array([0.0])) == pytest.approx(1.0)
