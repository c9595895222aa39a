"""Command line: a thin layer over the API; it catches only :class:`GraderError`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader import __version__
from grader.api import (build_gradescope_autograder, check_one, render_result, write_classroom_workflow,
                        write_reports, write_result, write_starter)
from grader.spec.assignment import Assignment, builtin_names, load_assignment
from grader.errors import GraderError, UsageError
from grader.platforms.registry import DEFAULT_FORMATS, LMS_FORMATS
from grader.platforms.lms.gradebooks import gradebook_warnings
from grader.grading import KERNEL_MODES, grade_paths
from grader.platforms.registry import RESULT_FORMATS
from grader.platforms.classroom.output import append_github_output, github_output_path
from grader.platforms.classroom.workflow import WORKFLOW_PATH
from grader.gradebook import open_gradebook
from grader.reports.progress import Progress
from grader.platforms.lms.roster import load_roster
from grader.sandbox.worker import Limits, isolation_possible, platform_isolation
from grader.sandbox.submission import discover
from grader.reports.text import use_color


KERNEL_HELP = ("Run notebooks in a Jupyter kernel: auto (only those using what the kernel-less runner does not "
               "serve, e.g. %%writefile, %run, !ls), never, or always.")


BINDING_MODES = ("spec", "detect")
BINDING_HELP = ("spec: bind to the interface the assignment spec pins (the starter's class); detect: find the "
                "student's network in any of the supported forms (classes, functions, parameter dicts, weight "
                "lists, globals), trying the spec's names first.")


def _with_binding(spec: Assignment, binding: str) -> Assignment:
    return spec.unpinned() if binding == "detect" else spec


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
@click.option("--force", is_flag=True, help="Grade every submission again, even those stored unchanged.")
@click.option("--kernel", type=click.Choice(KERNEL_MODES), default="auto", show_default=True, help=KERNEL_HELP)
@click.option("--binding", type=click.Choice(BINDING_MODES), default="spec", show_default=True, help=BINDING_HELP)
@click.option("--insecure", is_flag=True,
              help="Grade even where the platform allows no isolation of student code (no namespaces, no "
                   "Landlock, not root): its code then runs as your user. The class summary says so in red.")
def grade(paths: tuple[Path, ...], assignment: str, out: Path, workers: int | None, timeout: float, seed: int,
          lms: str | None, roster: Path | None, gradebook_path: Path | None, force: bool, kernel: str,
          binding: str, insecure: bool) -> None:
    """Grade every submission in PATHS (files, or folders of files and student folders)."""
    if not insecure and not isolation_possible(platform_isolation()):
        raise UsageError("this platform allows no isolation of student code (no user or mount namespaces, no "
                         "Landlock, not root): it would run as your user and could change any file you can. "
                         "Run in a container or VM that allows one, or pass --insecure to grade anyway.")
    spec = _with_binding(load_assignment(assignment), binding)
    limits = _limits(timeout)
    if roster is not None and lms is None:
        raise UsageError("--roster gives the ids of the LMS gradebook: add --lms canvas or --lms moodle")
    class_list = load_roster(roster) if roster is not None else None
    with Progress(total=len(discover(paths)), stream=sys.stderr) as progress, \
            open_gradebook(gradebook_path or out / "gradebook.sqlite") as book:
        results = grade_paths(paths=paths, assignment=spec, workers=workers or os.cpu_count() or 1, limits=limits,
                              seed=seed, on_result=progress, gradebook=book, force=force, kernel=kernel)
    formats = (*DEFAULT_FORMATS, lms) if lms else DEFAULT_FORMATS
    files = write_reports(results=results, assignment=spec, out=out, formats=formats, roster=class_list)
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
@click.option("--binding", type=click.Choice(BINDING_MODES), default="spec", show_default=True, help=BINDING_HELP)
def check(path: Path, assignment: str, fmt: str, output: Path | None, classroom_output: bool, timeout: float,
          seed: int, kernel: str, binding: str) -> None:
    """Grade one submission and print the result (exit 0 only at full marks)."""
    spec = _with_binding(load_assignment(assignment), binding)
    github_output = github_output_path() if classroom_output else None
    result = check_one(path=path, assignment=spec, limits=_limits(timeout), seed=seed, kernel=kernel)
    color = use_color(sys.stdout)
    if output is not None:
        write_result(result=result, fmt=fmt, out=output)
        click.echo(render_result(result=result, fmt="text", color=color))
    else:
        click.echo(render_result(result=result, fmt=fmt, color=color))
    if github_output is not None:
        append_github_output(result, path=github_output)
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
@click.option("--install", default=None, help="pip requirement that installs the grader "
              "[default: backprop-grader==VERSION]; e.g. a git URL.")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=WORKFLOW_PATH, show_default=True)
@click.option("--force", is_flag=True, help="Replace the workflow if it exists.")
def classroom_init(assignment: str, submission: str | None, install: str | None, out: Path, force: bool) -> None:
    """Write the workflow that grades every push and reports the points to GitHub Classroom."""
    submission = submission or f"{load_assignment(assignment).name}.ipynb"
    written = write_classroom_workflow(assignment=assignment, submission=submission, install=install, out=out,
                                       force=force)
    click.echo(f"wrote {written}: it grades {submission} on every push (commit it to the template repository)")


@cli.group()
def gradescope() -> None:
    """Gradescope: the autograder zip of a programming assignment."""


@gradescope.command(name="build")
@click.argument("assignment")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("autograder.zip"), show_default=True)
@click.option("--install", default=None, help="pip requirement that installs the grader "
              "[default: backprop-grader==VERSION].")
@click.option("--wheel", type=click.Path(path_type=Path), default=None,
              help="A grader wheel to put in the zip and install from (instead of --install).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load a submission.")
@click.option("--force", is_flag=True, help="Replace the zip if it exists.")
def gradescope_build(assignment: str, out: Path, install: str | None, wheel: Path | None, timeout: float,
                     force: bool) -> None:
    """Write the autograder zip (setup.sh, run_autograder, the spec) for ASSIGNMENT."""
    spec = load_assignment(assignment)
    written = build_gradescope_autograder(assignment=spec, out=out, install=install, wheel=wheel, timeout=timeout,
                                          force=force)
    click.echo(f"wrote {written}: upload it as the autograder of a Gradescope programming assignment")


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
