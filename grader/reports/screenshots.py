"""The README's screenshots: grade the bundled examples and photograph a mark sheet and the class summary.

    python -m grader.reports.screenshots [--out docs/images] [--student dave_missing_derivative]

Needs Chromium (see :mod:`grader.reports.browser`). The reports are written to a
temporary folder; only the PNG files are kept.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from grader.spec.assignment import load_assignment
from grader.reports.browser import Browser, file_url
from grader.errors import GraderError
from grader.reports.html import HtmlFormat, sheet_names
from grader.grading import grade_paths

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "submissions" / "examples"
WIDTH = 1000


def take_screenshots(*, examples: Path, assignment: str, student: str, out: Path, width: int = WIDTH) -> list[Path]:
    """Grade ``examples``, then save ``mark-sheet.png`` (``student``'s sheet) and ``class-summary.png`` in ``out``."""
    spec = load_assignment(assignment)
    results = grade_paths(paths=[examples], assignment=spec, workers=os.cpu_count() or 1)
    if student not in {r.student for r in results}:
        raise GraderError(f"no submission of {student!r} in {examples}")
    with tempfile.TemporaryDirectory(prefix="grader-screenshots-") as folder:
        reports = Path(folder)
        HtmlFormat().write(results=results, assignment=spec, out=reports)
        sheet = sheet_names([r.student for r in results])[student]
        shots = {"mark-sheet.png": reports / sheet, "class-summary.png": reports / "index.html"}
        written = []
        with Browser() as browser:
            for name, page_file in shots.items():
                page = browser.open(file_url(page_file), width=width, height=800)
                if page.errors:
                    raise GraderError(f"{page_file.name} logged errors: {'; '.join(page.errors)}")
                written.append(page.screenshot(out / name))
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line of ``python -m grader.reports.screenshots``."""
    parser = argparse.ArgumentParser(prog="python -m grader.reports.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="folder for the PNG files")
    parser.add_argument("--examples", type=Path, default=EXAMPLES, help="folder of submissions to grade")
    parser.add_argument("--assignment", default="two-layer", help="assignment of the examples")
    parser.add_argument("--student", default="dave_missing_derivative", help="whose mark sheet to photograph")
    parser.add_argument("--width", type=int, default=WIDTH, help="window width in CSS pixels")
    args = parser.parse_args(argv)
    try:
        written = take_screenshots(examples=args.examples, assignment=args.assignment, student=args.student,
                                   out=args.out, width=args.width)
    except GraderError as exc:
        print(f"screenshots: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
