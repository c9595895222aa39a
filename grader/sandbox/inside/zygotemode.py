"""The worker as a zygote: a pre-warmed process that forks one fresh worker per submission.

Run as ``python -I -S runner.py zygote CONTROL_FD CONFIG``. Requests come as
JSON over the Unix socket ``CONTROL_FD``: ``fork`` (with the child's request,
reply and output pipe ends attached, SCM_RIGHTS, and its ``cwd`` and ``env``)
answers ``{"pid"}``; ``wait`` (``pid``, optional ``timeout``) answers
``{"code"}`` once that child has ended, or ``{"running": true}``.

The zygote is the subreaper of its children's orphans and reaps them as they
end (on SIGCHLD): what the grader kills after a child (a process that started
a session of its own) then stops counting against their shared cgroup at
once, not whenever init reaps it. When the grader goes away (even killed),
the zygote kills the workers it forked that still run, and ends. Standalone:
standard library only.
"""
from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import time
from typing import Callable

PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWPID = 0x20000000
_libc = ctypes.CDLL(None, use_errno=True)


class Children:
    """The exit statuses of the forked workers, reaped on SIGCHLD along with every orphan the zygote inherits.

    With ``pid_namespaces`` each child is PID 1 of a new PID namespace: the zygote unshares one just
    before its fork and goes back to its own just after, so the child needs no fork of its own.
    """

    def __init__(self, *, pid_namespaces: bool = False) -> None:
        self.exits: dict[int, int | None] = {}  # forked worker -> its status once reaped
        self.strays: dict[int, int] = {}  # reaped before they were known: orphans, or a child that ended at once
        self.own_namespace = -1
        if pid_namespaces:
            try:
                self.own_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                pass

    def reap(self) -> None:
        """Reap every child that has ended."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            if pid in self.exits:
                self.exits[pid] = code
            else:
                self.strays[pid] = code

    def fork(self) -> int:
        """``os.fork()``, the child known (with its status if already reaped) before the parent goes on."""
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        namespaced = self.own_namespace >= 0 and _libc.unshare(CLONE_NEWPID) == 0
        pid = -1
        try:
            self.strays.clear()  # from here on a stray with the new child's pid can only be that child
            pid = os.fork()
            if pid == 0:
                if self.own_namespace >= 0:
                    os.close(self.own_namespace)  # a way back into the zygote's namespace: never the child's
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the student's children are the student's to reap
                return 0
            self.exits[pid] = self.strays.pop(pid, None)
            return pid
        finally:
            if namespaced and pid != 0 and _libc.setns(self.own_namespace, CLONE_NEWPID) != 0:
                os._exit(71)  # the next child would share this one's namespace: end, the pool starts another
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})

    def kill(self) -> None:
        """SIGKILL the process group of every forked worker still running."""
        for pid, code in self.exits.items():
            if code is None:
                for kill in (os.killpg, os.kill):  # its session's group, or itself before its setsid()
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    def wait(self, pid: int, *, timeout: float | None) -> dict:
        """The reply to ``wait``: ``{"code": status}``, or ``{"running": True}`` after ``timeout`` seconds."""
        if pid not in self.exits:
            return {"code": None, "running": False}
        deadline = None if timeout is None else time.monotonic() + float(timeout)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # an end between reap() and the wait stays pending
        try:
            while True:
                self.reap()
                if self.exits[pid] is not None:
                    return {"code": self.exits.pop(pid)}
                if deadline is None:
                    signal.sigwait({signal.SIGCHLD})
                elif deadline <= time.monotonic():
                    return {"code": None, "running": True}
                else:
                    signal.sigtimedwait({signal.SIGCHLD}, deadline - time.monotonic())
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


def run(*, control_fd: int, child: Callable[[list[int], dict], None], pid_namespaces: bool = False) -> int:
    """Serve the grader until it closes the socket; ``child(fds, request)`` runs in each forked child
    (with SIGCHLD back to its default) and never returns."""
    _become_subreaper()
    control = socket.socket(fileno=control_fd)
    children = Children(pid_namespaces=pid_namespaces)
    signal.signal(signal.SIGCHLD, lambda signum, frame: children.reap())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 3)
        except OSError:
            data = b""
        if not data:  # the grader is gone (even killed): so is the work of its children
            children.kill()
            return 0
        request = json.loads(data)
        if request["op"] == "fork":
            pid = children.fork()
            if pid == 0:
                control.close()
                child(fds, request)
                os._exit(70)
            for fd in fds:
                os.close(fd)
            reply: dict = {"pid": pid}
        else:
            reply = children.wait(int(request["pid"]), timeout=request.get("timeout"))
        control.sendall(json.dumps(reply).encode())


def _become_subreaper() -> None:
    """Orphans of this process's descendants become its children (Linux; elsewhere nothing happens)."""
    try:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
