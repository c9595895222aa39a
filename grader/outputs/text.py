"""``--format text``: the terminal report (colour on a terminal)."""
from __future__ import annotations

from grader.outputs.base import ResultFormat
from grader.results import SubmissionResult
from grader.textreport import format_text


class TextFormat(ResultFormat):
    name = "text"
    help = "the readable report: a line per check, diagnoses and hints, the total, what to do next"

    def render(self, result: SubmissionResult, *, color: bool = False) -> str:
        return format_text(result, color=color)
