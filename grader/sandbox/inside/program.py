"""The steps of a ``program`` request, read once and then repeated (see ``runner.Server.op_program``).

A program repeats the same calls for every epoch, so reading each step's target and arguments again
every time (tags, blobs, handle look-ups) would cost more than a small network's own step. A
:class:`Step` runs its first repetition exactly as a single ``call`` request would (same order, same
exceptions at the same point) and keeps what will not change for the next ones:

- constants (numbers, strings, booleans, None) are decoded once;
- arrays are decoded once and each repetition gets a fresh copy (the student's code may change it in place);
- a handle no step of the program stores into is looked up once; a handle a step stores into (a result
  passed on to the next step) is looked up each time;
- a reference's root is kept the same way (a global is looked up each time: the student's code may
  rebind it), and its path (attributes, items) is followed again on every repetition, so a rebound
  attribute or a property is seen as a single call would see it.

Standalone: standard library only (it is loaded by the worker).
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

Thunk = Callable[[], object]
MAX_UNPACK = 10_000


def _constant(value: object) -> Thunk:
    return lambda: value


def _written(steps: object) -> set[object]:
    """The handles the steps store results in: what they name changes from one repetition to the next."""
    out: set[object] = set()
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        unpack = step.get("unpack")
        for hid in [step.get("store"), *(unpack[:MAX_UNPACK] if isinstance(unpack, list) else [])]:
            try:
                out.add(int(hid))
            except (TypeError, ValueError):
                pass
    return out


def _follow(root: Thunk, path: tuple[tuple[bool, Any], ...]) -> Thunk:
    """A thunk following ``path`` (``(is attribute, key)`` pairs) from the value of ``root`` each time."""
    if not path:
        return root
    if len(path) == 1:
        attr, key = path[0]
        return (lambda: getattr(root(), key)) if attr else (lambda: root()[key])

    def follow() -> object:
        value = root()
        for attr, key in path:
            value = getattr(value, key) if attr else value[key]
        return value
    return follow


class Step:
    """One step of a program: :meth:`run` calls it once (the first time, as ``Server.call`` would)."""

    def __init__(self, server: Any, step: dict, blobs: list[bytes], written: set[object]) -> None:
        self.server = server
        self.step = step
        self.blobs = blobs
        self.written = written
        self.target: Thunk | None = None
        self.args: list[Thunk] = []
        self.kwargs: list[tuple[str, Thunk]] = []
        self.store: int | None = None
        self.unpack: list[tuple[int, int]] = []

    def run(self) -> object:
        if self.target is None:
            return self._first()
        server = self.server
        func = server.student(self.target)
        args = [value() for value in self.args]
        kwargs = {key: value() for key, value in self.kwargs}
        result = server.student(func, *args, **kwargs)
        if self.store is not None:
            server.handles[self.store] = result
        for hid, index in self.unpack:
            server.handles[hid] = server.student(_item, result, index)
        return result

    def _first(self) -> object:
        """The first repetition, in the order and with the exceptions of ``Server.call``."""
        server, step = self.server, self.step
        func, target = server.student(self._reference, step["target"])
        args = [self._value(a) for a in step.get("args", [])]
        kwargs = {k: self._value(v) for k, v in step.get("kwargs", {}).items()}
        result = server.student(func, *[value for value, _ in args], **{k: v[0] for k, v in kwargs.items()})
        store = step.get("store")
        if store is not None:
            server.handles[int(store)] = result
        unpack = []
        for hid, index in zip(step.get("unpack") or [], range(MAX_UNPACK)):
            server.handles[int(hid)] = server.student(_item, result, index)
            unpack.append((int(hid), index))
        self.args = [later for _, later in args]
        self.kwargs = [(k, later) for k, (_, later) in kwargs.items()]
        self.store = None if store is None else int(store)
        self.unpack = unpack
        self.target = target  # last: a first run that raised is run again from the start
        return result

    def _reference(self, ref: dict) -> tuple[object, Thunk]:
        """The value of a reference (as ``Server.resolve``), and how to find it again."""
        server = self.server
        root = ref["root"]
        if "g" in root:
            name, namespace = root["g"], server.namespace

            def find() -> object:
                return namespace[name] if name in namespace else getattr(builtins, name)
        else:
            hid, handles = root["h"], server.handles
            if hid in self.written:
                def find() -> object:
                    return handles[hid]
            else:
                find = _constant(handles[hid])
        path = tuple((kind == "a", key) for kind, key in ref.get("path", []))
        later = _follow(find, path)
        return later(), later

    def _value(self, tree: dict) -> tuple[object, Thunk]:
        """A decoded argument (as ``Server.decode``), and how to make it again for the next repetition."""
        server = self.server
        tag = tree["t"]
        if tag == "a":
            value = server.decode(tree, self.blobs)
            return value, value.copy().copy  # a pristine copy, copied again for each repetition
        if tag in ("n", "s", "b", "none"):
            value = server.decode(tree, self.blobs)
            return value, _constant(value)
        if tag == "h":
            hid, handles = tree["h"], server.handles
            value = handles[hid]
            return value, (lambda: handles[hid]) if hid in self.written else _constant(value)
        if tag == "ref":
            return self._reference(tree)
        if tag in ("list", "tuple"):
            items = [self._value(v) for v in tree["v"]]
            values, laters = [v for v, _ in items], [later for _, later in items]
            if tag == "list":
                return values, lambda: [later() for later in laters]
            return tuple(values), lambda: tuple(later() for later in laters)
        if tag == "dict":
            pairs = [(self._value(k), self._value(v)) for k, v in tree["v"]]
            value = {k: v for (k, _), (v, _) in pairs}
            thunks = [(k, v) for (_, k), (_, v) in pairs]
            return value, lambda: {k(): v() for k, v in thunks}
        return server.decode(tree, self.blobs), _constant(None)  # an unknown tag: raises as a single call would


def prepare(server: Any, steps: list[dict], blobs: list[bytes]) -> list[Step]:
    """The steps of one program request, each read on its first run."""
    written = _written(steps)
    return [Step(server, step, blobs, written) for step in steps]


def _item(result: Any, index: int) -> object:
    return result[index]
