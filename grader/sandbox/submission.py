"""Finding submissions: files and student folders, and the file to run in each."""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from grader.errors import SubmissionFailure, SubmissionNotFoundError
from grader.sandbox import entry_signals

SUFFIXES = (".ipynb", ".py")
PREFERRED = ("submission", "solution", "lab", "main")


@dataclass(frozen=True)
class Submission:
    """One student's work: a file, or a folder with the file to run (``entry``)."""

    student: str
    path: Path
    entry: Path | None
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.entry.suffix.lstrip(".") if self.entry else ""

    @property
    def is_folder(self) -> bool:
        return self.path.is_dir()


def _own_file(folder: Path, path: Path) -> bool:
    """A regular file of the folder: a link counts only when it names a file inside the folder (as the copy
    made for the worker has it); a link out of the folder is never read, scored or graded."""
    if not path.is_symlink():
        return path.is_file()
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([root, real]) == root and os.path.isfile(real)


def _candidates(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if _own_file(folder, p) and p.suffix in SUFFIXES
             and not p.name.startswith(".") and not p.name.startswith("test_") and p.name != "__init__.py"]
    return sorted(files, key=lambda p: (SUFFIXES.index(p.suffix), p.name.lower()))


def pick_entry(folder: Path) -> tuple[Path | None, tuple[str, ...]]:
    """The file to run in a student's folder: the one whose code, with the sibling modules it imports, looks
    most like a network and its training (read with ``ast``, never run); ties go to files no other file
    imports, then notebooks, preferred names, and names in order."""
    files = _candidates(folder)
    if not files:
        return None, (f"no .ipynb or .py file in folder {folder.name}",)
    if len(files) == 1:
        return files[0], ()
    sources = {p: _source_of(p) for p in files}
    trees = {p: entry_signals.parse(text) for p, text in sources.items()}
    imported = {p: entry_signals.local_imports(tree, folder) for p, tree in trees.items()}
    imported_by_others = {q for p, qs in imported.items() for q in qs if q != p}
    scores = {p: entry_signals.reach_score(p, trees[p], imported[p]) for p in files}

    def rank(p: Path) -> tuple:
        preferred = any(word in p.stem.lower() for word in PREFERRED)
        return (-scores[p], p in imported_by_others, SUFFIXES.index(p.suffix), not preferred, p.name.lower())

    chosen = min(files, key=rank)
    others = ", ".join(f"{p.name} (score {scores[p]})" for p in sorted(files, key=rank) if p != chosen)
    return chosen, (f"graded {chosen.name}: its code and the modules it imports look most like the network and "
                    f"its training (score {scores[chosen]}; also found {others})",)


def _source_of(path: Path) -> str:
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return entry_signals.notebook_code(raw) if path.suffix == ".ipynb" else raw


def from_path(path: Path) -> Submission:
    """The submission at ``path``: a .py/.ipynb file, or a student's folder."""
    if path.is_dir():
        entry, notes = pick_entry(path)
        return Submission(student=path.name, path=path, entry=entry, notes=notes)
    return Submission(student=path.stem, path=path, entry=path)


def discover(paths: Iterable[Path], *, notes: list[str] | None = None) -> list[Submission]:
    """All submissions under the given paths (a folder: each file and subfolder directly inside).

    The same file or folder given twice (a folder and a file inside it) is one submission; files that are
    not .py or .ipynb in a folder are skipped. Both are said in ``notes`` when given.
    """
    found: list[Submission] = []
    for path in paths:
        if not path.exists():
            raise SubmissionNotFoundError(f"no such file or folder: {path}")
        if path.is_file():
            if path.suffix not in SUFFIXES:
                raise SubmissionNotFoundError(f"{path} is not a .py or .ipynb file")
            found.append(from_path(path))
            continue
        for child in sorted(path.iterdir(), key=lambda p: p.name.lower()):
            if child.name.startswith((".", "_")):
                continue
            if child.is_dir() or child.suffix in SUFFIXES:
                found.append(from_path(child))
            elif notes is not None:
                notes.append(f"skipped {child}: not a .py or .ipynb file")
    if not found:
        raise SubmissionNotFoundError("no submissions found in " + ", ".join(str(p) for p in paths))
    return _unique_students(found, notes)


