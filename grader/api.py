"""Keyword-only functions behind the command line.

Each function imports what it uses when it runs: ``grader check`` does not load the HTML reports, the
Jupyter kernel machinery or the platforms it does not use.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from grader.errors import OutputExistsError, StarterNotFoundError, SubmissionNotFoundError, UsageError
from grader.platforms.classroom.workflow import WORKFLOW_PATH
from grader.platforms.registry import DEFAULT_FORMATS

if TYPE_CHECKING:
    from grader.platforms.lms.roster import Roster
    from grader.results import SubmissionResult
    from grader.sandbox.worker import Forker, Limits
    from grader.spec.assignment import Assignment

STARTER_NAME = "starter.ipynb"


def write_reports(
    *,
    results: Sequence[SubmissionResult],
    assignment: Assignment,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    roster: Roster | None = None,
) -> list[Path]:
    """Write the named report formats for ``results`` into ``out``; returns the files written.

    ``roster`` (see :mod:`grader.platforms.lms.roster`) gives the LMS ids of the ``canvas`` and ``moodle`` gradebooks.
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
    options = ReportOptions(roster=roster)
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
    from grader.sandbox.submission import from_path
    from grader.sandbox.worker import Limits

    if not path.exists():
        raise SubmissionNotFoundError(f"no such file or folder: {path}")
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


def render_result(*, result: SubmissionResult, fmt: str = "text", color: bool = False) -> str:
    """``result`` in the per-result format ``fmt`` (see :data:`grader.platforms.registry.RESULT_FORMATS`)."""
    from grader.platforms.registry import RESULT_FORMATS

    if fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown format: {fmt} (known: {', '.join(RESULT_FORMATS)})")
    return RESULT_FORMATS[fmt].render(result, color=color)


def write_result(*, result: SubmissionResult, fmt: str, out: Path) -> Path:
    """Write ``result`` in the format ``fmt`` to the file ``out`` (no colour); returns the path."""
    text = render_result(result=result, fmt=fmt, color=False)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
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


def write_classroom_workflow(*, assignment: str, submission: str, install: str | None = None,
                             out: Path = WORKFLOW_PATH, force: bool = False) -> Path:
    """Write the GitHub Classroom workflow that grades ``submission`` with ``assignment``.

    ``assignment`` is a built-in name or the path of a spec file inside the repository (relative to its root).
    """
    from grader.platforms import default_install
    from grader.platforms.classroom.workflow import Workflow, write_workflow
    from grader.spec.assignment import load_assignment

    load_assignment(assignment)  # a typo fails here, not in every student's repository
    if Path(assignment).is_absolute():
        raise UsageError("give the spec file's path relative to the repository root (and commit the file)")
    workflow = Workflow(assignment=assignment, submission=submission, install=install or default_install())
    return write_workflow(workflow=workflow, out=out, force=force)


def build_gradescope_autograder(*, assignment: Assignment, out: Path, install: str | None = None,
                                wheel: Path | None = None, timeout: float = 60.0, force: bool = False) -> Path:
    """Write the Gradescope autograder zip of ``assignment`` to ``out``."""
    from grader.platforms import default_install
    from grader.platforms.gradescope.autograder import Autograder, build_zip

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    autograder = Autograder(assignment=assignment, install=install or default_install(), wheel=wheel,
                            timeout=timeout)
    return build_zip(autograder=autograder, out=out, force=force)
