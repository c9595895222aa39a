"""``grader gradescope run``: what ``run_autograder`` does for each submission, in one place.

Gradescope puts the student's files in ``/autograder/submission`` (a zip or a
repository lands in subfolders), the submission's record in
``/autograder/submission_metadata.json`` (``created_at``, the assignment's
``due_date``, and each user's own ``assignment.due_date`` when they have an
extension), and reads ``/autograder/results/results.json``. Whatever happens,
this writes a results file: when the grader itself fails, a visible
"autograder failed" test with the traceback in a hidden one.
"""
from __future__ import annotations

import json
import traceback
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from grader.results import SubmissionResult
from grader.platforms.gradescope.output import failure_document, gradescope_document
from grader.sandbox.submission import Submission, from_path
from grader.spec.assignment import Assignment, Policy

SKIPPED = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".github", "node_modules", ".venv",
                     "venv"})


def _has_candidates(folder: Path, suffix: str) -> bool:
    return any(p.is_file() and p.suffix == suffix and not p.name.startswith((".", "test_"))
               and p.name != "__init__.py" for p in folder.iterdir())


def _shallowest(folder: Path, suffix: str) -> list[Path]:
    """The folders nearest ``folder`` that hold a ``suffix`` file (macOS metadata, caches, hidden folders skipped)."""
    level = [folder]
    while level:
        found = [f for f in level if _has_candidates(f, suffix)]
        if found:
            return sorted(found, key=lambda f: f.relative_to(folder).as_posix().lower())
        level = sorted(d for f in level for d in f.iterdir()
                       if d.is_dir() and d.name not in SKIPPED and not d.name.startswith("."))
    return []


def find_submission(folder: Path) -> Submission:
    """The student's work in Gradescope's submission folder: the nearest folder holding a notebook, else the
    nearest holding a module (a zip's or repository's folders are searched, so a helper module at the top of
    a repository does not hide the notebook below it)."""
    found = _shallowest(folder, ".ipynb") or _shallowest(folder, ".py")
    if not found:
        return from_path(folder)  # nothing anywhere: grading says so
    chosen = found[0]
    submission = replace(from_path(chosen), student="submission")
    if len(found) > 1:
        others = ", ".join(f.relative_to(folder).as_posix() for f in found[1:])
        note = f"graded the files in {chosen.relative_to(folder).as_posix() or '.'}; also found {others}"
        submission = replace(submission, notes=(*submission.notes, note))
    return submission


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def is_late(metadata: dict[str, Any]) -> bool:
    """Whether Gradescope's submission record says the submission came after its due date.

    The due date is the submitter's own (``users[].assignment.due_date``, set by an extension) when given,
    else the assignment's; with several submitters the latest of theirs counts.
    """
    submitted = _moment(metadata.get("created_at"))
    assignment = metadata.get("assignment") or {}
    dues = [_moment((user.get("assignment") or {}).get("due_date")) for user in metadata.get("users") or []
            if isinstance(user, dict)]
    dues = [d for d in dues if d is not None] or [_moment(assignment.get("due_date"))]
    due = max((d for d in dues if d is not None), default=None)
    return submitted is not None and due is not None and submitted > due


def read_metadata(path: Path) -> dict[str, Any]:
    """``submission_metadata.json`` ({} when absent or unreadable: a trial run outside Gradescope)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


Grade = Callable[[Submission], SubmissionResult]


@dataclass(frozen=True)
class Run:
    """What one run wrote: the results file, the result (None when grading raised) and the failure's
    traceback (empty when the grader did not fail)."""

    path: Path
    result: SubmissionResult | None
    failure: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "result": self.result.to_dict() if self.result else None,
                "failure": self.failure}


def run_autograder(*, root: Path, assignment: Assignment, grade: Grade, policy: Policy | None = None) -> Run:
    """Grade ``root/submission`` with ``grade`` and write ``root/results/results.json``.

    Never raises for a failure of the grader: the results then say the autograder failed.
    """
    policy = policy or assignment.policy
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result, failure = None, ""
    try:
        late = is_late(read_metadata(root / "submission_metadata.json"))
        result = replace(grade(find_submission(root / "submission")), late=late)
        if result.error is not None and result.error.source == "grader":
            failure = result.error.traceback or result.error.message
            document = failure_document(reason=result.error.message, traceback=failure,
                                        max_score=policy.total(assignment.max_score))
        else:
            document = gradescope_document(result, policy=policy)
    except Exception as exc:  # noqa: BLE001 - the student must see that the autograder failed, whatever failed
        failure = traceback.format_exc()
        document = failure_document(reason=f"{type(exc).__name__}: {exc}", traceback=failure,
                                    max_score=policy.total(assignment.max_score))
    out.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return Run(path=out, result=result, failure=failure)
