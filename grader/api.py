"""Keyword-only functions behind the command line."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from grader.assignment import Assignment
from grader.errors import UsageError
from grader.formats import DEFAULT_FORMATS, FORMATS
from grader.results import SubmissionResult


def write_reports(
    *,
    results: Sequence[SubmissionResult],
    assignment: Assignment,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> list[Path]:
    """Write the named report formats for ``results`` into ``out``; returns the files written."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown report format(s): {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    written: list[Path] = []
    for name in formats:
        written += FORMATS[name].write(results=results, assignment=assignment, out=out)
    return written
