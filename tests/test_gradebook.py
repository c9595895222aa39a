"""The gradebook: results stored as they finish; a batch killed with SIGKILL resumes and loses nothing."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FILES, grade_file
from grader import load_assignment
from grader.cli import main
from grader.errors import UsageError
from grader.gradebook import Gradebook, content_digest, open_gradebook, valid_result
from grader.sandbox.submission import from_path

VOLATILE = ("duration", "graded_at")


def _class_only(name: str) -> str:
    """A fixture's class without its top-level training (fast to load)."""
    return (FILES / "two_layer" / name).read_text().split("\n\nX = np.array")[0] + "\n"


@pytest.fixture(scope="module")
def class_of_50(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    sources = {"ok": _class_only("passes_mean.py"), "loss": _class_only("fails_loss_sum.py"),
               "syntax": (FILES / "two_layer" / "error_syntax.py").read_text()}
    for i in range(50):
        kind = "syntax" if i % 10 == 3 else "loss" if i % 10 == 7 else "ok"
        (folder / f"student{i:02d}_{kind}.py").write_text(sources[kind])
    return folder


def _run(folder: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "-a", "two-layer", "--out", str(out),
                             "-j", "2", *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stable(out: Path) -> dict[str, dict]:
    rows = json.loads((out / "results.json").read_text())
    return {r["student"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in rows}


def _count(db: Path, query: str = "SELECT COUNT(*) FROM results") -> int:
    """One number from the gradebook (0 while it does not exist yet or is locked)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute(query).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _stored(db: Path) -> int:
    return _count(db)


@pytest.mark.slow
def test_killed_batch_resumes_without_loss(class_of_50, tmp_path):
    complete = tmp_path / "complete"
    assert _run(class_of_50, complete).wait(timeout=600) == 0
    expected = _stable(complete)
    assert len(expected) == 50

    out = tmp_path / "interrupted"
    db = out / "gradebook.sqlite"
    first = _run(class_of_50, out)
    deadline = time.monotonic() + 300
    while _stored(db) < 15 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    stored_before = _stored(db)
    assert 15 <= stored_before < 50, "the kill should land in the middle of the batch"

    assert _run(class_of_50, out).wait(timeout=600) == 0
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT student, COUNT(*) FROM results GROUP BY student").fetchall()
    assert len(rows) == 50 and all(count == 1 for _, count in rows)
    assert _stable(out) == expected


@pytest.mark.slow
def test_resume_regrades_only_what_changed(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(_class_only("passes_mean.py"))
    (folder / "ben.py").write_text(_class_only("fails_loss_sum.py"))
    out = tmp_path / "out"
    assert _run(folder, out).wait(timeout=300) == 0
    first = json.loads((out / "results.json").read_text())
    (folder / "ben.py").write_text(_class_only("passes_mean.py"))
    assert _run(folder, out).wait(timeout=300) == 0
    second = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    ann_before = next(r for r in first if r["student"] == "ann")
    assert second["ann"]["graded_at"] == ann_before["graded_at"], "unchanged work is not graded again"
    assert second["ben"]["score"] == second["ben"]["max_score"], "changed work is graded again"
    assert _run(folder, out, "--force").wait(timeout=300) == 0
    third = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert third["ann"]["graded_at"] >= second["ann"]["graded_at"]
    with sqlite3.connect(out / "gradebook.sqlite") as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_gradebook_roundtrip_and_digest(tmp_path):
    path = tmp_path / "lab.py"
    path.write_text(_class_only("fails_loss_sum.py"))
    submission = from_path(path)
    result = grade_file(path)
    digest = content_digest(submission)
    with Gradebook(tmp_path / "book.sqlite") as book:
        book.put(result, digest=digest)
        book.put(result, digest=digest)
        assert book.count() == 1
        stored = book.get(submission=submission, assignment="two-layer", version=1, digest=digest, seed=0)
        assert stored is not None and stored.to_dict() == result.to_dict()
        assert book.get(submission=submission, assignment="two-layer", version=1, digest=digest, seed=1) is None
    path.write_text(path.read_text() + "\n# edited\n")
    assert content_digest(submission) != digest


def test_folder_digest_covers_every_file(tmp_path):
    folder = tmp_path / "amy"
    folder.mkdir()
    (folder / "lab.py").write_text("x = 1\n")
    before = content_digest(from_path(folder))
    (folder / "helpers.py").write_text("y = 2\n")
    assert content_digest(from_path(folder)) != before
    shutil.rmtree(folder)


# -- the class folder is the gradebook -------------------------------------------------------------------

def _grade_cli(*args: str) -> tuple[int, str, str]:
    """``grader ARGS`` run in this process (as tests/test_cli.py does): exit status, stdout, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, stdout.getvalue(), stderr.getvalue()


def _class(folder: Path, names: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for student, fixture in names.items():
        (folder / f"{student}.py").write_text(_class_only(fixture))
    return folder


def _sheets(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.html")} - {"index.html"}


def test_regrading_one_student_updates_them_and_keeps_the_rest_of_the_class(tmp_path):
    folder = _class(tmp_path / "subs", {"ann": "passes_mean.py", "ben": "fails_loss_sum.py",
                                        "cat": "passes_mean.py", "dan": "fails_loss_sum.py"})
    out = tmp_path / "reports"
    code, stdout, _ = _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out), "-j", "2")
    assert code == 0
    before = _stable(out)
    fixed = _class(tmp_path / "late", {"ben": "passes_mean.py"}) / "ben.py"

    code, stdout, _ = _grade_cli("grade", str(fixed), "-a", "two-layer", "-o", str(out))

    assert code == 0
    after = _stable(out)
    assert set(after) == {"ann", "ben", "cat", "dan"}, "the other three stay in the class's reports"
    assert {k: v for k, v in after.items() if k != "ben"} == {k: v for k, v in before.items() if k != "ben"}
    assert after["ben"]["score"] == after["ben"]["max_score"] > before["ben"]["score"]
    assert _sheets(out) == {"ann.html", "ben.html", "cat.html", "dan.html"}
    index = (out / "index.html").read_text()
    assert all(f'href="{name}"' in index for name in _sheets(out)) and "All 4 submissions" in index
    with (out / "grades.csv").open(newline="") as handle:
        assert sorted(r["student"] for r in csv.DictReader(handle)) == ["ann", "ben", "cat", "dan"]
    assert stdout.splitlines()[-1] == (f"graded 1 submission(s); class of 4: mean {(3 * 10 + 9) / 4:.3g}/10, "
                                       f"0 could not be graded; wrote 7 file(s); open {out / 'index.html'}")


def test_an_adjustment_survives_regrading_and_shows_in_every_export(tmp_path):
    folder = _class(tmp_path / "subs", {"ann": "passes_mean.py", "ben": "fails_loss_sum.py"})
    out = tmp_path / "reports"
    assert _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out))[0] == 0
    graded_loss = _stable(out)["ben"]["checks"][2]
    assert graded_loss["id"] == "loss" and graded_loss["points"] == 0
    code, stdout, stderr = _grade_cli("adjust", "ben", "-a", "two-layer", "-o", str(out), "--check", "loss",
                                      "--points", "1", "--comment", "sum instead of mean was allowed in class")
    assert code == 0, stderr
    assert _grade_cli("adjust", "ben", "-a", "two-layer", "-o", str(out), "--add", "-0.5",
                      "--comment", "=late by a day")[0] == 0
    code, stdout, _ = _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out), "--force")
    assert code == 0

    ben = _stable(out)["ben"]
    assert ben["score"] == 10 - 0.5 and next(c for c in ben["checks"] if c["id"] == "loss")["points"] == 1
    assert [(a["kind"], a["check"], a["change"]) for a in ben["adjustments"]] == [("override", "loss", 1.0),
                                                                                ("add", None, -0.5)]
    with (out / "grades.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["student"] == "ben")
    assert (row["score"], row["loss"]) == ("9.5", "1")
    assert "loss +1: sum instead of mean was allowed in class" in row["adjustments"]
    sheet = (out / "ben.html").read_text()
    assert "Adjusted by your instructor" in sheet and "loss: 0 -&gt; 1 points" in sheet
    assert "Adjustments by the instructor (2)" in (out / "index.html").read_text()
    assert "2 adjustment(s) by the instructor, for ben" in stdout
    with sqlite3.connect(out / "gradebook.sqlite") as con:  # the graded result itself is kept as graded
        stored = json.loads(con.execute("SELECT data FROM results WHERE student='ben'").fetchone()[0])
    assert stored["score"] == 9 and stored["adjustments"] == []


def test_adjustments_from_a_csv_are_all_checked_before_any_is_recorded(tmp_path):
    folder = _class(tmp_path / "subs", {"ann": "passes_mean.py", "ben": "fails_loss_sum.py"})
    out = tmp_path / "reports"
    assert _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out))[0] == 0
    sheet = tmp_path / "adjust.csv"
    sheet.write_text("student,check,points,add,comment\nben,loss,1,,allowed\nann,,,1,bonus\nzed,loss,1,,nobody\n")
    code, _, stderr = _grade_cli("adjust", "--from", str(sheet), "-a", "two-layer", "-o", str(out))
    assert code == 2 and "line 4" in stderr and "'zed'" in stderr
    assert all(not r["adjustments"] for r in _stable(out).values()), "nothing recorded from a file with a bad row"
    sheet.write_text("student,check,points,add,comment\nben,loss,1,,allowed\nann,,,1,bonus\n")
    code, stdout, _ = _grade_cli("adjust", "--from", str(sheet), "-a", "two-layer", "-o", str(out))
    assert code == 0 and "recorded 2 adjustment(s)" in stdout
    assert {s: r["score"] for s, r in _stable(out).items()} == {"ann": 11, "ben": 10}


