"""Which of the student's arrays are which parameters: candidate mappings from names and shapes.

Every array that looks like a weight or a bias (by its name, or the name of the
list or dict holding it) is an :class:`Entry`. :func:`mappings` lists the ways
to read them as ``W1, b1, W2, ...`` whose shapes chain from the input size to
the output size, in the row-major layout (``W`` is ``(in, out)``) and the
column-major one (``W`` is ``(out, in)``), best named first. Names only order
the candidates: the forward probes decide (:mod:`grader.binding.probe`).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from grader.binding.base import LAYOUTS, Layout
from grader.binding.folded import rows_for
from grader.binding.plan import Path, Slot

MAX_MAPPINGS = 12
DETECT_BATCH = 7  # rows of the detection probes' inputs: unlike any layer size used there

_BIAS = re.compile(r"^(?:b|bs|beta|b_?[a-z]{1,3})_?\d*$|bias", re.IGNORECASE)
_WEIGHT = re.compile(r"^(?:w|weights?|ws|theta|kernel|v|u|wt)_?(\d+)?$|weight|^w_|^w[a-z]{1,3}\d*$|^theta",
                     re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """A candidate parameter array: where it is, its shape, and what its name suggests."""

    label: str
    root: str
    path: Path
    shape: tuple[int, ...]
    role: str  # "W" or "b"
    layer: int | None  # the layer its name or index suggests (1-based), or None
    last: bool = False  # its name says "output"
    order: int = 0
    parts: tuple[Path, ...] = ()  # one object per unit (a neuron's weight vector, or its bias): their paths


def role_of(name: str) -> str | None:
    """``W`` for a weight-like name, ``b`` for a bias-like one, else None."""
    if _BIAS.search(name):
        return "b"
    if _WEIGHT.search(name):
        return "W"
    return None


def layer_hint(name: str) -> tuple[int | None, bool]:
    """The layer a name points at (``W2`` -> 2, ``weights_input_hidden`` -> 1) and whether it says output."""
    lower = name.lower()
    output = bool(re.search(r"out|_ho$|^who|^bo$|^b_?o$|hidden_?output|h_?o$", lower))
    digits = re.findall(r"\d+", lower)
    if re.search(r"hidden\d*_?hidden|h\d_?h\d", lower) and len(digits) == 2:
        return int(digits[1]), output
    if digits and not output:
        return int(digits[-1]) if "hidden" not in lower or "input" not in lower else 1, output
    if re.search(r"in(?:put)?_?h|_ih$|^wih|^w_?ih|^wxh|input", lower):
        return 1, output
    if not output and re.search(r"hidden|^b_?h$|^bh$", lower):
        return 1, output
    return None, output


def entries_of(values: Any, *, attributes: bool) -> list[Entry]:
    """Weight- and bias-like arrays among an object's attributes or a module's globals (``{name: value}``).

    Arrays directly under a weight/bias-like name, items of lists named like weights or biases
    (``W[0]``), and items of dicts (``params['W1']``) whose keys are weight/bias-like. Attributes live
    under the root ``self``; each global is a root of its own.
    """
    found: list[Entry] = []
    if not isinstance(values, dict):
        return found
    for name, value in values.items():
        if isinstance(name, str):
            root, path = ("self", (("a", name),)) if attributes else (name, ())
            found += _entries_under(name, value, root=root, path=path, label=name, order=len(found))
    return found


def entries_in(value: Any, *, root: str, label: str, role: str | None = None) -> list[Entry]:
    """The entries of one container the grader keeps as a root: a dict of parameters, or a list of
    weights (``role`` "W") or biases ("b")."""
    if isinstance(value, dict):
        return _entries_under("params", value, root=root, path=(), label=label, order=0)
    if isinstance(value, list) and role:
        return _entries_under("W" if role == "W" else "b", value, root=root, path=(), label=label, order=0)
    return []


def _entries_under(name: str, value: Any, *, root: str, path: Path, label: str, order: int) -> list[Entry]:
    role = role_of(name)
    if isinstance(value, np.ndarray) and value.ndim in (1, 2) and role:
        layer, last = layer_hint(name)
        return [Entry(label, root, path, tuple(value.shape), role, layer, last, order)]
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value) and role:
        return [Entry(f"{label}[{i}]", root, path + (("i", i),), tuple(v.shape), role, i + 1,
                      i == len(value) - 1, order + i) for i, v in enumerate(value) if v.ndim in (1, 2)]
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if isinstance(key, str) and isinstance(item, np.ndarray) and item.ndim in (1, 2) and role_of(key):
                layer, last = layer_hint(key)
                out.append(Entry(f"{label}[{key!r}]", root, path + (("i", key),), tuple(item.shape),
                                 str(role_of(key)), layer, last, order + len(out)))
        return out
    return []


@dataclass(frozen=True)
class Mapping:
    """One reading of the entries as the network's parameters."""

    layout: Layout
    weights: tuple[Entry, ...]
    biases: tuple[Entry, ...] | None
    layers: tuple[int, ...]
    bias_column: bool
    score: float
    folded: str = ""  # "first" or "last": the folded layers' weight matrices hold the bias in that row
    fold: tuple[bool, ...] = ()  # which layers are folded (biases[i] is None for them)

    @property
    def has_biases(self) -> bool:
        return self.biases is not None or bool(self.folded)

    def slots(self) -> tuple[Slot, ...]:
        slots = []
        for i, w in enumerate(self.weights, start=1):
            if self.folded and self.fold[i - 1]:
                slots.append(Slot(f"W{i}", w.label, w.root, w.path, rows=rows_for("W", self.folded)))
                line = "column" if self.layout.weights_transposed else "row"  # as the student's array has it
                slots.append(Slot(f"b{i}", f"{w.label} ({self.folded} {line})", w.root, w.path,
                                  rows=rows_for("b", self.folded)))
                continue
            slots.append(Slot(f"W{i}", w.label, w.root, w.path, parts=w.parts))
            b = self.biases[i - 1] if self.biases is not None else None
            if b is not None:
                slots.append(Slot(f"b{i}", b.label, b.root, b.path, flat=len(b.shape) == 1,
                                  shared=self.layers[i] if b.shape == () else 0, parts=b.parts,
                                  turned=_turned(b, self.layers[i], self.layout.column)))
        return tuple(slots)

    def text(self) -> str:
        return ", ".join(s.label for s in self.slots())


