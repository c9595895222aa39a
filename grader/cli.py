"""Command line: a thin layer over the API; it catches only :class:`GraderError`.

Commands import what they use when they run (a check does not load the reports of a class run, the
Jupyter kernel machinery or the platforms); the names offered as choices come from light modules.
"""
from __future__ import annotations

import os
import signal
import statistics
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

from grader import __version__
from grader.errors import GraderError, SubmissionNotFoundError, UsageError
from grader.platforms.classroom.workflow import RUNNERS, WORKFLOW_PATH
from grader.platforms.registry import DEFAULT_FORMATS, LMS_FORMATS, RESULT_FORMATS
from grader.sandbox import KERNEL_MODES
from grader.spec import BINDING_MODES, FEEDBACK_LEVELS

if TYPE_CHECKING:
    from grader.grading import Batch, Interrupt
    from grader.platforms.lms.roster import Roster
    from grader.results import SubmissionResult
    from grader.sandbox.config import Limits
    from grader.spec.assignment import Assignment


KERNEL_HELP = ("Run notebooks in a Jupyter kernel: auto (only those using what the kernel-less runner does not "
               "serve, e.g. %%writefile, %run, !ls), never, or always.")


BINDING_HELP = ("auto: the starter's class when the submission has it, else the network found by detection "
                "(unless the spec sets binding = \"spec\"); spec: only the interface the assignment spec pins; "
                "detect: find the student's network in any of the supported forms (classes, functions, parameter "
                "dicts, weight lists, globals, a top-level training loop), trying the spec's names first.")


def _with_binding(spec: Assignment, binding: str) -> Assignment:
    return spec.with_binding(binding)


FEEDBACK_HELP = ("What students are shown: full (diagnosis, hint and the values compared), hint (diagnosis and "
                 "hint, no expected values) or score (pass/fail only) [default: the spec's [grading] feedback].")
VISIBILITY_HELP = ("CHECK=WHEN: when Gradescope shows a check (visible, hidden, after_due_date, after_published); "
                   "repeat for several checks [default: the spec's [grading] visibility].")


def _warn_install(install: str | None, repository: Path | None = None) -> None:
    from grader.platforms.bundle import install_problems

    for problem in install_problems(install, repository=repository) if install else ():
        click.secho(f"grader: WARNING: the install line cannot work: {problem}", err=True, fg="red", bold=True)


def _class_list(*, roster: Path | None, lms: str | None) -> Roster | None:
    """The class roster given with ``--roster`` (it only serves the LMS gradebook of ``--lms``), or None."""
    if roster is None:
        return None
    if lms is None:
        raise UsageError("--roster gives the ids of the LMS gradebook: add --lms canvas or --lms moodle")
    from grader.platforms.lms.roster import load_roster

    return load_roster(roster)


def _limits(timeout: float) -> Limits:
    from grader.sandbox.config import Limits  # without NumPy: a check starts its worker first

    if timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return Limits(load_timeout=timeout)


@click.group()
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade the backpropagation lab: forward pass, gradients, update and descent on XOR."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--assignment", "-a", required=True, help="Built-in assignment name or spec file path.")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("reports"), show_default=True,
              help="Folder for results.json, grades.csv and the mark sheets.")
@click.option("--workers", "-j", type=int, default=None, help="Submissions graded at once [default: cores].")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load a submission.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the grader's random inputs.")
@click.option("--lms", type=click.Choice(LMS_FORMATS), default=None,
              help="Also write a gradebook to import: canvas-grades.csv or moodle-grades.csv.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Class list CSV (e.g. the LMS's gradebook export) giving each student's LMS ids; "
                   "columns: docs/reports.md.")
@click.option("--gradebook", "gradebook_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="SQLite file storing every result as it is done [default: OUT/gradebook.sqlite]; "
                   "a later run reuses what is stored for unchanged submissions.")
@click.option("--id-column", default=None, help="Header of the Moodle file's identifier column, in your Moodle's "
              "language [default: Identifier].")
@click.option("--force", is_flag=True, help="Grade every submission again, even those stored unchanged.")
@click.option("--kernel", type=click.Choice(KERNEL_MODES), default="auto", show_default=True, help=KERNEL_HELP)
@click.option("--binding", type=click.Choice(BINDING_MODES), default="auto", show_default=True, help=BINDING_HELP)
@click.option("--insecure", is_flag=True,
              help="Grade even where the platform allows no isolation of student code (no namespaces, no "
                   "Landlock, not root): its code then runs as your user. The class summary says so in red.")
