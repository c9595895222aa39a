"""Running a notebook in a real Jupyter kernel, for notebooks the kernel-less worker cannot run faithfully.

:class:`KernelWorker` has the public API of :class:`~grader.sandbox.worker.Worker`,
so sessions and checks do not know which one they drive. Its process is an
IPython kernel started by jupyter_client from a kernelspec written in the
worker's temporary folder, whose argv is our own runner in kernel mode
(``runner.py kernel``): the same interpreter flags, site view, limits and
network namespace as any worker, and ZMQ over Unix sockets (``ipc``), which a
network namespace does not cut. The notebook's cells are executed by nbclient
as Jupyter would; the checks' requests go over a Unix socket of their own to
a thread of the kernel that serves them over the kernel's namespace.
"""
from __future__ import annotations

import json
import os
import re
import select
import socket
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from grader.errors import InternalError, SubmissionFailure
from grader.sandbox.inside import wire
from grader.sandbox.worker import RUNNER, CappedOutput, Forker, Limits, OutputBuffer, ProcessCap, Worker, clean_env

KERNEL_NAME = "backprop-grader"
STARTUP_TIMEOUT = 60.0  # the kernel's own start, not counted in the submission's load time
_IN_CELL = re.compile(r"<In\[(\d+)\]>")


class StreamOutput(CappedOutput):
    """The text a kernel's cells printed, kept as a plain worker's output is (first ``cap`` bytes;
    an output flood kills)."""

    def write(self, text: str) -> None:
        self.add(text.encode("utf-8", errors="replace"))


class GradingClient(NotebookClient):
    """nbclient's executor, keeping only what the cells print (capped), not their outputs."""

    def __init__(self, nb: nbformat.NotebookNode, *, sink: StreamOutput, **kwargs: Any) -> None:
        super().__init__(nb, **kwargs)
        self.sink = sink
        self.exited = False  # the last cell run called sys.exit() or exit()
        self.on_cell_executed = self._executed

    async def _executed(self, cell: Any, cell_index: int, execute_reply: dict[str, Any] | None) -> None:
        content = (execute_reply or {}).get("content", {})
        asked = [p for p in content.get("payload", []) if p.get("source") == "ask_exit" and not p.get("keepkernel")]
        self.exited = bool(asked) or (content.get("status") == "error" and content.get("ename") == "SystemExit")

    def output(self, outs: list, msg: dict[str, Any], display_id: str | None, cell_index: int) -> None:
        if msg["msg_type"] == "stream":
            self.sink.write(str(msg["content"].get("text", "")))
        return None


