"""Running a submission in a worker process of its own, under limits.

:class:`Worker` starts ``python -I grader/sandbox/inside/runner.py`` in a fresh
temporary directory holding a copy of the student's files, with a clean
environment, its own session (so the whole process group can be killed), a cap
on its processes and threads (:class:`~grader.sandbox.cgroups.ProcessCap`; a forked
worker shares its zygote's), and its stdout/stderr captured up to a cap.
Requests have deadlines: a worker that misses one is killed and the failure
becomes a ``timeout``; a worker that dies becomes a ``crash``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from grader.sandbox.cgroups import ProcessCap
from grader.errors import ProtocolError, SubmissionFailure
from grader.sandbox.remote import Encoder, Ref, decode
from grader.sandbox.warmup import prepare_mplconfig
from grader.sandbox.config import (  # noqa: F401 - re-exported: a worker's configuration lives there
    BLOCKED_PACKAGES, RUNNER, Limits, clean_env, isolation_possible, platform_isolation, site_view, worker_config,
)
from grader.sandbox.submission import CopyLimits, copy_submission
from grader.sandbox.inside import wire

SAMPLE_GRACE = 0.25  # seconds a missed deadline waits for the stack sample the worker is sending
SET_BLOBS = wire.MAX_BLOBS // 2  # arrays of one batched set request, well under the cap


class CappedOutput:
    """Output kept up to ``cap`` bytes; past ``kill_after`` bytes in all, ``on_flood`` is called once
    (the worker is killed: an output flood is a limit of its own, ``output-limit``)."""

    def __init__(self, cap: int, *, kill_after: int, on_flood: Callable[[], None]) -> None:
        self.cap = cap
        self.kill_after = kill_after
        self.on_flood = on_flood
        self.data = bytearray()
        self.dropped = 0
        self.flooded = False

    def add(self, chunk: bytes) -> None:
        room = max(self.cap - len(self.data), 0)
        self.data += chunk[:room]
        self.dropped += max(len(chunk) - room, 0)
        if not self.flooded and len(self.data) + self.dropped > self.kill_after:
            self.flooded = True
            self.on_flood()

    def text(self) -> str:
        text = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not kept]"
        return text


class OutputBuffer(CappedOutput):
    """Drains a pipe in a thread into a :class:`CappedOutput`."""

    def __init__(self, fd: int, cap: int, *, kill_after: int, on_flood: Callable[[], None]) -> None:
        super().__init__(cap, kill_after=kill_after, on_flood=on_flood)
        self.thread = threading.Thread(target=self._drain, args=(fd,), daemon=True)
        self.thread.start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                self.add(chunk)

    def text(self) -> str:
        self.thread.join(timeout=2)
        return super().text()


class Process(Protocol):
    """What :class:`Worker` needs of its process: a ``subprocess.Popen`` or a forked child."""

    pid: int
    returncode: int | None

    def wait(self, timeout: float | None = None) -> int: ...


class Forker(Protocol):
    """Starts workers faster than a new interpreter (see :mod:`grader.sandbox.zygote`).

    Its workers run under its own ``limits`` (their :func:`worker_config` is
    the forker's, made once), and ``process_cap`` says how they are capped:
    every child shares the forker's cap, so it has one child at a time.
    """

    limits: Limits
    process_cap: str

    def fork(self, *, fds: tuple[int, int, int], cwd: Path, home: Path, env: dict[str, str]) -> Process: ...

    def sweep(self) -> None:
        """After its child was killed and reaped: kill whatever the child left, in its session or not."""
        ...


class Worker:
    """One worker process serving one submission. Use as a context manager."""

    def __init__(self, *, files: list[Path], limits: Limits, forker: Forker | None = None) -> None:
        if forker is not None and forker.limits != limits:
            raise ValueError("a forked worker runs under its forker's limits; they differ from this worker's")
        self.limits = limits
        self.forker = forker
        self.root = Path(os.path.realpath(tempfile.mkdtemp(prefix="grader-")))
        self.workdir = self.root / "work"
        self.workdir.mkdir()
        (self.root / ".stage").mkdir()  # where the worker assembles its root (in its own mount namespace)
        try:
            for path in files:
                copy_submission(path, self.workdir / path.name, limits=CopyLimits())
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.process: Process | None = None
        self.output: OutputBuffer | None = None
        self.next_handle = 1_000_000
        self.request_w = self.reply_r = -1
        self.replies: wire.Reader | None = None  # the reply channel's reader, for the channel's whole life
        self.sequence = 0
        self.cap: ProcessCap | None = None
        self.process_cap = ""
        self.isolation: dict[str, str] = {}

    def __enter__(self) -> Worker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        request_r, self.request_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        self.replies = wire.Reader(self.reply_r)
        out_r, out_w = os.pipe()
        env = clean_env(str(self.workdir))
        if self.forker is None:  # a forked worker has matplotlib loaded by its zygote already
            prepare_mplconfig(Path(env["MPLCONFIGDIR"]))
        if self.forker is not None:  # the child inherits the forker's cgroup: no migration
            self.process = self.forker.fork(fds=(request_r, reply_w, out_w), cwd=self.workdir, home=self.root, env=env)
            self.process_cap = self.forker.process_cap
        else:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(RUNNER), str(request_r), str(reply_w),
                 json.dumps(self.config())],
                cwd=self.workdir, env=env, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                pass_fds=(request_r, reply_w), start_new_session=True,
            )
        for fd in (request_r, reply_w, out_w):
            os.close(fd)
        if self.forker is None:
            self.cap = ProcessCap(self.limits.processes, spare=0 if self.limits.sandbox == "off" else 1)  # its babysitter
            self.process_cap = self.cap.attach(self.process.pid)
        self.output = OutputBuffer(out_r, self.limits.output_cap, kill_after=self.limits.output_kill,
                                   on_flood=self.kill_group)

    def config(self) -> dict[str, Any]:
        """This worker's :func:`worker_config`, with its folder and the place its root is assembled."""
        return {**worker_config(self.limits), "home": str(self.root), "stage": str(self.root / ".stage")}

    # -- requests ---------------------------------------------------------
    def request(self, header: dict[str, Any], blobs: list[bytes], timeout: float | None = None) -> dict[str, Any]:
        """Send one request and wait for its reply (its blobs under ``"blobs"``).

        Failures of the student's code raise :class:`SubmissionFailure`.
        """
        limit = timeout or self.limits.request_timeout
        self.sequence += 1
        stuck: dict[str, Any] | None = None  # where the student's code was, sampled near the deadline
        try:
            wire.write_message(self.request_w, {**header, "id": self.sequence, "deadline": limit}, blobs)
            deadline = time.monotonic() + limit
            assert self.replies is not None, "the worker was not started"
            while True:
                reply, reply_blobs = self.replies.read(deadline)
                if "sample" not in reply or "ok" in reply:
                    break
                stuck = stack_sample(reply) if reply.get("for") == self.sequence else stuck
            if reply.get("id") != self.sequence or not isinstance(reply.get("ok"), bool):
                raise wire.WireError("a reply did not answer the request sent")
        except wire.WireTimeout:
            stuck = stuck or self._late_sample()
            self.kill()
            raise timeout_failure(limit, stuck) from None
        except (wire.WireClosed, BrokenPipeError):
            raise self._death() from None
        except wire.WireError as exc:
            self.kill()
            raise SubmissionFailure("crash", f"the worker's reply was corrupted ({exc}); "
                                    "does your code write to file descriptors it did not open?") from None
        if not reply.get("ok"):
            error = reply.get("error") or {}
            if error.get("type") == "GraderRequest":
                raise ProtocolError(str(error.get("message", "bad request")))
            kinds = {"SystemExit": "crash", "MemoryError": "memory"}
            raise SubmissionFailure(
                kinds.get(str(error.get("type")), "exception"),
                str(error.get("message", "your code raised an exception")),
                line=error.get("line"), file=error.get("file"), traceback=error.get("traceback"),
            )
        return {**reply, "blobs": reply_blobs}

    def _late_sample(self, wait: float = SAMPLE_GRACE) -> dict[str, Any] | None:
        """A stack sample already on its way when the deadline passed (a busy machine delays it)."""
        if self.replies is None:
            return None
        try:
            message, _ = self.replies.read(time.monotonic() + wait)
        except (wire.WireError, OSError):
            return None
        return stack_sample(message) if message.get("for") == self.sequence else None

    def load(self, unit: dict[str, Any]) -> list[dict[str, Any]]:
        """Run the submission; returns the problems met while running it (events)."""
        reply = self.request({"op": "load", **unit}, [], timeout=self.limits.load_timeout)
        self.isolation = {**dict(reply.get("isolation", {})), "processes": self.process_cap}
        return list(reply.get("events", []))

    def namespace(self) -> list[dict[str, Any]]:
        """Names the submission defined, with their kinds and signatures."""
        return list(self.request({"op": "namespace"}, [])["names"])

    def get(self, ref: Ref) -> Any:
        reply = self.request({"op": "get", "target": ref.to_wire()}, [])
        return self._decoded(reply, "value")

    def get_many(self, refs: list[Ref]) -> list[Any]:
        """Several values in one request (the first that raises fails it: see :meth:`get` for which)."""
        reply = self.request({"op": "get", "targets": [ref.to_wire() for ref in refs]}, [])
        values = self._decoded(reply, "values", many=True)
        if len(values) != len(refs):
            self.kill()
            raise SubmissionFailure("crash", "the worker's reply did not answer the request sent")
        return values

    def set(self, ref: Ref, value: Any, *, inplace: bool = True) -> None:
        self.set_many([(ref, value)], inplace=inplace)

    def set_many(self, items: Sequence[tuple[Ref, Any]], *, inplace: bool = True) -> None:
        """Several values set in order in one request (more only past ``SET_BLOBS`` arrays); the first set
        that raises fails it as :meth:`set` would, the ones before it staying set."""
        encoder, targets = Encoder(), []
        for ref, value in items:
            if targets and len(encoder.blobs) >= SET_BLOBS:
                self.request({"op": "set", "targets": targets}, encoder.blobs)
                encoder, targets = Encoder(), []
            targets.append({"target": ref.to_wire(), "value": encoder.encode(value), "inplace": inplace})
        if targets:
            self.request({"op": "set", "targets": targets}, encoder.blobs)

    def put(self, value: Any) -> Ref:
        """Store a value in the worker; returns a reference to it."""
        encoder = Encoder()
        tree = encoder.encode(value)
        hid = self.new_handle()
        self.request({"op": "put", "store": hid, "value": tree}, encoder.blobs)
        return Ref.handle(hid)

    def call(self, ref: Ref, *args: Any, keep: bool = False, **kwargs: Any) -> Any:
        """Call a function or method; with ``keep`` the result stays in the worker (a Ref is returned)."""
        encoder = Encoder()
        step = call_step(encoder, ref, args, kwargs)
        if keep:
            step["store"] = self.new_handle()
        reply = self.request({"op": "call", **step, "return": not keep}, encoder.blobs)
        return Ref.handle(step["store"]) if keep else self._decoded(reply, "value")

    def program(self, steps: list[dict[str, Any]], blobs: list[bytes], *, repeat: int,
                timeout: float | None = None) -> list[Any]:
        """Run ``steps`` ``repeat`` times in the worker; returns the stacked records of each step."""
        reply = self.request({"op": "program", "steps": steps, "repeat": repeat}, blobs,
                             timeout=timeout or self.limits.program_timeout)
        records = self._decoded(reply, "records", many=True)
        return list(records)

    def _decoded(self, reply: dict[str, Any], key: str, *, many: bool = False) -> Any:
        """A value of a reply; a malformed one means the worker's channel was tampered with."""
        try:
            if many:
                return [decode(tree, reply["blobs"]) for tree in reply[key]]
            return decode(reply[key], reply["blobs"])
        except (KeyError, TypeError, ProtocolError) as exc:
            self.kill()
            raise SubmissionFailure("crash", f"the worker's reply was unreadable ({exc}); does your code "
                                    "write to file descriptors it did not open?") from None

    def new_handle(self) -> int:
        self.next_handle += 1
        return self.next_handle

    def _death(self) -> SubmissionFailure:
        assert self.process is not None
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if self.output is not None and self.output.flooded:
            return SubmissionFailure("output-limit", f"your code printed more than {self.limits.output_kill // 2**20} MiB; "
                                     "it was stopped")
        if code == -signal.SIGXCPU:
            return SubmissionFailure("timeout", f"your code used more than {self.limits.cpu_time} s of CPU time")
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            return SubmissionFailure("crash", f"the process running your code was killed by {name}")
        return SubmissionFailure("crash", f"your code ended the process (exit status {code}): "
                                 "remove sys.exit/os._exit calls")

    def kill_group(self) -> None:
        """SIGKILL the worker's whole process group (safe from any thread)."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def kill(self) -> None:
        """Kill the worker and every process it started in its group (a forked worker: and whatever
        else it left in the forker's cgroup, such as a process that started a session of its own)."""
        if self.process:
            self.kill_group()
            try:
                self.process.wait()
            finally:
                if self.forker is not None:
                    self.forker.sweep()

    def captured_output(self) -> str:
        return self.output.text() if self.output else ""

    def close(self) -> None:
        """End the worker: every reply flushed its output first, so it is simply killed."""
        self.kill()
        for fd in (self.request_w, self.reply_r):
            if fd >= 0:
                os.close(fd)
        self.request_w = self.reply_r = -1
        self.replies = None
        if self.cap is not None:
            self.cap.release()
        shutil.rmtree(self.root, ignore_errors=True)


def stack_sample(message: dict[str, Any]) -> dict[str, Any] | None:
    """The place a worker's stack sample names (``file``, ``line``, ``function``), or None if malformed."""
    sample = message.get("sample")
    if not isinstance(sample, dict):
        return None
    file, line, function = sample.get("file"), sample.get("line"), sample.get("function")
    if not (isinstance(file, str) and type(line) is int and isinstance(function, str)):
        return None
    return {"file": file[:200], "line": line, "function": function[:100]}


def timeout_failure(limit: float, stuck: dict[str, Any] | None) -> SubmissionFailure:
    """A missed deadline, with where the student's code was running when it passed (when sampled)."""
    message = f"no answer within {limit:g} s (an endless loop, or far too much work?)"
    if stuck is None:
        return SubmissionFailure("timeout", message)
    inside = f" in {stuck['function']}()" if not stuck["function"].startswith("<") else ""
    return SubmissionFailure("timeout", f"{message}: it was still running line {stuck['line']}{inside}",
                             line=stuck["line"], file=stuck["file"])


def call_step(encoder: Encoder, ref: Ref, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The wire form of one call (used by ``call`` and by programs)."""
    return {
        "target": ref.to_wire(),
        "args": [encoder.encode(a) for a in args],
        "kwargs": {k: encoder.encode(v) for k, v in kwargs.items()},
    }
