"""``grades.csv``: one row per student, the total and the points of every check."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

from grader.spec.assignment import Assignment
from grader.reports.base import ReportFormat, ReportOptions
from grader.results import SubmissionResult


class CsvFormat(ReportFormat):
    name = "csv"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        path = out / "grades.csv"
        checks = list(assignment.points)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["student", "status", "score", "max_score", *checks, "diagnoses"])
            for r in results:
                points = {c.id: c.points for c in r.checks}
                writer.writerow([r.student, r.status, f"{r.score:g}", f"{r.max_score:g}",
                                 *(f"{points.get(c, 0):g}" for c in checks), " ".join(r.diagnoses)])
        return [path]