def grade(paths: tuple[Path, ...], assignment: str, out: Path, workers: int | None, timeout: float, seed: int,
          lms: str | None, roster: Path | None, id_column: str | None, gradebook_path: Path | None, force: bool,
          kernel: str, binding: str, insecure: bool) -> None:
    """Grade every submission in PATHS (files, or folders of files and student folders).

    The gradebook is the class's record: the reports in OUT show every student's current result in it,
    so grading one student again updates that student in the class's reports. Ctrl-C stops the batch,
    writes the reports of what was finished, and a second run resumes.
    """
    from grader.api import class_results, write_reports
    from grader.gradebook import open_gradebook
    from grader.grading import Interrupt, find_submissions, grade_batch
    from grader.platforms.lms.gradebooks import gradebook_warnings, mark_late
    from grader.reports.progress import Progress
    from grader.sandbox import worker as sandbox
    from grader.spec.assignment import load_assignment

    if not insecure and not sandbox.isolation_possible(sandbox.platform_isolation()):
        raise UsageError("this platform allows no isolation of student code (no user or mount namespaces, no "
                         "Landlock, not root): it would run as your user and could change any file you can. "
                         "Run in a container or VM that allows one, or pass --insecure to grade anyway.")
    spec = _with_binding(load_assignment(assignment), binding)
    limits = _limits(timeout)
    class_list = _class_list(roster=roster, lms=lms)
    submissions, notes = find_submissions(paths)
    for note in notes:
        click.echo(f"grader: note: {note}", err=True)
    interrupt = Interrupt()
    with _stopped_by_signals(interrupt), \
            open_gradebook(gradebook_path or out / "gradebook.sqlite") as book:
        with Progress(total=len(submissions), stream=sys.stderr) as progress:
            batch = grade_batch(submissions=submissions, assignment=spec, workers=workers or os.cpu_count() or 1,
                                limits=limits, seed=seed, on_result=progress, gradebook=book, force=force,
                                kernel=kernel, interrupt=interrupt)
        for late in (r for r in mark_late(batch.results) if r.late):  # Canvas download names say which were late
            book.mark_late(late)
        results = class_results(gradebook=book, assignment=spec)
        for problem in book.problems:
            click.echo(f"grader: warning: {problem}", err=True)
        report_notes = [_partial_note(batch)] if batch.interrupted else []
        formats = (*DEFAULT_FORMATS, lms) if lms else DEFAULT_FORMATS
        files = write_reports(results=results, assignment=spec, out=out, formats=formats, roster=class_list,
                              id_column=id_column, notes=report_notes)
    for warning in gradebook_warnings(results=results, lms=lms, roster=class_list) if lms else ():
        click.echo(f"grader: warning: {warning}", err=True)
    if batch.reused:
        click.echo(f"reused {batch.reused} stored result(s) of unchanged submissions (--force grades them again)")
    adjusted = [r for r in results if r.adjustments]
    if adjusted:
        click.echo(f"{sum(len(r.adjustments) for r in adjusted)} adjustment(s) by the instructor, for "
                   f"{', '.join(r.student for r in adjusted)}")
    if batch.interrupted:
        click.echo(f"interrupted: {batch.graded + batch.reused} of {batch.planned} submission(s) saved in the "
                   f"gradebook, {batch.planned - batch.graded - batch.reused} not graded; the reports are "
                   "partial; run the same command again to resume (saved results are reused)", err=True)
    click.echo(_class_line(results=results, graded=batch.graded, files=len(files), out=out))
    if batch.interrupted:
        sys.exit(128 + (interrupt.signal or signal.SIGINT))


def _partial_note(batch: Batch) -> str:
    return (f"Partial: the run was interrupted; {batch.graded} submission(s) were graded in it and "
            f"{batch.planned - batch.graded - batch.reused} were not. "
            "This page shows every result saved in the gradebook; run the same command again to finish.")


def _class_line(*, results: list[SubmissionResult], graded: int, files: int, out: Path) -> str:
    """The last line of ``grader grade``: the class's mean, how many could not be graded, where to look."""
    failed = sum(r.status != "ok" for r in results)
    top = max((r.max_score for r in results), default=0.0)
    mean = f"mean {statistics.fmean(r.score for r in results):.3g}/{top:g}" if results else "no results"
    return (f"graded {graded} submission(s); class of {len(results)}: {mean}, {failed} could not be graded; "
            f"wrote {files} file(s); open {out / 'index.html'}")