def _unique_students(found: list[Submission], notes: list[str] | None = None) -> list[Submission]:
    """One submission per file (repeats dropped, with a note). Students sharing an id (``lab.py`` and
    ``lab.ipynb``) are told apart by their file name."""
    seen: dict[Path, Submission] = {}
    unique = []
    for s in found:
        real = s.path.resolve()
        if real in seen:
            if notes is not None:
                notes.append(f"{s.path} was given twice: graded once, as {seen[real].student}")
            continue
        seen[real] = s
        unique.append(s)
    counts: dict[str, int] = {}
    for s in unique:
        counts[s.student] = counts.get(s.student, 0) + 1
    return [replace(s, student=s.path.name) if counts[s.student] > 1 else s for s in unique]


@dataclass(frozen=True)
class CopyLimits:
    """Caps on copying one submission before any of its code runs (seconds, counts, bytes)."""

    deadline: float = 20.0
    files: int = 2000
    total: int = 64 * 1024 * 1024
    depth: int = 16


def copy_submission(source: Path, target: Path, *, limits: CopyLimits) -> None:
    """Copy a student's file or folder without following any symlink (a link to a file inside the folder
    is copied as that file; any other link is left out), within ``limits`` (else ``invalid-file``).

    The grader reads only its copy afterwards, so a classmate's worker changing the original later
    changes nothing, and a looping or huge folder cannot stall the batch.
    """
    deadline = time.monotonic() + limits.deadline
    budget = {"files": limits.files, "bytes": limits.total}
    if source.is_symlink():
        raise SubmissionFailure("invalid-file", f"{source.name} is a symbolic link; hand in the file itself")
    if not source.is_dir():
        _copy_file(source, target, budget)
        return
    root = os.path.realpath(source)
    _copy_folder(source, target, root=root, depth=0, deadline=deadline, budget=budget, limits=limits)


def _copy_folder(source: Path, target: Path, *, root: str, depth: int, deadline: float,
                 budget: dict[str, int], limits: CopyLimits) -> None:
    if depth > limits.depth:
        raise SubmissionFailure("invalid-file", f"the folder nests deeper than {limits.depth} levels")
    target.mkdir()
    with os.scandir(source) as entries:
        for entry in entries:
            if time.monotonic() > deadline:
                raise SubmissionFailure("invalid-file", f"copying the folder took more than {limits.deadline:g} s")
            path = Path(entry.path)
            if entry.is_symlink():
                real = os.path.realpath(path)
                if os.path.commonpath([root, real]) == root and os.path.isfile(real):
                    _copy_file(Path(real), target / entry.name, budget)
                continue  # a link out of the folder, or to a folder (it may loop): left out
            if entry.is_dir(follow_symlinks=False):
                _copy_folder(path, target / entry.name, root=root, depth=depth + 1, deadline=deadline,
                             budget=budget, limits=limits)
            elif entry.is_file(follow_symlinks=False):
                _copy_file(path, target / entry.name, budget)


def _copy_file(source: Path, target: Path, budget: dict[str, int]) -> None:
    """Copy one regular file (never through a link: O_NOFOLLOW), charging it to ``budget``."""
    budget["files"] -= 1
    if budget["files"] < 0:
        raise SubmissionFailure("invalid-file", "the submission has too many files")
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return  # unreadable, or swapped for a link since it was listed
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return  # a FIFO or device: nothing a lab needs
        with open(target, "xb") as out:
            while chunk := os.read(fd, 1 << 20):
                budget["bytes"] -= len(chunk)
                if budget["bytes"] < 0:
                    raise SubmissionFailure("invalid-file", "the submission is larger than the size allowed")
                out.write(chunk)
    finally:
        os.close(fd)