# -- nothing read back from the gradebook is trusted blindly ---------------------------------------------

def test_rows_the_grader_did_not_write_are_ignored_and_graded_again(tmp_path):
    path = tmp_path / "ann.py"
    path.write_text(_class_only("fails_loss_sum.py"))
    submission = from_path(path)
    result = grade_file(path)
    digest = content_digest(submission)
    book_path = tmp_path / "book.sqlite"
    with Gradebook(book_path, key=b"k" * 32) as book:
        book.put(result, digest=digest)
    assert stat.S_IMODE(book_path.stat().st_mode) == 0o600
    full = json.loads(json.dumps(result.to_dict()))
    for check in full["checks"]:
        check["points"] = check["max_points"]
    with sqlite3.connect(book_path) as con:  # what a process that could write the file might do
        con.execute("UPDATE results SET data=?, score=10", (json.dumps(full),))
        con.execute("CREATE TRIGGER keep AFTER INSERT ON results BEGIN UPDATE results SET score=10; END")
    with Gradebook(book_path, key=b"k" * 32) as book:
        assert any("trigger 'keep'" in p for p in book.problems)
        found = book.get(submission=submission, assignment="two-layer", version=1, digest=digest, seed=0)
        assert found is None and any("did not write" in p for p in book.problems)
        book.put(result, digest=digest)
        assert book.current(assignment="two-layer", version=1)[0].score == result.score
    with Gradebook(book_path, key=b"another key" * 3) as book:
        assert book.current(assignment="two-layer", version=1) == [], "signed with another key: not trusted"


