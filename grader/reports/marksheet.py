"""The data a mark sheet shows: header, one row per check with diagnoses and evidence, plot, predictions.

Everything is prepared here as plain values; ``marksheet.html.j2`` lays it out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from grader.spec.assignment import Assignment
from grader.diagnosis.catalogue import describe
from grader.checks import CHECKS
from grader.checks.descent import solved
from grader.reports.evidence import Block, Excerpt, Line, evidence_blocks, fmt, where
from grader.reports.plots import LossPlot, loss_plot
from grader.sandbox.notebook import read_notebook
from grader.results import CheckResult, Diagnosis, SubmissionResult

CONTEXT_LINES = 3
TRAINING_FACTS = ("epochs", "epoch_budget", "stopped_early", "lr", "initial_loss", "final_loss", "reference_final_loss",
                  "gradient_factor")


@dataclass(frozen=True)
class DiagnosisView:
    """A diagnosis with its catalogue entry and evidence."""

    tag: str
    title: str
    message: str
    explanation: str
    hint: str
    evidence: tuple[Block, ...]


@dataclass(frozen=True)
class CheckView:
    """One row of the checks table."""

    id: str
    title: str
    points: float
    max_points: float
    passed: bool
    verdict: str
    message: str
    diagnoses: tuple[DiagnosisView, ...]
    evidence: tuple[Block, ...]


@dataclass(frozen=True)
class Prediction:
    """One row of the final XOR predictions."""

    input: str
    target: str
    prediction: str
    correct: bool | None


@dataclass(frozen=True)
class ErrorView:
    """Why the submission could not be graded, where, and the code there."""

    kind: str
    title: str
    message: str
    location: str
    hint: str
    explanation: str
    by_grader: bool
    excerpt: Excerpt | None
    traceback: str


@dataclass(frozen=True)
class MarkSheet:
    """Everything a mark sheet shows."""

    student: str
    assignment: str
    assignment_name: str
    assignment_version: int
    submission: str
    score: float
    max_score: float
    percent: float
    status: str
    status_label: str
    graded_at: str
    grader_version: str
    seed: int
    duration: float
    binding: str
    error: ErrorView | None
    checks: tuple[CheckView, ...]
    lost: tuple[CheckView, ...]
    plot: LossPlot | None
    descent: Mapping[str, Any]  # the training facts as text, and stopped_early as a bool
    predictions: tuple[Prediction, ...]
    warnings: tuple[str, ...]
    output: str
    adjustments: tuple[AdjustmentView, ...] = ()


@dataclass(frozen=True)
class AdjustmentView:
    """An instructor's adjustment as a sheet shows it."""

    what: str  # "gradients: 1 -> 2 points" or "added to the total"
    change: str  # "+1", "-0.5"
    comment: str
    made_at: str


def adjustment_views(result: SubmissionResult) -> tuple[AdjustmentView, ...]:
    """The adjustments of ``result`` in words (shared by the mark sheet and the class summary)."""
    views = []
    for a in result.adjustments:
        what = (f"{a.check}: {a.original:g} -> {a.points:g} points" if a.check and a.original is not None
                else f"{a.check}: set to {a.points:g} points" if a.check else "points added to the total")
        views.append(AdjustmentView(what=what, change=f"{a.change:+g}", comment=a.comment,
                                    made_at=readable_time(a.made_at) if a.made_at else ""))
    return tuple(views)


