"""The gradebook: the class's source of truth, stored the moment each result is done.

SQLite in WAL mode (standard library). ``results`` holds one row per (student,
assignment, assignment version, submission content hash, seed); a batch looks each
submission up before grading it: a stored row is reused, a changed file is graded
again (its hash differs), and ``force`` grades everything again. ``current`` says
which row is each student's result for an assignment, so that the class reports
are always rendered from every student's current result, whoever was graded last.
``adjustments`` holds the instructor's overrides and added points, apart from the
graded results, so that they survive regrading.

Nothing read back is trusted blindly: each row carries an HMAC made with a key
kept in the grader's own configuration folder (never in the output folder), and
its contents are validated; a row that fails either is ignored (the submission is
graded again) and said so in :attr:`Gradebook.problems`. Triggers and views,
which the grader never creates, are removed when the file is opened.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import secrets
import sqlite3
import stat
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from grader.errors import UsageError
from grader.results import Adjustment, CheckResult, SubmissionResult
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
);
CREATE TABLE IF NOT EXISTS current (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    version INTEGER NOT NULL,
    digest TEXT NOT NULL,
    seed INTEGER NOT NULL,
    PRIMARY KEY (student, assignment)
);
CREATE TABLE IF NOT EXISTS adjustments (
    id INTEGER PRIMARY KEY,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    check_id TEXT,
    points REAL NOT NULL,
    comment TEXT NOT NULL,
    made_at TEXT NOT NULL
);
"""
_MAC_COLUMN = "mac"
KEY_NAME = "gradebook.key"


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


def default_key() -> bytes:
    """The grader's gradebook key, made on first use in its configuration folder (mode 0600)."""
    folder = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "backprop-grader"
    path = folder / KEY_NAME
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32)
    temp = folder / f".{KEY_NAME}.{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    try:
        os.link(temp, path)  # never replaces a key another grader made at the same moment
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    return bytes.fromhex(path.read_text().strip())


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def valid_result(result: SubmissionResult, points: Mapping[str, float] | None = None) -> str | None:
    """Why ``result`` cannot be a grade of the assignment with these check ``points`` (None: it can)."""
    if points is not None and [c.id for c in result.checks] != list(points):
        return "its checks are not the assignment's"
    for check in result.checks:
        if not (_finite(check.max_points) and _finite(check.points)):
            return f"check {check.id} has no finite points"
        if points is not None and abs(check.max_points - float(points[check.id])) > 1e-9:
            return f"check {check.id} is not worth {check.max_points:g} points"
        if not 0 <= check.points <= check.max_points:
            return f"check {check.id} has {check.points:g} of {check.max_points:g} points"
    if result.error is not None and any(c.points for c in result.checks):
        return "a result that could not be graded has points"
    return None


def apply_adjustments(result: SubmissionResult, adjustments: list[Adjustment]) -> SubmissionResult:
    """``result`` with the instructor's adjustments: overridden checks get their new points (the graded
    points are kept in the adjustment), added points count in the score; each is listed in the result."""
    if not adjustments:
        return result
    checks = list(result.checks)
    applied = []
    for adjustment in adjustments:
        if adjustment.check is None:
            applied.append(adjustment)
            continue
        index = next((i for i, c in enumerate(checks) if c.id == adjustment.check), None)
        if index is None:
            continue
        check = checks[index]
        checks[index] = replace(check, points=adjustment.points)
        applied.append(replace(adjustment, original=check.points))
    return replace(result, checks=tuple(checks), adjustments=tuple(applied))


