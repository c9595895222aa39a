"""Gradebook files ready to import into a learning-management system: Canvas and Moodle.

``canvas``: ``canvas-grades.csv`` for Canvas's Grades > Import: the columns
``Student, ID, SIS User ID, SIS Login ID, Section, <assignment title>`` and a
``Points Possible`` row. With a roster the ids come from it; without one, a
Canvas download name (``smithjane_12345_678_lab``) gives the Canvas ``ID`` and
any other student id is written as the ``SIS Login ID``. No other column: Canvas
reads every extra column as an assignment.

``moodle``: ``moodle-grades.csv`` with ``Identifier, Full name, Email address,
Grade, Maximum Grade, Last modified (grade), Feedback comments``. The identifier
is ``Participant <n>`` for Moodle download names (the assignment's "Upload grading
worksheet" reads it), else the roster's username (or e-mail, ID number) or the
student id: map it in Grades > Import > CSV file. Moodle matches the worksheet's
columns by their names in the site's language: ``id_column`` renames the first.
The feedback is HTML (Moodle stores the worksheet's feedback as HTML): escaped
text, lines joined by ``<br>``.

With a roster, a submission that matches no roster row (or several) is left out
of both files, because Moodle's CSV import aborts the whole file on one unknown
user and Canvas asks to match it by hand: it is listed in ``<lms>-unmatched.csv``
and in the warnings. A cell that a spreadsheet would read as a formula (``=``,
``+``, ``-``, ``@``, tab, carriage return first) gets a leading ``'``. A
submission the grader itself failed on gets an empty grade (never a 0 that is
not the student's doing). Grades follow the spec's ``[grading]`` policy:
rescaled to ``points_possible``, less ``late_penalty`` for a late submission.
``docs/reports.md`` describes the files.
"""
from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from grader.spec.assignment import Assignment
from grader.diagnosis.catalogue import describe
from grader.reports.base import ReportFormat, ReportOptions, write_atomic
from grader.reports.csv import csv_text, spreadsheet_safe
from grader.reports.evidence import where
from grader.results import SubmissionResult
from grader.platforms.lms.roster import Roster, RosterMatch, Student, canvas_download, match_roster, moodle_download

CANVAS_FILE = "canvas-grades.csv"
MOODLE_FILE = "moodle-grades.csv"
UNMATCHED_COLUMNS = ("Student id", "Submission", "Grade", "Why it was left out")
CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments")


def unmatched_file(lms: str) -> str:
    return f"{lms}-unmatched.csv"


def gradebook_score(result: SubmissionResult, *, assignment: Assignment | None = None) -> str:
    """The grade to import: the score (rescaled and less the late penalty by the spec's policy), or empty
    when the grader (not the student) failed."""
    if result.error is not None and result.error.source == "grader":
        return ""
    if assignment is None:
        return f"{result.score:g}"
    return f"{round(assignment.policy.final(result.score, result.max_score, late=result.late), 4):g}"


def _total(assignment: Assignment, max_score: float) -> str:
    return f"{assignment.policy.total(max_score):g}"


