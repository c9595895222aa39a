"""The base class of report formats, and the options a batch's reports share."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from grader.spec.assignment import Assignment
from grader.results import SubmissionResult


@dataclass(frozen=True)
class ReportOptions:
    """Settings some formats use: the class ``roster`` of the LMS gradebooks
    (a :class:`grader.platforms.lms.roster.Roster`, which the reports never look into) and the header of
    the Moodle file's identifier column (``None``: Moodle's English ``Identifier``)."""

    roster: Any = None
    id_column: str | None = None


class ReportFormat:
    """Writes a batch's results into a folder; returns the files it wrote."""

    name: str = ""

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        raise NotImplementedError
