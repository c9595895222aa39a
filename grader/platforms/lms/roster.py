"""The class roster: who is enrolled, under which LMS ids, and which submission belongs to whom.

A roster is a CSV file with a header row, typically the gradebook export of
Canvas (``Student, ID, SIS User ID, SIS Login ID, Section``) or a Moodle
participants/grades export (``First name, Last name, Username, ID number,
Email address``). Column names are matched case-insensitively, ignoring spaces,
``_`` and ``-``; :data:`COLUMNS` lists the names accepted for each field.

A submission's student id (its file stem or folder name) matches a roster row
when it equals, case-insensitively, the row's login, SIS user id, LMS user id,
e-mail address or the part of the e-mail before ``@``; or when it is a Canvas
download name (``smithjane_12345_678_lab``) whose user id ``12345`` is the row's
``ID``. A student id that fits several rows is not matched (it is ambiguous).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Sequence

from grader.errors import UsageError

# field -> accepted column names (compared ignoring case, spaces, "_" and "-")
COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "name": ("Student", "Name", "Student name", "Full name", "Sortable name", "Display name"),
    "first_name": ("First name", "Given name"),
    "last_name": ("Last name", "Surname", "Family name"),
    "lms_id": ("ID", "Canvas ID", "Canvas user ID", "User ID", "LMS ID"),
    "sis_user_id": ("SIS User ID", "SIS ID", "Student ID", "Student number", "ID number", "Matriculation number"),
    "login": ("SIS Login ID", "Login ID", "Login", "Username", "User"),
    "email": ("Email", "Email address", "Mail"),
    "section": ("Section", "Sections", "Group", "Groups"),
})
IDENTIFYING = ("lms_id", "sis_user_id", "login", "email")

_CANVAS_DOWNLOAD = re.compile(r"^(?P<name>[^_]+)_(?P<late>late_)?(?P<user>\d+)_(?P<submission>\d+)(?:_|$)", re.IGNORECASE)
_MOODLE_DOWNLOAD = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assign(?:submission|feedback)_", re.IGNORECASE)


def _normalise(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", header.casefold())


def canvas_download(student: str, *, late: bool = False) -> tuple[str, str] | None:
    """(name, Canvas user id) of a Canvas "Download Submissions" name such as ``smithjane_late_12345_678_lab``;
    with ``late``, only a name Canvas marked late (``_late_`` after the name)."""
    match = _CANVAS_DOWNLOAD.match(student)
    if match is None or (late and not match.group("late")):
        return None
    return match.group("name"), match.group("user")


def moodle_download(student: str) -> tuple[str, str] | None:
    """(full name, participant id) of a Moodle "Download all submissions" name such as
    ``Jane Smith_123456_assignsubmission_file_lab``."""
    match = _MOODLE_DOWNLOAD.match(student)
    return (match.group("name"), match.group("participant")) if match else None


@dataclass(frozen=True)
class Student:
    """One enrolled student as the roster names them."""

    name: str = ""
    lms_id: str = ""
    sis_user_id: str = ""
    login: str = ""
    email: str = ""
    section: str = ""
    row: int = 0

    def keys(self) -> set[str]:
        """The identifiers a student id may equal (case-folded)."""
        keys = {self.lms_id, self.sis_user_id, self.login, self.email}
        for address in (self.email, self.login):
            if "@" in address:
                keys.add(address.split("@", 1)[0])
        return {k.casefold() for k in keys if k}

    @property
    def label(self) -> str:
        """How warnings name the student."""
        ident = self.login or self.sis_user_id or self.lms_id or self.email
        return f"{self.name} ({ident})" if self.name and ident else (self.name or ident or f"row {self.row}")


@dataclass(frozen=True)
class Roster:
    """The students of a class, read from a CSV file."""

    students: tuple[Student, ...]
    source: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)

    def candidates(self, student_id: str) -> list[Student]:
        """Every roster student the submission ``student_id`` may belong to."""
        key = student_id.strip().casefold()
        found = [s for s in self.students if key in s.keys()]
        if not found:
            download = canvas_download(student_id)
            if download is not None:
                found = [s for s in self.students if s.lms_id == download[1]]
        return found


@dataclass(frozen=True)
class RosterMatch:
    """Which submissions belong to which roster students, and what did not fit."""

    matched: Mapping[str, Student]
    unmatched: tuple[str, ...]
    ambiguous: Mapping[str, tuple[Student, ...]]
    missing: tuple[Student, ...]
    shared: Mapping[int, tuple[str, ...]]

    def warnings(self) -> list[str]:
        """One line per problem an instructor should look at before importing grades."""
        lines = []
        if self.unmatched:
            lines.append(f"{len(self.unmatched)} submission(s) not in the roster: {', '.join(self.unmatched)}")
        for student, rows in self.ambiguous.items():
            lines.append(f"submission {student} fits {len(rows)} roster rows "
                         f"({'; '.join(r.label for r in rows)}): not matched")
        for row, students in self.shared.items():
            lines.append(f"roster row {row} matches {len(students)} submissions ({', '.join(students)}): "
                         "the gradebook would keep only one")
        if self.missing:
            lines.append(f"{len(self.missing)} roster student(s) without a submission: "
                         f"{', '.join(s.label for s in self.missing)}")
        return lines


def match_roster(*, students: Sequence[str], roster: Roster) -> RosterMatch:
    """Match each submission's student id to at most one roster student."""
    matched: dict[str, Student] = {}
    ambiguous: dict[str, tuple[Student, ...]] = {}
    unmatched: list[str] = []
    for student in students:
        found = roster.candidates(student)
        if len(found) == 1:
            matched[student] = found[0]
        elif found:
            ambiguous[student] = tuple(found)
        else:
            unmatched.append(student)
    by_row: dict[int, list[str]] = {}
    for student, entry in matched.items():
        by_row.setdefault(entry.row, []).append(student)
    shared = {row: tuple(names) for row, names in by_row.items() if len(names) > 1}
    missing = tuple(s for s in roster.students if s.row not in by_row)
    return RosterMatch(matched=matched, unmatched=tuple(unmatched), ambiguous=ambiguous, missing=missing,
                       shared=shared)