@contextmanager
def _stopped_by_signals(interrupt: Interrupt) -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the batch (its workers at once) instead of killing the grader mid-write."""
    def handler(signum: int, frame: object) -> None:
        if not interrupt.is_set():
            click.echo("\nstopping: ending the workers and writing the reports of what is finished", err=True)
        interrupt.stop(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--assignment", "-a", required=True, help="Built-in assignment name or spec file path.")
@click.option("--format", "fmt", type=click.Choice(list(RESULT_FORMATS)), default="text", show_default=True,
              help="text: the report; json: the result object; classroom: GitHub Classroom's reporter document; "
                   "gradescope: Gradescope's results.json.")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write the formatted result to this file and print the text report.")
@click.option("--classroom-output", is_flag=True,
              help="Also append the base64 result= line for GitHub Classroom's reporter to $GITHUB_OUTPUT.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load the submission.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the grader's random inputs.")
@click.option("--kernel", type=click.Choice(KERNEL_MODES), default="auto", show_default=True, help=KERNEL_HELP)
@click.option("--binding", type=click.Choice(BINDING_MODES), default="auto", show_default=True, help=BINDING_HELP)
@click.option("--feedback", type=click.Choice(FEEDBACK_LEVELS), default=None, help=FEEDBACK_HELP)
@click.option("--visibility", multiple=True, metavar="CHECK=WHEN", help=VISIBILITY_HELP)
def check(path: Path, assignment: str, fmt: str, output: Path | None, classroom_output: bool, timeout: float,
          seed: int, kernel: str, binding: str, feedback: str | None, visibility: tuple[str, ...]) -> None:
    """Grade one submission and print the result (exit 0 only at full marks)."""
    from grader.api import check_one, effective_policy, prewarmed_forker, render_result, write_result

    limits = _limits(timeout)
    if not path.exists():
        raise SubmissionNotFoundError(f"no such file or folder: {path}")
    with prewarmed_forker(limits=limits, kernel=kernel) as forker:  # it warms up while the grader imports
        from grader.platforms.classroom.output import append_github_output, github_output_path
        from grader.reports.text import use_color
        from grader.spec.assignment import load_assignment

        spec = _with_binding(load_assignment(assignment), binding)
        policy = effective_policy(assignment=spec, feedback=feedback, visibility=visibility)
        github_output = github_output_path() if classroom_output else None
        result = check_one(path=path, assignment=spec, limits=limits, seed=seed, kernel=kernel, forker=forker)
    color = use_color(sys.stdout)
    if output is not None:
        write_result(result=result, fmt=fmt, out=output, policy=policy)
        click.echo(render_result(result=result, fmt="text", color=color, policy=policy))
    else:
        click.echo(render_result(result=result, fmt=fmt, color=color, policy=policy))
    if github_output is not None:
        append_github_output(result, path=github_output, policy=policy)
    sys.exit(0 if result.status == "ok" and result.score >= result.max_score else 1)


@cli.command(name="assignments")
def list_assignments() -> None:
    """List the built-in assignments."""
    from grader.spec.assignment import builtin_names, load_assignment

    for name in builtin_names():
        spec = load_assignment(name)
        click.echo(f"{name:<20} {spec.title}  ({spec.max_score:g} points)")


@cli.command()
@click.argument("assignment")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Notebook to write [default: ASSIGNMENT.ipynb].")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def starter(assignment: str, out: Path | None, force: bool) -> None:
    """Write the starter notebook of ASSIGNMENT (a built-in name or a spec file path)."""
    from grader.api import write_starter
    from grader.spec.assignment import load_assignment

    spec = load_assignment(assignment)
    written = write_starter(assignment=spec, out=out or Path(f"{spec.name}.ipynb"), force=force)
    click.echo(f"wrote {written}; check your work with: grader check {written} --assignment {assignment}")


@cli.group()
def classroom() -> None:
    """GitHub Classroom: the autograding workflow of an assignment repository."""


@classroom.command(name="init")
@click.option("--assignment", "-a", required=True,
              help="Built-in assignment name, or a spec file's path relative to the repository root.")
@click.option("--submission", "-s", default=None, help="The file students hand in [default: ASSIGNMENT.ipynb].")
@click.option("--install", default=None, help="pip requirement that installs the grader, e.g. a git URL "
              "[default: a wheel of this grader, written next to the workflow].")
@click.option("--wheel", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The grader wheel to put next to the workflow [default: one built from this grader].")
@click.option("--runner", type=click.Choice(RUNNERS), default="grader", show_default=True,
              help="grader: the grader's own step, one reporter runner per check; python: GitHub Classroom's "
                   "Python grader runs backprop_test.py (written too), one pytest test per point.")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=WORKFLOW_PATH, show_default=True)
@click.option("--force", is_flag=True, help="Replace the workflow if it exists.")
def classroom_init(assignment: str, submission: str | None, install: str | None, wheel: Path | None, runner: str,
                   out: Path, force: bool) -> None:
    """Write the workflow that grades every push and reports the points to GitHub Classroom."""
    from grader.api import write_classroom_workflow
    from grader.spec.assignment import load_assignment

    submission = submission or f"{load_assignment(assignment).name}.ipynb"
    _warn_install(install, repository=Path.cwd())
    written = write_classroom_workflow(assignment=assignment, submission=submission, install=install, wheel=wheel,
                                       out=out, force=force, runner=runner)
    bundled = sorted(p.name for p in written.parent.glob("*.whl")) if install is None else []
    also = f" and {written.parent / bundled[-1]}" if bundled else ""
    click.echo(f"wrote {written}{also}: it grades {submission} on every push (commit "
               f"{'both' if also else 'it'} to the template repository)")


@cli.group()
def gradescope() -> None:
    """Gradescope: the autograder zip of a programming assignment."""


@gradescope.command(name="build")
@click.argument("assignment")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("autograder.zip"), show_default=True)
@click.option("--install", default=None, help="pip requirement that installs the grader, e.g. a git URL "
              "[default: a wheel of this grader, inside the zip].")
@click.option("--wheel", type=click.Path(path_type=Path), default=None,
              help="The grader wheel to put in the zip [default: one built from this grader].")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load a submission.")
@click.option("--feedback", type=click.Choice(FEEDBACK_LEVELS), default=None, help=FEEDBACK_HELP)
@click.option("--visibility", multiple=True, metavar="CHECK=WHEN", help=VISIBILITY_HELP)
@click.option("--force", is_flag=True, help="Replace the zip if it exists.")
def gradescope_build(assignment: str, out: Path, install: str | None, wheel: Path | None, timeout: float,
                     feedback: str | None, visibility: tuple[str, ...], force: bool) -> None:
    """Write the autograder zip (setup.sh, run_autograder, the spec, the grader's wheel) for ASSIGNMENT."""
    from grader.api import build_gradescope_autograder, effective_policy
    from grader.spec.assignment import load_assignment

    spec = load_assignment(assignment)
    policy = effective_policy(assignment=spec, feedback=feedback, visibility=visibility)
    _warn_install(install)
    written = build_gradescope_autograder(assignment=spec, out=out, install=install, wheel=wheel, timeout=timeout,
                                          force=force, policy=policy)
    click.echo(f"wrote {written}: upload it as the autograder of a Gradescope programming assignment "
               "(base image: Ubuntu 24.04)")


@gradescope.command(name="run")
@click.option("--assignment", "-a", required=True, help="Built-in assignment name or spec file path.")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=Path("/autograder"),
              show_default=True, help="Gradescope's folder: submission/ and submission_metadata.json in, "
              "results/results.json out.")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load the submission.")
