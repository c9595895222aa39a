"""The gradebook: every result stored the moment it is done, so an interrupted batch loses nothing.

SQLite in WAL mode (standard library), one row per (student, assignment,
assignment version, submission content hash, seed). A batch looks each
submission up before grading it: a stored row is reused, a changed file is
graded again (its hash differs), and ``force`` grades everything again.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from grader.errors import UsageError
from grader.results import SubmissionResult
from grader.sandbox.submission import Submission

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    seed INTEGER NOT NULL,
    score REAL NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (student, assignment, version, digest, seed)
)
"""


def content_digest(submission: Submission) -> str:
    """SHA-256 of the submission's files (a folder: every file, by relative path)."""
    digest = hashlib.sha256()
    path = submission.path
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


class Gradebook:
    """A SQLite file of results. Safe for several grader processes at once (WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(SCHEMA)
        if "late" not in {row[1] for row in self.db.execute("PRAGMA table_info(results)")}:
            self.db.execute("ALTER TABLE results ADD COLUMN late INTEGER NOT NULL DEFAULT 0")  # a file from before

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, *, submission: Submission, assignment: str, version: int, digest: str,
            seed: int) -> SubmissionResult | None:
        """The stored result of exactly this submission content, or None."""
        row = self.db.execute(
            "SELECT data FROM results WHERE student=? AND assignment=? AND version=? AND digest=? AND seed=?",
            (submission.student, assignment, version, digest, seed)).fetchone()
        return SubmissionResult.from_dict(json.loads(row[0])) if row else None

    def put(self, result: SubmissionResult, *, digest: str) -> None:
        """Store (or replace) a result; committed before this returns."""
        self.db.execute(
            "INSERT OR REPLACE INTO results (student, assignment, version, digest, seed, score, status, data, late) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (result.student, result.assignment, result.assignment_version, digest, result.seed, result.score,
             result.status, json.dumps(result.to_dict()), int(result.late)))

    def mark_late(self, result: SubmissionResult) -> None:
        """Record that ``result``'s submission was handed in late (the platform says so, after grading)."""
        self.db.execute("UPDATE results SET late=1, data=json_set(data, '$.late', json('true')) "
                        "WHERE student=? AND assignment=? AND version=? AND seed=?",
                        (result.student, result.assignment, result.assignment_version, result.seed))

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def open_gradebook(path: Path) -> Gradebook:
    """The gradebook at ``path`` (created if new); a clear error when it cannot be opened."""
    try:
        return Gradebook(path)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the gradebook {path}: {exc}") from None
