"""Grading one submission, and a batch of them.

A submission is loaded in a :class:`~grader.sandbox.worker.Worker` (a notebook that
needs one: in a Jupyter kernel, :class:`~grader.sandbox.kernel.KernelWorker`), bound with the
assignment's interface, and put through every check that has points. What
the student's code does wrong becomes part of the result; only a failure of
the grader itself is reported as ``internal`` (``source: grader``).
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field, replace
import traceback
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator

from grader.spec.assignment import Assignment
from grader.binding import Binding, DetectionInterrupted, SourceIndex, bind, precision
from grader.binding.detect import indentation_hints
from grader.checks import CHECKS, CheckContext, Reference
from grader.errors import GraderError, SubmissionFailure, UsageError
from grader.gradebook import Gradebook, content_digest
from grader.sandbox.notebook import code_cells, kernel_reason
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from grader.sandbox.worker import Forker, Limits, Worker
from grader.sandbox.zygote import ZygotePool, forking_available
from grader.sandbox import KERNEL_MODES
from grader.sandbox.submission import Submission, discover

_CELL = re.compile(r"^<cell (\d+)>$")


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
        self.interrupt: Interrupt | None = None  # of the batch, which may stop this session at any time

    def _stopped(self) -> None:
        if self.interrupt is not None and self.interrupt.is_set():
            if self.worker is not None:
                self.worker.kill_group()
            raise Interrupted()

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
        self._stopped()
        self.worker.start()
        self._stopped()  # a stop that came while the worker started found no process to end
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
    interrupt: Interrupt | None = None,
) -> SubmissionResult:
    """Grade one submission; never raises for anything the submission does.

    ``forker`` (a :class:`~grader.sandbox.zygote.Zygote`) starts the worker by forking a pre-warmed process.
    ``kernel`` (see :data:`KERNEL_MODES`): run a notebook in a Jupyter kernel when it needs one
    (``auto``, see :func:`grader.sandbox.notebook.needs_kernel`), ``never``, or ``always``. A failure of the
    grader itself is retried once, in a fresh worker, and the retry is noted in the result.
    ``interrupt`` (of a batch) can end the worker at any time: then :class:`Interrupted` is raised.
    """
    options = dict(submission=submission, assignment=assignment, reference=reference, limits=limits, seed=seed,
                   kernel=kernel, interrupt=interrupt)
    result = _grade_once(**options, forker=forker)
    if interrupt is not None and interrupt.is_set():
        raise Interrupted()
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
    interrupt: Interrupt | None = None,
) -> SubmissionResult:
    """One attempt at :func:`grade_submission`."""
    session = Session(submission, assignment, limits, forker, kernel, seed=seed)
    if interrupt is None:
        return _graded(session, reference=reference)
    with interrupt.watching(session):
        return _graded(session, reference=reference)


def _graded(session: Session, *, reference: Reference | None) -> SubmissionResult:
    """The result of one submission loaded in ``session``."""
    submission, assignment, limits, seed = session.submission, session.assignment, session.limits, session.seed
    started = time.monotonic()
    reference = reference or Reference(assignment, seed)
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
    assignment = session.assignment
    if getattr(session.binding, "precision", "float64") == "float32":  # the student's code computes in float32
        assignment = replace(assignment, tolerances=MappingProxyType(
            precision.tolerances(session.binding, assignment.tolerances)))
    ctx = CheckContext(assignment=assignment, reference=reference, worker=session.worker,
                       binding=session.binding, facts=session.facts)
    try:
        return CHECKS[check_id].run(ctx, points)
    except SubmissionFailure as exc:
        if exc.kind in ("crash", "timeout", "memory", "output-limit"):
            session.close()
        return _check_failure(check_id, points, exc, session)


class Interrupt:
    """A batch's stop switch (Ctrl-C, SIGTERM): :meth:`stop` ends every worker at once, and the batch
    keeps only what was finished before it. Safe to call from a signal handler."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None
        self._sessions: set[Session] = set()
        self._lock = threading.Lock()

    def is_set(self) -> bool:
        return self.event.is_set()

    def stop(self, signum: int | None = None) -> None:
        self.signal = self.signal or signum
        self.event.set()
        # the lock is only ever held by grading threads (never the main thread, where signals are handled)
        held = self._lock.acquire(timeout=1.0)
        try:
            sessions = list(self._sessions)
        finally:
            if held:
                self._lock.release()
        for session in sessions:
            worker = session.worker
            if worker is not None:
                worker.kill_group()

    @contextmanager
    def watching(self, session: Session) -> Iterator[None]:
        session.interrupt = self
        with self._lock:
            self._sessions.add(session)
        try:
            if self.is_set():
                raise Interrupted()
            yield
        finally:
            with self._lock:
                self._sessions.discard(session)


class Interrupted(Exception):
    """The batch was stopped; the submission being graded is not graded."""


