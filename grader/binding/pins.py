"""Pinned parameter names: ``W1``, ``self.W1``, ``W[0]``, ``params['W1']`` as slots."""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from grader.binding.base import LAYOUTS, Layout
from grader.binding.plan import Path, Slot, follow
from grader.binding.structure import Entry, Mapping, entries_of, mappings

if TYPE_CHECKING:
    from grader.spec.assignment import Interface
    from reference import Network

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


def allowed_layouts(iface: Interface) -> tuple[str, ...]:
    """The layouts to try: the one the spec pins, else all."""
    return (iface.layout,) if iface.pins("layout") else LAYOUTS


def pinned_mappings(iface: Interface, network: Network, values: dict[str, Any], *, attributes: bool,
                    layers: Sequence[int]) -> list[Mapping]:
    """:func:`pinned_mapping` of the spec's parameters in each allowed layout."""
    return [pinned_mapping(iface.parameters, network.param_names(), values, attributes=attributes,
                           layout=Layout.named(layout), layers=layers) for layout in allowed_layouts(iface)]


def parameter_mappings(iface: Interface, network: Network, values: dict[str, Any], *, attributes: bool,
                       layers: Sequence[int]) -> tuple[list[Mapping], list[Entry]]:
    """The ways to read the parameters from ``values`` (attributes, or globals): the pinned ones, else the
    weight arrays whose shapes chain from the network's inputs to its outputs; with the entries looked at
    (none when pinned), for the note that says why nothing was found."""
    if iface.pins("parameters"):
        return pinned_mappings(iface, network, values, attributes=attributes, layers=layers), []
    entries = entries_of(values, attributes=attributes)
    return network_mappings(entries, network=network, layouts=allowed_layouts(iface)), entries


def network_mappings(entries: Sequence[Entry], *, network: Network, layouts: Sequence[str]) -> list[Mapping]:
    """:func:`~grader.binding.structure.mappings` for ``network``'s depth, input and output sizes and biases."""
    return mappings(entries, depth=network.depth, n_in=network.layers[0], n_out=network.layers[-1],
                    bias=network.bias, layouts=layouts)


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
