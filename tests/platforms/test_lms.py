"""Canvas and Moodle gradebook files (grader/platforms/lms/gradebooks.py) and the --lms/--roster options of grader grade.

The import rules re-implemented here, to read our files as the platforms do, come from:

- Moodle's CSV grade import, ``grade/import/csv/classes/load_data.php`` (moodle/moodle, commit 0289d8c):
  ``prepare_import_grade_data`` maps each line's user by the chosen field (username, e-mail, ID number or id)
  and, when a line's user is not found, ``cleanup_import(usermappingerrorusernotfound)``: the whole import
  aborts; lines with at most one cell are skipped; an empty grade or ``-`` is no grade, anything else must be
  a number.
- Moodle's assignment grading worksheet upload, ``mod/assign/feedback/offline/importgradeslib.php``
  (moodle/moodle, commit 452e36f): ``init`` finds the columns by their exact names in the site's language
  (``Identifier``, ``Grade``, ``Last modified (grade)``, the feedback plugins' ``Feedback comments``) and fails
  without the first three; ``next`` strips the ``Participant `` prefix and skips identifiers it does not know.
- Canvas's gradebook importer, ``app/models/gradebook_importer.rb`` (instructure/canvas-lms): the header
  needs ``Student`` and ``ID`` first and ``Section`` as the last student column (``SIS User ID``, ``SIS Login
  ID`` between); ``Points Possible`` rows are not students; ``process_student`` finds a student by ``ID``,
  then SIS user id, then login id, then name, else makes a new user and marks the import as having
  missing students, which Canvas asks the instructor to match by hand.
"""
from __future__ import annotations

import csv
import html
import shutil
import sqlite3
from dataclasses import replace

import pytest

from conftest import ROOT
from grader import load_assignment
from grader.api import write_reports
from grader.diagnosis.catalogue import describe
from grader.cli import main
from grader.platforms.lms.gradebooks import (CANVAS_FILE, MOODLE_COLUMNS, MOODLE_FILE, canvas_rows, feedback_html,
                                             feedback_text, gradebook_warnings, moodle_rows,
                                             unmatched_file)
from grader.spec.assignment import Policy
from grader.reports.csv import spreadsheet_safe
from grader.results import LoadError
from grader.platforms.lms.roster import parse_roster
from report_examples import EXAMPLES, graded

ASSIGNMENT = load_assignment("two-layer")
ROSTER = parse_roster("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      '"Correct, Solution",201,S-201,solution,Lab A\n'
                      '"Okafor, Grace",202,S-202,grace_syntax_error,Lab B\n'
                      '"Absent, Amy",203,S-203,amy,Lab B\n')


@pytest.fixture(scope="module")
def results():
    found = graded()
    return [found["solution"], found["dave_missing_derivative"], found["grace_syntax_error"]]


