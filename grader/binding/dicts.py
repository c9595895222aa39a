"""The parameter-dict style: ``forward(X, params) -> (yhat, cache)``, ``backward(Y, cache, params) -> grads``.

The grader keeps the dict in a worker handle (a copy of the student's initial
dict, from an initialiser or a global) and passes it where the student's
functions take it; the keys are read like names (``W1``, ``b1``, ``w_2``, ...)
and any number of layers is supported. Gradients come back as a dict (``dW1``
or ``W1`` keys), a tuple or a list; without an update function the grader
applies ``params[k] -= lr * grads[k]`` itself. The function engine is
:mod:`grader.binding.functions`; this module knows the dict container.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from grader.binding.context import Detection
from grader.binding.names import PARAMS_NAME
from grader.binding.plan import Slot
from grader.binding.structure import Entry, entries_in, role_of


def is_container(value: Any) -> bool:
    """A dict holding at least one weight-like array."""
    return isinstance(value, dict) and any(isinstance(k, str) and isinstance(v, np.ndarray) and role_of(k)
                                           for k, v in value.items())


def looks_like(name: str) -> bool:
    return bool(PARAMS_NAME.match(name))


def global_container(det: Detection) -> tuple[str, dict[str, Any]] | None:
    """A module-level dict of parameters (``params = {...}``), preferring parameter-like names."""
    found = []
    for entry in det.entries("dict"):
        keys = entry.get("keys", [])
        if any(role_of(str(k)) for k in keys):
            value = det.value(entry["name"])
            if is_container(value):
                found.append((not looks_like(entry["name"]), entry["name"], value))
    found.sort(key=lambda f: f[0])
    return (found[0][1], found[0][2]) if found else None


def entries(key: str, value: Any) -> list[Entry]:
    return entries_in(value, root=key, label=key)


def default_slots(key: str, names: Sequence[str]) -> tuple[Slot, ...]:
    """Slots under the reference's own keys, when no initial dict shows the student's."""
    return tuple(Slot(name, f"{key}[{name!r}]", key, (("i", name),)) for name in names)


def zeros(slots: Sequence[Slot], shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    return {str(s.path[0][1]): np.zeros(shapes[s.name]) for s in slots if s.path}
