"""``--format classroom``: GitHub Classroom's autograding reporter format, one test per check.

The reporter (``classroom-resources/autograding-grading-reporter``) reads, for
each runner id listed in its ``runners`` input, the environment variable
``<ID>_RESULTS`` (the id upper-cased): base64 of a JSON document
``{"version": 1, "status": "pass"|"fail"|"error", "max_score", "tests": [...]}``.
It adds up the tests' ``score`` out of ``max_score`` and reports the points to
Classroom. A workflow step hands the document over as its ``result`` output:
:func:`append_github_output` writes the ``result=<base64>`` line to the file
named by ``$GITHUB_OUTPUT``.
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.reports.single import ResultFormat, clip, number, submission_file
from grader.results import CheckResult, SubmissionResult
from grader.reports.text import check_feedback, error_feedback

MESSAGE_LIMIT = 4000


def _status(result: SubmissionResult) -> str:
    if result.error:
        return "error"
    return "pass" if all(c.passed for c in result.checks) else "fail"


def _test(result: SubmissionResult, check: CheckResult) -> dict[str, Any]:
    filename = submission_file(result)
    if result.error:
        message = error_feedback(result)
        status, line = "error", result.error.line
    else:
        message = check.message if check.passed else check_feedback(check)
        status, line = ("pass" if check.passed else "fail"), check.evidence.get("line")
    return {
        "name": check.id,
        "status": status,
        "score": number(check.points),
        "message": clip(message, MESSAGE_LIMIT),
        "test_code": f"grader check {filename} --assignment {result.assignment}  # check: {check.id}",
        "filename": filename,
        "line_no": int(line) if isinstance(line, (int, float)) else 0,
        "duration": 0,
    }


def classroom_document(result: SubmissionResult) -> dict[str, Any]:
    """The reporter's document for ``result``. ``line_no`` is 0 when no line is known; checks are not timed
    one by one, so ``duration`` is 0."""
    return {
        "version": 1,
        "status": _status(result),
        "max_score": number(result.max_score),
        "tests": [_test(result, c) for c in result.checks],
    }


def github_output_line(result: SubmissionResult) -> str:
    """``result=<base64 of the compact JSON document>``, the step output the reporter reads."""
    text = json.dumps(classroom_document(result), separators=(",", ":"), allow_nan=False)
    return "result=" + base64.b64encode(text.encode("utf-8")).decode("ascii")


def github_output_path() -> Path:
    """The file named by ``$GITHUB_OUTPUT`` (UsageError outside GitHub Actions)."""
    named = os.environ.get("GITHUB_OUTPUT")
    if not named:
        raise UsageError("--classroom-output appends to the file named by $GITHUB_OUTPUT, which is not set "
                         "(GitHub Actions sets it in every workflow step)")
    return Path(named)


def append_github_output(result: SubmissionResult, *, path: Path) -> Path:
    """Append :func:`github_output_line` to ``path`` (the step's ``$GITHUB_OUTPUT`` file)."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(github_output_line(result) + "\n")
    except OSError as exc:
        raise UsageError(f"cannot append to the GitHub output file {path}: {exc.strerror}") from None
    return path


class ClassroomFormat(ResultFormat):
    name = "classroom"
    help = "GitHub Classroom's autograding reporter document (one test per check)"

    def render(self, result: SubmissionResult, *, color: bool = False) -> str:
        return json.dumps(classroom_document(result), indent=2, allow_nan=False)
