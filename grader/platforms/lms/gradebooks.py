"""Gradebook files ready to import into a learning-management system: Canvas and Moodle.

``canvas``: ``canvas-grades.csv`` for Canvas's Grades > Import: the columns
``Student, ID, SIS User ID, SIS Login ID, Section, <assignment title>`` and a
``Points Possible`` row. With a roster the ids come from it; without one, a
Canvas download name (``smithjane_12345_678_lab``) gives the Canvas ``ID`` and
any other student id is written as the ``SIS Login ID``.

``moodle``: ``moodle-grades.csv`` with ``Identifier, Full name, Email address,
Grade, Maximum Grade, Last modified (grade), Feedback comments``. The identifier
is ``Participant <n>`` for Moodle download names (the assignment's "Upload grading
worksheet" reads it), else the roster's username (or e-mail, ID number) or the
student id: map it in Grades > Import > CSV file.

A submission the grader itself failed on gets an empty grade (never a 0 that is
not the student's doing). ``docs/reports.md`` describes both files.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

from grader.spec.assignment import Assignment
from grader.diagnosis.catalogue import describe
from grader.reports.base import ReportFormat, ReportOptions
from grader.reports.evidence import where
from grader.results import SubmissionResult
from grader.platforms.lms.roster import Roster, RosterMatch, Student, canvas_download, match_roster, moodle_download

CANVAS_FILE = "canvas-grades.csv"
MOODLE_FILE = "moodle-grades.csv"
CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments")


def gradebook_score(result: SubmissionResult) -> str:
    """The grade to import: the score, or empty when the grader (not the student) failed."""
    if result.error is not None and result.error.source == "grader":
        return ""
    return f"{result.score:g}"


def feedback_text(result: SubmissionResult, *, assignment: Assignment) -> str:
    """A short plain-text feedback: the score, each check, and what to fix with a hint."""
    lines = [f"Score {result.score:g}/{result.max_score:g} on {assignment.title}."]
    e = result.error
    if e is not None and e.source == "grader":
        return "The grader failed on this submission (not your fault); your instructor will grade it by hand."
    if e is not None:
        location = f" ({where(file=e.file, cell=e.cell, line=e.line)})" if e.line else ""
        lines.append(f"Your submission could not be graded: {describe(e.kind).title} [{e.kind}]: "
                     f"{e.message}{location}.")
        if describe(e.kind).hint:
            lines.append(f"Hint: {describe(e.kind).hint}")
        return "\n".join(lines)
    lines.append("; ".join(f"{c.id} {c.points:g}/{c.max_points:g} {'passed' if c.passed else 'failed'}"
                           for c in result.checks) + ".")
    for c in result.checks:
        if c.passed:
            continue
        lines.append(f"{c.id}: {c.message}")
        for d in c.diagnoses:
            entry = describe(d.tag)
            lines.append(f"  {entry.title} [{d.tag}]." + (f" Hint: {entry.hint}" if entry.hint else ""))
    return "\n".join(lines)


def _matching(results: Sequence[SubmissionResult], roster: Roster | None) -> RosterMatch | None:
    return match_roster(students=[r.student for r in results], roster=roster) if roster is not None else None


def canvas_rows(*, results: Sequence[SubmissionResult], assignment: Assignment,
                roster: Roster | None = None) -> list[list[str]]:
    """The rows of the Canvas import file, header and ``Points Possible`` row first."""
    match = _matching(results, roster)
    rows = [[*CANVAS_IDS, assignment.title], ["Points Possible", "", "", "", "", f"{assignment.max_score:g}"]]
    for r in results:
        entry = match.matched.get(r.student) if match else None
        download = canvas_download(r.student)
        if entry is not None:
            ids = [entry.name or r.student, entry.lms_id, entry.sis_user_id, entry.login, entry.section]
        elif roster is None and download is not None:
            ids = [download[0], download[1], "", "", ""]
        elif roster is None:
            ids = [r.student, "", "", r.student, ""]
        else:
            ids = [r.student, "", "", "", ""]
        rows.append([*ids, gradebook_score(r)])
    return rows


def _moodle_identity(student: str, entry: Student | None) -> tuple[str, str, str]:
    """(identifier, full name, e-mail) of a submission for Moodle."""
    download = moodle_download(student)
    email = entry.email if entry else ""
    if download is not None:
        return f"Participant {download[1]}", entry.name if entry and entry.name else download[0], email
    if entry is not None:
        return entry.login or entry.email or entry.sis_user_id or entry.lms_id, entry.name or student, email
    return student, student, email


def moodle_rows(*, results: Sequence[SubmissionResult], assignment: Assignment,
                roster: Roster | None = None) -> list[list[str]]:
    """The rows of the Moodle import file, header first."""
    match = _matching(results, roster)
    rows = [list(MOODLE_COLUMNS)]
    for r in results:
        identifier, name, email = _moodle_identity(r.student, match.matched.get(r.student) if match else None)
        rows.append([identifier, name, email, gradebook_score(r), f"{r.max_score:g}", r.graded_at,
                     feedback_text(r, assignment=assignment)])
    return rows


def gradebook_warnings(*, results: Sequence[SubmissionResult], lms: str, roster: Roster | None = None) -> list[str]:
    """What an instructor should check before importing the ``lms`` gradebook file."""
    lines = []
    match = _matching(results, roster)
    if match is not None:
        lines += match.warnings()
    elif lms == "canvas" and any(canvas_download(r.student) is None for r in results):
        lines.append("no --roster: student ids that are not Canvas download names are written as the SIS Login ID; "
                     "Canvas asks you to match any it does not know")
    elif lms == "moodle" and any(moodle_download(r.student) is None for r in results):
        lines.append("no --roster: the Identifier column holds the student ids (file or folder names); map it to "
                     "'Username' when importing")
    failed = [r.student for r in results if r.error is not None and r.error.source == "grader"]
    if failed:
        lines.append(f"the grader failed on {len(failed)} submission(s), left without a grade: {', '.join(failed)}")
    return lines


def _write(path: Path, rows: list[list[str]]) -> Path:
    # UTF-8 with a byte-order mark: both LMSs read it, and so does a spreadsheet opening the file.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        csv.writer(handle).writerows(rows)
    return path


class CanvasFormat(ReportFormat):
    """``canvas-grades.csv`` for Canvas's gradebook import."""

    name = "canvas"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        return [_write(out / CANVAS_FILE, canvas_rows(results=results, assignment=assignment, roster=options.roster))]


class MoodleFormat(ReportFormat):
    """``moodle-grades.csv`` for Moodle's grade import (or an assignment's grading worksheet)."""

    name = "moodle"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        return [_write(out / MOODLE_FILE, moodle_rows(results=results, assignment=assignment, roster=options.roster))]
