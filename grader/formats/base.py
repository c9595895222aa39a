"""The base class of report formats."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from grader.assignment import Assignment
from grader.results import SubmissionResult


class ReportFormat:
    """Writes a batch's results into a folder; returns the files it wrote."""

    name: str = ""

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path) -> list[Path]:
        raise NotImplementedError