def test_a_stored_result_must_be_a_grade_of_the_assignment(tmp_path):
    result = grade_file(FILES / "two_layer" / "fails_loss_sum.py")
    points = dict(load_assignment("two-layer").points)
    assert valid_result(result, points) is None
    inflated = replace(result, checks=tuple(replace(c, points=c.max_points * 2) for c in result.checks))
    assert "of" in valid_result(inflated, points)
    assert valid_result(replace(result, checks=result.checks[:-1]), points) == "its checks are not the assignment's"
    with Gradebook(tmp_path / "book.sqlite", key=b"k" * 32) as book:  # even a signed row is checked
        book.put(inflated, digest="d")
        assert book.current(assignment="two-layer", version=1, points=points) == []
        assert any("has 2 of 1 points" in p or "points" in p for p in book.problems)


def test_a_gradebook_that_is_a_link_is_not_opened(tmp_path):
    target = tmp_path / "classmate.py"
    target.write_text("x = 1\n")
    (tmp_path / "out").mkdir()
    os.symlink(target, tmp_path / "out" / "gradebook.sqlite")
    with pytest.raises(UsageError, match="not a regular file"):
        open_gradebook(tmp_path / "out" / "gradebook.sqlite")
    assert target.read_text() == "x = 1\n"


# -- Ctrl-C and SIGTERM ----------------------------------------------------------------------------------

