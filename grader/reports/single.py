"""One graded submission rendered for a reader (``grader check --format text|json``): the base class of
per-result formats, the two plain ones, and small helpers the platforms' formats share."""
from __future__ import annotations

import math
from pathlib import Path

from grader.reports.json import to_json
from grader.reports.text import format_text
from grader.results import SubmissionResult
from grader.spec.assignment import Policy


class ResultFormat:
    """Renders one :class:`SubmissionResult` for a reader or a platform (``grader check --format NAME``)."""

    name: str = ""
    help: str = ""

    def render(self, result: SubmissionResult, *, color: bool = False, policy: Policy = Policy()) -> str:
        """``result`` as text; ``policy`` (the spec's ``[grading]``) sets the feedback level and the total."""
        raise NotImplementedError


def number(value: float) -> int | float:
    """A score as JSON likes it: ``3`` rather than ``3.0``; NaN and infinity become 0."""
    if not math.isfinite(value):
        return 0
    return int(value) if float(value).is_integer() else float(value)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters plus a note saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... {len(text) - limit} more characters not shown]"


def submission_file(result: SubmissionResult) -> str:
    """The name of the graded file (the error's file, for a folder submission that failed to load)."""
    if result.error and result.error.file:
        return result.error.file
    return Path(result.submission).name


class TextFormat(ResultFormat):
    """``--format text``: the terminal report (colour on a terminal)."""

    name = "text"
    help = "the readable report: a line per check, diagnoses and hints, the total, what to do next"

    def render(self, result: SubmissionResult, *, color: bool = False, policy: Policy = Policy()) -> str:
        return format_text(result, color=color, level=policy.feedback)


class JsonResultFormat(ResultFormat):
    """``--format json``: the result object of the contract (``docs/results.md``)."""

    name = "json"
    help = "the result object of docs/results.md"

    def render(self, result: SubmissionResult, *, color: bool = False, policy: Policy = Policy()) -> str:
        return to_json(result)  # the full contract: for the grader's own tools, not a student-facing view
