"""What the submission's source text says about what its functions return (read with ``ast``, never run).

Only the names of returned values are taken (``return A1, A2`` -> ``["A1", "A2"]``): they wire a
backward function's parameters to the forward's results and name returned gradients. Which
binding is used is still decided by probing.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable


def _element_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    if isinstance(node, ast.Starred):
        return None
    return None


@dataclass(frozen=True)
class Returned:
    """What a function's last ``return`` gives: a ``tuple`` (or list) of names, a ``dict`` literal's keys,
    or a ``single`` name."""

    kind: str
    names: tuple[str | None, ...]


def _returned(node: ast.expr | None) -> Returned | None:
    if node is None:
        return None
    if isinstance(node, (ast.Tuple, ast.List)):
        return Returned("tuple", tuple(_element_name(e) for e in node.elts))
    if isinstance(node, ast.Dict):
        return Returned("dict", tuple(str(k.value) if isinstance(k, ast.Constant) else None for k in node.keys))
    name = _element_name(node)
    return Returned("single", (name,)) if name else None


class _Returns(ast.NodeVisitor):
    """The last ``return`` of a function body, not looking into nested functions or classes."""

    def __init__(self) -> None:
        self.last: ast.Return | None = None

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.last = node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        return None

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        return None


def _function_returns(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Returned | None:
    finder = _Returns()
    for statement in node.body:
        finder.visit(statement)
    return _returned(finder.last.value) if finder.last else None


@dataclass
class SourceIndex:
    """Returned names by function (``forward``) and method (``Class.forward``); the last definition wins."""

    returns: dict[str, Returned | None] = field(default_factory=dict)
    units: list[tuple[str, int | None]] = field(default_factory=list)  # (text, cell number or None), in order
    filename: str = ""

    def returned(self, name: str) -> Returned | None:
        return self.returns.get(name)

    def names(self, name: str) -> tuple[str | None, ...] | None:
        found = self.returns.get(name)
        return found.names if found else None

    def add(self, text: str, cell: int | None = None) -> None:
        self.units.append((text, cell))
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.returns[node.name] = _function_returns(node)
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.returns[f"{node.name}.{item.name}"] = _function_returns(item)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> SourceIndex:
        index = cls()
        for text in texts:
            index.add(text)
        return index

    @classmethod
    def of_unit(cls, unit: dict[str, Any], folder: Path) -> SourceIndex:
        """The index of what a worker runs: a notebook's cells, or a ``.py`` file in ``folder``."""
        if "cells" in unit:
            index = cls()
            for cell in unit["cells"]:
                index.add(str(cell.get("source", "")), cell.get("index"))
            return index
        path = folder / str(unit.get("path", ""))
        try:
            index = cls.of_texts([path.read_text(encoding="utf-8", errors="replace")])
        except OSError:
            return cls()
        index.filename = path.name
        return index