class Gradebook:
    """A SQLite file of results and adjustments. Safe for several grader processes at once (WAL, busy timeout)."""

    def __init__(self, path: Path, *, key: bytes | None = None) -> None:
        self.path = path
        self.key = key if key is not None else default_key()
        self.problems: list[str] = []  # what was found wrong in the file and ignored
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise UsageError(f"the gradebook {path} is not a regular file (a link or a folder): not opened")
        new = not path.exists()
        if new:  # created by the grader, readable and writable by the grader alone
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        elif stat.S_IMODE(path.stat().st_mode) & 0o022 and path.stat().st_uid == os.geteuid():
            os.chmod(path, 0o600)
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA trusted_schema=OFF")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        if "late" not in {row[1] for row in self.db.execute("PRAGMA table_info(results)")}:
            self.db.execute("ALTER TABLE results ADD COLUMN late INTEGER NOT NULL DEFAULT 0")  # a file from before
        for table in ("results", "adjustments"):
            columns = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            if _MAC_COLUMN not in columns:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {_MAC_COLUMN} TEXT")
        self._remove_foreign_objects()

    def _remove_foreign_objects(self) -> None:
        """Drop triggers and views: the grader makes none, so one found here was planted."""
        found = self.db.execute("SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall()
        for kind, name in found:
            self.db.execute(f'DROP {kind.upper()} IF EXISTS "{name.replace(chr(34), chr(34) * 2)}"')
            self.problems.append(f"removed the {kind} {name!r} from the gradebook (the grader never makes one)")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- integrity ----------------------------------------------------------------------------------------
    def _mac(self, *fields: Any) -> str:
        text = json.dumps([str(f) for f in fields], separators=(",", ":"))
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def _trusted(self, row: tuple[Any, ...], points: Mapping[str, float] | None) -> SubmissionResult | None:
        """The result of a ``results`` row (student, assignment, version, digest, seed, score, data, mac), or
        None (and a problem noted) when its MAC or contents do not hold."""
        student, assignment, version, digest, seed, score, data, mac = row
        if not isinstance(mac, str) or not hmac.compare_digest(
                mac, self._mac(student, assignment, version, digest, seed, data)):
            self.problems.append(f"ignored a stored result of {student!r} that the grader did not write "
                                 "(or that was changed since): graded again")
            return None
        try:
            result = SubmissionResult.from_dict(json.loads(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.problems.append(f"ignored an unreadable stored result of {student!r} ({exc})")
            return None
        why = valid_result(result, points)
        if why is None and (result.student, result.assignment, result.assignment_version, result.seed) != (
                student, assignment, version, seed):
            why = "it is filed under another student, assignment or seed"
        if why is None and abs(result.score - float(score)) > 1e-9:
            why = "its score disagrees with its checks"
        if why is not None:
            self.problems.append(f"ignored a stored result of {student!r}: {why}")
            return None
        return result

    # -- results ------------------------------------------------------------------------------------------
    def get(self, *, submission: Submission, assignment: str, version: int, digest: str,
            seed: int, points: Mapping[str, float] | None = None) -> SubmissionResult | None:
        """The stored result of exactly this submission content, or None (also when it cannot be trusted)."""
        row = self.db.execute(
            "SELECT student, assignment, version, digest, seed, score, data, mac FROM results "
            "WHERE student=? AND assignment=? AND version=? AND digest=? AND seed=?",
            (submission.student, assignment, version, digest, seed)).fetchone()
        return self._trusted(row, points) if row else None

    def put(self, result: SubmissionResult, *, digest: str) -> None:
        """Store (or replace) a result and make it the student's current one; committed before this returns.

        The stored result is the graded one: adjustments are kept apart (see :meth:`adjust`).
        """
        graded = replace(result, adjustments=())
        data = json.dumps(graded.to_dict())
        key = (graded.student, graded.assignment, graded.assignment_version, digest, graded.seed)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR REPLACE INTO results (student, assignment, version, digest, seed, score, status, data, "
                "late, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, graded.score, graded.status, data, int(graded.late), self._mac(*key, data)))
            self._make_current(*key)

    def mark_late(self, result: SubmissionResult) -> None:
        """Record that ``result``'s submission was handed in late (the platform says so, after grading)."""
        rows = self.db.execute("SELECT student, assignment, version, digest, seed, data FROM results "
                               "WHERE student=? AND assignment=? AND version=? AND seed=?",
                               (result.student, result.assignment, result.assignment_version, result.seed)).fetchall()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            for student, assignment, version, digest, seed, data in rows:
                record = json.loads(data)
                record["late"] = True
                data = json.dumps(record)
                self.db.execute("UPDATE results SET late=1, data=?, mac=? WHERE student=? AND assignment=? "
                                "AND version=? AND digest=? AND seed=?",
                                (data, self._mac(student, assignment, version, digest, seed, data),
                                 student, assignment, version, digest, seed))

    def mark_current(self, result: SubmissionResult, *, digest: str) -> None:
        """Make a stored result (reused by a batch) the student's current one again."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self._make_current(result.student, result.assignment, result.assignment_version, digest, result.seed)

    def _make_current(self, student: str, assignment: str, version: int, digest: str, seed: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO current (student, assignment, version, digest, seed) "
                        "VALUES (?, ?, ?, ?, ?)", (student, assignment, version, digest, seed))

    def current(self, *, assignment: str, version: int, points: Mapping[str, float] | None = None
                ) -> list[SubmissionResult]:
        """Every student's current result for the assignment (this version), adjusted, by student id."""
        rows = self.db.execute(
            "SELECT r.student, r.assignment, r.version, r.digest, r.seed, r.score, r.data, r.mac "
            "FROM current c JOIN results r ON r.student = c.student AND r.assignment = c.assignment "
            "AND r.version = c.version AND r.digest = c.digest AND r.seed = c.seed "
            "WHERE c.assignment = ? AND c.version = ? ORDER BY lower(c.student), c.student",
            (assignment, version)).fetchall()
        results = [self._trusted(row, points) for row in rows]
        return [self.adjusted(r, points=points) for r in results if r is not None]

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    # -- adjustments --------------------------------------------------------------------------------------
    def adjust(self, *, student: str, assignment: str, check: str | None, points: float, comment: str) -> None:
        """Record an adjustment: ``check``'s points set to ``points`` (replacing an earlier override of
        that check), or, with ``check`` None, ``points`` added to the total."""
        if not comment.strip():
            raise UsageError("an adjustment needs a comment saying why")
        if not math.isfinite(points):
            raise UsageError("an adjustment's points must be a finite number")
        made_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        fields = (student, assignment, check, float(points), comment, made_at)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if check is not None:
                self.db.execute("DELETE FROM adjustments WHERE student=? AND assignment=? AND check_id=?",
                                (student, assignment, check))
            self.db.execute("INSERT INTO adjustments (student, assignment, check_id, points, comment, made_at, mac) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)", (*fields, self._mac(*fields)))

    def clear_adjustments(self, *, student: str, assignment: str, check: str | None = None) -> int:
        """Remove a student's adjustments (only those of ``check`` when given); returns how many."""
        query = "DELETE FROM adjustments WHERE student=? AND assignment=?"
        args: tuple[Any, ...] = (student, assignment)
        if check is not None:
            query, args = query + " AND check_id=?", (*args, check)
        return self.db.execute(query, args).rowcount

    def adjustments(self, *, student: str, assignment: str,
                    points: Mapping[str, float] | None = None) -> list[Adjustment]:
        """The student's adjustments that hold (made by the grader, on a check of the assignment, in range)."""
        rows = self.db.execute("SELECT student, assignment, check_id, points, comment, made_at, mac FROM adjustments "
                               "WHERE student=? AND assignment=? ORDER BY id", (student, assignment)).fetchall()
        found = []
        for *fields, mac in rows:
            check, value = fields[2], fields[3]
            if not isinstance(mac, str) or not hmac.compare_digest(mac, self._mac(*fields)):
                self.problems.append(f"ignored an adjustment of {student!r} that the grader did not write")
            elif not _finite(value) or (check is not None and points is not None and
                                        (check not in points or not 0 <= value <= float(points[check]))):
                self.problems.append(f"ignored an adjustment of {student!r}: {check or 'total'} {value!r} is out of range")
            else:
                found.append(Adjustment(check=check, points=float(value), comment=str(fields[4]),
                                        made_at=str(fields[5])))
        return found

    def adjusted(self, result: SubmissionResult, *, points: Mapping[str, float] | None = None) -> SubmissionResult:
        """``result`` with the student's adjustments applied."""
        return apply_adjustments(result, self.adjustments(student=result.student, assignment=result.assignment,
                                                          points=points))

    def all_adjustments(self, *, assignment: str) -> list[tuple[str, Adjustment]]:
        """(student, adjustment) of every adjustment of the assignment that holds."""
        students = [r[0] for r in self.db.execute(
            "SELECT DISTINCT student FROM adjustments WHERE assignment=? ORDER BY student", (assignment,))]
        return [(s, a) for s in students for a in self.adjustments(student=s, assignment=assignment)]


def open_gradebook(path: Path, *, key: bytes | None = None) -> Gradebook:
    """The gradebook at ``path`` (created if new); a clear error when it cannot be opened."""
    try:
        return Gradebook(path, key=key)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot open the gradebook {path}: {exc}") from None