@dataclass
class Batch:
    """What a batch did: its results in discovery order (only those finished when interrupted), how many
    were reused from the gradebook, and whether it was interrupted."""

    results: list[SubmissionResult] = field(default_factory=list)
    reused: int = 0
    graded: int = 0
    planned: int = 0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)


def find_submissions(paths: Iterable[Path]) -> tuple[list[Submission], list[str]]:
    """The class under ``paths``: each submission once, and what was said about them (repeats, skipped
    files). A class has one result per student: two different files with one student id are an error."""
    notes: list[str] = []
    found = discover(paths, notes=notes)
    students: dict[str, Submission] = {}
    for submission in found:
        other = students.setdefault(submission.student, submission)
        if other is not submission:
            raise UsageError(f"two submissions have the student id {submission.student!r}: {other.path} and "
                             f"{submission.path}; rename or remove one")
    return found, notes


def grade_paths(*, paths: Iterable[Path], assignment: Assignment, **options: Any) -> list[SubmissionResult]:
    """Grade every submission found under ``paths`` (see :func:`grade_batch`); results in discovery order.

    Unlike a class (:func:`find_submissions`), the files may share student ids: each gets its own result."""
    return grade_batch(submissions=discover(paths), assignment=assignment, **options).results


def grade_batch(
    *,
    submissions: list[Submission],
    assignment: Assignment,
    workers: int = 1,
    limits: Limits = Limits(),
    seed: int = 0,
    on_result: Callable[[SubmissionResult], None] | None = None,
    gradebook: Gradebook | None = None,
    force: bool = False,
    prefork: bool = True,
    kernel: str = "auto",
    interrupt: Interrupt | None = None,
) -> Batch:
    """Grade ``submissions``, ``workers`` at a time.

    With a ``gradebook``, results already stored for the same content are reused (unless ``force``)
    and each new result is stored, and made the student's current one, as soon as it is done. With
    ``prefork`` (the default where the platform can), each thread forks its workers from a pre-warmed
    process instead of starting Python. ``kernel`` chooses which notebooks run in a Jupyter kernel (see
    :func:`grade_submission`). When ``interrupt`` is stopped, the workers are ended, nothing more is
    graded or stored, and the batch returns what was finished before.
    """
    _kernel_mode(kernel)
    interrupt = interrupt or Interrupt()
    batch = Batch(planned=len(submissions))
    results: dict[int, SubmissionResult] = {}
    digests = [content_digest(s) for s in submissions] if gradebook else []
    todo = []
    for index, submission in enumerate(submissions):
        stored = None if force or not gradebook else gradebook.get(
            submission=submission, assignment=assignment.name, version=assignment.version,
            digest=digests[index], seed=seed, points=assignment.points)
        if stored is None or (stored.error is not None and stored.error.source == "grader"):
            todo.append(index)
            continue
        assert gradebook is not None
        gradebook.mark_current(stored, digest=digests[index])
        results[index] = gradebook.adjusted(stored, points=assignment.points)
        batch.reused += 1
        if on_result:
            on_result(results[index])
    all_kernels = kernel == "always" and all(submissions[i].kind == "ipynb" for i in todo)
    zygotes = ZygotePool(size=min(max(1, workers), len(todo)), limits=limits) \
        if prefork and todo and forking_available() and not all_kernels and not interrupt.is_set() else None

    def grade(index: int) -> SubmissionResult | None:
        if interrupt.is_set():
            return None
        options = dict(submission=submissions[index], assignment=assignment, reference=reference, limits=limits,
                       seed=seed, kernel=kernel, interrupt=interrupt)
        if zygotes is None:
            return grade_submission(**options)
        with zygotes.lend() as zygote:
            return grade_submission(**options, forker=zygote)

    with _closing(zygotes):  # the zygotes warm up while the reference computes its answers
        reference = Reference(assignment, seed)
        if todo and not interrupt.is_set():
            reference.probes  # computed once, before the threads share them  # noqa: B018
            if "descent" in assignment.points:  # only the descent check trains (a spec may not use XOR's 2 inputs)
                reference.training  # noqa: B018
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(grade, i): i for i in todo}
            for future in as_completed(futures):  # each result is stored as soon as it is done
                index = futures[future]
                try:
                    result = future.result()
                except Interrupted:
                    result = None
                if result is None or interrupt.is_set():  # finished by the stop itself: not a grade
                    continue
                if gradebook:
                    gradebook.put(result, digest=digests[index])
                    result = gradebook.adjusted(result, points=assignment.points)
                results[index] = result
                batch.graded += 1
                if on_result:
                    on_result(result)
    batch.interrupted = interrupt.is_set()
    batch.results = [results[i] for i in range(len(submissions)) if i in results]
    return batch


@contextmanager
def _closing(pool: ZygotePool | None) -> Iterator[None]:
    try:
        yield
    finally:
        if pool is not None:
            pool.close()
