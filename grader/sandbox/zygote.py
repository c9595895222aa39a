"""Pre-warmed workers: one long-lived process per grading thread forks a fresh worker per submission.

Starting Python and importing NumPy and matplotlib costs more than most
students' code. A zygote (``runner.py zygote``) pays it once; each ``fork``
gives a child that is a new session with every limit of
:func:`grader.sandbox.config.worker_config` applied to itself before it runs student
code, exactly as a freshly started worker does. The zygote never runs student
code. The grader sends the child's pipe ends over a Unix socket (SCM_RIGHTS).

The zygote is put in a cgroup ``pids`` group of its own when it starts (see
:class:`~grader.sandbox.cgroups.ProcessCap`), capped at the workers' limit plus
itself: each child inherits the group, so forking costs no cgroup write, and
since a zygote has at most one child at a time the cap is that child's. When
the child is killed, everything else in the group is killed too (a process
that started a session of its own included); the zygote is the subreaper of
its children's orphans and reaps them at once, which frees the cap for the
next child.
"""
from __future__ import annotations

import json
import os
import queue
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from grader.sandbox.cgroups import ProcessCap
from grader.errors import InternalError
from grader.sandbox.warmup import prepare_mplconfig
from grader.sandbox.config import RUNNER, Limits, clean_env, worker_config

SLACK = 10.0  # seconds the zygote may take beyond a wait's own timeout before it is deemed broken


class ForkedProcess:
    """A worker forked by a zygote: its exit status comes from the zygote that reaps it."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.zygote.reap(self.pid, timeout)
        return self.returncode

    def poll(self) -> int | None:
        return self.returncode


class Zygote:
    """One pre-warmed process; not thread-safe (a :class:`ZygotePool` gives one to each thread).

    A :class:`~grader.sandbox.worker.Forker`: its children run under ``limits``, with ``config`` (computed once).
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.config = worker_config(limits)
        self.home = tempfile.mkdtemp(prefix="grader-zygote-")
        prepare_mplconfig(Path(self.home))  # its prewarm loads matplotlib: with the grader's font list
        stage = os.path.join(self.home, "stage")  # the workers' root, built once in the zygote's mount namespace
        os.mkdir(stage)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control = ours
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(RUNNER), "zygote", str(theirs.fileno()),
             json.dumps({**self.config, "stage": stage})],
            env=clean_env(self.home), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True,
        )
        theirs.close()
        # The zygote is one thread (see tests/sandbox/test_zygote.py). Its children are each PID 1 of a new
        # PID namespace made at the fork as root; elsewhere a child keeps a babysitter (not root: no cgroup,
        # no cap to share; Landlock as root: one process more).
        self.cap = ProcessCap(limits.processes, spare=2 if limits.sandbox == "landlock" else 1)
        self.process_cap = self.cap.attach(self.process.pid)

    def _ask(self, request: dict[str, Any], fds: tuple[int, ...] = (), timeout: float | None = None) -> dict[str, Any]:
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], list(fds))
            if timeout is not None and not select.select([self.control], [], [], timeout)[0]:
                raise OSError(f"no answer within {timeout:g} s")
            data = self.control.recv(1 << 16)
        except OSError as exc:
            self.process.kill()  # its replies may now be out of step: a pool replaces a dead zygote
            raise InternalError(f"the pre-warmed worker failed: {exc}") from None
        if not data:
            raise InternalError("the pre-warmed worker ended unexpectedly")
        return json.loads(data)

    def fork(self, *, fds: tuple[int, int, int], cwd: Path, home: Path, env: dict[str, str]) -> ForkedProcess:
        reply = self._ask({"op": "fork", "cwd": str(cwd), "home": str(home), "env": env}, fds)
        return ForkedProcess(self, int(reply["pid"]))

    def reap(self, pid: int, timeout: float | None) -> int:
        """The exit status of child ``pid``; ``subprocess.TimeoutExpired`` if it still runs after ``timeout``."""
        reply = self._ask({"op": "wait", "pid": pid, "timeout": timeout},
                          timeout=None if timeout is None else timeout + SLACK)
        if reply.get("code") is None:
            if reply.get("running"):
                raise subprocess.TimeoutExpired(f"worker {pid}", timeout or 0)
            raise InternalError(f"the pre-warmed worker has no child {pid}")
        return int(reply["code"])

    def sweep(self) -> None:
        """Kill every process in the zygote's group but the zygote, and wait until it has reaped them."""
        self.cap.clear(keep=self.process.pid)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the zygote at once (it holds no state worth a graceful exit), and remove its group."""
        self.control.close()
        self.process.kill()
        self.process.wait()
        self.cap.release()
        shutil.rmtree(self.home, ignore_errors=True)


class ZygotePool:
    """Zygotes lent to grading threads, one at a time each; a dead one is replaced."""

    def __init__(self, *, size: int, limits: Limits) -> None:
        self.limits = limits
        self.idle: queue.SimpleQueue[Zygote] = queue.SimpleQueue()
        self.all: list[Zygote] = []
        self.lock = threading.Lock()
        for _ in range(size):  # warming up from now on, lent first
            self.idle.put(self._add())

    def _add(self) -> Zygote:
        zygote = Zygote(self.limits)
        with self.lock:
            self.all.append(zygote)
        return zygote

    @contextmanager
    def lend(self) -> Iterator[Zygote]:
        zygote = self.idle.get() if not self.idle.empty() else self._add()
        if not zygote.alive:
            zygote = self._add()
        try:
            yield zygote
        finally:
            self.idle.put(zygote)

    def close(self) -> None:
        for zygote in self.all:
            zygote.close()


def forking_available() -> bool:
    """Passing file descriptors over Unix sockets and fork: POSIX only."""
    return hasattr(socket, "send_fds") and hasattr(os, "fork")
