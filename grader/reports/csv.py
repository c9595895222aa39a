"""``grades.csv``: one row per student, the total and the points of every check.

Every text cell is made safe for spreadsheets (:func:`spreadsheet_safe`): a student id or a comment
starting with ``=`` must never become a live formula when the file is opened.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Sequence

from grader.spec.assignment import Assignment
from grader.reports.base import ReportFormat, ReportOptions, write_atomic
from grader.results import SubmissionResult

# What spreadsheets read as the start of a formula (OWASP's list, with tab and carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it literally: a leading formula character is escaped with ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """Rows as CSV text (every cell a string the caller already made safe)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


class CsvFormat(ReportFormat):
    name = "csv"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        checks = list(assignment.points)
        rows = [["student", "status", "score", "max_score", *checks, "diagnoses", "adjustments"]]
        for r in results:
            points = {c.id: c.points for c in r.checks}
            adjustments = "; ".join(f"{a.check or 'total'} {a.change:+g}: {a.comment}" for a in r.adjustments)
            rows.append([spreadsheet_safe(r.student), r.status, f"{r.score:g}", f"{r.max_score:g}",
                         *(f"{points.get(c, 0):g}" for c in checks), spreadsheet_safe(" ".join(r.diagnoses)),
                         spreadsheet_safe(adjustments)])
        return [write_atomic(out, "grades.csv", csv_text(rows))]