def _columns(header: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    normalised = [_normalise(h) for h in header]
    for name, accepted in COLUMNS.items():
        for alias in map(_normalise, accepted):  # the first accepted name present wins ("SIS Login ID" first)
            if alias in normalised:
                found[name] = normalised.index(alias)
                break
    return found


def _accepted() -> str:
    return "; ".join(f"{name.replace('_', ' ')}: {', '.join(aliases)}" for name, aliases in COLUMNS.items())


def parse_roster(text: str, *, source: str = "") -> Roster:
    """A roster from CSV text (raises UsageError when no identifying column is found)."""
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    if not rows:
        raise UsageError(f"the roster {source} is empty" if source else "the roster is empty")
    header = rows[0]
    columns = _columns(header)
    if not any(c in columns for c in IDENTIFYING):
        raise UsageError(f"the roster {source} has no column that identifies students (found: "
                         f"{', '.join(h for h in header if h) or 'nothing'}). Accepted column names, ignoring case, "
                         f"spaces, '_' and '-': {_accepted()}")
    students = []
    for number, row in enumerate(rows[1:], start=2):
        def get(name: str) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        name = get("name")
        if not name and (get("first_name") or get("last_name")):
            name = ", ".join(p for p in (get("last_name"), get("first_name")) if p)
        if name.casefold() == "points possible" or not any(get(c) for c in IDENTIFYING):
            continue  # the "Points Possible" row of a Canvas export, or a blank line
        students.append(Student(name=name, lms_id=get("lms_id"), sis_user_id=get("sis_user_id"), login=get("login"),
                                email=get("email"), section=get("section"), row=number))
    return Roster(students=tuple(students), source=source,
                  columns=MappingProxyType({name: header[i] for name, i in columns.items()}))


def load_roster(path: Path) -> Roster:
    """The roster in the CSV file at ``path`` (UTF-8, with or without BOM)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read the roster {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the roster {path} is not UTF-8 text: save it as CSV (UTF-8)") from None
    try:
        return parse_roster(text, source=str(path))
    except csv.Error as exc:
        raise UsageError(f"the roster {path} is not a readable CSV file: {exc}") from None
