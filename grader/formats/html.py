"""HTML mark sheets (one per student) and the class page ``index.html``, from jinja2 templates.

This module only prepares data (file names, plot coordinates, code excerpts);
all markup lives in ``grader/templates/*.html.j2``.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Sequence

import jinja2

from grader.assignment import Assignment
from grader.catalogue import describe
from grader.formats.base import ReportFormat
from grader.notebook import read_notebook
from grader.results import SubmissionResult

PLOT_W, PLOT_H, PAD = 560, 220, 40


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("grader", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def sheet_name(student: str) -> str:
    """A safe file name for a student's mark sheet."""
    cleaned = re.sub(r"[^\w.\- ]+", "_", student).strip(" .") or "student"
    return f"{cleaned}.html"


def _polyline(epochs: list[int], losses: list[float], x_max: float, lo: float, hi: float) -> str:
    points = []
    for e, v in zip(epochs, losses):
        if v is None or not math.isfinite(v) or v <= 0:
            continue
        x = PAD + (PLOT_W - 2 * PAD) * (e / x_max if x_max else 0)
        y = PAD + (PLOT_H - 2 * PAD) * (1 - (math.log10(v) - lo) / (hi - lo))
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


def loss_plot(evidence: dict[str, Any]) -> dict[str, Any] | None:
    """Coordinates of the student's and the reference's loss curves on a log scale."""
    curves = {k: evidence.get(k) for k in ("student_curve", "reference_curve") if evidence.get(k)}
    if not curves:
        return None
    values = [v for c in curves.values() for v in c["loss"] if v is not None and math.isfinite(v) and v > 0]
    if not values:
        return None
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = hi if hi > lo else lo + 1
    x_max = max(max(c["epoch"]) for c in curves.values())
    ticks = [{"label": f"1e{p}", "y": PAD + (PLOT_H - 2 * PAD) * (1 - (p - lo) / (hi - lo))} for p in range(lo, hi + 1)]
    return {
        "width": PLOT_W, "height": PLOT_H, "pad": PAD, "x_max": x_max, "ticks": ticks,
        "student": _polyline(curves["student_curve"]["epoch"], curves["student_curve"]["loss"], x_max, lo, hi)
        if "student_curve" in curves else "",
        "reference": _polyline(curves["reference_curve"]["epoch"], curves["reference_curve"]["loss"], x_max, lo, hi)
        if "reference_curve" in curves else "",
    }


def code_excerpt(result: SubmissionResult, context: int = 3) -> dict[str, Any] | None:
    """The student's own lines around a load error (from the notebook cell for notebooks)."""
    error = result.error
    if error is None or not error.line:
        return None
    path = Path(result.submission)
    if path.is_dir() and error.file:
        path = path / error.file
    try:
        if path.suffix == ".ipynb":
            cells = [c for c in read_notebook(path).cells if c.get("cell_type") == "code"]
            source = cells[(error.cell or 1) - 1].get("source", "")
        else:
            source = path.read_bytes().decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - an excerpt is a nicety; the message stands without it
        return None
    lines = source.splitlines()
    start = max(error.line - 1 - context, 0)
    end = min(error.line + context, len(lines))
    return {"lines": [{"number": n + 1, "text": lines[n], "current": n + 1 == error.line} for n in range(start, end)],
            "cell": error.cell, "file": error.file}


class HtmlFormat(ReportFormat):
    name = "html"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path) -> list[Path]:
        env = environment()
        sheet = env.get_template("marksheet.html.j2")
        written = []
        for result in results:
            descent = next((c for c in result.checks if c.id == "descent"), None)
            path = out / sheet_name(result.student)
            path.write_text(sheet.render(
                r=result, assignment=assignment, describe=describe,
                plot=loss_plot(descent.evidence) if descent else None,
                predictions=descent.evidence.get("predictions") if descent else None,
                excerpt=code_excerpt(result),
            ), encoding="utf-8")
            written.append(path)
        index = out / "index.html"
        index.write_text(env.get_template("index.html.j2").render(
            results=results, assignment=assignment, sheet_name=sheet_name), encoding="utf-8")
        return [*written, index]
