"""HTML mark sheets (one per student) and the class summary ``index.html``, from jinja2 templates.

This module only prepares data (file names, code excerpts, the view objects of
:mod:`grader.reports.marksheet` and :mod:`grader.reports.summary`); all markup
lives in ``grader/reports/templates/*.html.j2``. Every page is one self-contained file:
inline CSS and SVG, no fonts, scripts or images from elsewhere.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

import jinja2

from grader.spec.assignment import Assignment
from grader.reports.base import ReportFormat, ReportOptions, write_atomic
from grader.reports.evidence import Excerpt, fmt
from grader.reports.marksheet import CONTEXT_LINES, mark_sheet, source_excerpt
from grader.reports.plots import loss_plot
from grader.reports.summary import class_summary
from grader.results import SubmissionResult

__all__ = ["HtmlFormat", "code_excerpt", "environment", "loss_plot", "render_index", "render_sheet", "sheet_name",
           "sheet_names"]


def _points(value: Any) -> str:
    """Points as written on a sheet: ``3``, ``2.5``."""
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _short(value: Any) -> str:
    """A number to 2 significant digits, for labels inside a chart."""
    return f"{value:.2g}" if isinstance(value, float) else fmt(value)


def _coord(value: Any) -> str:
    """An SVG coordinate with one decimal."""
    return f"{float(value):.1f}"


def environment() -> jinja2.Environment:
    """The jinja2 environment of the report templates (autoescaped, with the report filters)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("grader.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(points=_points, num=fmt, short=_short, coord=_coord)
    return env


def sheet_name(student: str) -> str:
    """A safe file name for a student's mark sheet."""
    cleaned = re.sub(r"[^\w.\- ]+", "_", student).strip(" .") or "student"
    return f"{cleaned}.html"


def sheet_names(students: Sequence[str]) -> dict[str, str]:
    """A distinct mark-sheet file per student, even when two ids clean up to the same name (``a?``, ``a_``)
    or differ only in case (on case-insensitive file systems); ``index.html`` is never used."""
    names: dict[str, str] = {}
    taken = {"index.html"}
    for student in students:
        name = sheet_name(student)
        stem, number = name[: -len(".html")], 2
        while name.casefold() in taken:
            name, number = f"{stem}-{number}.html", number + 1
        taken.add(name.casefold())
        names[student] = name
    return names


def code_excerpt(result: SubmissionResult, context: int = CONTEXT_LINES) -> Excerpt | None:
    """The student's own lines around a load error (from the notebook cell for notebooks)."""
    error = result.error
    if error is None:
        return None
    return source_excerpt(submission=result.submission, file=error.file, cell=error.cell, line=error.line,
                          context=context)


def render_sheet(*, result: SubmissionResult, assignment: Assignment, env: jinja2.Environment | None = None) -> str:
    """The mark sheet of one result, as a complete HTML page."""
    env = env or environment()
    return env.get_template("marksheet.html.j2").render(s=mark_sheet(result=result, assignment=assignment),
                                                         assignment=assignment)


def render_index(*, results: Sequence[SubmissionResult], assignment: Assignment,
                 env: jinja2.Environment | None = None, href: Callable[[str], str] | None = None,
                 notes: Sequence[str] = ()) -> str:
    """The class summary page of a batch, linking each student's mark sheet (``href``: its file name);
    ``notes`` are shown at the top (e.g. that the reports are partial)."""
    env = env or environment()
    summary = class_summary(results=results, assignment=assignment,
                            href=href or sheet_names([r.student for r in results]).__getitem__, notes=notes)
    return env.get_template("index.html.j2").render(c=summary, assignment=assignment)


class HtmlFormat(ReportFormat):
    """A mark sheet per student and ``index.html``."""

    name = "html"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        env = environment()
        names = sheet_names([r.student for r in results])
        written = []
        for result in results:
            written.append(write_atomic(out, names[result.student],
                                        render_sheet(result=result, assignment=assignment, env=env)))
        index = render_index(results=results, assignment=assignment, env=env, href=names.__getitem__,
                             notes=options.notes)
        return [*written, write_atomic(out, "index.html", index)]
