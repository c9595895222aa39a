"""The data of the class summary (``index.html``): students, score histogram, pass rates, common mistakes.

Submissions that could not be graded are listed apart (first); the histogram,
the pass rates and the mistakes count the graded submissions only, since the
checks of the others never ran.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Sequence

from grader.spec.assignment import Assignment
from grader.diagnosis.catalogue import describe
from grader.checks import CHECKS
from grader.reports.evidence import where
from grader.reports.marksheet import AdjustmentView, adjustment_views, readable_time
from grader.reports.plots import Histogram, score_histogram
from grader.results import SubmissionResult


@dataclass(frozen=True)
class StudentRow:
    """One student in the class table."""

    student: str
    href: str
    status: str
    status_label: str
    score: float
    max_score: float
    percent: float
    failed: tuple[str, ...]
    tags: tuple[str, ...]
    error_kind: str
    error_message: str
    error_location: str


@dataclass(frozen=True)
class CheckRate:
    """How many graded submissions passed one check."""

    id: str
    title: str
    max_points: float
    passed: int
    graded: int
    percent: float


@dataclass(frozen=True)
class Mistake:
    """A diagnosis tag and the students whose submissions showed it."""

    tag: str
    title: str
    explanation: str
    hint: str
    checks: tuple[str, ...]
    students: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.students)


@dataclass(frozen=True)
class ClassSummary:
    """Everything ``index.html`` shows."""

    title: str
    assignment: str
    version: int
    total: int
    errors: tuple[StudentRow, ...]
    graded: tuple[StudentRow, ...]
    max_score: float
    mean: float | None
    median: float | None
    full_marks: int
    histogram: Histogram
    rates: tuple[CheckRate, ...]
    mistakes: tuple[Mistake, ...]
    graded_at: str
    grader_version: str
    tags: tuple[str, ...]
    checks: tuple[str, ...]
    notes: tuple[str, ...] = ()  # about the batch, e.g. that these reports are partial
    adjustments: tuple[tuple[str, str, AdjustmentView], ...] = ()  # (student, href, adjustment)
    unprotected: tuple[str, ...] = ()  # students whose code ran without file system or identity isolation


def _status_label(result: SubmissionResult) -> str:
    if result.error is not None:
        return "grader failure" if result.error.source == "grader" else "could not be graded"
    return "full marks" if result.score >= result.max_score else "points lost"


def student_row(*, result: SubmissionResult, href: str) -> StudentRow:
    """The table row of one student."""
    e = result.error
    return StudentRow(
        student=result.student, href=href, status=result.status, status_label=_status_label(result),
        score=result.score, max_score=result.max_score,
        percent=round(100 * result.score / result.max_score, 1) if result.max_score else 0.0,
        failed=tuple(c.id for c in result.checks if not c.passed) if e is None else (),
        tags=tuple(result.diagnoses),
        error_kind=e.kind if e else "", error_message=e.message if e else "",
        error_location=where(file=e.file, cell=e.cell, line=e.line) if e and e.line else "",
    )


def check_rates(*, graded: Sequence[SubmissionResult], assignment: Assignment) -> tuple[CheckRate, ...]:
    """The pass rate of every check with points, over the graded submissions."""
    rates = []
    for check_id, points in assignment.points.items():
        ran = [c for r in graded for c in r.checks if c.id == check_id]
        passed = sum(c.passed for c in ran)
        rates.append(CheckRate(id=check_id, title=getattr(CHECKS.get(check_id), "title", "") or check_id,
                               max_points=points, passed=passed, graded=len(ran),
                               percent=round(100 * passed / len(ran), 1) if ran else 0.0))
    return tuple(rates)


def common_mistakes(graded: Sequence[SubmissionResult]) -> tuple[Mistake, ...]:
    """Every diagnosis tag of the checks, with the students who made it: most frequent first."""
    students: dict[str, list[str]] = {}
    checks: dict[str, list[str]] = {}
    for r in graded:
        for c in r.checks:
            for d in c.diagnoses:
                if r.student not in students.setdefault(d.tag, []):
                    students[d.tag].append(r.student)
                if c.id not in checks.setdefault(d.tag, []):
                    checks[d.tag].append(c.id)
    ordered = sorted(students, key=lambda t: (-len(students[t]), t))
    mistakes = []
    for tag in ordered:
        entry = describe(tag)
        mistakes.append(Mistake(tag=tag, title=entry.title, explanation=entry.explanation, hint=entry.hint,
                                checks=tuple(checks[tag]), students=tuple(sorted(students[tag], key=str.lower))))
    return tuple(mistakes)


def _span(stamps: Sequence[str]) -> str:
    times = sorted(readable_time(s) for s in stamps if s)
    if not times:
        return "unknown"
    return times[0] if times[0] == times[-1] else f"{times[0]} to {times[-1]}"


def class_summary(*, results: Sequence[SubmissionResult], assignment: Assignment,
                  href: Callable[[str], str], notes: Sequence[str] = ()) -> ClassSummary:
    """The class page's data; ``href`` gives the mark sheet file of a student."""
    graded = [r for r in results if r.error is None]
    failed = [r for r in results if r.error is not None]
    scores = [r.score for r in graded]
    max_score = max((r.max_score for r in results), default=assignment.max_score)
    rows = {r.student: student_row(result=r, href=href(r.student)) for r in results}
    ordered = sorted(graded, key=lambda r: r.student.lower())
    return ClassSummary(
        title=assignment.title, assignment=assignment.name, version=assignment.version, total=len(results),
        errors=tuple(rows[r.student] for r in sorted(failed, key=lambda r: r.student.lower())),
        graded=tuple(rows[r.student] for r in ordered),
        max_score=max_score,
        mean=round(statistics.fmean(scores), 2) if scores else None,
        median=statistics.median(scores) if scores else None,
        full_marks=sum(r.score >= r.max_score for r in graded),
        histogram=score_histogram(scores=scores, max_score=max_score),
        rates=check_rates(graded=graded, assignment=assignment),
        mistakes=common_mistakes(graded),
        graded_at=_span([r.graded_at for r in results]),
        grader_version=", ".join(sorted({r.grader_version for r in results if r.grader_version})) or "unknown",
        tags=tuple(sorted({t for r in results for t in r.diagnoses})),
        checks=tuple(assignment.points),
        notes=tuple(notes),
        adjustments=tuple((r.student, href(r.student), view) for r in sorted(results, key=lambda r: r.student.lower())
                          for view in adjustment_views(r)),
        unprotected=tuple(sorted(r.student for r in results if r.unprotected)),
    )
