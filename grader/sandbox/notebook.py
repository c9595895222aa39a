"""Notebooks: reading them (v4, and v3 converted) and turning code cells into plain Python.

IPython's input transformer rewrites magics (``%matplotlib inline``, ``!pip``)
into calls the worker serves, so notebooks run without a Jupyter kernel;
:func:`needs_kernel` tells the notebooks that use what the worker cannot serve
as IPython would (``%%writefile``, ``%run``, ``!ls``...), which are run in a
Jupyter kernel instead (:mod:`grader.sandbox.kernel`).
"""
from __future__ import annotations

import ast
import builtins
import json
import keyword
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import SubmissionFailure

if TYPE_CHECKING:
    import nbformat


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` as nbformat v4 (SubmissionFailure ``invalid-file`` if unreadable)."""
    import nbformat  # JSON-schema validation and all: loaded only when a notebook needs converting

    text, _ = _notebook_json(path)
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for bad notebooks
        raise SubmissionFailure("invalid-file", f"{path.name} is not a valid notebook: {exc}") from None


def _notebook_json(path: Path) -> tuple[str, dict[str, Any]]:
    """The text and JSON of the notebook at ``path``, a v3 or v4 notebook (else SubmissionFailure)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SubmissionFailure("invalid-file", f"{path.name} is not a text file (not UTF-8)") from None
    if not text.strip():
        raise SubmissionFailure("invalid-file", f"{path.name} is empty")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionFailure("invalid-file", f"{path.name} is not a valid notebook: broken JSON at line "
                                f"{exc.lineno} ({exc.msg})", line=exc.lineno) from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise SubmissionFailure("invalid-file", f"{path.name} is JSON but not a notebook (no cells)")
    major = raw.get("nbformat")
    if major not in (3, 4):
        raise SubmissionFailure("invalid-file", f"{path.name} uses notebook format {major!r}; "
                                "save it as nbformat 4 (File > Save in Jupyter)")
    return text, raw


# What IPython's input transformer may rewrite: a line starting with a magic, shell or help escape, an
# autocall escape or a prompt; a magic or shell command assigned (``x = !ls``); a help "?" anywhere.
_IPYTHON_SYNTAX = re.compile(r"^[ \t]*(?:[%!?/,;>.]|In \[)|=[ \t]*[%!]|\?|\r", re.MULTILINE)


def plain_python(source: str) -> bool:
    """Whether IPython's input transformer would return ``source`` unchanged (but for a final newline):
    no leading blank line or indentation and nothing :data:`_IPYTHON_SYNTAX` matches. Deliberately
    conservative (a ``?`` in a string is enough to ask IPython); it saves the tokenizing pass most cells
    do not need."""
    return bool(source) and not source[0].isspace() and _IPYTHON_SYNTAX.search(source) is None


def code_cells(path: Path) -> list[dict[str, Any]]:
    """The notebook's code cells as Python source, numbered as the student counts the notebook's cells
    (every cell, markdown included, from 1), so that "cell 4" is the fourth cell on the screen.

    A v4 notebook's cells are read from its JSON as they are (nbformat would only validate them, with a
    warning at most); nbformat converts the others.
    """
    _, raw = _notebook_json(path)
    listed = raw.get("cells")
    v4 = raw.get("nbformat") == 4 and isinstance(listed, list) and all(isinstance(c, dict) for c in listed)
    transformer = None  # IPython (a third of a second to import) only for cells with its syntax
    cells = []
    for position, cell in enumerate(listed if v4 else read_notebook(path).cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if plain_python(source):
            python = source if source.endswith("\n") else source + "\n"  # what IPython would return
        else:
            if transformer is None:
                from IPython.core.inputtransformer2 import TransformerManager

                transformer = TransformerManager()
            try:
                python = transformer.transform_cell(source)
            except Exception:  # noqa: BLE001 - leave it to the compiler to report
                python = source
        cells.append({"index": position, "source": python, "original": source})
    if not cells:
        raise SubmissionFailure("invalid-file", f"{path.name} has no code cells")
    return cells


# What the kernel-less worker (worker/shell.py) does as IPython would, as far as grading can tell:
# magics that run their statement or body once, and magics and commands that change nothing the
# checks can see (plots, installs, help, display settings).
SERVED_LINE_MAGICS = frozenset({"matplotlib", "time", "timeit", "prun", "pip", "conda", "config", "pinfo",
                                "pinfo2", "psearch", "xmode", "autoreload", "load_ext", "reload_ext", "lsmagic"})
SERVED_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "html", "markdown", "latex", "svg",
                                "javascript", "js"})
SERVED_EXTENSIONS = frozenset({"autoreload"})
_SERVED_CALLS = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput"})
_INSTALL = re.compile(r"\s*(?:python3?\s+-m\s+)?(?:pip3?|conda|mamba)\s+install\b")
# IPython's line magics and shell aliases, which a one-line cell may call without "%" (automagic).
AUTOMAGIC = frozenset((
    "alias alias_magic autoawait autocall automagic bookmark cd colors conda config debug dhist dirs doctest_mode "
    "edit env gui history killbgscripts load load_ext loadpy logoff logon logstart logstate logstop lsmagic macro "
    "magic matplotlib notebook page pastebin pdb pdef pdoc pfile pinfo pinfo2 pip popd pprint precision prun "
    "psearch psource pushd pwd pycat pylab quickref recall rehashx reload_ext rerun reset reset_selective run save "
    "sc set_env sx system tb time timeit unalias unload_ext who who_ls whos xdel xmode "
    "cat clear cp ldir less lf lk ll ls lx man mkdir more mv rm rmdir").split())
_FIRST_WORD = re.compile(r"^\s*([\w*.]+)(.*)$")


def needs_kernel(path: Path) -> str | None:
    """Why the notebook at ``path`` must run in a Jupyter kernel (None: the kernel-less worker is faithful)."""
    return kernel_reason(cells=code_cells(path))


def kernel_reason(*, cells: list[dict[str, Any]]) -> str | None:
    """Why these code cells (from :func:`code_cells`) need a Jupyter kernel, or None."""
    sources = [cell["source"] for cell in cells]
    candidates = [_automagic_word(source) for source in sources]
    bound: set[str] = set()
    if any(candidates):  # only then is it worth knowing every name the notebook binds
        bound = {name for source in sources if (tree := _parse(source)) is not None for name in _bound_names(tree)}
    reasons: list[str] = []
    for source, word in zip(sources, candidates):
        if word and word not in bound:
            reasons.append(f"uses {word} without % (automagic)")
        if "get_ipython" in source and (tree := _parse(source)) is not None:
            reasons += _unserved(tree)
    unique = list(dict.fromkeys(reasons))
    return ", ".join(unique[:3]) + (f" and {len(unique) - 3} more" if len(unique) > 3 else "") if unique else None


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None  # the cell fails the same way in both workers


def _bound_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def _automagic_word(source: str) -> str | None:
    """The magic a one-line cell calls without ``%``, as IPython's prefilter would read it, unless
    the notebook binds that name itself (checked by the caller)."""
    if len(source.splitlines()) != 1 or not (match := _FIRST_WORD.match(source)):
        return None
    word, rest = match.groups()
    if word not in AUTOMAGIC or rest.lstrip().startswith(("=", ",")):
        return None
    return None if keyword.iskeyword(word) or hasattr(builtins, word) else word


def _unserved(tree: ast.Module) -> list[str]:
    """What the cell asks of IPython that the shim does not do as IPython would."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    reasons = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "get_ipython"):
            continue
        method = parents.get(node)
        call = parents.get(method) if isinstance(method, ast.Attribute) else None
        if not isinstance(method, ast.Attribute) or not isinstance(call, ast.Call) or call.func is not method:
            reasons.append("uses get_ipython()")
        elif method.attr not in _SERVED_CALLS:
            reasons.append(f"uses get_ipython().{method.attr}")
        else:
            args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in call.args]
            reason = _unserved_call(method.attr, args)
            if reason is None and method.attr != "getoutput" and not isinstance(parents.get(call), ast.Expr):
                reason = f"uses the value of {_spelled(method.attr, args)}"
            if reason:
                reasons.append(reason)
    return reasons


def _spelled(kind: str, args: list[str | None]) -> str:
    name = args[0] if args else None
    if kind in ("system", "getoutput"):
        return f"!{(name or '')[:40]}"
    return ("%%" if kind == "run_cell_magic" else "%") + str(name)


def _unserved_call(kind: str, args: list[str | None]) -> str | None:
    """Why one magic or shell call is not served faithfully, or None."""
    name, line = (args + [None, None])[:2]
    if name is None:
        return f"uses {_spelled(kind, args)} with a computed argument"
    if kind in ("system", "getoutput"):
        return None if _INSTALL.match(name) else f"runs the shell command {_spelled(kind, args)}"
    words = (line or "").split()
    if kind == "run_cell_magic":
        if name not in SERVED_CELL_MAGICS:
            return f"uses %%{name}"
        if name == "capture" and any(not w.startswith("-") for w in words):
            return "uses %%capture into a variable"
        return None
    if name not in SERVED_LINE_MAGICS:
        return f"uses %{name}"
    if name in ("load_ext", "reload_ext") and not set(words) <= SERVED_EXTENSIONS:
        return f"uses %{name} {line}"
    return None
