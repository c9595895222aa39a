"""Grading one submission, and a batch of them.

A submission is loaded in a :class:`~grader.sandbox.Worker`, bound with the
assignment's interface, and put through every check that has points. What
the student's code does wrong becomes part of the result; only a failure of
the grader itself is reported as ``internal`` (``source: grader``).
"""
from __future__ import annotations

import re
import time
import traceback
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from grader.assignment import Assignment
from grader.binding import ClassBinding
from grader.checks import CHECKS, CheckContext, Reference
from grader.errors import GraderError, SubmissionFailure
from grader.gradebook import Gradebook, content_digest
from grader.notebook import code_cells
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from grader.sandbox import Forker, Limits, Worker
from grader.zygote import ZygotePool, forking_available
from grader.submission import Submission, discover

_CELL = re.compile(r"^<cell (\d+)>$")


def _version() -> str:
    from grader import __version__

    return __version__


class Session:
    """The student's code loaded in a worker and bound; can be restarted after a crash."""

    def __init__(self, submission: Submission, assignment: Assignment, limits: Limits,
                 forker: Forker | None = None) -> None:
        self.submission = submission
        self.assignment = assignment
        self.limits = limits
        self.worker: Worker | None = None
        self.binding: ClassBinding | None = None
        self.events: list[dict[str, Any]] = []
        self.output: list[str] = []
        self.facts: dict[str, float] = {}
        self.forker = forker
        self.isolation: dict[str, str] = {}
        self.output_dropped = 0

    def load_unit(self) -> dict[str, Any]:
        entry = self.submission.entry
        assert entry is not None
        if entry.suffix == ".py":
            head = entry.read_bytes()[:1 << 20]
            if not head.strip():
                raise SubmissionFailure("invalid-file", f"{entry.name} is empty")
            if b"\x00" in head:
                raise SubmissionFailure("invalid-file", f"{entry.name} is a binary file, not Python source")
        unit: dict[str, Any] = {"folder": self.submission.path.name} if self.submission.is_folder else {}
        if entry.suffix == ".ipynb":
            return {**unit, "cells": [{"index": c["index"], "source": c["source"]} for c in code_cells(entry)]}
        return {**unit, "path": entry.name, "name": entry.name}

    def open(self) -> None:
        """Start a worker, run the submission, and bind (raises SubmissionFailure)."""
        unit = self.load_unit()
        self.worker = Worker(files=[self.submission.path], limits=self.limits, forker=self.forker)
        self.worker.start()
        self.events = self.worker.load(unit)
        exits = [e for e in self.events if e.get("kind") == "exit"]
        if exits:
            raise self.failure_from(exits[0], kind="crash")
        namespace = self.worker.namespace()
        try:
            self.binding = ClassBinding(self.assignment, namespace)
        except SubmissionFailure as missing:
            blocking = [e for e in self.events if e.get("kind") in ("syntax-error", "exception")]
            if blocking:
                kind = "memory" if blocking[0].get("type") == "MemoryError" else blocking[0]["kind"]
                raise self.failure_from(blocking[0], kind=kind) from None
            raise missing

    def failure_from(self, event: dict[str, Any], *, kind: str) -> SubmissionFailure:
        file, cell, line = self.locate(event.get("file"), event.get("line"), event.get("cell"))
        return SubmissionFailure(kind, str(event.get("message", "")), line=line, cell=cell, file=file,
                                 traceback=event.get("traceback"))

    def locate(self, file: str | None, line: int | None, cell: int | None = None) -> tuple[str | None, int | None, int | None]:
        """(file name, cell, line) of a position reported by the worker."""
        match = _CELL.match(file or "")
        if match:
            cell = int(match.group(1))
        entry = self.submission.entry
        return (entry.name if entry else file), cell, line

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.output.append(self.worker.captured_output())
            self.output_dropped += self.worker.output.dropped if self.worker.output else 0
            self.isolation = self.worker.isolation or self.isolation
            self.worker = None

    def restart(self) -> None:
        self.close()
        self.open()


def _check_failure(check_id: str, points: float, exc: SubmissionFailure, session: Session) -> CheckResult:
    file, cell, line = session.locate(exc.file, exc.line, exc.cell)
    where = ""
    if line:
        where = f" ({file}" + (f", cell {cell}" if cell else "") + f", line {line})"
    evidence = {k: v for k, v in {"file": file, "cell": cell, "line": line, "traceback": exc.traceback}.items()
                if v is not None}
    message = f"{exc.message}{where}"
    return CheckResult.failure(check_id, points, message, Diagnosis(exc.kind, message, evidence), **evidence)


def _all_failed(assignment: Assignment, kind: str) -> tuple[CheckResult, ...]:
    message = f"not run: the submission could not be graded ({kind})"
    return tuple(CheckResult.failure(cid, pts, message) for cid, pts in assignment.points.items())


def _warnings(session: Session, error: LoadError | None) -> list[str]:
    notes = list(session.submission.notes)
    if session.isolation.get("network", "isolated") != "isolated":
        notes.append(f"sandbox: network {session.isolation['network']}")
    if session.output_dropped:
        notes.append(f"output-limit: your code printed {session.output_dropped} bytes more than the "
                     f"{session.limits.output_cap // 1024} KiB kept")
    for event in session.events:
        if error is not None and event.get("message") == error.message:
            continue
        file, cell, line = session.locate(event.get("file"), event.get("line"), event.get("cell"))
        where = f"{file}" + (f", cell {cell}" if cell else "") + (f", line {line}" if line else "")
        notes.append(f"while running your file ({where}): {event.get('message')}")
    return notes