class KernelWorker(Worker):
    """A worker that is a Jupyter kernel; use like :class:`~grader.sandbox.worker.Worker`.

    ``start`` prepares the kernelspec and the request socket; ``load`` starts
    the kernel in the submission's folder (as Jupyter starts a notebook's
    kernel in the notebook's folder) and executes the notebook's cells as they
    are written (``{"cells": [{"index", "source", "original"}]}``: the kernel
    runs ``original``, or ``source`` if absent, and transforms the magics
    itself). The pre-forked zygote is never used.
    """

    def __init__(self, *, files: list[Path], limits: Limits, forker: Forker | None = None) -> None:
        super().__init__(files=files, limits=limits, forker=None)  # a kernel is never forked from a zygote
        self.manager: AsyncKernelManager | None = None
        self.client: GradingClient | None = None
        self.listener: socket.socket | None = None
        self.counts: dict[int, int] = {}  # execution count -> the cell's number in the notebook
        self.console: OutputBuffer | None = None  # the kernel process's own stdout and stderr
        self.output: StreamOutput | None = None  # type: ignore[assignment]  # what the student's code printed

    # -- start and load ---------------------------------------------------
    def start(self) -> None:
        # The kernel's sockets live in ``ipc``, the one folder of the grader's that a sandboxed kernel shares
        # (its parents are private to the grader); the rest of the worker's folder is copied into its scratch.
        ipc = self.root / "ipc"
        ipc.mkdir(mode=0o777)
        ipc.chmod(0o777)
        config = {**self.config(), "serve": str(ipc / "requests.sock"), "ipython_dir": str(self.root / "ipython"),
                  "share": [str(ipc)]}
        spec = self.root / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (self.root / "ipython").mkdir()
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-I", "-S", str(RUNNER), "kernel", "{connection_file}", json.dumps(config)],
            "display_name": "Python 3 (grader sandbox)", "language": "python", "interrupt_mode": "signal",
        }))
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(config["serve"])
        os.chmod(config["serve"], 0o666)  # the kernel connects as its own uid
        self.listener.listen(1)
        self.manager = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                          connection_file=str(ipc / "kernel.json"),
                                          kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
        self.output = StreamOutput(self.limits.output_cap, kill_after=self.limits.output_kill,
                                   on_flood=self.kill_group)

    def load(self, unit: dict[str, Any]) -> list[dict[str, Any]]:
        """Start the kernel and run the notebook's cells; returns the problems met (events)."""
        cells = list(unit["cells"])
        self._launch(self.workdir / unit["folder"] if unit.get("folder") else self.workdir)
        deadline = time.monotonic() + self.limits.load_timeout
        assert self.client is not None and self.output is not None
        self.client.nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.get("original", c["source"]))
                                                         for c in cells])
        self.client.timeout_func = lambda cell: max(deadline - time.monotonic(), 0.01)
        for position, cell in enumerate(cells):
            node = self.client.nb.cells[position]
            try:
                self.client.execute_cell(node, position)
            except CellTimeoutError:
                self.kill()
                raise SubmissionFailure("timeout", f"no answer within {self.limits.load_timeout:g} s "
                                        "(an endless loop, or far too much work?)") from None
            except DeadKernelError:
                raise self._death() from None
            if node.get("execution_count"):
                self.counts[int(node.execution_count)] = int(cell["index"])
            if self.client.exited:  # as the kernel-less worker does, and a frontend asked to exit would
                break
        reply = self.request({"op": "report"}, [])
        self.isolation = {**dict(reply.get("isolation", {})), "processes": self.process_cap}
        events = [self._located(event) for event in reply.get("events", [])]
        if self.client.exited and not any(e.get("kind") == "exit" for e in events):
            # IPython's exit() only asks the frontend to close: no exception, so no event of the kernel's
            events.append({"kind": "exit", "type": "SystemExit", "cell": cell["index"], "line": None,
                           "file": f"<cell {cell['index']}>", "traceback": None,
                           "message": "your code called exit() at top level"})
        return events

    def _launch(self, cwd: Path) -> None:
        """Start the kernel process, accept its request channel, and wait until it answers Jupyter."""
        assert self.manager is not None and self.listener is not None and self.output is not None
        out_r, out_w = os.pipe()
        self.client = GradingClient(nbformat.v4.new_notebook(), km=self.manager, sink=self.output,
                                    allow_errors=True, startup_timeout=int(STARTUP_TIMEOUT), iopub_timeout=1)
        try:
            self.client.start_new_kernel(cwd=str(cwd), env=clean_env(str(self.workdir)), stdout=out_w, stderr=out_w)
        finally:
            os.close(out_w)
        self.process = self.manager.provisioner.process  # type: ignore[union-attr]
        self.console = OutputBuffer(out_r, self.limits.output_cap, kill_after=self.limits.output_kill,
                                    on_flood=self.kill_group)
        self.cap = ProcessCap(self.limits.processes, spare=0 if self.limits.sandbox == "off" else 1)  # its babysitter
        self.process_cap = self.cap.attach(self.process.pid)
        channel = self._accept(time.monotonic() + STARTUP_TIMEOUT)
        self.request_w = channel.detach()
        self.reply_r = os.dup(self.request_w)
        self.replies = wire.Reader(self.reply_r)
        try:
            self.client.start_new_kernel_client()
        except RuntimeError as exc:
            raise self._startup_failure(str(exc)) from None

    def _accept(self, deadline: float) -> socket.socket:
        assert self.listener is not None and self.process is not None
        while time.monotonic() < deadline:
            if select.select([self.listener], [], [], 0.1)[0]:
                return self.listener.accept()[0]
            if self.process.poll() is not None:  # type: ignore[union-attr]
                raise self._startup_failure(f"it ended with status {self.process.returncode}")
        raise self._startup_failure(f"no request channel within {STARTUP_TIMEOUT:g} s")

    def _startup_failure(self, why: str) -> InternalError:
        self.kill()
        said = self.console.text().strip()[-2000:] if self.console else ""
        return InternalError(f"the Jupyter kernel did not start: {why}" + (f"\n{said}" if said else ""))

    # -- positions ---------------------------------------------------------
    def _cell_file(self, match: re.Match[str]) -> str:
        count = int(match.group(1))
        return f"<cell {self.counts[count]}>" if count in self.counts else match.group(0)

    def _relabel(self, text: Any) -> Any:
        """``<In[N]>`` (the kernel's name of a cell) as ``<cell K>`` (the notebook's cell K)."""
        return _IN_CELL.sub(self._cell_file, text) if isinstance(text, str) else text

    def _located(self, event: dict[str, Any]) -> dict[str, Any]:
        event = dict(event)
        count = event.pop("count", None)
        cell = self.counts.get(int(count)) if isinstance(count, (int, float)) else None
        return {**event, "cell": cell, "file": self._relabel(event.get("file")),
                "traceback": self._relabel(event.get("traceback")), "message": self._relabel(event.get("message"))}

    def request(self, header: dict[str, Any], blobs: list[bytes], timeout: float | None = None) -> dict[str, Any]:
        try:
            return super().request(header, blobs, timeout)
        except SubmissionFailure as exc:
            raise SubmissionFailure(exc.kind, self._relabel(exc.message), line=exc.line, cell=exc.cell,
                                    file=self._relabel(exc.file), traceback=self._relabel(exc.traceback)) from None

    # -- output and end ----------------------------------------------------
    def captured_output(self) -> str:
        said = self.console.text() if self.console else ""
        return (self.output.text() if self.output else "") + said

    def _drain(self, seconds: float = 1.0) -> None:
        """Keep what the student's code printed while the checks ran (stream messages still queued)."""
        client = self.client
        if client is None or client.kc is None or self.output is None:
            return
        deadline = time.monotonic() + seconds

        async def drain() -> None:
            while time.monotonic() < deadline:
                try:
                    msg = await client.kc.iopub_channel.get_msg(timeout=0.05)
                except Exception:  # noqa: BLE001 - queue.Empty, or a closed channel
                    return
                if msg["msg_type"] == "stream":
                    self.output.write(str(msg["content"].get("text", "")))

        run_sync(drain)()

    def close(self) -> None:
        """Shut the kernel down now, kill what it started, and remove its folder."""
        if self.process is not None and self.process.poll() is None:  # type: ignore[union-attr]
            self._drain()
        if self.manager is not None and self.manager.has_kernel:
            try:
                run_sync(self.manager.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001 - already dead; the group is killed below anyway
                pass
        if self.client is not None and self.client.kc is not None:
            self.client.kc.stop_channels()
        if self.listener is not None:
            self.listener.close()
        super().close()