def read(path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_canvas_file_has_the_import_columns_and_points_possible(results, tmp_path):
    written = write_reports(results=results, assignment=ASSIGNMENT, out=tmp_path, formats=["canvas"], roster=ROSTER)
    assert written == [tmp_path / CANVAS_FILE, tmp_path / unmatched_file("canvas")]
    assert (tmp_path / CANVAS_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read(tmp_path / CANVAS_FILE)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT.title]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    assert rows[2:] == [["Correct, Solution", "201", "S-201", "solution", "Lab A", "10"],
                        ["Okafor, Grace", "202", "S-202", "grace_syntax_error", "Lab B", "0"]]
    # not in the roster: left out of the import, listed apart
    assert read(tmp_path / unmatched_file("canvas"))[1:] == [
        ["dave_missing_derivative", results[1].submission, "5", "not in the roster"]]


def test_canvas_without_a_roster_uses_download_names_or_the_login(results):
    renamed = replace(results[1], student="smithjane_late_4321_99_lab")
    rows = canvas_rows(results=[results[0], renamed], assignment=ASSIGNMENT)
    assert rows[2] == ["solution", "", "", "solution", "", "10"]
    assert rows[3] == ["smithjane", "4321", "", "", "", "5"]


def test_a_grader_failure_gets_no_grade_rather_than_zero(results):
    failed = replace(results[0], error=LoadError(kind="internal", message="boom", source="grader"))
    assert canvas_rows(results=[failed], assignment=ASSIGNMENT)[2][-1] == ""
    assert moodle_rows(results=[failed], assignment=ASSIGNMENT)[1][3] == ""
    assert "not your fault" in feedback_text(failed, assignment=ASSIGNMENT)
    warnings = gradebook_warnings(results=[failed], lms="canvas", roster=ROSTER)
    assert warnings[-1] == "the grader failed on 1 submission(s), left without a grade: solution"


def test_moodle_file_has_identifier_grade_and_feedback(results, tmp_path):
    write_reports(results=results, assignment=ASSIGNMENT, out=tmp_path, formats=["moodle"], roster=ROSTER)
    rows = read(tmp_path / MOODLE_FILE)
    assert tuple(rows[0]) == MOODLE_COLUMNS
    records = {r[0]: dict(zip(MOODLE_COLUMNS, r)) for r in rows[1:]}
    assert set(records) == {"solution", "grace_syntax_error"}  # dave is not in the roster
    assert read(tmp_path / unmatched_file("moodle"))[1][0] == "dave_missing_derivative"
    assert records["solution"]["Full name"] == "Correct, Solution" and records["solution"]["Grade"] == "10"
    assert records["solution"]["Maximum Grade"] == "10"
    assert records["solution"]["Last modified (grade)"] == results[0].graded_at
    dave = dict(zip(MOODLE_COLUMNS, moodle_rows(results=[results[1]], assignment=ASSIGNMENT)[1]))  # no roster
    assert dave["Grade"] == "5" and dave["Full name"] == "dave_missing_derivative"
    for check in results[1].checks:
        status = "passed" if check.passed else "failed"
        assert f"{check.id} {check.points:g}/{check.max_points:g} {status}" in dave["Feedback comments"]
        for d in check.diagnoses:
            line = f"{describe(d.tag).title} [{d.tag}]. Hint: {describe(d.tag).hint}"
            assert html.escape(line) in dave["Feedback comments"]
    grace = records["grace_syntax_error"]["Feedback comments"]
    assert "could not be graded: Syntax error [syntax-error]" in grace and "grace_syntax_error.py, line 29" in grace


def test_moodle_identifiers_from_download_names_roster_or_student_id(results):
    downloaded = replace(results[1], student="Dave Jones_778899_assignsubmission_file_lab")
    rows = moodle_rows(results=[results[0], downloaded, results[2]], assignment=ASSIGNMENT,
                       roster=parse_roster("Name,Username,Email\nSol,sol1,solution@uni.example\n"))
    assert [r[:3] for r in rows[1:]] == [["sol1", "Sol", "solution@uni.example"],
                                         ["Participant 778899", "Dave Jones", ""]]  # grace: not in the roster


def test_warnings_before_an_import(results):
    warnings = gradebook_warnings(results=results, lms="canvas", roster=ROSTER)
    assert warnings == ["1 submission(s) not in the roster: dave_missing_derivative",
                        "1 roster student(s) without a submission: Absent, Amy (amy)",
                        "1 submission(s) without a roster match left out of the canvas file (one unknown user would "
                        "make the import fail): see canvas-unmatched.csv"]
    assert "SIS Login ID" in gradebook_warnings(results=results, lms="canvas")[0]
    assert "map it to 'Username'" in gradebook_warnings(results=results, lms="moodle")[0]


# -- the command line ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    shutil.copyfile(ROOT / "assignments" / "two-layer" / "solution.py", folder / "solution.py")
    shutil.copyfile(EXAMPLES / "grace_syntax_error.py", folder / "grace_syntax_error.py")
    return folder


def test_grade_writes_the_canvas_gradebook_and_warns_about_the_roster(two_submissions, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS Login ID\n\"Correct, Solution\",201,solution\n\"Absent, Amy\",203,amy\n",
                      encoding="utf-8")
    main(["grade", str(two_submissions), "-a", "two-layer", "-o", str(tmp_path / "out"), "-j", "2",
          "--lms", "canvas", "--roster", str(roster)])
    err = capsys.readouterr().err
    assert "grader: warning: 1 submission(s) not in the roster: grace_syntax_error" in err
    assert "grader: warning: 1 roster student(s) without a submission: Absent, Amy (amy)" in err
    assert "left out of the canvas file" in err
    rows = read(tmp_path / "out" / CANVAS_FILE)
    assert rows[2:] == [["Correct, Solution", "201", "", "solution", "", "10"]]
    assert read(tmp_path / "out" / unmatched_file("canvas"))[1][:3] == ["grace_syntax_error",
                                                                         str(two_submissions / "grace_syntax_error.py"),
                                                                         "0"]
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out" / "grades.csv").is_file()


@pytest.mark.parametrize("args, message", [
    (["--roster", "ROSTER"], "--roster gives the ids of the LMS gradebook: add --lms canvas or --lms moodle"),
    (["--lms", "canvas", "--roster", "ROSTER"], "has no column that identifies students"),
    (["--lms", "blackboard"], "Invalid value for '--lms'"),
])
def test_bad_lms_options_stop_before_grading(two_submissions, tmp_path, capsys, args, message):
    roster = tmp_path / "names.csv"
    roster.write_text("Name\nAmy\n", encoding="utf-8")
    argv = ["grade", str(two_submissions), "-a", "two-layer", "-o", str(tmp_path / "out"),
            *(str(roster) if a == "ROSTER" else a for a in args)]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# -- the platforms' import rules (see the module docstring for the sources) ----------------------------------

class ImportAborted(Exception):
    """Moodle's CSV import stopped: nothing of the file was imported."""


def moodle_csv_import(rows: list[list[str]], *, users: dict[str, int], user_column: int,
                      grade_column: int) -> dict[int, float | None]:
    """Moodle's Grades > Import > CSV file, mapping ``user_column`` to a user field whose known values are
    ``users`` (value -> user id)."""
    grades: dict[int, float | None] = {}
    for line in rows[1:]:
        if len(line) <= 1:
            continue
        value = line[user_column].strip()
        user = users.get(value) if value else None
        if user is None:
            raise ImportAborted(f"usermappingerrorusernotfound: {value!r}")
        grade = line[grade_column].strip()
        grades[user] = None if grade in ("", "-") else float(grade)
    return grades


def moodle_worksheet_upload(rows: list[list[str]], *, participants: dict[str, int],
                            strings: dict[str, str]) -> dict[int, dict[str, str]]:
    """An assignment's "Upload grading worksheet": columns found by their names in the site's language."""
    header = rows[0]
    wanted = {key: header.index(name) for key, name in strings.items() if name in header}
    if not {"recordid", "grade", "lastmodifiedgrade"} <= set(wanted):
        raise ImportAborted("the worksheet lacks the identifier, grade or last-modified column")
    imported = {}
    for record in rows[1:]:
        unique = record[wanted["recordid"]][len(strings["hiddenuser"]):]
        if unique in participants:  # anything else is skipped
            imported[participants[unique]] = {"grade": record[wanted["grade"]],
                                              "feedback": record[wanted["feedback"]] if "feedback" in wanted else ""}
    return imported


ENGLISH = {"recordid": "Identifier", "grade": "Grade", "lastmodifiedgrade": "Last modified (grade)",
           "feedback": "Feedback comments", "hiddenuser": "Participant "}


def canvas_import(rows: list[list[str]], *, students: list[dict[str, str]]) -> dict[str, object]:
    """Canvas's gradebook importer: which rows it matched to whom, and the unknown ones it asks about."""
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ImportAborted("Invalid header row")
    columns = 3
    sis_user = sis_login = None
    if "SIS Login ID" in header[2]:
        sis_login, columns = 2, 4
    elif "SIS User ID" in header[2] and "SIS Login ID" in header[3]:
        sis_user, sis_login, columns = 2, 3, 5
    if "Section" not in header[columns - 1]:
        raise ImportAborted("Invalid header row")
    matched, unknown = {}, []
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            continue
        found = next((s for s in students if row[1] and s["id"] == row[1]), None)
        found = found or next((s for s in students if sis_user is not None and row[sis_user]
                               and s["sis_user_id"] == row[sis_user]), None)
        found = found or next((s for s in students if sis_login is not None and row[sis_login]
                               and s["login"] == row[sis_login]), None)
        found = found or next((s for s in students if s["name"] == row[0]), None)
        if found is None:
            unknown.append(row[0])
        else:
            matched[found["id"]] = row[columns]
    return {"matched": matched, "unknown": unknown}


CLASS = [{"id": "201", "sis_user_id": "S-201", "login": "solution", "name": "Correct, Solution"},
         {"id": "202", "sis_user_id": "S-202", "login": "grace_syntax_error", "name": "Okafor, Grace"},
         {"id": "203", "sis_user_id": "S-203", "login": "amy", "name": "Absent, Amy"}]


def test_moodle_aborts_on_one_unknown_user_and_our_file_has_none(results, tmp_path):
    users = {s["login"]: int(s["id"]) for s in CLASS}
    unfiltered = [list(MOODLE_COLUMNS)] + [[r.student, "", "", f"{r.score:g}"] for r in results]
    with pytest.raises(ImportAborted, match="dave_missing_derivative"):
        moodle_csv_import(unfiltered, users=users, user_column=0, grade_column=3)  # what the old file did
    write_reports(results=results, assignment=ASSIGNMENT, out=tmp_path, formats=["moodle"], roster=ROSTER)
    imported = moodle_csv_import(read(tmp_path / MOODLE_FILE), users=users, user_column=0, grade_column=3)
    assert imported == {201: 10.0, 202: 0.0}


def test_moodle_worksheet_reads_participants_grades_and_html_feedback(results):
    downloads = [replace(results[0], student="Correct Solution_501_assignsubmission_file_lab"),
                 replace(results[1], student="Dave Jones_502_assignsubmission_file_lab"),
                 replace(results[2], student="Nobody Here_999_assignsubmission_file_lab")]
    rows = moodle_rows(results=downloads, assignment=ASSIGNMENT, roster=ROSTER)
    imported = moodle_worksheet_upload(rows, participants={"501": 1, "502": 2}, strings=ENGLISH)
    assert {user: row["grade"] for user, row in imported.items()} == {1: "10", 2: "5"}  # 999 skipped by Moodle
    feedback = imported[2]["feedback"]
    assert "<br>" in feedback and "\n" not in feedback and "Score 5/10" in feedback
    assert html.unescape(feedback.replace("<br>", "\n")) == feedback_text(downloads[1], assignment=ASSIGNMENT)


def test_a_moodle_in_another_language_needs_its_identifier_column_name(results, tmp_path):
    spanish = {**ENGLISH, "recordid": "Identificador"}
    downloads = [replace(results[0], student="Correct Solution_501_assignsubmission_file_lab")]
    with pytest.raises(ImportAborted):
        moodle_worksheet_upload(moodle_rows(results=downloads, assignment=ASSIGNMENT), participants={"501": 1},
                                strings=spanish)
    rows = moodle_rows(results=downloads, assignment=ASSIGNMENT, id_column="Identificador")
    assert moodle_worksheet_upload(rows, participants={"501": 1}, strings=spanish) == {
        1: {"grade": "10", "feedback": rows[1][6]}}


def test_canvas_matches_every_row_of_our_file_and_asks_about_none(results, tmp_path):
    write_reports(results=results, assignment=ASSIGNMENT, out=tmp_path, formats=["canvas"], roster=ROSTER)
    imported = canvas_import(read(tmp_path / CANVAS_FILE), students=CLASS)
    assert imported == {"matched": {"201": "10", "202": "0"}, "unknown": []}
    without_roster = canvas_import(canvas_rows(results=results, assignment=ASSIGNMENT), students=CLASS)
    assert without_roster["unknown"] == ["dave_missing_derivative"]  # what --roster avoids


def test_cells_a_spreadsheet_would_run_are_defused(results):
    hostile = replace(results[1], student="=HYPERLINK(\"http://x.example\",\"pay\")")
    canvas = canvas_rows(results=[hostile], assignment=ASSIGNMENT)
    moodle = moodle_rows(results=[hostile], assignment=ASSIGNMENT)
    assert canvas[2][0] == "'" + hostile.student and canvas[2][3] == "'" + hostile.student
    assert moodle[1][0] == "'" + hostile.student and moodle[1][1] == "'" + hostile.student
    assert [spreadsheet_safe(t) for t in ("+1", "-1", "@a", "\tx", "\rx", "ok", "")] == ["'+1", "'-1", "'@a", "'\tx",
                                                                                   "'\rx", "ok", ""]
    scripted = replace(results[1], warnings=("<script>alert(1)</script>",))
    assert "<script>" not in feedback_html(scripted, assignment=ASSIGNMENT)


def test_late_canvas_downloads_lose_the_penalty_and_points_possible_rescales(results, tmp_path):
    spec = replace(ASSIGNMENT, policy=Policy(points_possible=100, late_penalty=0.1))
    late = replace(results[1], student="jonesdave_late_4321_99_lab")
    on_time = replace(results[0], student="smithjane_1234_98_lab")
    written = write_reports(results=[on_time, late], assignment=spec, out=tmp_path, formats=["canvas", "moodle"])
    canvas = read(tmp_path / CANVAS_FILE)
    assert canvas[1][-1] == "100" and [r[1:2] + r[-1:] for r in canvas[2:]] == [["1234", "100"], ["4321", "45"]]
    moodle = {r[0]: r for r in read(tmp_path / MOODLE_FILE)[1:]}
    assert moodle["jonesdave_late_4321_99_lab"][3:5] == ["45", "100"]
    assert "Handed in late: 10% taken off." in moodle["jonesdave_late_4321_99_lab"][6]
    assert written == [tmp_path / CANVAS_FILE, tmp_path / MOODLE_FILE]


def test_grade_stores_the_late_flag_in_the_gradebook(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(ROOT / "assignments" / "two-layer" / "solution.py", folder / "smithjane_late_1234_98_lab.py")
    shutil.copyfile(ROOT / "assignments" / "two-layer" / "solution.py", folder / "jonesdave_4321_99_lab.py")
    main(["grade", str(folder), "-a", "two-layer", "-o", str(tmp_path / "out"), "-j", "1", "--lms", "canvas"])
    with sqlite3.connect(tmp_path / "out" / "gradebook.sqlite") as db:
        rows = dict(db.execute("SELECT student, late FROM results"))
        data = dict(db.execute("SELECT student, json_extract(data, '$.late') FROM results"))
    assert rows == {"smithjane_late_1234_98_lab": 1, "jonesdave_4321_99_lab": 0}
    assert data == {"smithjane_late_1234_98_lab": 1, "jonesdave_4321_99_lab": 0}


@pytest.mark.parametrize("level", ["full", "hint", "score"])
def test_moodle_feedback_follows_the_feedback_level(results, level):
    dave = results[1]
    failed = next(c for c in dave.checks if not c.passed and c.diagnoses)
    text = feedback_text(dave, assignment=replace(ASSIGNMENT, policy=Policy(feedback=level)))
    assert (failed.message in text) == (level == "full")
    assert (f"[{failed.diagnoses[0].tag}]" in text) == (level != "score")
    assert f"{failed.id} 0/{failed.max_points:g} failed" in text  # the points are shown at every level
