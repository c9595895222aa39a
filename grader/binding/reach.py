"""Parameters found by where they are, not by what they are called.

Real code keeps its weights anywhere: private attributes (``self._w_hidden``), layer objects
(``self.fc1.W``), lists of layer objects (``self.layers[0].weight_matrix``), dicts of them. The
walk here starts from an instance's attributes (or a module's globals) and follows objects,
lists, tuples and dicts a few levels down, listing every numeric 1-D or 2-D array as an
:class:`~grader.binding.structure.Entry`. Names only order the entries (a weight-like name is
tried as a weight first); the shapes chain them into a network and the forward probes decide.
An array with a dimension of 1 may be either a weight (``(H, 1)``) or a bias (``(1, H)``), so it is
listed in both roles; a mapping never uses one array twice. A number may be a bias shared by a layer
(unless its name says it is a setting: a rate, a loss, a seed, ...); the same attribute of a list's
objects (``neurons[j].weights``) is also one entry for the whole layer (:func:`units`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from grader.binding.context import FATAL, Detection
from grader.binding.names import EPOCHS_NAME, LR_NAME
from grader.binding.plan import Path, path_text
from grader.binding.structure import Entry, Mapping, layer_hint, role_of
from grader.errors import ProtocolError, SubmissionFailure
from grader.sandbox.remote import Handle, Ref

MAX_DEPTH = 3  # object levels below the root (network -> layer list -> layer -> array is 3)
MAX_OBJECTS = 40  # objects opened per walk
MAX_ITEMS = 32  # items of one list, tuple or dict looked at
SKIP_TYPES = ("function", "method", "builtin_function_or_method", "type", "module", "Generator", "RandomState",
              "BitGenerator", "PCG64", "MT19937")


SETTING = re.compile(rf"{LR_NAME.pattern}|{EPOCHS_NAME.pattern}|.*(?:loss|error|cost|acc|momentum|decay|lambda|"
                     r"reg|tol|eps|history|time|seed|scale|std).*", re.IGNORECASE)


@dataclass
class Walk:
    """One walk's budget and findings."""

    det: Detection
    root: str
    found: list[Entry] = field(default_factory=list)
    opened: int = 0


def reach_entries(det: Detection, values: dict[str, Any], *, attributes: bool, known: Sequence[Entry] = ()
                  ) -> list[Entry]:
    """Every numeric 1-D or 2-D array reachable from ``values`` (an instance's ``vars``, under the root
    ``self``; or globals, each its own root) that ``known`` does not list yet."""
    taken = {(e.root, e.path) for e in known}
    out: list[Entry] = []
    for name, value in values.items():
        if not isinstance(name, str) or name.startswith("__"):
            continue
        root, path = ("self", (("a", name),)) if attributes else (name, ())
        walk = Walk(det, root)
        _visit(walk, value, path, name, 0)
        out += [e for e in walk.found if (e.root, e.path) not in taken]
    out += units(out)
    return [replace(e, order=order) for order, e in enumerate(out)]


def units(entries: Sequence[Entry]) -> list[Entry]:
    """Layers kept as one object per unit (``neurons[j].weights``, ``neurons[j].bias``): the same attribute
    of the items 0..k-1 of one list, as one entry (weights ``(k, in)``, a row per unit; biases ``(k,)``)."""
    groups: dict[tuple[Any, ...], dict[int, Entry]] = {}
    for e in entries:
        at = max((i for i, (kind, key) in enumerate(e.path) if kind == "i" and isinstance(key, int)), default=-1)
        rest = e.path[at + 1:]
        if at < 0 or not rest or any(kind != "a" for kind, _ in rest) or len(e.shape) > 1:
            continue
        if e.shape and e.role != "b":  # a 1-D array is listed once (as a bias); (n,) only
            continue
        groups.setdefault((e.root, e.path[:at], rest, e.shape), {})[int(e.path[at][1])] = e
    out = []
    for (root, prefix, rest, shape), members in groups.items():
        if sorted(members) != list(range(len(members))):
            continue
        first = members[0]
        label = first.label.replace(f"[0]{path_text(rest)}", f"[*]{path_text(rest)}", 1)
        parts = tuple(members[j].path for j in range(len(members)))
        stacked = (len(members), *shape)
        out.append(Entry(label, root, prefix, stacked, "W" if shape else "b", None, False, parts=parts))
    return out


def _visit(walk: Walk, value: Any, path: Path, name: str, depth: int) -> None:
    if isinstance(value, np.ndarray):
        _array(walk, value, path, name)
    elif isinstance(value, float) and not SETTING.match(name.lstrip("_")):
        # one number: perhaps a bias shared by a layer (attributes holding settings are not)
        layer, last = layer_hint(name.lstrip("_"))
        label = ((walk.root if walk.root != "self" else "") + path_text(path)).lstrip(".")
        walk.found.append(Entry(label, walk.root, path, (), "b", layer, last))
    elif isinstance(value, (list, tuple)) and depth <= MAX_DEPTH:
        for i, item in enumerate(value[:MAX_ITEMS]):
            _visit(walk, item, path + (("i", i),), name, depth + 1)
    elif isinstance(value, dict) and depth <= MAX_DEPTH:
        for key, item in list(value.items())[:MAX_ITEMS]:
            if isinstance(key, (str, int)):
                _visit(walk, item, path + (("i", key),), str(key), depth + 1)
    elif isinstance(value, Handle) and depth < MAX_DEPTH and value.type not in SKIP_TYPES:
        attributes = _attributes(walk, value)
        for key, item in attributes.items():
            if isinstance(key, str) and not key.startswith("__"):
                _visit(walk, item, path + (("a", key),), key, depth + 1)


def _attributes(walk: Walk, handle: Handle) -> dict[str, Any]:
    """``vars()`` of an object that stayed in the worker (empty when it has none or the budget is spent)."""
    if walk.opened >= MAX_OBJECTS:
        return {}
    walk.opened += 1
    try:
        value = walk.det.worker.call(Ref.name("vars"), Ref.handle(handle.id))
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        return {}
    except ProtocolError:
        return {}
    return value if isinstance(value, dict) else {}


def _array(walk: Walk, value: np.ndarray, path: Path, name: str) -> None:
    if value.ndim not in (1, 2) or value.size == 0:
        return
    label = (walk.root if walk.root != "self" else "") + path_text(path)
    label = label.lstrip(".")
    named = role_of(name.lstrip("_"))
    layer, last = layer_hint(name.lstrip("_"))
    if value.ndim == 1:
        roles = ["b"]
    elif min(value.shape) > 1:
        roles = ["W"]
    else:  # (n, 1) or (1, n): a weight of one unit or a bias row; the name says which to try first
        roles = ["b", "W"] if named == "b" else ["W", "b"]
    for role in roles:
        walk.found.append(Entry(label, walk.root, path, tuple(value.shape), role, layer, last))


def distinct(mappings: Sequence[Mapping]) -> list[Mapping]:
    """The mappings that use every array once (an array listed as weight and as bias is one array)."""
    out = []
    for m in mappings:
        places = [(e.root, p) for e in (*m.weights, *(b for b in m.biases or () if b is not None))
                  for p in (e.parts or (e.path,))]
        if len(set(places)) == len(places):
            out.append(m)
    return out