@click.option("--feedback", type=click.Choice(FEEDBACK_LEVELS), default=None, help=FEEDBACK_HELP)
@click.option("--visibility", multiple=True, metavar="CHECK=WHEN", help=VISIBILITY_HELP)
def gradescope_run(assignment: str, root: Path, timeout: float, feedback: str | None,
                   visibility: tuple[str, ...]) -> None:
    """Grade Gradescope's submission and always write results.json (run_autograder calls this)."""
    from grader.api import effective_policy, render_result
    from grader.grading import grade_submission
    from grader.platforms.gradescope.run import run_autograder
    from grader.spec.assignment import load_assignment

    spec = load_assignment(assignment)
    policy = effective_policy(assignment=spec, feedback=feedback, visibility=visibility)
    limits = _limits(timeout)
    run = run_autograder(root=root, assignment=spec, policy=policy,
                         grade=lambda submission: grade_submission(submission=submission, assignment=spec,
                                                                   limits=limits))
    if run.result is not None:  # the log is the instructor's: the full report, whatever students are shown
        click.echo(render_result(result=run.result, fmt="text"))
    if run.failure:
        click.echo(f"the autograder failed:\n{run.failure}", err=True)
    click.echo(f"wrote {run.path}")


@cli.command()
@click.argument("student", required=False)
@click.option("--assignment", "-a", required=True, help="Built-in assignment name or spec file path.")
@click.option("--check", "check_id", default=None, help="The check whose points are overridden.")
@click.option("--points", type=float, default=None, help="The check's new points (with --check).")
@click.option("--add", type=float, default=None, help="Points added to the total (negative: taken off).")
@click.option("--comment", default="", help="Why: shown on the mark sheet and in every export.")
@click.option("--from", "from_csv", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A CSV of adjustments (columns: student, check, points, add, comment) instead of one.")
@click.option("--clear", is_flag=True, help="Remove the student's adjustments (of --check only, when given).")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("reports"), show_default=True,
              help="The class's reports folder (its reports are written again).")
