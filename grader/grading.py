"""Grading one submission, and a batch of them.

A submission is loaded in a :class:`~grader.sandbox.worker.Worker` (a notebook that
needs one: in a Jupyter kernel, :class:`~grader.sandbox.kernel.KernelWorker`), bound with the
assignment's interface, and put through every check that has points. What
the student's code does wrong becomes part of the result; only a failure of
the grader itself is reported as ``internal`` (``source: grader``).
"""
from __future__ import annotations

import re
from dataclasses import replace
import time
import traceback
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from grader.spec.assignment import Assignment
from grader.binding import Binding, DetectionInterrupted, SourceIndex, bind
from grader.binding.detect import indentation_hints
from grader.checks import CHECKS, CheckContext, Reference
from grader.errors import GraderError, SubmissionFailure, UsageError
from grader.gradebook import Gradebook, content_digest
from grader.sandbox.notebook import code_cells, kernel_reason
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from grader.sandbox.worker import Forker, Limits, Worker
from grader.sandbox.zygote import ZygotePool, forking_available
from grader.sandbox.submission import Submission, discover

_CELL = re.compile(r"^<cell (\d+)>$")
# When notebooks run in a Jupyter kernel: when they need one (auto), never, or always.
KERNEL_MODES = ("auto", "never", "always")


def _kernel_mode(kernel: str) -> str:
    if kernel not in KERNEL_MODES:
        raise UsageError(f"kernel must be one of {', '.join(KERNEL_MODES)} (got {kernel!r})")
    return kernel


def _version() -> str:
    from grader import __version__

    return __version__


class Session:
    """The student's code loaded in a worker and bound; can be restarted after a crash."""

    def __init__(self, submission: Submission, assignment: Assignment, limits: Limits,
                 forker: Forker | None = None, kernel: str = "auto", *, seed: int = 0) -> None:
        self.submission = submission
        self.assignment = assignment
        self.limits = limits
        self.seed = seed  # of the binding's detection probes
        self.worker: Worker | None = None
        self.binding: Binding | None = None
        self.events: list[dict[str, Any]] = []
        self.output: list[str] = []
        self.facts: dict[str, float] = {}
        self.forker = forker
        self.isolation: dict[str, str] = {}
        self.output_dropped = 0
        self.kernel = _kernel_mode(kernel)
        self.kernel_reason: str | None = None  # what in the notebook needs a Jupyter kernel
        self.in_kernel = False

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
            cells = code_cells(entry)
            self.kernel_reason = kernel_reason(cells=cells)
            self.in_kernel = self.kernel == "always" or (self.kernel == "auto" and self.kernel_reason is not None)
            keys = ("index", "source", "original") if self.in_kernel else ("index", "source")
            return {**unit, "cells": [{k: c[k] for k in keys} for c in cells]}  # a kernel runs the original
        return {**unit, "path": entry.name, "name": entry.name}

    def open(self, *, rebind: bool = True) -> None:
        """Start a worker, run the submission, and bind (raises SubmissionFailure).

        With ``rebind`` False (a restart after a crash) the binding found first is kept.
        """
        unit = self.load_unit()
        if self.in_kernel:
            from grader.sandbox.kernel import KernelWorker  # jupyter_client and nbclient: only when needed

            self.worker = KernelWorker(files=[self.submission.path], limits=self.limits)
        else:
            self.worker = Worker(files=[self.submission.path], limits=self.limits, forker=self.forker)
        self.worker.start()
        self.events = self.worker.load(unit)
        exits = [e for e in self.events if e.get("kind") == "exit"]
        if exits:
            raise self.failure_from(exits[0], kind="crash")
        if self.binding is not None and not rebind:
            return
        namespace = self.worker.namespace()
        folder = self.submission.path if self.submission.is_folder else self.submission.path.parent
        try:
            self.binding = bind(worker=self.worker, assignment=self.assignment, namespace=namespace,
                                source=SourceIndex.of_unit(unit, folder), seed=self.seed)
        except DetectionInterrupted as lost:
            self.binding = lost.binding  # the worker died while probing: a fresh one serves the checks
            self.close()
            self.open(rebind=False)
        except SubmissionFailure as missing:
            blocking = [e for e in self.events if e.get("kind") in ("syntax-error", "exception")]
            if blocking and missing.kind == "missing-interface":
                kind = "memory" if blocking[0].get("type") == "MemoryError" else blocking[0]["kind"]
                failure = self.failure_from(blocking[0], kind=kind)
                hints = indentation_hints(namespace)
                if hints:
                    failure.message = f"{failure.message} (also: {'; '.join(hints)})"
                raise failure from None
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
        self.open(rebind=False)

    def reference(self, shared: Reference) -> Reference:
        """The reference to compare with: ``shared``, or one at the student's sizes."""
        return shared.for_binding(self.binding) if self.binding is not None else shared


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


