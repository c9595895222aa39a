"""The gradebook: results stored as they finish; a batch killed with SIGKILL resumes and loses nothing."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FILES, grade_file
from grader.gradebook import Gradebook, content_digest
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


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute("SELECT COUNT(*) FROM results").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


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