def _fans(shape: tuple[int, ...], column: bool) -> tuple[int, int]:
    return (shape[1], shape[0]) if column else (shape[0], shape[1])


def _chains(weights: Sequence[Entry], depth: int, n_in: int, n_out: int, transposed: bool
            ) -> Iterable[tuple[Entry, ...]]:
    def extend(chain: tuple[Entry, ...], fan: int | None) -> Iterable[tuple[Entry, ...]]:
        if len(chain) == depth:
            yield chain
            return
        for w in weights:
            if w in chain:
                continue
            fan_in, fan_out = _fans(w.shape, transposed)
            if fan is None and fan_in not in (n_in, n_in + 1):
                continue
            if fan is not None and fan_in != fan:
                continue
            if len(chain) == depth - 1 and fan_out != n_out:
                continue
            yield from extend(chain + (w,), fan_out)
    yield from extend((), None)


def _bias_fits(entry: Entry, size: int, column: bool) -> bool:
    """A bias of the layer's size (a row or a column, whatever the samples are: ``X @ W + b.T`` with
    ``b (H, 1)`` is common), or one number shared by the layer (shape ())."""
    shape = entry.shape
    return shape in ((), (size,), (size, 1), (1, size))


def _turned(entry: Entry, size: int, column: bool) -> bool:
    """A 2-D bias the other way round from the samples (a column with samples in rows, or a row)."""
    return size > 1 and entry.shape == ((1, size) if column else (size, 1))


def _score(weights: Sequence[Entry], biases: Sequence[Entry] | None) -> float:
    score = 0.0
    for group in (weights, biases or ()):
        for i, e in enumerate(group, start=1):
            if e.layer == i:
                score += 2
            elif e.layer is not None:
                score -= 2
            if e.last and i == len(group):
                score += 1
            elif e.last:
                score -= 1
        orders = [e.order for e in group]
        score += 0.5 * (orders == sorted(orders))
    return score


def _folded_chains(weights: Sequence[Entry], depth: int, n_in: int, n_out: int, transposed: bool
                   ) -> Iterable[tuple[tuple[Entry, ...], tuple[bool, ...]]]:
    """Chains where some layers take one more input than the layer below gives (a constant-1 unit
    whose weights are the bias), with which layers do."""
    def extend(chain: tuple[Entry, ...], fold: tuple[bool, ...], fan: int
               ) -> Iterable[tuple[tuple[Entry, ...], tuple[bool, ...]]]:
        if len(chain) == depth:
            if any(fold):
                yield chain, fold
            return
        for w in weights:
            fan_in, fan_out = _fans(w.shape, transposed)
            if w in chain or fan_in not in (fan, fan + 1) or (len(chain) == depth - 1 and fan_out != n_out):
                continue
            yield from extend(chain + (w,), fold + (fan_in == fan + 1,), fan_out)
    yield from extend((), (), n_in)