@click.option("--gradebook", "gradebook_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The gradebook [default: OUT/gradebook.sqlite].")
@click.option("--lms", type=click.Choice(LMS_FORMATS), default=None,
              help="Also write the LMS gradebook again (as `grade --lms` did).")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Class list CSV giving each student's LMS ids (as for `grade`).")
def adjust(student: str | None, assignment: str, check_id: str | None, points: float | None, add: float | None,
           comment: str, from_csv: Path | None, clear: bool, out: Path, gradebook_path: Path | None,
           lms: str | None, roster: Path | None) -> None:
    """Override a check's points or add points for STUDENT, with a comment; kept in the gradebook
    (regrading keeps it) and shown on the mark sheet, in the summary and in every export."""
    from grader.api import adjust as adjust_result
    from grader.api import adjust_from_csv, class_results, write_reports
    from grader.gradebook import open_gradebook
    from grader.spec.assignment import load_assignment

    spec = load_assignment(assignment)
    class_list = _class_list(roster=roster, lms=lms)
    path = gradebook_path or out / "gradebook.sqlite"
    if not path.is_file():
        raise UsageError(f"no gradebook at {path}: grade the class first (grader grade ... --out {out})")
    with open_gradebook(path) as book:
        if from_csv is not None:
            if student or clear:
                raise UsageError("--from records the file's adjustments: give no STUDENT or --clear with it")
            count = adjust_from_csv(gradebook=book, assignment=spec, path=from_csv)
            click.echo(f"recorded {count} adjustment(s) from {from_csv}")
        elif student is None:
            raise UsageError("give a STUDENT (or --from FILE.csv)")
        elif clear:
            count = book.clear_adjustments(student=student, assignment=spec.name, check=check_id)
            click.echo(f"removed {count} adjustment(s) of {student}")
        else:
            adjust_result(gradebook=book, assignment=spec, student=student, check=check_id, points=points, add=add,
                          comment=comment)
            click.echo(f"recorded the adjustment of {student}")
        results = class_results(gradebook=book, assignment=spec)
    formats = (*DEFAULT_FORMATS, lms) if lms else DEFAULT_FORMATS
    files = write_reports(results=results, assignment=spec, out=out, formats=formats, roster=class_list)
    click.echo(_class_line(results=results, graded=0, files=len(files), out=out))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``grader`` command."""
    try:
        cli.main(args=argv, prog_name="grader", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GraderError as exc:
        click.echo(f"grader: error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise


def run() -> None:
    """The ``grader`` command: :func:`main`, then an exit that skips tearing the interpreter down.

    Freeing every module of an interpreter that loaded NumPy, IPython and the grader takes about 0.2 s
    after the report is printed, a sixth of what a student waits for a check. Nothing is left to do by
    then: each command writes and closes its files and stops its workers and temporary folders on the
    way out, and the grader registers no exit handlers; the standard streams are flushed here. An
    exception other than an exit propagates as usual.
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exit_status(exc.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or the reader went away
            pass
    os._exit(code)


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` gives: 0 for None, the number, or 1 after printing anything else."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    run()
