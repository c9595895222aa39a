"""Which file of a student's folder holds the network: signals read from the source with ``ast``.

Nothing here runs student code. A file scores for a class with forward/backward-like methods, such
functions at module level, a module-level loop that updates arrays in place, sigmoid-like activations and
NumPy; a file also scores for the sibling modules and packages it imports (``from NeuralNetwork import
Net``, ``from core.nn.layers import Dense``), so the script that puts the pieces together wins over them.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

NETWORK_METHODS = re.compile(r"^(?:forward\w*|feed_?forward\w*|predict|backward\w*|backprop\w*|train\w*|fit|"
                             r"update\w*|step)$", re.IGNORECASE)
ACTIVATION = re.compile(r"sigmoid|relu|tanh|softmax|exp$", re.IGNORECASE)
_RUN = re.compile(r"^\s*%run\s+(?:-\w+\s+)*([A-Za-z_]\w*)\.py\b")
MAX_MODULES = 50
MAX_BYTES = 1 << 20


def notebook_code(raw: str) -> str:
    """The code cells of a notebook as one module (magics and shell lines dropped)."""
    try:
        cells = json.loads(raw).get("cells", [])
    except (ValueError, AttributeError):
        return ""
    lines = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            for line in text.splitlines():
                run = _RUN.match(line)
                if run:  # %run helper.py runs a sibling module in the notebook: it counts as imported
                    lines.append(f"import {run.group(1)}")
                elif not line.lstrip().startswith(("%", "!")):
                    lines.append(line)
    return "\n".join(lines)


def parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text[:MAX_BYTES])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def own_score(tree: ast.Module | None) -> int:
    """How much a module's own code looks like a network and its training."""
    if tree is None:
        return 0
    score = 0
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    if any(sum(1 for m in c.body if isinstance(m, ast.FunctionDef) and NETWORK_METHODS.match(m.name)) >= 1
           for c in classes):
        score += 3
    if any(isinstance(n, ast.FunctionDef) and NETWORK_METHODS.match(n.name) for n in tree.body):
        score += 2
    if any(isinstance(n, (ast.For, ast.While)) and any(isinstance(s, ast.AugAssign) or _calls_method(s)
                                                       for s in ast.walk(n)) for n in tree.body):
        score += 2
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    if any(ACTIVATION.search(name) for name in names):
        score += 1
    return score


def _calls_method(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
        bool(NETWORK_METHODS.match(node.func.attr))


def _module_names(tree: ast.Module | None) -> list[str]:
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _resolve(name: str, folder: Path) -> list[Path]:
    """The files of the student's folder a dotted module name refers to (a module, or a package's files)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        base = folder.joinpath(*parts[:cut])
        if base.with_suffix(".py").is_file():
            return [base.with_suffix(".py")]
        if base.is_dir() and cut == len(parts):
            return sorted(base.rglob("*.py"))[:MAX_MODULES]
    return []


def local_imports(tree: ast.Module | None, folder: Path) -> list[Path]:
    """The student's own modules a file imports, directly or through them."""
    seen: list[Path] = []
    pending = [tree]
    while pending and len(seen) < MAX_MODULES:
        current = pending.pop()
        for name in _module_names(current):
            for path in _resolve(name, folder):
                if path not in seen:
                    seen.append(path)
                    try:
                        pending.append(parse(path.read_text(encoding="utf-8", errors="replace")))
                    except OSError:
                        pass
    return seen


def reach_score(path: Path, tree: ast.Module | None, imports: list[Path]) -> int:
    """A file's own score plus its imported modules' (each counted once)."""
    total = own_score(tree)
    for module in imports:
        if module != path:
            try:
                total += own_score(parse(module.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                pass
    return total
