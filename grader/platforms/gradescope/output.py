"""``--format gradescope``: Gradescope's ``results.json``, one test per check.

Gradescope reads ``/autograder/results/results.json``: a top-level ``score``
and ``output`` (shown above the tests), and ``tests`` with ``name``, ``score``,
``max_score``, ``status`` (``passed``/``failed``), ``output``, ``tags`` and
``visibility``. Each ``output`` is rendered as ``output_format`` says: ours is
``html``, written by jinja2 templates with autoescape, so a student's text
(an exception message, a file name) is shown as text and never as markup.
What the autograder prints to stdout is kept for the instructor only
(``stdout_visibility: hidden``).

The spec's ``[grading]`` policy decides the feedback level, each check's
visibility, the total (``points_possible``: every score is rescaled to it) and
the late penalty (the top-level ``score``, which Gradescope uses instead of the
sum of the tests, loses it).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from functools import cache
from typing import TYPE_CHECKING, Any

from grader.diagnosis.catalogue import describe
from grader.reports.single import ResultFormat, clip, number
from grader.reports.text import error_feedback, next_step
from grader.results import CheckResult, SubmissionResult
from grader.spec.assignment import VISIBILITIES, Policy

if TYPE_CHECKING:
    from jinja2 import Environment

OUTPUT_LIMIT = 8000
OUTPUT_FORMAT = "html"


@cache
def _templates() -> Environment:
    """The feedback templates (jinja2 is loaded only when a Gradescope document is made)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=False, keep_trailing_newline=True)


def _render(name: str, **values: Any) -> str:
    return _templates().get_template(name).render(**values).strip()


def _overview(result: SubmissionResult, policy: Policy) -> str:
    total = policy.total(result.max_score)
    score = policy.final(result.score, result.max_score, late=result.late)
    penalty = f"{policy.late_penalty:.0%}" if result.late and policy.late_penalty else ""
    return _render("overview.html.j2", title=result.assignment, score=f"{score:g}", total=f"{total:g}",
                   late=result.late, penalty=penalty, error=error_feedback(result), notes=result.warnings,
                   next_step=next_step(result))


def _check_output(check: CheckResult, level: str) -> str:
    if level == "score":
        return _render("check.html.j2", message="passed" if check.passed else "failed", diagnoses=())
    diagnoses = [{"tag": d.tag, "title": describe(d.tag).title, "explanation": describe(d.tag).explanation,
                  "hint": describe(d.tag).hint} for d in check.diagnoses]
    message = check.message if level == "full" else ("passed" if check.passed else "failed")
    return _render("check.html.j2", message=message, diagnoses=diagnoses)


def _test(result: SubmissionResult, check: CheckResult, policy: Policy) -> dict[str, Any]:
    return {
        "name": check.id,
        "score": number(policy.scale(check.points, result.max_score)),
        "max_score": number(policy.scale(check.max_points, result.max_score)),
        "status": "passed" if check.passed else "failed",
        "output": clip(_check_output(check, policy.feedback), OUTPUT_LIMIT),
        "output_format": OUTPUT_FORMAT,
        "tags": [d.tag for d in check.diagnoses] if policy.feedback != "score" else [],
        "visibility": policy.visibility.get(check.id, "visible"),
    }


def gradescope_document(result: SubmissionResult, *, policy: Policy = Policy(),
                        visibility: str = "visible") -> dict[str, Any]:
    """Gradescope's results document for ``result`` (``visibility``: the whole result's)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    return {
        "score": number(policy.final(result.score, result.max_score, late=result.late)),
        "execution_time": math.ceil(result.duration) if math.isfinite(result.duration) else 0,
        "output": clip(_overview(result, policy), OUTPUT_LIMIT),
        "output_format": OUTPUT_FORMAT,
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": [_test(result, c, policy) for c in result.checks],
    }


def failure_document(*, reason: str, traceback: str, max_score: float) -> dict[str, Any]:
    """The results when the grader itself failed: a visible "autograder failed" test (0 points, not the
    student's doing) and the traceback in a hidden test the instructor reads."""
    return {
        "score": 0,
        "output": _render("failed.html.j2", reason=reason),
        "output_format": OUTPUT_FORMAT,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {"name": "autograder failed", "score": 0, "max_score": number(max_score), "status": "failed",
             "output": _render("failed.html.j2", reason=reason), "output_format": OUTPUT_FORMAT,
             "visibility": "visible"},
            {"name": "autograder traceback (instructors only)", "score": 0, "max_score": 0, "status": "failed",
             "output": clip(traceback, OUTPUT_LIMIT), "output_format": "text", "visibility": "hidden"},
        ],
    }


class GradescopeFormat(ResultFormat):
    name = "gradescope"
    help = "Gradescope's results.json (one test per check)"

    def render(self, result: SubmissionResult, *, color: bool = False, policy: Policy = Policy()) -> str:
        return json.dumps(gradescope_document(result, policy=policy), indent=2, allow_nan=False)