def _folded(weights: Sequence[Entry], biases: Sequence[Entry], layout: Layout, *, depth: int, n_in: int,
            n_out: int) -> list[Mapping]:
    """Mappings with biases folded into the weights (every layer, or some with bias arrays of their own)."""
    found = []
    for chain, fold in itertools.islice(_folded_chains(weights, depth, n_in, n_out, layout.weights_transposed), 50):
        layers = (n_in,) + tuple(_fans(w.shape, layout.weights_transposed)[1] for w in chain)
        options = [[None] if folded else [b for b in biases if b.shape and _bias_fits(b, n, layout.column)]
                   for folded, n in zip(fold, layers[1:])]
        for picked in itertools.islice(itertools.product(*options), 20):
            own = [b for b in picked if b is not None]
            if len(set(own)) != len(own):
                continue
            for where in ("first", "last"):
                score = _score(chain, None) - 1 - layout.mixed - (where == "last") * 0.5 - 0.5 * len(own)
                found.append(Mapping(layout, chain, tuple(picked) if own else None, layers, False, score,
                                     where, fold))
    return found


def mappings(entries: Sequence[Entry], *, depth: int, n_in: int, n_out: int, bias: bool,
             layouts: Sequence[str] = LAYOUTS) -> list[Mapping]:
    """Readings of ``entries`` as a ``depth``-layer network from ``n_in`` to ``n_out``, best first.

    Without bias arrays the first layer may take one more input than ``n_in`` (a constant-1 column);
    an assignment with biases accepts a bias-less network only with that column.
    """
    weights = [e for e in entries if e.role == "W" and len(e.shape) == 2]
    biases = [e for e in entries if e.role == "b"]
    found: list[Mapping] = []
    for name in layouts:
        layout = Layout.named(name)
        column, transposed = layout.column, layout.weights_transposed
        for chain in itertools.islice(_chains(weights, depth, n_in, n_out, transposed), 200):
            layers = (_fans(chain[0].shape, transposed)[0],) + tuple(_fans(w.shape, transposed)[1] for w in chain)
            options = [[b for b in biases if _bias_fits(b, n, column)] for n in layers[1:]]
            if all(options) and layers[0] == n_in:
                for picked in itertools.islice(itertools.product(*options), 50):
                    if len(set(picked)) == len(picked):
                        shared = sum(b.shape == () for b in picked)  # tried after per-unit biases
                        turned = sum(_turned(b, n, column) for b, n in zip(picked, layers[1:]))
                        found.append(Mapping(layout, chain, tuple(picked), layers, False,
                                             _score(chain, picked) - layout.mixed - 2 * shared - 1.5 * turned))
            elif layers[0] == n_in + 1 or (layers[0] == n_in and not bias):
                found.append(Mapping(layout, chain, None, layers, layers[0] == n_in + 1,
                                     _score(chain, None) - 1 - layout.mixed))
        if bias:
            found += _folded(weights, biases, layout, depth=depth, n_in=n_in, n_out=n_out)
    found.sort(key=lambda m: (-m.score, LAYOUTS.index(m.layout.name)))
    unique: list[Mapping] = []
    for m in found:
        if all((m.layout, m.weights, m.biases, m.folded, m.fold) != (u.layout, u.weights, u.biases, u.folded, u.fold)
               for u in unique):
            unique.append(m)
    return unique[:MAX_MAPPINGS]


def detection_layers(layers: Sequence[int]) -> tuple[int, ...]:
    """The assignment's input and output sizes with hidden sizes unlike each other and every other size,
    so no weight matrix is square and every parameter has a shape of its own."""
    n_in, n_out = int(layers[0]), int(layers[-1])
    taken = {n_in, n_out, n_in + 1, DETECT_BATCH, 1}
    hidden = []
    for size in itertools.count(3):
        if len(hidden) == len(layers) - 2:
            break
        if size not in taken and all(size != h for h in hidden):
            hidden.append(size)
    return (n_in, *hidden, n_out)


def describe_entries(entries: Sequence[Entry]) -> str:
    texts = dict.fromkeys(f"{e.label} {'x'.join(map(str, e.shape))}" for e in entries)
    return ", ".join(texts) or "no weight-like arrays"


__all__ = ["Entry", "Mapping", "describe_entries", "detection_layers", "entries_in", "entries_of", "layer_hint",
           "mappings", "role_of"]
