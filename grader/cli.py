"""Command line: a thin layer over the API; it catches only :class:`GraderError`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader import __version__
from grader.api import (build_gradescope_autograder, check_one, effective_policy, render_result,
                        write_classroom_workflow, write_reports, write_result, write_starter)
from grader.spec.assignment import BINDING_MODES, FEEDBACK_LEVELS, Assignment, builtin_names, load_assignment
from grader.errors import GraderError, UsageError
from grader.platforms.registry import DEFAULT_FORMATS, LMS_FORMATS
from grader.platforms.bundle import install_problems
from grader.platforms.gradescope.run import run_autograder
from grader.platforms.lms.gradebooks import gradebook_warnings, mark_late
from grader.grading import KERNEL_MODES, grade_paths, grade_submission
from grader.platforms.registry import RESULT_FORMATS
from grader.platforms.classroom.output import append_github_output, github_output_path
from grader.platforms.classroom.workflow import RUNNERS, WORKFLOW_PATH
from grader.gradebook import open_gradebook
from grader.reports.progress import Progress
from grader.platforms.lms.roster import load_roster
from grader.sandbox.worker import Limits
from grader.sandbox.submission import discover
from grader.reports.text import use_color


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
    for problem in install_problems(install, repository=repository) if install else ():
        click.secho(f"grader: WARNING: the install line cannot work: {problem}", err=True, fg="red", bold=True)


def _limits(timeout: float) -> Limits:
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
def grade(paths: tuple[Path, ...], assignment: str, out: Path, workers: int | None, timeout: float, seed: int,
          lms: str | None, roster: Path | None, id_column: str | None, gradebook_path: Path | None, force: bool,
          kernel: str, binding: str) -> None:
    """Grade every submission in PATHS (files, or folders of files and student folders)."""
    spec = _with_binding(load_assignment(assignment), binding)
    limits = _limits(timeout)
    if roster is not None and lms is None:
        raise UsageError("--roster gives the ids of the LMS gradebook: add --lms canvas or --lms moodle")
    class_list = load_roster(roster) if roster is not None else None
    with Progress(total=len(discover(paths)), stream=sys.stderr) as progress, \
            open_gradebook(gradebook_path or out / "gradebook.sqlite") as book:
        results = grade_paths(paths=paths, assignment=spec, workers=workers or os.cpu_count() or 1, limits=limits,
                              seed=seed, on_result=progress, gradebook=book, force=force, kernel=kernel)
        results = mark_late(results)  # Canvas download names say which were handed in late
        for late in (r for r in results if r.late):
            book.mark_late(late)
    formats = (*DEFAULT_FORMATS, lms) if lms else DEFAULT_FORMATS
    files = write_reports(results=results, assignment=spec, out=out, formats=formats, roster=class_list,
                          id_column=id_column)
    for warning in gradebook_warnings(results=results, lms=lms, roster=class_list) if lms else ():
        click.echo(f"grader: warning: {warning}", err=True)
    graded = sum(r.status == "ok" for r in results)
    click.echo(f"graded {len(results)} submission(s), {graded} ok, {len(results) - graded} with errors; "
               f"wrote {len(files)} file(s) to {out}/")


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
    spec = _with_binding(load_assignment(assignment), binding)
    policy = effective_policy(assignment=spec, feedback=feedback, visibility=visibility)
    github_output = github_output_path() if classroom_output else None
    result = check_one(path=path, assignment=spec, limits=_limits(timeout), seed=seed, kernel=kernel)
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


if __name__ == "__main__":
    main()
