"""``--format gradescope``: Gradescope's ``results.json``, one test per check.

Gradescope reads ``/autograder/results/results.json``: a top-level ``score``
and ``output`` (shown above the tests), and ``tests`` with ``name``, ``score``,
``max_score``, ``status`` (``passed``/``failed``), ``output`` (the diagnosis),
``tags`` and ``visibility``. What the autograder prints to stdout is kept for
the instructor only (``stdout_visibility: hidden``): everything a student
should read is in the document.
"""
from __future__ import annotations

import json
import math
from typing import Any

from grader.reports.single import ResultFormat, clip, number
from grader.results import CheckResult, SubmissionResult
from grader.reports.text import check_feedback, error_feedback, next_step

OUTPUT_LIMIT = 8000
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def _overview(result: SubmissionResult) -> str:
    lines = [f"{result.assignment}: {result.score:g} / {result.max_score:g} points"]
    if result.error:
        lines.append(error_feedback(result))
    lines += [f"note: {note}" for note in result.warnings]
    lines.append(next_step(result))
    return "\n".join(lines)


def _test(result: SubmissionResult, check: CheckResult, visibility: str) -> dict[str, Any]:
    output = check.message if check.passed else check_feedback(check)
    return {
        "name": check.id,
        "score": number(check.points),
        "max_score": number(check.max_points),
        "status": "passed" if check.passed else "failed",
        "output": clip(output, OUTPUT_LIMIT),
        "tags": [d.tag for d in check.diagnoses],
        "visibility": visibility,
    }


def gradescope_document(result: SubmissionResult, *, visibility: str = "visible") -> dict[str, Any]:
    """Gradescope's results document for ``result``."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    return {
        "score": number(result.score),
        "execution_time": math.ceil(result.duration) if math.isfinite(result.duration) else 0,
        "output": clip(_overview(result), OUTPUT_LIMIT),
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": [_test(result, c, visibility) for c in result.checks],
    }


class GradescopeFormat(ResultFormat):
    name = "gradescope"
    help = "Gradescope's results.json (one test per check)"

    def render(self, result: SubmissionResult, *, color: bool = False) -> str:
        return json.dumps(gradescope_document(result), indent=2, allow_nan=False)
