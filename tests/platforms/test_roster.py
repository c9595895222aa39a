"""The class roster (grader/platforms/lms/roster.py): reading LMS exports and matching submissions to students."""
from __future__ import annotations

import re

import pytest

from grader.errors import UsageError
from grader.platforms.lms.roster import canvas_download, load_roster, match_roster, moodle_download, parse_roster

CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (1234)\n"
    "    Points Possible,,,,,10\n"
    '"Okafor, Grace",101,S-001,gokafor,Lab A,\n'
    '"Smith, Jane",102,S-002,jsmith,Lab B,7\n'
    '"Student, Test",103,,,Lab A,\n'
)
MOODLE_EXPORT = ("First name,Last name,ID number,Username,Email address\n"
                 "Jane,Smith,2023001,jsmith,jane.smith@uni.example\n"
                 "Ann,Lee,2023002,alee,ann.lee@uni.example\n")


def test_canvas_export_is_read_with_its_own_column_names(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(CANVAS_EXPORT.encode("utf-8"))
    roster = load_roster(path)
    assert [s.name for s in roster.students] == ["Okafor, Grace", "Smith, Jane", "Student, Test"]
    grace = roster.students[0]
    assert (grace.lms_id, grace.sis_user_id, grace.login, grace.section, grace.row) == ("101", "S-001", "gokafor",
                                                                                        "Lab A", 3)
    assert dict(roster.columns) == {"name": "Student", "lms_id": "ID", "sis_user_id": "SIS User ID",
                                    "login": "SIS Login ID", "section": "Section"}


def test_moodle_export_names_are_last_first():
    roster = parse_roster(MOODLE_EXPORT)
    jane = roster.students[0]
    assert (jane.name, jane.sis_user_id, jane.login, jane.email) == ("Smith, Jane", "2023001", "jsmith",
                                                                     "jane.smith@uni.example")


@pytest.mark.parametrize("text, message", [
    ("Name,Grade\nJane,3\n", "no column that identifies students (found: Name, Grade)"),
    ("", "is empty"),
    ("\n\n", "is empty"),
])
def test_a_roster_without_ids_is_a_usage_error_listing_the_accepted_columns(text, message):
    with pytest.raises(UsageError, match=re.escape(message)) as info:
        parse_roster(text, source="class.csv")
    if "identifies" in message:
        assert "login: SIS Login ID, Login ID, Login, Username, User;" in info.value.message


def test_unreadable_rosters_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="cannot read the roster"):
        load_roster(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name,Login\nJos\xe9,jose\n".encode("latin-1"))
    with pytest.raises(UsageError, match="not UTF-8"):
        load_roster(latin)


def test_submissions_match_by_login_id_or_email_ignoring_case():
    roster = parse_roster(MOODLE_EXPORT + "Bo,Ng,2023003,bng@other.example,\n")
    match = match_roster(students=["JSmith", "2023002", "jane.smith@uni.example", "bng", "nobody"], roster=roster)
    assert {k: v.login for k, v in match.matched.items()} == {"JSmith": "jsmith", "2023002": "alee",
                                                              "jane.smith@uni.example": "jsmith",
                                                              "bng": "bng@other.example"}
    assert match.unmatched == ("nobody",)
    assert match.shared == {2: ("JSmith", "jane.smith@uni.example")}
    assert match.missing == ()


def test_canvas_download_names_match_the_canvas_id():
    roster = parse_roster(CANVAS_EXPORT)
    match = match_roster(students=["smithjane_102_998877_lab", "okaforgrace_late_101_5_lab"], roster=roster)
    assert {k: v.login for k, v in match.matched.items()} == {"smithjane_102_998877_lab": "jsmith",
                                                              "okaforgrace_late_101_5_lab": "gokafor"}
    assert [s.name for s in match.missing] == ["Student, Test"]
    assert canvas_download("smithjane_102_998877_lab") == ("smithjane", "102")
    assert canvas_download("alice_correct") is None


def test_moodle_download_names_give_the_participant():
    assert moodle_download("Jane Smith_123456_assignsubmission_file_lab") == ("Jane Smith", "123456")
    assert moodle_download("Jane Smith_123456_assignsubmission_file_") == ("Jane Smith", "123456")
    assert moodle_download("jsmith") is None


def test_ambiguous_ids_are_not_matched_and_every_problem_is_a_warning():
    roster = parse_roster("Name,Login,Email\nA,amy,x@a.example\nB,x,bx@b.example\nC,carl,\n")
    match = match_roster(students=["x", "amy", "zed"], roster=roster)
    assert "x" in match.ambiguous and set(match.matched) == {"amy"}
    warnings = match.warnings()
    assert warnings[0] == "1 submission(s) not in the roster: zed"
    assert warnings[1].startswith("submission x fits 2 roster rows (A (amy); B (x))")
    assert warnings[-1] == "2 roster student(s) without a submission: B (x), C (carl)"