def _kernel_note(session: Session) -> list[str]:
    """Which way a notebook ran, when it was not the usual one."""
    if session.in_kernel:
        return [f"ran in a Jupyter kernel: {session.kernel_reason or 'asked for (kernel: always)'}"]
    if session.kernel_reason:
        return [f"ran without a Jupyter kernel (kernel: never), although the notebook {session.kernel_reason}"]
    return []


def _warnings(session: Session, error: LoadError | None) -> list[str]:
    notes = list(session.submission.notes) + _kernel_note(session)
    for mechanism, state in session.isolation.items():
        if str(state).startswith("off:") and "insecure" not in str(state):
            notes.append(f"sandbox: {mechanism} {state}")
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
    kernel: str = "auto",
) -> SubmissionResult:
    """Grade one submission; never raises for anything the submission does.

    ``forker`` (a :class:`~grader.sandbox.zygote.Zygote`) starts the worker by forking a pre-warmed process.
    ``kernel`` (see :data:`KERNEL_MODES`): run a notebook in a Jupyter kernel when it needs one
    (``auto``, see :func:`grader.sandbox.notebook.needs_kernel`), ``never``, or ``always``. A failure of the
    grader itself is retried once, in a fresh worker, and the retry is noted in the result.
    """
    options = dict(submission=submission, assignment=assignment, reference=reference, limits=limits, seed=seed,
                   kernel=kernel)
    result = _grade_once(**options, forker=forker)
    if result.error is None or result.error.source != "grader":
        return result
    retried = _grade_once(**options, forker=None)
    note = f"the grader failed once and graded again in a fresh worker: {result.error.message}"
    return replace(retried, warnings=(*retried.warnings, note))


def _grade_once(
    *,
    submission: Submission,
    assignment: Assignment,
    reference: Reference | None,
    limits: Limits,
    seed: int,
    forker: Forker | None,
    kernel: str,
) -> SubmissionResult:
    """One attempt at :func:`grade_submission`."""
    started = time.monotonic()
    reference = reference or Reference(assignment, seed)
    session = Session(submission, assignment, limits, forker, kernel, seed=seed)
    base = dict(student=submission.student, submission=str(submission.path), assignment=assignment.name,
                assignment_version=assignment.version, seed=seed, grader_version=_version(),
                graded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def finish(checks: tuple[CheckResult, ...], error: LoadError | None) -> SubmissionResult:
        session.close()
        binding = session.binding.describe() if session.binding else {}
        return SubmissionResult(checks=checks, error=error, binding=binding, warnings=tuple(_warnings(session, error)),
                                output="".join(session.output)[-limits.output_cap:],
                                duration=time.monotonic() - started, isolation=dict(session.isolation), **base)

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
        reference = session.reference(reference)
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
    kernel: str = "auto",
) -> list[SubmissionResult]:
    """Grade every submission found under ``paths``, ``workers`` at a time; results in discovery order.

    With a ``gradebook``, results already stored for the same content are reused (unless ``force``)
    and each new result is stored as soon as it is done. With ``prefork`` (the default where the
    platform can), each thread forks its workers from a pre-warmed process instead of starting Python.
    ``kernel`` chooses which notebooks run in a Jupyter kernel (see :func:`grade_submission`).
    """
    _kernel_mode(kernel)
    submissions = discover(paths)
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
    all_kernels = kernel == "always" and all(submissions[i].kind == "ipynb" for i in todo)
    zygotes = ZygotePool(size=min(max(1, workers), len(todo)), limits=limits) \
        if prefork and todo and forking_available() and not all_kernels else None

    def grade(index: int) -> SubmissionResult:
        if zygotes is None:
            return grade_submission(submission=submissions[index], assignment=assignment, reference=reference,
                                    limits=limits, seed=seed, kernel=kernel)
        with zygotes.lend() as zygote:
            return grade_submission(submission=submissions[index], assignment=assignment, reference=reference,
                                    limits=limits, seed=seed, forker=zygote, kernel=kernel)

    with _closing(zygotes):  # the zygotes warm up while the reference computes its answers
        reference = Reference(assignment, seed)
        reference.probes, reference.training  # computed once, before the threads share them  # noqa: B018
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(grade, i): i for i in todo}
            for future in as_completed(futures):  # each result is stored as soon as it is done
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
