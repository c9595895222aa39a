"""Command line: a thin layer over the API; it catches only :class:`GraderError`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader import __version__
from grader.api import write_reports
from grader.assignment import builtin_names, load_assignment
from grader.errors import GraderError, SubmissionNotFoundError, UsageError
from grader.formats.json import to_json
from grader.grading import grade_paths, grade_submission
from grader.results import SubmissionResult
from grader.sandbox import Limits
from grader.submission import discover, from_path
from grader.textreport import format_text


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
def grade(paths: tuple[Path, ...], assignment: str, out: Path, workers: int | None, timeout: float, seed: int) -> None:
    """Grade every submission in PATHS (files, or folders of files and student folders)."""
    spec = load_assignment(assignment)
    limits = _limits(timeout)
    count = len(discover(paths))
    done = 0

    def progress(result: SubmissionResult) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{count}] {result.student}: {result.score:g}/{result.max_score:g}"
                   + (f" ({result.status}: {result.error.kind})" if result.error else ""), err=True)

    results = grade_paths(paths=paths, assignment=spec, workers=workers or os.cpu_count() or 1, limits=limits,
                          seed=seed, on_result=progress)
    files = write_reports(results=results, assignment=spec, out=out)
    graded = sum(r.status == "ok" for r in results)
    click.echo(f"graded {len(results)} submission(s), {graded} ok, {len(results) - graded} with errors; "
               f"wrote {len(files)} file(s) to {out}/")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--assignment", "-a", required=True, help="Built-in assignment name or spec file path.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds allowed to load the submission.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the grader's random inputs.")
def check(path: Path, assignment: str, fmt: str, timeout: float, seed: int) -> None:
    """Grade one submission and print the result (exit 0 only at full marks)."""
    spec = load_assignment(assignment)
    if not path.exists():
        raise SubmissionNotFoundError(f"no such file or folder: {path}")
    result = grade_submission(submission=from_path(path), assignment=spec, limits=_limits(timeout), seed=seed)
    if fmt == "json":
        click.echo(to_json(result))
    else:
        click.echo(format_text(result, color=sys.stdout.isatty()))
    sys.exit(0 if result.status == "ok" and result.score >= result.max_score else 1)


@cli.command(name="assignments")
def list_assignments() -> None:
    """List the built-in assignments."""
    for name in builtin_names():
        spec = load_assignment(name)
        click.echo(f"{name:<20} {spec.title}  ({spec.max_score:g} points)")


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
