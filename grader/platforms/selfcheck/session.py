"""Rebuilding a module from a live namespace: the self-check's way to grade a notebook with no saved file.

Starting from the interface's class, it collects the source of every class
and function of the namespace that the class uses (through IPython's cell
cache, where ``inspect`` cannot find a class), the imports of the modules and
imported functions they name, and the values of plain constants. Nothing is
executed here: the text is written to a file that a worker process runs.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import sys
import textwrap
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from grader.errors import SelfCheckError

MAX_LITERAL = 100_000  # characters of a constant's repr, elements of an array


@dataclass(frozen=True)
class Rebuilt:
    """A module's source, the definitions it holds, and what could not be carried over."""

    source: str
    definitions: tuple[str, ...]
    skipped: tuple[str, ...] = ()


def _code_objects(cls: type) -> list[Any]:
    found = []
    for member in vars(cls).values():
        func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
        func = func.fget if isinstance(func, property) else func
        try:
            func = inspect.unwrap(func) if callable(func) else func
        except ValueError:
            continue
        code = getattr(func, "__code__", None)
        if code is not None:
            found.append(code)
    return found


def _class_from_cells(cls: type) -> str | None:
    """A class's source found through its methods' code objects (IPython keeps each cell in linecache)."""
    for code in _code_objects(cls):
        lines = linecache.getlines(code.co_filename)
        if not lines:
            continue
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.ClassDef) and node.name == cls.__name__ and node.end_lineno is not None
                    and node.lineno <= code.co_firstlineno <= node.end_lineno):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                return textwrap.dedent("".join(lines[start - 1:node.end_lineno]))
    return None


def definition_source(obj: Any) -> str | None:
    """The source of a class or function defined interactively or in a file; ``None`` if unknown."""
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        pass
    return _class_from_cells(obj) if inspect.isclass(obj) else None


def free_names(source: str) -> list[str]:
    """Names a definition reads but never binds itself (its globals), in order of first use."""
    tree = ast.parse(source)
    bound: set[str] = set()
    loaded: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loaded.append(node.id)
        elif isinstance(node, ast.Name):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not tree.body[0]:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return [n for n in dict.fromkeys(loaded) if n not in bound and not hasattr(builtins, n)]


def _import_line(obj: Any, name: str, main: str) -> str | None:
    """``import x as name`` for a module, ``from m import f as name`` for an importable object."""
    if inspect.ismodule(obj):
        return f"import {obj.__name__}" + (f" as {name}" if name != obj.__name__ else "")
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    qualname = qualname or getattr(obj, "__name__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module == main or "." in qualname \
            or "<" in qualname:
        return None
    for candidate in (module.split(".")[0], module):
        if getattr(sys.modules.get(candidate), qualname, None) is obj:
            return f"from {candidate} import {qualname}" + (f" as {name}" if name != qualname else "")
    return None


def _literal(value: Any) -> str | None:
    """Python source that rebuilds a plain constant (numbers, strings, containers of them, numeric arrays)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf" and value.size <= MAX_LITERAL and np.isfinite(value).all():
            return f"__import__('numpy').array({value.tolist()!r}, dtype={str(value.dtype)!r})"
        return None
    if not isinstance(value, (bool, int, float, complex, str, bytes, tuple, list, dict, set, frozenset, type(None))):
        return None
    text = repr(value)
    if len(text) > MAX_LITERAL:
        return None
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text if same else None


@dataclass
class _Collector:
    namespace: Mapping[str, Any]
    main: str
    imports: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def visit(self, name: str) -> None:
        if name in self.seen or name not in self.namespace:
            return
        self.seen.add(name)
        obj = self.namespace[name]
        defined_here = getattr(obj, "__module__", None) == self.main
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and defined_here:
            source = definition_source(obj)
            if source is None:
                self.skipped.append(f"{name} (its source could not be found)")
                return
            if getattr(obj, "__name__", name) != name:
                source += f"\n{name} = {obj.__name__}\n"
            for dependency in free_names(source):
                self.visit(dependency)
            self.definitions[name] = source  # after its dependencies: classes' bases come first
            return
        line = _import_line(obj, name, self.main)
        if line:
            self.imports[name] = line
            return
        text = _literal(obj)
        if text is not None:
            self.values[name] = f"{name} = {text}"
            return
        self.skipped.append(f"{name} (a {type(obj).__name__})")


def rebuild_module(namespace: Mapping[str, Any], *, roots: Sequence[str]) -> Rebuilt:
    """A module with ``roots`` (and everything they use) from ``namespace``; SelfCheckError if a root is missing."""
    missing = [r for r in roots if r not in namespace]
    if missing:
        raise SelfCheckError(f"no {', '.join(missing)} defined here: run the cell that defines it, then check again")
    collector = _Collector(namespace=namespace, main=str(namespace.get("__name__", "__main__")))
    for root in roots:
        collector.visit(root)
    if not all(r in collector.definitions for r in roots):
        raise SelfCheckError(f"could not find the source of {', '.join(roots)}: save the notebook and call "
                             "check() with path='your_notebook.ipynb'")
    parts = ["# Rebuilt by grader.check() from the definitions in your notebook's session.",
             *sorted(set(collector.imports.values())), *collector.values.values(), *collector.definitions.values()]
    return Rebuilt(source="\n\n".join(p.rstrip() for p in parts) + "\n",
                   definitions=tuple(collector.definitions), skipped=tuple(collector.skipped))