def mark_late(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    """``late`` set on the results whose student id is a Canvas download name marked late
    (``smithjane_late_12345_678_lab``); the others unchanged."""
    return [replace(r, late=True) if canvas_download(r.student, late=True) else r for r in results]


def feedback_text(result: SubmissionResult, *, assignment: Assignment) -> str:
    """A short plain-text feedback: the score, each check, and (as the feedback level allows) what to fix."""
    level = assignment.policy.feedback
    score = gradebook_score(result, assignment=assignment) or f"{result.score:g}"
    lines = [f"Score {score}/{_total(assignment, result.max_score)} on {assignment.title}."]
    if result.late:
        penalty = assignment.policy.late_penalty
        lines.append(f"Handed in late{f': {penalty:.0%} taken off' if penalty else ''}.")
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
    for c in result.checks if level != "score" else ():
        if c.passed:
            continue
        lines.append(f"{c.id}: {c.message}" if level == "full" else f"{c.id}: failed")
        for d in c.diagnoses:
            entry = describe(d.tag)
            lines.append(f"  {entry.title} [{d.tag}]." + (f" Hint: {entry.hint}" if entry.hint else ""))
    return "\n".join(lines)


def feedback_html(result: SubmissionResult, *, assignment: Assignment) -> str:
    """:func:`feedback_text` as Moodle stores feedback: escaped HTML, one ``<br>`` per line break."""
    return "<br>".join(html.escape(line) for line in feedback_text(result, assignment=assignment).splitlines())


def _matching(results: Sequence[SubmissionResult], roster: Roster | None) -> RosterMatch | None:
    return match_roster(students=[r.student for r in results], roster=roster) if roster is not None else None


def _importable(result: SubmissionResult, match: RosterMatch | None, lms: str) -> bool:
    """In the import file: no roster, a roster match, or (Moodle) a download name Moodle itself issued."""
    if match is None or result.student in match.matched:
        return True
    return lms == "moodle" and moodle_download(result.student) is not None


def unmatched_rows(*, results: Sequence[SubmissionResult], assignment: Assignment, roster: Roster | None,
                   lms: str) -> list[list[str]]:
    """The submissions left out of the ``lms`` file (header first): no roster row, or several, fit them."""
    match = _matching(results, roster)
    rows = [list(UNMATCHED_COLUMNS)]
    for r in results:
        if _importable(r, match, lms):
            continue
        assert match is not None
        why = (f"fits {len(match.ambiguous[r.student])} roster rows" if r.student in match.ambiguous
               else "not in the roster")
        rows.append([spreadsheet_safe(r.student), spreadsheet_safe(r.submission), gradebook_score(r, assignment=assignment), why])
    return rows


def canvas_rows(*, results: Sequence[SubmissionResult], assignment: Assignment,
                roster: Roster | None = None) -> list[list[str]]:
    """The rows of the Canvas import file, header and ``Points Possible`` row first."""
    match = _matching(results, roster)
    rows = [[*CANVAS_IDS, spreadsheet_safe(assignment.title)],
            ["Points Possible", "", "", "", "", _total(assignment, assignment.max_score)]]
    for r in results:
        if not _importable(r, match, "canvas"):
            continue
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
        rows.append([*map(spreadsheet_safe, ids), gradebook_score(r, assignment=assignment)])
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


def moodle_rows(*, results: Sequence[SubmissionResult], assignment: Assignment, roster: Roster | None = None,
                id_column: str = MOODLE_COLUMNS[0]) -> list[list[str]]:
    """The rows of the Moodle import file, header first (``id_column``: the identifier's header, which
    Moodle's worksheet upload looks for in the site's language)."""
    match = _matching(results, roster)
    rows = [[id_column, *MOODLE_COLUMNS[1:]]]
    for r in results:
        if not _importable(r, match, "moodle"):
            continue
        identifier, name, email = _moodle_identity(r.student, match.matched.get(r.student) if match else None)
        rows.append([*map(spreadsheet_safe, (identifier, name, email)), gradebook_score(r, assignment=assignment),
                     _total(assignment, r.max_score), r.graded_at, spreadsheet_safe(feedback_html(r, assignment=assignment))])
    return rows


def gradebook_warnings(*, results: Sequence[SubmissionResult], lms: str, roster: Roster | None = None) -> list[str]:
    """What an instructor should check before importing the ``lms`` gradebook file."""
    lines = []
    match = _matching(results, roster)
    if match is not None:
        lines += match.warnings()
        left_out = sum(not _importable(r, match, lms) for r in results)
        if left_out:
            lines.append(f"{left_out} submission(s) without a roster match left out of the {lms} file (one unknown "
                         f"user would make the import fail): see {unmatched_file(lms)}")
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
    # UTF-8 with a byte-order mark: both LMSs read it, and so does a spreadsheet opening the file. Written
    # as every report is (all at once, never through a link planted in the output folder).
    return write_atomic(path.parent, path.name, csv_text(rows), encoding="utf-8-sig")


def _unmatched(results: Sequence[SubmissionResult], assignment: Assignment, roster: Roster | None, lms: str,
               out: Path) -> list[Path]:
    rows = unmatched_rows(results=results, assignment=assignment, roster=roster, lms=lms)
    return [_write(out / unmatched_file(lms), rows)] if len(rows) > 1 else []


class CanvasFormat(ReportFormat):
    """``canvas-grades.csv`` for Canvas's gradebook import (and ``canvas-unmatched.csv`` when some are left out)."""

    name = "canvas"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        results = mark_late(results)
        rows = canvas_rows(results=results, assignment=assignment, roster=options.roster)
        return [_write(out / CANVAS_FILE, rows), *_unmatched(results, assignment, options.roster, self.name, out)]


class MoodleFormat(ReportFormat):
    """``moodle-grades.csv`` for Moodle's grade import or an assignment's grading worksheet (and
    ``moodle-unmatched.csv`` when some are left out)."""

    name = "moodle"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        results = mark_late(results)
        rows = moodle_rows(results=results, assignment=assignment, roster=options.roster,
                           id_column=options.id_column or MOODLE_COLUMNS[0])
        return [_write(out / MOODLE_FILE, rows), *_unmatched(results, assignment, options.roster, self.name, out)]
