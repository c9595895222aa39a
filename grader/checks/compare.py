"""Comparison helpers: type, then shape, then values, naming the array.

Every helper is keyword-only and returns a :class:`Comparison` whose
``message`` says what is wrong in words, with got/expected for the worst
entries, and whose ``evidence`` goes into the result as JSON.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from grader.spec.assignment import Tolerance

WORST_ENTRIES = 3


@dataclass(frozen=True)
class Comparison:
    """The verdict on one array, with the evidence behind it."""

    name: str
    ok: bool
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


def as_float_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 array, or None when it is not numeric data."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return np.array(float(value))
    if isinstance(value, (list, tuple)):
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        return arr
    return None


def describe_type(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    return type(value).__name__


def relative_error(got: np.ndarray, expected: np.ndarray) -> float:
    """max |got - expected| / max(max |expected|, max |got|, 1e-12)."""
    scale = max(float(np.max(np.abs(expected), initial=0.0)), float(np.max(np.abs(got), initial=0.0)), 1e-12)
    return float(np.max(np.abs(got - expected), initial=0.0)) / scale


def worst_entries(got: np.ndarray, expected: np.ndarray, count: int = WORST_ENTRIES) -> list[dict[str, Any]]:
    """The entries where got and expected differ most."""
    diff = np.abs(got - expected)
    flat = np.argsort(diff, axis=None)[::-1][:count]
    rows = []
    for index in flat:
        where = tuple(int(i) for i in np.unravel_index(index, got.shape))
        if diff[where] == 0:
            break
        rows.append({"index": list(where), "got": float(got[where]), "expected": float(expected[where])})
    return rows


def compare_array(*, name: str, got: Any, expected: np.ndarray, tolerance: Tolerance) -> Comparison:
    """Check ``got`` against ``expected``: numeric type, same shape, values within tolerance."""
    arr = as_float_array(got)
    if arr is None:
        return Comparison(name, False, f"{name} should be a NumPy array, got {describe_type(got)}",
                          {"got_type": describe_type(got)})
    if arr.shape != expected.shape:
        if arr.size == expected.size and arr.shape == expected.T.shape:
            hint = " (transposed?)"
        else:
            hint = ""
        return Comparison(name, False, f"{name} has shape {arr.shape}, expected {expected.shape}{hint}",
                          {"got_shape": list(arr.shape), "expected_shape": list(expected.shape)})
    if not np.all(np.isfinite(arr)):
        return Comparison(name, False, f"{name} contains NaN or infinity", {"nonfinite": True})
    close = np.abs(arr - expected) <= tolerance.atol + tolerance.rtol * np.abs(expected)
    error = relative_error(arr, expected)
    evidence = {"relative_error": error, "mismatched": int(np.size(close) - np.count_nonzero(close)),
                "size": int(np.size(close))}
    if bool(np.all(close)):
        return Comparison(name, True, f"{name} matches (relative error {error:.1e})", evidence)
    evidence["worst"] = worst_entries(arr, expected)
    first = evidence["worst"][0]
    return Comparison(
        name, False,
        f"{name} differs in {evidence['mismatched']} of {evidence['size']} entries "
        f"(relative error {error:.2g}; e.g. at {tuple(first['index'])} got {first['got']:.6g}, "
        f"expected {first['expected']:.6g})",
        evidence,
    )


def compare_scalar(*, name: str, got: Any, expected: float, tolerance: Tolerance) -> Comparison:
    """Check a number: a float (or a one-element array), within tolerance."""
    arr = as_float_array(got)
    if arr is None or arr.size != 1:
        return Comparison(name, False, f"{name} should be a single number, got {describe_type(got)}",
                          {"got_type": describe_type(got)})
    value = float(arr.reshape(()))
    ok = bool(np.isfinite(value)) and abs(value - expected) <= tolerance.atol + tolerance.rtol * abs(expected)
    evidence = {"got": value, "expected": expected,
                "relative_error": abs(value - expected) / max(abs(expected), 1e-12)}
    if ok:
        return Comparison(name, True, f"{name} matches", evidence)
    return Comparison(name, False, f"{name} is {value:.6g}, expected {expected:.6g}", evidence)


@dataclass(frozen=True)
class FactorFit:
    """How well ``got`` equals ``factor * expected`` for a set of named arrays."""

    factor: float
    per_name: Mapping[str, float]
    errors: Mapping[str, float]
    alone: Mapping[str, float]

    def ok(self, tolerance: Tolerance) -> bool:
        return self.factor > 0 and all(e <= tolerance.rtol for e in self.errors.values())


def fit_common_factor(*, got: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray]) -> FactorFit:
    """The one factor c (least squares) with got ~= c * expected over all arrays.

    ``errors`` are each array's relative error against ``c * expected``;
    ``per_name`` is each array's own best factor and ``alone`` its relative
    error against that, to tell a different factor per array from a wrong array.
    """
    names = [n for n in expected if n in got]
    num = sum(float(np.sum(got[n] * expected[n])) for n in names)
    den = sum(float(np.sum(expected[n] * expected[n])) for n in names)
    factor = num / den if den > 0 else 0.0
    per_name, errors, alone = {}, {}, {}
    for n in names:
        e_den = float(np.sum(expected[n] * expected[n]))
        own = float(np.sum(got[n] * expected[n])) / e_den if e_den > 0 else 0.0
        per_name[n] = own
        errors[n] = relative_error(got[n], factor * expected[n])
        alone[n] = relative_error(got[n], own * expected[n])
    return FactorFit(factor=factor, per_name=per_name, errors=errors, alone=alone)


_FRACTIONS = {2: "half", 3: "a third", 4: "a quarter", 5: "a fifth", 8: "an eighth", 10: "a tenth"}


def times_in_words(*, factor: float, what: str = "large") -> str:
    """``factor`` x something as words that say which way: ``2.5 times larger``, ``half as large``,
    ``as large`` (``what`` names the quantity's size word: "large", "much")."""
    if not (factor > 0 and math.isfinite(factor)):
        return f"{factor:.4g} times as {what}"
    if abs(factor - 1) < 1e-6:
        return f"just as {what}"
    if factor > 1:
        return f"{factor:.4g} times larger" if what == "large" else f"{factor:.4g} times as {what}"
    inverse = 1 / factor
    if abs(inverse - round(inverse)) < 1e-6 and round(inverse) in _FRACTIONS:
        return f"{_FRACTIONS[round(inverse)]} as {what}"
    return f"{factor:.4g} times as {what}"
