"""The base class of report formats, the options a batch's reports share, and the one way they write a file."""
from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from grader.spec.assignment import Assignment
from grader.results import SubmissionResult


@dataclass(frozen=True)
class ReportOptions:
    """Settings some formats use: the class ``roster`` of the LMS gradebooks
    (a :class:`grader.platforms.lms.roster.Roster`, which the reports never look into), the header of
    the Moodle file's identifier column (``None``: Moodle's English ``Identifier``), and ``notes`` for the
    class summary (e.g. that the batch was interrupted and the reports are partial)."""

    roster: Any = None
    id_column: str | None = None
    notes: tuple[str, ...] = ()


class ReportFormat:
    """Writes a batch's results into a folder; returns the files it wrote."""

    name: str = ""

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        raise NotImplementedError


def write_atomic(out: Path, name: str, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write the file ``name`` in the folder ``out`` all at once: a new file in ``out`` renamed over it.

    Nothing already in the folder is followed: a symbolic link named ``name`` is replaced, not written
    through, and a folder named ``name`` is moved aside (``name.moved-XXXX``), so a planted entry can
    neither redirect the write nor stop it. A reader sees the old file or the new one, never a part.
    """
    if "/" in name or name in ("", ".", ".."):
        raise ValueError(f"not a file name: {name!r}")
    payload = data.encode(encoding) if isinstance(data, str) else data
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    temp = f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            _move_aside_folder(folder, name)
            os.rename(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            try:
                os.unlink(temp, dir_fd=folder)
            except FileNotFoundError:
                pass
            raise
    finally:
        os.close(folder)
    return out / name


def _move_aside_folder(folder: int, name: str) -> None:
    try:
        mode = os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        os.rename(name, f"{name}.moved-{secrets.token_hex(4)}", src_dir_fd=folder, dst_dir_fd=folder)
