"""Keyword-only functions behind the command line.

Each function imports what it uses when it runs: ``grader check`` does not load the HTML reports, the
Jupyter kernel machinery or the platforms it does not use.
"""
from __future__ import annotations

import csv
import math
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from grader.errors import OutputExistsError, StarterNotFoundError, SubmissionNotFoundError, UsageError
from grader.platforms.classroom.workflow import WORKFLOW_PATH
from grader.platforms.registry import DEFAULT_FORMATS
from grader.spec import FEEDBACK_LEVELS, VISIBILITIES

if TYPE_CHECKING:
    from grader.gradebook import Gradebook
    from grader.platforms.lms.roster import Roster
    from grader.results import SubmissionResult
    from grader.sandbox.worker import Forker, Limits
    from grader.spec.assignment import Assignment, Policy

STARTER_NAME = "starter.ipynb"


def write_reports(
    *,
    results: Sequence[SubmissionResult],
    assignment: Assignment,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    roster: Roster | None = None,
    id_column: str | None = None,
    notes: Sequence[str] = (),
) -> list[Path]:
    """Write the named report formats for ``results`` into ``out``; returns the files written.

    ``roster`` (see :mod:`grader.platforms.lms.roster`) gives the LMS ids of the ``canvas`` and ``moodle`` gradebooks;
    ``id_column`` names the Moodle file's identifier column (Moodle matches it in the site's language);
    ``notes`` are shown at the top of the class summary (e.g. that the reports are partial).
    """
    from grader.platforms.registry import FORMATS
    from grader.reports.base import ReportOptions

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown report format(s): {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the output folder {out}: {exc.strerror}") from None
    options = ReportOptions(roster=roster, id_column=id_column, notes=tuple(notes))
    written: list[Path] = []
    for name in formats:
        written += FORMATS[name].write(results=results, assignment=assignment, out=out, options=options)
    return written


def check_one(*, path: Path, assignment: Assignment, limits: Limits | None = None, seed: int = 0,
              kernel: str = "auto", forker: Forker | None = None) -> SubmissionResult:
    """Grade the one submission at ``path`` (a file or a student's folder); ``kernel``: see ``grade_submission``.

    ``forker`` (from :func:`prewarmed_forker`, under the same ``limits``) starts the worker by forking it.
    """
    from grader.grading import grade_submission
    from grader.sandbox.submission import SUFFIXES, from_path
    from grader.sandbox.worker import Limits

    if not path.exists():
        raise SubmissionNotFoundError(f"no such file or folder: {path}")
    if path.is_file() and path.suffix not in SUFFIXES:  # as `grader grade` says of the same file
        raise SubmissionNotFoundError(f"{path} is not a .py or .ipynb file")
    return grade_submission(submission=from_path(path), assignment=assignment, limits=limits or Limits(), seed=seed,
                            kernel=kernel, forker=forker)


@contextmanager
def prewarmed_forker(*, limits: Limits, kernel: str = "auto") -> Iterator[Forker | None]:
    """A pre-warmed worker process started now, for :func:`check_one`; None where it cannot help.

    Started before anything else, it loads Python, NumPy and matplotlib while the grader imports its own
    modules and reads the submission, so that one check costs little more than the student's code. Its
    child runs under every limit a freshly started worker has (see :mod:`grader.sandbox.zygote`). Closed
    (with whatever it forked) on leaving.
    """
    from grader.sandbox.zygote import Zygote, forking_available

    if kernel == "always" or not forking_available():
        yield None
        return
    zygote = Zygote(limits)
    try:
        yield zygote
    finally:
        zygote.close()


def effective_policy(*, assignment: Assignment, feedback: str | None = None,
                     visibility: Sequence[str] = ()) -> Policy:
    """The spec's ``[grading]`` policy with the command line's ``--feedback`` and ``--visibility CHECK=WHEN``."""
    policy = assignment.policy
    if feedback is not None:
        if feedback not in FEEDBACK_LEVELS:
            raise UsageError(f"--feedback must be one of {', '.join(FEEDBACK_LEVELS)}")
        policy = replace(policy, feedback=feedback)
    if visibility:
        when = dict(policy.visibility)
        for item in visibility:
            check, _, level = item.partition("=")
            if check not in assignment.points or level not in VISIBILITIES:
                raise UsageError(f"--visibility {item}: give CHECK=WHEN with a check of {assignment.name} "
                                 f"({', '.join(assignment.points)}) and WHEN one of {', '.join(VISIBILITIES)}")
            when[check] = level
        policy = replace(policy, visibility=when)
    return policy


def render_result(*, result: SubmissionResult, fmt: str = "text", color: bool = False,
                  policy: Policy | None = None) -> str:
    """``result`` in the per-result format ``fmt`` (see :data:`grader.platforms.registry.RESULT_FORMATS`);
    ``policy``: what students are shown [default: everything]."""
    from grader.platforms.registry import RESULT_FORMATS
    from grader.spec.assignment import Policy

    policy = policy if policy is not None else Policy()

    if fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown format: {fmt} (known: {', '.join(RESULT_FORMATS)})")
    return RESULT_FORMATS[fmt].render(result, color=color, policy=policy)


def write_result(*, result: SubmissionResult, fmt: str, out: Path, policy: Policy | None = None) -> Path:
    """Write ``result`` in the format ``fmt`` to the file ``out`` (no colour); returns the path."""
    from grader.reports.base import write_atomic

    text = render_result(result=result, fmt=fmt, color=False, policy=policy)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(out.parent, out.name, text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return out


def write_starter(*, assignment: Assignment, out: Path, force: bool = False) -> Path:
    """Copy the assignment's starter notebook to ``out`` (refuses to overwrite unless ``force``)."""
    folder = assignment.folder
    starter = folder / STARTER_NAME if folder is not None else None
    if starter is None or not starter.is_file():
        raise StarterNotFoundError(f"assignment {assignment.name!r} has no {STARTER_NAME} to hand out")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(starter.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return out


def _repository_of(workflow: Path) -> Path:
    """The repository root of a workflow file at ``<root>/.github/workflows/<name>`` (else its folder)."""
    parts = workflow.parts
    return workflow.parents[2] if len(parts) >= 3 and parts[-3:-1] == (".github", "workflows") else workflow.parent


def write_classroom_workflow(*, assignment: str, submission: str, install: str | None = None,
                             wheel: Path | None = None, out: Path = WORKFLOW_PATH, force: bool = False,
                             runner: str = "grader") -> Path:
    """Write the GitHub Classroom workflow that grades ``submission`` with ``assignment``.

    ``assignment`` is a built-in name or the path of a spec file inside the repository (relative to its root).
    Without ``install``, the grader's wheel (``wheel``, else one built from this checkout) is written next
    to the workflow and installed from there: commit both. ``runner="python"``: GitHub Classroom's Python
    grader runs ``backprop_test.py`` (written at the repository root) instead of the grader's own step.
    """
    from grader.platforms.bundle import bundle_wheel
    from grader.platforms.classroom.pytest_tests import TEST_FILE, write_test_module
    from grader.platforms.classroom.workflow import Workflow, write_workflow
    from grader.spec.assignment import load_assignment

    spec = load_assignment(assignment)  # a typo fails here, not in every student's repository
    if Path(assignment).is_absolute():
        raise UsageError("give the spec file's path relative to the repository root (and commit the file)")
    if install is not None and wheel is not None:
        raise UsageError("give --install or --wheel, not both")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    workflow = Workflow(assignment=assignment, submission=submission, install=install or "the bundled wheel",
                        checks=tuple(spec.points), runner=runner, total=spec.policy.total(spec.max_score))
    if install is None:  # checked above, written now: the wheel next to the workflow, by its repository path
        bundled = bundle_wheel(wheel=wheel, folder=out.parent)
        workflow = replace(workflow, install=bundled.resolve().relative_to(_repository_of(out).resolve()).as_posix())
    if runner == "python":
        points = {c: spec.policy.scale(p, spec.max_score) for c, p in spec.points.items()}
        write_test_module(assignment=assignment, submission=submission, points=points,
                          out=_repository_of(out) / TEST_FILE, force=True)
    return write_workflow(workflow=workflow, out=out, force=True)


def build_gradescope_autograder(*, assignment: Assignment, out: Path, install: str | None = None,
                                wheel: Path | None = None, timeout: float = 60.0, force: bool = False,
                                policy: Policy | None = None) -> Path:
    """Write the Gradescope autograder zip of ``assignment`` to ``out``.

    Without ``install`` or ``wheel``, a wheel built from this checkout goes into the zip. ``policy``: the
    command line's feedback level and visibilities, baked into ``run_autograder``.
    """
    from grader.platforms.bundle import build_wheel
    from grader.platforms.gradescope.autograder import Autograder, build_zip

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if install is not None and wheel is not None:
        raise UsageError("give --install or --wheel, not both")
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    if install is None and wheel is None:
        with tempfile.TemporaryDirectory(prefix="grader-autograder-") as tmp:
            built = build_wheel(out_dir=Path(tmp))
            autograder = Autograder(assignment=assignment, install="", wheel=built, timeout=timeout, policy=policy)
            return build_zip(autograder=autograder, out=out, force=True)
    autograder = Autograder(assignment=assignment, install=install or "", wheel=wheel, timeout=timeout, policy=policy)
    return build_zip(autograder=autograder, out=out, force=True)


def class_results(*, gradebook: Gradebook, assignment: Assignment) -> list[SubmissionResult]:
    """Every student's current result for ``assignment`` in the gradebook, adjusted: what the class reports show."""
    return gradebook.current(assignment=assignment.name, version=assignment.version, points=assignment.points)


def adjust(*, gradebook: Gradebook, assignment: Assignment, student: str, check: str | None = None,
           points: float | None = None, add: float | None = None, comment: str) -> None:
    """Record an instructor's adjustment for ``student``: ``check``'s points set to ``points``, or ``add``
    points added to the total (negative: taken off), with a ``comment`` saying why."""
    students = {r.student for r in class_results(gradebook=gradebook, assignment=assignment)}
    target, value = _validated(assignment=assignment, students=students, student=student, check=check,
                               points=points, add=add, comment=comment)
    gradebook.adjust(student=student, assignment=assignment.name, check=target, points=value, comment=comment)


def _validated(*, assignment: Assignment, students: set[str], student: str, check: str | None,
               points: float | None, add: float | None, comment: str) -> tuple[str | None, float]:
    """(check or None, points) of an adjustment, or the UsageError that says what is wrong with it."""
    if student not in students:
        known = ", ".join(sorted(students)[:20]) or "none yet"
        raise UsageError(f"no result of {student!r} for {assignment.name} in the gradebook (students: {known})")
    if not comment.strip():
        raise UsageError("an adjustment needs a comment saying why")
    if check is not None and points is not None and add is None:
        if check not in assignment.points:
            raise UsageError(f"{assignment.name} has no check {check!r} (checks: {', '.join(assignment.points)})")
        most = float(assignment.points[check])
        if not (math.isfinite(points) and 0 <= points <= most):
            raise UsageError(f"check {check} is worth 0 to {most:g} points (got {points:g})")
        return check, points
    if check is None and points is None and add is not None:
        if not math.isfinite(add):
            raise UsageError("the points added must be a finite number")
        return None, add
    raise UsageError("give either a check and its new points (--check C --points P) or points to add (--add P)")


ADJUSTMENT_COLUMNS = ("student", "check", "points", "add", "comment")


def adjust_from_csv(*, gradebook: Gradebook, assignment: Assignment, path: Path) -> int:
    """Record every adjustment of a CSV file (columns: student, check, points, add, comment; per row either
    ``check`` with ``points`` or ``add``). Every row is checked before any is recorded; returns how many."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read the adjustments {path}: {exc}") from None
    if any(c not in header for c in ("student", "comment")) or not rows:
        raise UsageError(f"{path} needs the columns {', '.join(ADJUSTMENT_COLUMNS)} and one row per adjustment")
    students = {r.student for r in class_results(gradebook=gradebook, assignment=assignment)}
    planned = []
    for number, row in enumerate(rows, start=2):
        cells = {k: (row.get(k) or "").strip() for k in ADJUSTMENT_COLUMNS}
        try:
            numbers = {k: float(cells[k]) if cells[k] else None for k in ("points", "add")}
            target, value = _validated(assignment=assignment, students=students, student=cells["student"],
                                       check=cells["check"] or None, comment=cells["comment"], **numbers)
        except ValueError:
            raise UsageError(f"{path}, line {number}: points and add must be numbers") from None
        except UsageError as exc:
            raise UsageError(f"{path}, line {number}: {exc.message}") from None
        planned.append((cells["student"], target, value, cells["comment"]))
    for student, target, value, comment in planned:
        gradebook.adjust(student=student, assignment=assignment.name, check=target, points=value, comment=comment)
    return len(planned)
