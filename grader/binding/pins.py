"""Pinned parameter names: ``W1``, ``self.W1``, ``W[0]``, ``params['W1']`` as slots."""
from __future__ import annotations

import ast
import re
from typing import Any, Sequence

import numpy as np

from grader.binding.base import Layout
from grader.binding.plan import Path, Slot, follow
from grader.binding.structure import Entry, Mapping

_STEP = re.compile(r"\.([A-Za-z_]\w*)|\[([^\]]+)\]")


def parse_path(text: str) -> tuple[str, Path]:
    """``params['W1']`` -> ("params", (("i", "W1"),)); a leading ``self.`` is dropped."""
    text = text.strip()
    if text.startswith("self."):
        text = text[5:]
    head = re.match(r"[A-Za-z_]\w*", text)
    if head is None:
        raise ValueError(f"not a parameter path: {text!r}")
    steps: list[tuple[str, Any]] = []
    for attr, item in _STEP.findall(text[head.end():]):
        if attr:
            steps.append(("a", attr))
        else:
            try:
                steps.append(("i", ast.literal_eval(item.strip())))
            except (ValueError, SyntaxError):
                steps.append(("i", item.strip().strip("'\"")))
    return head.group(0), tuple(steps)


def pinned_mapping(paths: Sequence[str], names: Sequence[str], values: dict[str, Any], *, attributes: bool,
                   layout: Layout, layers: Sequence[int]) -> Mapping:
    """The mapping the spec pins (``paths`` in the reference's order ``W1, b1, ...``), with the sizes the
    student's arrays have where they can be read, else ``layers``."""
    weights: list[Entry] = []
    biases: list[Entry] = []
    for order, (text, name) in enumerate(zip(paths, names)):
        head, steps = parse_path(text)
        root, path = ("self", (("a", head),) + steps) if attributes else (head, steps)
        try:
            value = follow(values.get(head), tuple(s for s in steps if s[0] == "i"))
        except (KeyError, IndexError, TypeError):
            value = None
        shape = tuple(value.shape) if isinstance(value, np.ndarray) else ()
        entry = Entry(text, root, path, shape, name[0], int(name[1:]), False, order)
        (weights if name.startswith("W") else biases).append(entry)
    sizes = _sizes(weights, layout) or tuple(layers)
    return Mapping(layout, tuple(weights), tuple(biases) if biases else None, sizes, False, 0.0)


def _sizes(weights: Sequence[Entry], layout: Layout) -> tuple[int, ...] | None:
    if not weights or any(len(w.shape) != 2 for w in weights):
        return None
    fans = [(w.shape[1], w.shape[0]) if layout.weights_transposed else w.shape for w in weights]
    if any(fans[i][1] != fans[i + 1][0] for i in range(len(fans) - 1)):
        return None
    return (fans[0][0], *(f[1] for f in fans))


def slot_of(text: str, name: str, *, attributes: bool, flat: bool = False) -> Slot:
    head, steps = parse_path(text)
    root, path = ("self", (("a", head),) + steps) if attributes else (head, steps)
    return Slot(name, text, root, path, flat)
