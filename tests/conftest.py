"""Shared helpers: grading fixture submissions once per session."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader import load_assignment
from grader.grading import grade_paths, grade_submission
from grader.results import SubmissionResult
from grader.sandbox import Limits
from grader.submission import from_path

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"
FAST = Limits(load_timeout=8.0, request_timeout=8.0)


def grade_file(path: Path, assignment: str = "two-layer", *, limits: Limits = FAST) -> SubmissionResult:
    """Grade one submission file or folder."""
    return grade_submission(submission=from_path(path), assignment=load_assignment(assignment), limits=limits)


@pytest.fixture(scope="session")
def two_layer_fixtures() -> dict[str, SubmissionResult]:
    """Every submission under tests/files/two_layer, graded once, keyed by file name."""
    results = grade_paths(paths=[FILES / "two_layer"], assignment=load_assignment("two-layer"), workers=2,
                          limits=FAST)
    return {Path(r.submission).name: r for r in results}
