"""The weight/bias-lists style: ``forward_pass(X, W, B)`` returning the output and the activations,
and a ``backward_pass(W, B, A, dA, pred, Y, learning_rate)`` that updates the lists in place.

The grader keeps each list in a worker handle (copies of the student's lists)
and passes them where the student's functions take them; ``W[i]``/``B[i]`` are
layer ``i + 1``. The function engine is :mod:`grader.binding.functions`; this
module knows the list containers.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from grader.binding.context import Detection
from grader.binding.names import BIAS_LIST_NAME, WEIGHT_LIST_NAME
from grader.binding.plan import Slot
from grader.binding.structure import Entry, entries_in


def is_container(value: Any) -> bool:
    """A non-empty list of arrays."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, np.ndarray) for v in value)


def role(name: str, value: Any) -> str | None:
    """``W`` for a list of weights, ``b`` for biases: by name, else by contents (bias vectors)."""
    if BIAS_LIST_NAME.match(name):
        return "b"
    if WEIGHT_LIST_NAME.match(name):
        return "W"
    if is_container(value):
        vectors = all(v.ndim == 1 or 1 in v.shape for v in value)
        return "b" if vectors else "W"
    return None


def looks_like(name: str) -> bool:
    return bool(WEIGHT_LIST_NAME.match(name) or BIAS_LIST_NAME.match(name))


def global_container(det: Detection, wanted: str) -> tuple[str, list[Any]] | None:
    """A module-level list of weights (``wanted`` "W") or biases ("b")."""
    for entry in det.entries("list"):
        if looks_like(entry["name"]) or wanted == "W":
            value = det.value(entry["name"])
            if is_container(value) and role(entry["name"], value) == wanted:
                return entry["name"], value
    return None


def entries(key: str, value: Any, kind: str) -> list[Entry]:
    return entries_in(value, root=key, label=key, role=kind)


def default_slots(key: str, kind: str, depth: int) -> tuple[Slot, ...]:
    """Slots ``key[0] ... key[depth-1]`` when no initial list shows the student's."""
    return tuple(Slot(f"{kind}{i + 1}", f"{key}[{i}]", key, (("i", i),)) for i in range(depth))


def zeros(slots: Sequence[Slot], shapes: dict[str, tuple[int, ...]]) -> list[np.ndarray]:
    ordered = sorted((s for s in slots if s.path), key=lambda s: s.path[0][1])
    return [np.zeros(shapes[s.name]) for s in ordered]
