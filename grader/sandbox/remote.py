"""Grader-side view of values that live in a worker process.

:class:`Ref` names a value in the worker (a global, or a handle, followed by
attribute and item steps); :func:`encode` and :func:`decode` translate
between Python values and the wire format of :mod:`grader.sandbox.inside.wire`.
Decoding only ever builds plain float64 arrays, numbers, strings and
containers: nothing from the worker is executed or unpickled.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.errors import ProtocolError
from grader.sandbox.inside import wire


@dataclass(frozen=True)
class Handle:
    """An object that stayed in the worker (it could not cross as data)."""

    id: int
    type: str


@dataclass(frozen=True)
class Ref:
    """A path to a value in the worker: a root then attribute/item steps."""

    root: tuple[str, Any]
    path: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def name(cls, name: str) -> Ref:
        return cls(("g", name))

    @classmethod
    def handle(cls, hid: int) -> Ref:
        return cls(("h", hid))

    def attr(self, name: str) -> Ref:
        return Ref(self.root, self.path + (("a", name),))

    def item(self, key: Any) -> Ref:
        return Ref(self.root, self.path + (("i", key),))

    def to_wire(self) -> dict[str, Any]:
        return {"t": "ref", "root": {self.root[0]: self.root[1]}, "path": [list(step) for step in self.path]}

    def __str__(self) -> str:
        text = str(self.root[1]) if self.root[0] == "g" else f"<handle {self.root[1]}>"
        for kind, key in self.path:
            text += f".{key}" if kind == "a" else f"[{key!r}]"
        return text


class Encoder:
    """Collects the blobs of one outgoing message."""

    def __init__(self) -> None:
        self.blobs: list[bytes] = []

    def encode(self, value: Any) -> dict[str, Any]:
        if isinstance(value, Ref):
            return value.to_wire()
        if isinstance(value, Handle):
            return {"t": "h", "h": value.id}
        if value is None:
            return {"t": "none"}
        if isinstance(value, bool):
            return {"t": "b", "v": value}
        if isinstance(value, int):
            return {"t": "n", "v": value, "int": True}
        if isinstance(value, float):
            return {"t": "n", "v": value}
        if isinstance(value, str):
            return {"t": "s", "v": value}
        if isinstance(value, np.ndarray):
            blob, shape = wire.array_blob(value)
            self.blobs.append(blob)
            return {"t": "a", "b": len(self.blobs) - 1, "s": shape}
        if isinstance(value, (list, tuple)):
            return {"t": type(value).__name__, "v": [self.encode(v) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "v": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        raise TypeError(f"cannot send a {type(value).__name__} to the worker")


def decode(tree: Any, blobs: list[bytes]) -> Any:
    """A value received from the worker."""
    try:
        tag = tree["t"]
        if tag == "a":
            return wire.blob_array(blobs[tree["b"]], [int(n) for n in tree["s"]])
        if tag == "n":
            return float(tree["v"])
        if tag == "b":
            return bool(tree["v"])
        if tag == "s":
            return str(tree["v"])
        if tag == "none":
            return None
        if tag == "list":
            return [decode(v, blobs) for v in tree["v"]]
        if tag == "tuple":
            return tuple(decode(v, blobs) for v in tree["v"])
        if tag == "dict":
            return {_key(decode(k, blobs)): decode(v, blobs) for k, v in tree["v"]}
        if tag == "h":
            return Handle(int(tree["h"]), str(tree.get("type", "object")))
    except (KeyError, IndexError, TypeError, ValueError, wire.WireError) as exc:
        raise ProtocolError(f"unreadable value from the worker: {exc}") from None
    raise ProtocolError(f"unknown value tag from the worker: {tag!r}")


def _key(value: Any) -> Any:
    return value if isinstance(value, (str, float, bool)) or value is None else repr(value)