def _slow_class(folder: Path, count: int) -> Path:
    """Submissions that take a while to load (a top-level sleep), so a batch can be stopped midway."""
    folder.mkdir()
    source = _class_only("passes_mean.py") + "\nimport time\ntime.sleep(1.5)\n"
    for i in range(count):
        (folder / f"s{i:02d}.py").write_text(source)
    return folder


def _last_row(db: Path) -> int:
    """The highest row id of the results (a result stored again gets a new one)."""
    return _count(db, "SELECT COALESCE(MAX(rowid), 0) FROM results")


def _stop_midway(folder: Path, out: Path, signum: int, *extra: str) -> tuple[int, float, str, str]:
    """Start a batch, send ``signum`` once two results are stored; exit status, seconds to exit, stdout, stderr."""
    db = out / "gradebook.sqlite"
    start = _last_row(db)
    process = subprocess.Popen([sys.executable, "-m", "grader", "grade", str(folder), "-a", "two-layer", "--out",
                                str(out), "-j", "2", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while _last_row(db) < start + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(process.pid, signum)  # as a terminal's Ctrl-C reaches the foreground process group
    sent = time.monotonic()
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, time.monotonic() - sent, stdout, stderr


def _reports_agree_with_the_gradebook(out: Path) -> dict[str, dict]:
    with Gradebook(out / "gradebook.sqlite") as book:
        current = {r.student: r for r in book.current(assignment="two-layer", version=1)}
    reported = {r["student"]: r for r in json.loads((out / "results.json").read_text())}
    assert set(reported) == set(current)
    assert all(reported[s]["graded_at"] == current[s].graded_at for s in current)
    assert all(reported[s]["score"] == current[s].score for s in current)
    assert _sheets(out) == {f"{s}.html" for s in current}
    return reported


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_batch_writes_partial_reports_and_resumes(tmp_path, signum):
    folder = _slow_class(tmp_path / "subs", 10)
    out = tmp_path / "out"
    code, seconds, stdout, stderr = _stop_midway(folder, out, signum)
    assert code == 128 + signum
    assert seconds < 3, f"stopped in {seconds:.1f} s"
    reported = _reports_agree_with_the_gradebook(out)
    assert 2 <= len(reported) < 10
    assert f"interrupted: {len(reported)} of 10 submission(s) saved in the gradebook" in stderr
    assert "run the same command again to resume" in stderr
    assert "Partial: the run was interrupted" in (out / "index.html").read_text()
    assert all(r["status"] == "ok" for r in reported.values()), "no result of the stop itself is kept"

    code, stdout, _ = _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out), "-j", "2")
    assert code == 0 and f"reused {len(reported)} stored result(s)" in stdout
    final = _reports_agree_with_the_gradebook(out)
    assert len(final) == 10 and "Partial" not in (out / "index.html").read_text()


@pytest.mark.slow
def test_an_interrupted_force_run_leaves_reports_that_agree_with_the_gradebook(tmp_path):
    folder = _slow_class(tmp_path / "subs", 6)
    out = tmp_path / "out"
    assert _grade_cli("grade", str(folder), "-a", "two-layer", "-o", str(out), "-j", "2")[0] == 0
    first = _reports_agree_with_the_gradebook(out)
    time.sleep(1.1)  # the regraded results get later time stamps
    code, _, _, _ = _stop_midway(folder, out, signal.SIGINT, "--force")
    assert code == 130
    second = _reports_agree_with_the_gradebook(out)
    assert set(second) == set(first), "every student is still reported, regraded or not"