def grade_submission(
    *,
    submission: Submission,
    assignment: Assignment,
    reference: Reference | None = None,
    limits: Limits = Limits(),
    seed: int = 0,
    forker: Forker | None = None,
) -> SubmissionResult:
    """Grade one submission; never raises for anything the submission does.

    ``forker`` (a :class:`~grader.zygote.Zygote`) starts the worker by forking a pre-warmed process.
    """
    started = time.monotonic()
    reference = reference or Reference(assignment, seed)
    session = Session(submission, assignment, limits, forker)
    base = dict(student=submission.student, submission=str(submission.path), assignment=assignment.name,
                assignment_version=assignment.version, seed=seed, grader_version=_version(),
                graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def finish(checks: tuple[CheckResult, ...], error: LoadError | None) -> SubmissionResult:
        session.close()
        binding = session.binding.describe() if session.binding else {}
        return SubmissionResult(checks=checks, error=error, binding=binding, warnings=tuple(_warnings(session, error)),
                                output="".join(session.output)[-limits.output_cap:],
                                duration=time.monotonic() - started, **base)

    try:
        if submission.entry is None:
            raise SubmissionFailure("invalid-file", "; ".join(submission.notes) or "nothing to grade")
        try:
            session.open()
        except SubmissionFailure as exc:
            file, cell, line = session.locate(exc.file, exc.line, exc.cell)
            error = LoadError(kind=exc.kind, message=exc.message, line=line, cell=cell, file=file,
                              traceback=exc.traceback)
            return finish(_all_failed(assignment, exc.kind), error)
        checks = []
        for check_id, points in assignment.points.items():
            checks.append(run_check(check_id, points, session, reference))
        return finish(tuple(checks), None)
    except GraderError as exc:
        if isinstance(exc, SubmissionFailure):
            error = LoadError(kind=exc.kind, message=exc.message, line=exc.line, file=exc.file)
            return finish(_all_failed(assignment, exc.kind), error)
        return finish(_all_failed(assignment, "internal"), LoadError(
            kind="internal", message=exc.message, traceback=traceback.format_exc(), source="grader"))
    except Exception as exc:  # noqa: BLE001 - the grader's own bug must not lose the batch
        return finish(_all_failed(assignment, "internal"), LoadError(
            kind="internal", message=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(),
            source="grader"))


def run_check(check_id: str, points: float, session: Session, reference: Reference) -> CheckResult:
    """One check; student failures become a failed check (a dead worker is restarted for the next)."""
    if session.worker is None or session.binding is None:
        try:
            session.restart()
        except SubmissionFailure as exc:
            return _check_failure(check_id, points, exc, session)
    assert session.worker is not None and session.binding is not None
    ctx = CheckContext(assignment=session.assignment, reference=reference, worker=session.worker,
                       binding=session.binding, facts=session.facts)
    try:
        return CHECKS[check_id].run(ctx, points)
    except SubmissionFailure as exc:
        if exc.kind in ("crash", "timeout", "memory", "output-limit"):
            session.close()
        return _check_failure(check_id, points, exc, session)


def grade_paths(
    *,
    paths: Iterable[Path],
    assignment: Assignment,
    workers: int = 1,
    limits: Limits = Limits(),
    seed: int = 0,
    on_result: Callable[[SubmissionResult], None] | None = None,
    gradebook: Gradebook | None = None,
    force: bool = False,
    prefork: bool = True,
) -> list[SubmissionResult]:
    """Grade every submission found under ``paths``, ``workers`` at a time; results in discovery order.

    With a ``gradebook``, results already stored for the same content are reused (unless ``force``)
    and each new result is stored as soon as it is done. With ``prefork`` (the default where the
    platform can), each thread forks its workers from a pre-warmed process instead of starting Python.
    """
    submissions = discover(paths)
    reference = Reference(assignment, seed)
    reference.probes, reference.training  # computed once, before the threads share them  # noqa: B018
    results: dict[int, SubmissionResult] = {}
    digests = [content_digest(s) for s in submissions] if gradebook else []
    todo = []
    for index, submission in enumerate(submissions):
        stored = None if force or not gradebook else gradebook.get(
            submission=submission, assignment=assignment.name, version=assignment.version,
            digest=digests[index], seed=seed)
        if stored is None or (stored.error is not None and stored.error.source == "grader"):
            todo.append(index)
        else:
            results[index] = stored
            if on_result:
                on_result(stored)
    zygotes = ZygotePool(size=min(max(1, workers), len(todo)), limits=limits) \
        if prefork and todo and forking_available() else None

    def grade(index: int) -> SubmissionResult:
        if zygotes is None:
            return grade_submission(submission=submissions[index], assignment=assignment, reference=reference,
                                    limits=limits, seed=seed)
        with zygotes.lend() as zygote:
            return grade_submission(submission=submissions[index], assignment=assignment, reference=reference,
                                    limits=limits, seed=seed, forker=zygote)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, _closing(zygotes):
        futures = {pool.submit(grade, i): i for i in todo}
        for future in as_completed(futures):
            index = futures[future]
            result = future.result()
            if gradebook:
                gradebook.put(result, digest=digests[index])
            results[index] = result
            if on_result:
                on_result(result)
    return [results[i] for i in range(len(submissions))]


@contextmanager
def _closing(pool: ZygotePool | None) -> Iterator[None]:
    try:
        yield
    finally:
        if pool is not None:
            pool.close()
