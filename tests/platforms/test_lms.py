"""Canvas and Moodle gradebook files (grader/platforms/lms/gradebooks.py) and the --lms/--roster options of grader grade."""
from __future__ import annotations

import csv
import shutil
from dataclasses import replace

import pytest

from conftest import ROOT
from grader import load_assignment
from grader.api import write_reports
from grader.diagnosis.catalogue import describe
from grader.cli import main
from grader.platforms.lms.gradebooks import (CANVAS_FILE, MOODLE_COLUMNS, MOODLE_FILE, canvas_rows, feedback_text,
                                gradebook_warnings, moodle_rows)
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
    assert written == [tmp_path / CANVAS_FILE]
    assert (tmp_path / CANVAS_FILE).read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read(tmp_path / CANVAS_FILE)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT.title]
    assert rows[1] == ["Points Possible", "", "", "", "", "10"]
    assert rows[2:] == [["Correct, Solution", "201", "S-201", "solution", "Lab A", "10"],
                        ["dave_missing_derivative", "", "", "", "", "5"],  # not in the roster: Canvas asks
                        ["Okafor, Grace", "202", "S-202", "grace_syntax_error", "Lab B", "0"]]


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
    assert set(records) == {"solution", "dave_missing_derivative", "grace_syntax_error"}
    assert records["solution"]["Full name"] == "Correct, Solution" and records["solution"]["Grade"] == "10"
    assert records["solution"]["Maximum Grade"] == "10"
    assert records["solution"]["Last modified (grade)"] == results[0].graded_at
    dave = records["dave_missing_derivative"]
    assert dave["Grade"] == "5" and dave["Full name"] == "dave_missing_derivative"
    for check in results[1].checks:
        status = "passed" if check.passed else "failed"
        assert f"{check.id} {check.points:g}/{check.max_points:g} {status}" in dave["Feedback comments"]
        for d in check.diagnoses:
            assert f"{describe(d.tag).title} [{d.tag}]. Hint: {describe(d.tag).hint}" in dave["Feedback comments"]
    grace = records["grace_syntax_error"]["Feedback comments"]
    assert "could not be graded: Syntax error [syntax-error]" in grace and "grace_syntax_error.py, line 29" in grace


def test_moodle_identifiers_from_download_names_roster_or_student_id(results):
    downloaded = replace(results[1], student="Dave Jones_778899_assignsubmission_file_lab")
    rows = moodle_rows(results=[results[0], downloaded, results[2]], assignment=ASSIGNMENT,
                       roster=parse_roster("Name,Username,Email\nSol,sol1,solution@uni.example\n"))
    assert [r[:3] for r in rows[1:]] == [["sol1", "Sol", "solution@uni.example"],
                                         ["Participant 778899", "Dave Jones", ""],
                                         ["grace_syntax_error", "grace_syntax_error", ""]]


def test_warnings_before_an_import(results):
    warnings = gradebook_warnings(results=results, lms="canvas", roster=ROSTER)
    assert warnings == ["1 submission(s) not in the roster: dave_missing_derivative",
                        "1 roster student(s) without a submission: Absent, Amy (amy)"]
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
    rows = read(tmp_path / "out" / CANVAS_FILE)
    assert rows[2:] == [["grace_syntax_error", "", "", "", "", "0"],  # in discovery order
                        ["Correct, Solution", "201", "", "solution", "", "10"]]
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
