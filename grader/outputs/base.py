"""The base class of per-result formats, and small helpers they share."""
from __future__ import annotations

import math
from pathlib import Path

from grader.results import SubmissionResult


class ResultFormat:
    """Renders one :class:`SubmissionResult` for a reader or a platform (``grader check --format NAME``)."""

    name: str = ""
    help: str = ""

    def render(self, result: SubmissionResult, *, color: bool = False) -> str:
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
