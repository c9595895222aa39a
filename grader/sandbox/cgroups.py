"""Caps on the processes and threads of workers: cgroup ``pids`` groups owned by this grader process.

A group is named ``grader-<owner>-<member>``: the pid of the grader process
that created it, then the pid of the first process put in it (a worker, or a
zygote whose forked children inherit the group). Only the process that
created a group removes it, except a group left behind by a grader that died
(SIGKILL): once it is empty, the next grader that creates a group removes it.
Old names ``grader-<worker>`` are removed on the same terms (empty, and that
process is gone).
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import time
from pathlib import Path

ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))  # cgroup v1's pids hierarchy, then v2's
MOUNTS = Path("/proc/self/mounts")
_NAME = re.compile(r"grader-(\d+)(?:-\d+(?:-[0-9a-f]+)?)?")  # group(1): the owner (old names: the worker)


def pids_root(*, roots: tuple[Path, ...] = ROOTS, mounts: Path = MOUNTS) -> Path | None:
    """The first of ``roots`` where this process may create pids groups, if any.

    It must be the mount point of a real cgroup hierarchy with the ``pids``
    controller: cgroup v1 mounted with ``pids``, or cgroup v2 whose
    ``cgroup.controllers`` lists ``pids`` (a tmpfs holding a stray
    ``cgroup.procs`` is not one), and writable.
    """
    try:
        table = mounts.read_text()
    except OSError:
        return None
    kinds: dict[str, tuple[str, list[str]]] = {}
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            kinds[fields[1]] = (fields[2], fields[3].split(","))  # a later mount hides an earlier one
    for root in roots:
        kind, options = kinds.get(str(root), ("", []))
        if (kind == "cgroup" and "pids" in options) or (kind == "cgroup2" and _lists_pids(root)):
            if os.access(root, os.W_OK):
                return root
    return None


def _lists_pids(root: Path) -> bool:
    try:
        return "pids" in (root / "cgroup.controllers").read_text().split()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(root: Path) -> list[str]:
    """Remove the empty groups of graders that are gone; returns their names.

    A group is stale when the pid its name starts with (the owner; in an old
    name, the worker) is not running. A group that still holds processes is
    kept, as is every group of a running grader.
    """
    removed = []
    try:
        names = os.listdir(root)
    except OSError:
        return removed
    for name in names:
        match = _NAME.fullmatch(name)
        if match is None or _alive(int(match.group(1))):
            continue
        group = root / name
        try:
            if (group / "cgroup.procs").read_text().split():
                continue
            group.rmdir()
        except OSError:  # not a group, someone else's, or just removed by another grader
            continue
        removed.append(name)
    return removed


def _create(root: Path, *, member: int) -> Path | None:
    """A new, empty group of this process under ``root`` (None if it cannot be made)."""
    base = root / f"grader-{os.getpid()}-{member}"
    for group in (base, base.with_name(f"{base.name}-{secrets.token_hex(3)}")):
        try:
            group.mkdir()
        except FileExistsError:  # left behind under the same pids: never ours to take over
            continue
        except OSError:
            return None
        return group
    return None


class ProcessCap:
    """A cap on the processes and threads of one worker: a cgroup ``pids`` group this process
    creates (root on a real cgroup v1 or v2 hierarchy), else the worker's own RLIMIT_NPROC (not for root).

    ``spare`` tasks of the group are not the worker's: a zygote puts itself in
    the group (``spare=1``) and each child it forks inherits it.
    """

    def __init__(self, limit: int, *, spare: int = 0) -> None:
        self.limit = limit
        self.spare = spare
        self.group: Path | None = None

    def attach(self, pid: int) -> str:
        """Put ``pid`` (and so everything it starts) under the cap; says how it was capped."""
        root = pids_root()
        if root is not None:
            remove_stale(root)
            group = _create(root, member=pid)
            if group is not None:
                try:
                    (group / "pids.max").write_text(str(self.limit + self.spare))
                    (group / "cgroup.procs").write_text(str(pid))
                except OSError:
                    _remove(group)  # made just now, by this process
                else:
                    self.group = group
                    return f"at most {self.limit} (cgroup)"
        return f"at most {self.limit} (rlimit)" if os.geteuid() != 0 else "not capped (no cgroup available)"

    def members(self) -> list[int]:
        """The processes in the group (not its zombies: those are only counted by :meth:`charged`)."""
        if self.group is None:
            return []
        try:
            return [int(pid) for pid in (self.group / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def charged(self) -> int:
        """Tasks (threads, and processes not yet reaped) counted against the cap."""
        if self.group is None:
            return 0
        try:
            return int((self.group / "pids.current").read_text())
        except (OSError, ValueError):
            return 0

    def clear(self, *, keep: int | None = None, timeout: float = 2.0) -> int:
        """SIGKILL every process of the group but ``keep`` until none is left; returns how many kills were sent.

        With ``keep`` (a zygote that reaps what is killed), also wait until only
        its ``spare`` tasks are charged, so that its next child has the whole
        cap. Gives up after ``timeout`` seconds.
        """
        sent = 0
        deadline = time.monotonic() + timeout
        while True:
            others = [pid for pid in self.members() if pid != keep]
            for pid in others:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            sent += len(others)
            settled = keep is None or self.charged() <= self.spare
            if (not others and settled) or time.monotonic() > deadline:
                return sent
            time.sleep(0.002)

    def release(self) -> None:
        """Kill what is left in the group and remove it."""
        if self.group is not None:
            self.clear()
            _remove(self.group)
            self.group = None


def _remove(group: Path) -> None:
    """rmdir a group of this process, retrying while its last processes are being reaped."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)
