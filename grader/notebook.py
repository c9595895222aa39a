"""Notebooks: reading them (v4, and v3 converted) and turning code cells into plain Python.

IPython's input transformer rewrites magics (``%matplotlib inline``, ``!pip``)
into calls the worker serves, so notebooks run without a Jupyter kernel.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from grader.errors import SubmissionFailure


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` as nbformat v4 (SubmissionFailure ``invalid-file`` if unreadable)."""
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
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for bad notebooks
        raise SubmissionFailure("invalid-file", f"{path.name} is not a valid notebook: {exc}") from None


def code_cells(path: Path) -> list[dict[str, Any]]:
    """The notebook's code cells as Python source, numbered 1, 2, ... in order."""
    notebook = read_notebook(path)
    transformer = TransformerManager()
    cells = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        try:
            python = transformer.transform_cell(source)
        except Exception:  # noqa: BLE001 - leave it to the compiler to report
            python = source
        cells.append({"index": len(cells) + 1, "source": python, "original": source})
    if not cells:
        raise SubmissionFailure("invalid-file", f"{path.name} has no code cells")
    return cells
