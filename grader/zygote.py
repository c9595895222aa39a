"""Pre-warmed workers: one long-lived process per grading thread forks a fresh worker per submission.

Starting Python and importing NumPy and matplotlib costs more than most
students' code. A zygote (``runner.py zygote``) pays it once; each ``fork``
gives a child that is a new session with every limit of
:func:`grader.sandbox.worker_config` applied to itself before it runs student
code, exactly as a freshly started worker does. The zygote never runs student
code. The grader sends the child's pipe ends over a Unix socket (SCM_RIGHTS).
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

from grader.errors import InternalError
from grader.sandbox import RUNNER, Limits, clean_env, worker_config


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
    """One pre-warmed process; not thread-safe (a :class:`ZygotePool` gives one to each thread)."""

    def __init__(self, limits: Limits) -> None:
        self.home = tempfile.mkdtemp(prefix="grader-zygote-")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control = ours
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(RUNNER), "zygote", str(theirs.fileno()),
             json.dumps(worker_config(limits))],
            env=clean_env(self.home), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True,
        )
        theirs.close()

    def _ask(self, request: dict[str, Any], fds: tuple[int, ...] = (), timeout: float | None = None) -> dict[str, Any]:
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], list(fds))
            if timeout is not None and not select.select([self.control], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired("zygote", timeout)
            data = self.control.recv(1 << 16)
        except OSError as exc:
            raise InternalError(f"the pre-warmed worker failed: {exc}") from None
        if not data:
            raise InternalError("the pre-warmed worker ended unexpectedly")
        return json.loads(data)

    def fork(self, *, fds: tuple[int, int, int], cwd: Path, env: dict[str, str], config: dict[str, Any]) -> ForkedProcess:
        reply = self._ask({"op": "fork", "cwd": str(cwd), "env": env, "config": config}, fds)
        return ForkedProcess(self, int(reply["pid"]))

    def reap(self, pid: int, timeout: float | None) -> int:
        return int(self._ask({"op": "wait", "pid": pid}, timeout=timeout)["code"])

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Stop the zygote at once: it holds no state worth a graceful exit."""
        self.control.close()
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)


class ZygotePool:
    """Zygotes lent to grading threads, one at a time each; a dead one is replaced."""

    def __init__(self, *, size: int, limits: Limits) -> None:
        self.limits = limits
        self.idle: queue.SimpleQueue[Zygote] = queue.SimpleQueue()
        self.all: list[Zygote] = []
        self.lock = threading.Lock()
        for _ in range(size):
            self._add()

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
