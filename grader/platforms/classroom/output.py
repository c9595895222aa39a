"""``--format classroom``: GitHub Classroom's autograding reporter documents.

The reporter (``classroom-resources/autograding-grading-reporter``) reads, for
each runner id listed in its ``runners`` input, the environment variable
``<ID>_RESULTS`` (the id upper-cased): base64 of a JSON document
``{"version": 1, "status": "pass"|"fail"|"error", "max_score", "tests": [...]}``.
What its log shows decides the shape of ours:

- a passed test prints its name; a failed one prints its name only (its
  ``message`` is printed for status ``error`` alone), and every test prints its
  ``test_code`` when not empty. So a failed check's diagnosis goes into
  ``test_code``, under the command that reproduces it.
- a runner's line gives each passed test an equal share of its ``max_score``,
  while Classroom receives the sum of the tests' ``score``. With one runner per
  check (:func:`runner_documents`, one step output each) both agree with the
  check weights.
- a submission that cannot be loaded is one ``error`` test (the message, said
  once); the other checks are failed tests without a message.

:func:`append_github_output` writes ``result=<base64>`` (the whole result, one
test per check) and ``<check>=<base64>`` (one runner per check) to the file
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
from grader.reports.text import check_feedback, error_feedback
from grader.results import CheckResult, SubmissionResult
from grader.spec.assignment import Policy

MESSAGE_LIMIT = 4000
NOT_LOADED = "not graded: the submission could not be loaded (see the error above)"


def _status(result: SubmissionResult, checks: tuple[CheckResult, ...]) -> str:
    if result.error:
        return "error"
    return "pass" if all(c.passed for c in checks) else "fail"


def _command(result: SubmissionResult, check: CheckResult) -> str:
    return f"grader check {submission_file(result)} --assignment {result.assignment}  # check: {check.id}"


def _test(result: SubmissionResult, check: CheckResult, *, first: bool, policy: Policy) -> dict[str, Any]:
    filename = submission_file(result)
    if result.error:
        # the error once, on the first check; the others fail quietly so their names still show
        status, message = ("error", error_feedback(result)) if first else ("fail", NOT_LOADED)
        line, code = (result.error.line if first else None), ""
    else:
        status = "pass" if check.passed else "fail"
        passed = check.message if policy.feedback == "full" else "passed"
        message = passed if check.passed else check_feedback(check, level=policy.feedback)
        line = check.evidence.get("line")
        code = ""  # a passed check's line needs nothing under it
        if not check.passed:
            feedback = "\n".join(f"# {row}" if row else "#" for row in message.splitlines())
            code = f"{feedback}\n{_command(result, check)}"
    return {
        "name": check.id,
        "status": status,
        "score": number(policy.scale(check.points, result.max_score)),
        "message": clip(message, MESSAGE_LIMIT),
        "test_code": clip(code, MESSAGE_LIMIT),
        "filename": filename,
        "line_no": int(line) if isinstance(line, (int, float)) else 0,
        "duration": 0,
    }


def _document(result: SubmissionResult, checks: tuple[CheckResult, ...], *, policy: Policy) -> dict[str, Any]:
    first = result.checks[0].id if result.checks else ""
    return {
        "version": 1,
        "status": _status(result, checks),
        "max_score": number(policy.scale(sum(c.max_points for c in checks), result.max_score)),
        "tests": [_test(result, c, first=c.id == first, policy=policy) for c in checks],
    }


def classroom_document(result: SubmissionResult, *, policy: Policy = Policy()) -> dict[str, Any]:
    """One reporter document for ``result``, one test per check. ``line_no`` is 0 when no line is known;
    checks are not timed one by one, so ``duration`` is 0."""
    return _document(result, result.checks, policy=policy)


def runner_documents(result: SubmissionResult, *, policy: Policy = Policy()) -> dict[str, dict[str, Any]]:
    """Check id -> a reporter document holding that check alone (``max_score`` = its points)."""
    return {c.id: _document(result, (c,), policy=policy) for c in result.checks}


def _encoded(document: dict[str, Any]) -> str:
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def github_output_lines(result: SubmissionResult, *, policy: Policy = Policy()) -> list[str]:
    """``result=<base64 document>`` then ``<check>=<base64 document>`` per check: the step outputs."""
    lines = ["result=" + _encoded(classroom_document(result, policy=policy))]
    lines += [f"{check}={_encoded(doc)}" for check, doc in runner_documents(result, policy=policy).items()]
    return lines


def github_output_path() -> Path:
    """The file named by ``$GITHUB_OUTPUT`` (UsageError outside GitHub Actions)."""
    named = os.environ.get("GITHUB_OUTPUT")
    if not named:
        raise UsageError("--classroom-output appends to the file named by $GITHUB_OUTPUT, which is not set "
                         "(GitHub Actions sets it in every workflow step)")
    return Path(named)


def append_github_output(result: SubmissionResult, *, path: Path, policy: Policy = Policy()) -> Path:
    """Append :func:`github_output_lines` to ``path`` (the step's ``$GITHUB_OUTPUT`` file)."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in github_output_lines(result, policy=policy)))
    except OSError as exc:
        raise UsageError(f"cannot append to the GitHub output file {path}: {exc.strerror}") from None
    return path


class ClassroomFormat(ResultFormat):
    name = "classroom"
    help = "GitHub Classroom's autograding reporter document (one test per check)"

    def render(self, result: SubmissionResult, *, color: bool = False, policy: Policy = Policy()) -> str:
        return json.dumps(classroom_document(result, policy=policy), indent=2, allow_nan=False)
