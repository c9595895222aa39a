"""Biases folded into the weight matrices: one student array holds a layer's weights and its bias.

Code written with the "bias trick" adds a constant-1 unit in front of (or after) every layer's
input, so the first (or last) row of each weight matrix, taken as ``(in + 1, out)``, is the bias.
Such a layer is two slots on the same array: ``W`` with ``rows`` (1, None) and ``b`` with (0, 1)
(or (0, -1) and (-1, None)), in the reference's ``(in, out)`` orientation whatever the student's
layout. Reading slices the array; writing joins both reference arrays into one and sets it whole.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from grader.binding.base import Layout
    from grader.binding.plan import Slot
    from grader.sandbox.remote import Ref

Rows = tuple[int | None, int | None]
FIRST = {"W": (1, None), "b": (0, 1)}  # bias in the first row (the constant unit comes first)
LAST = {"W": (0, -1), "b": (-1, None)}  # bias in the last row


def rows_for(role: str, where: str) -> Rows:
    """The rows of the folded array that hold ``role`` ("W" or "b"), the bias being ``where`` (first, last)."""
    return (FIRST if where == "first" else LAST)[role]


def part(value: Any, rows: Rows, layout: Layout) -> Any:
    """The reference's parameter inside a student's folded array (or its gradient)."""
    if not isinstance(value, np.ndarray) or value.ndim != 2:
        return value
    full = layout.weight_from_student(value)
    return full[rows[0]:rows[1]]


def grouped(slots: Sequence[Slot], ref: Callable[[Slot], Ref]) -> Iterable[tuple[Ref, list[Slot]]]:
    """The folded arrays (one reference each) with the slots they hold."""
    groups: dict[tuple[str, Any], list[Slot]] = {}
    for slot in slots:
        if slot.rows is not None:
            groups.setdefault((slot.root, slot.path), []).append(slot)
    for parts in groups.values():
        yield ref(parts[0]), parts


def joined(parts: Sequence[Slot], params: Mapping[str, np.ndarray], layout: Layout) -> np.ndarray:
    """One folded array in the student's layout from the reference's weight and bias."""
    weight = next(s for s in parts if s.weight)
    bias = next((s for s in parts if not s.weight), None)
    W = np.asarray(params[weight.name], dtype=np.float64)
    if bias is None:
        return layout.weight_to_student(W)
    b = np.asarray(params[bias.name], dtype=np.float64).reshape(1, -1)
    full = np.vstack([b, W]) if bias.rows == FIRST["b"] else np.vstack([W, b])
    return layout.weight_to_student(full)