def readable_time(stamp: str) -> str:
    """An ISO time stamp as ``2026-11-22 11:25 UTC`` (unchanged when it cannot be read)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp or "unknown"
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC" if moment.tzinfo else "%Y-%m-%d %H:%M")


def source_excerpt(*, submission: str | Path, file: str | None, cell: int | None, line: int | None,
                   context: int = CONTEXT_LINES) -> Excerpt | None:
    """The student's lines around ``line`` (of the notebook's cell ``cell``), or None if unreadable."""
    if not line:
        return None
    path = Path(submission)
    if path.is_dir() and file:
        path = path / file
    try:
        if path.suffix == ".ipynb":
            cells = read_notebook(path).cells  # numbered as the student sees them: every cell counts
            if not cell or not 1 <= cell <= len(cells) or cells[cell - 1].get("cell_type") != "code":
                return None
            source = cells[cell - 1].get("source", "")
            source = "".join(source) if isinstance(source, list) else source
        else:
            source = path.read_bytes().decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001 - an excerpt is a nicety; the message stands without it
        return None
    lines = source.splitlines()
    if not 1 <= line <= len(lines):
        return None
    start, end = max(line - 1 - context, 0), min(line + context, len(lines))
    return Excerpt(lines=tuple(Line(number=n + 1, text=lines[n], current=n + 1 == line) for n in range(start, end)),
                   file=file, cell=cell, line=line)


def _verdict(check: CheckResult, error: bool) -> str:
    if check.passed:
        return "passed"
    if error:
        return "not run"
    return "partly passed" if check.points > 0 else "failed"


def _gradient_scale(check: CheckResult, diagnosis: Diagnosis) -> float | None:
    """The factor the expected gradients in ``worst`` entries were multiplied by (gradients check only)."""
    if check.id != "gradients":
        return None
    value = diagnosis.evidence.get("factor", check.evidence.get("factor"))
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_view(*, check: CheckResult, result: SubmissionResult, assignment: Assignment) -> CheckView:
    """The row of one check; evidence only for a failed check, each value shown once."""
    def excerpt(*, file: Any, cell: Any, line: Any) -> Excerpt | None:
        return source_excerpt(submission=result.submission, file=file, cell=cell, line=line)

    tolerance = assignment.tolerances.get(check.id)
    failed = not check.passed and result.error is None
    diagnoses, shown = [], {}
    for d in check.diagnoses:
        entry = describe(d.tag)
        blocks = evidence_blocks(d.evidence, tolerance=tolerance, scale=_gradient_scale(check, d),
                                 excerpt=excerpt) if failed else []
        shown.update(d.evidence)
        diagnoses.append(DiagnosisView(tag=d.tag, title=entry.title, message=d.message if d.message != check.message
                                       else "", explanation=entry.explanation, hint=entry.hint,
                                       evidence=tuple(blocks)))
    # A key a diagnosis also gives is shown there only (the diagnosis's value is the one it explains).
    skip = [k for k in check.evidence if k in shown]
    if check.id == "descent":
        skip += TRAINING_FACTS  # shown with the loss plot
    own = evidence_blocks(check.evidence, tolerance=tolerance, skip=skip, excerpt=excerpt) if failed else []
    title = getattr(CHECKS.get(check.id), "title", "") or check.id
    return CheckView(id=check.id, title=title, points=check.points, max_points=check.max_points,
                     passed=check.passed, verdict=_verdict(check, result.error is not None), message=check.message,
                     diagnoses=tuple(diagnoses), evidence=tuple(own))


def predictions(evidence: Mapping[str, Any], *, one_hot: bool) -> tuple[Prediction, ...]:
    """The final XOR predictions, each marked right or wrong when it can be told."""
    rows = []
    for p in evidence.get("predictions") or ():
        if not isinstance(p, Mapping):
            continue
        correct = None
        try:
            correct = solved(np.array([p["prediction"]], dtype=float), np.array([p["target"]], dtype=float), one_hot)
        except (KeyError, TypeError, ValueError):
            pass
        rows.append(Prediction(input=fmt(p.get("input")), target=fmt(p.get("target")),
                               prediction=", ".join(f"{v:.4f}" for v in p.get("prediction") or ()
                                                    if isinstance(v, (int, float))),
                               correct=correct))
    return tuple(rows)


def error_view(result: SubmissionResult) -> ErrorView | None:
    """The load error of ``result``, with the student's code around it."""
    e = result.error
    if e is None:
        return None
    entry = describe(e.kind)
    return ErrorView(kind=e.kind, title=entry.title, message=e.message,
                     location=where(file=e.file, cell=e.cell, line=e.line) if e.line else "",
                     hint=entry.hint, explanation=entry.explanation, by_grader=e.source == "grader",
                     excerpt=source_excerpt(submission=result.submission, file=e.file, cell=e.cell, line=e.line),
                     traceback=e.traceback or "")


def _status_label(result: SubmissionResult) -> str:
    if result.error is not None:
        return "grader failure" if result.error.source == "grader" else "could not be graded"
    return "full marks" if result.score >= result.max_score else "graded"


def mark_sheet(*, result: SubmissionResult, assignment: Assignment) -> MarkSheet:
    """The data of ``result``'s mark sheet."""
    checks = tuple(check_view(check=c, result=result, assignment=assignment) for c in result.checks)
    descent = next((c for c in result.checks if c.id == "descent"), None)
    descent_evidence = descent.evidence if descent is not None and result.error is None else {}
    facts: dict[str, Any] = {k: fmt(descent_evidence[k]) if k in descent_evidence else "" for k in TRAINING_FACTS}
    facts["stopped_early"] = descent_evidence.get("stopped_early") is True  # a flag for the template
    return MarkSheet(
        student=result.student, assignment=assignment.title, assignment_name=result.assignment,
        assignment_version=result.assignment_version, submission=Path(result.submission).name,
        score=result.score, max_score=result.max_score,
        percent=round(100 * result.score / result.max_score, 1) if result.max_score else 0.0,
        status=result.status, status_label=_status_label(result), graded_at=readable_time(result.graded_at),
        grader_version=result.grader_version, seed=result.seed, duration=result.duration,
        binding=str(result.binding.get("summary", "")), error=error_view(result), checks=checks,
        lost=tuple(c for c in checks if not c.passed and result.error is None),
        plot=loss_plot(descent_evidence) if descent_evidence else None,
        descent=facts,
        predictions=predictions(descent_evidence, one_hot=assignment.one_hot),
        warnings=result.warnings, output=result.output, adjustments=adjustment_views(result),
    )


def sheets(*, results: Sequence[SubmissionResult], assignment: Assignment) -> list[MarkSheet]:
    """The mark sheets of a batch."""
    return [mark_sheet(result=r, assignment=assignment) for r in results]
