"""The worker as a Jupyter kernel: a real IPython kernel whose namespace the grader can also reach.

Run as ``python -I -S runner.py kernel CONNECTION_FILE CONFIG`` (the argv of
the kernelspec the grader writes): the process applies the sandbox settings to
itself (``runner.isolate``), becomes an ipykernel kernel whose cells come from
the grader's Jupyter client, and serves the grader's requests
(``runner.Server``) over the kernel shell's namespace, on the Unix socket named
by ``CONFIG["serve"]``: a thread of its own reads them, and each runs on the
kernel's main thread in the context the cells left, as a next cell would (so
``np.seterr`` and other per-thread or context-local settings of the notebook
hold while the checks run). Cells are named ``<In[N]>`` (N the execution
count) so that the grader can tell which cell a traceback points at.
Standalone: standard library, NumPy and ipykernel only.
"""
from __future__ import annotations

import contextvars
import importlib
import os
import re
import socket
import sys
import threading
from typing import Any, Callable

# Names IPython keeps in the user's namespace for its history and shell: not the student's.
_HISTORY = re.compile(r"_(|_|__|i|ii|iii|i\d+|\d+|ih|oh|dh|exit_code)")


class CellFiles:
    """The file names of the cells the kernel compiled, as the set ``Server.files`` stands for."""

    def __init__(self, compiler: Any) -> None:
        self.names: dict[str, int] = compiler._filename_map

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def add(self, name: str) -> None:
        """Cells are registered by IPython's compiler, not by the Server."""


def cell_name(raw_code: str, transformed_code: str, number: int) -> str:
    """The file name of a cell's code: ``<In[N]>``."""
    return f"<In[{number}]>"


class KernelOps:
    """What the worker of a kernel adds to ``runner.Server`` (mixed in before it)."""

    shell: Any
    kernel: Any
    events: list[dict]
    namespace: dict
    isolation: dict
    context: contextvars.Context | None = None  # the cells' context, copied after the last one ran

    def handle(self, op: str, header: dict, blobs: list[bytes], encoder: Any) -> dict:
        """Run the request on the kernel's main thread, in the cells' context; wait for it here."""
        handle = super().handle  # type: ignore[misc]
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                context = self.context or contextvars.copy_context()
                outcome["value"] = context.run(handle, op, header, blobs, encoder)
            except BaseException as exc:  # noqa: BLE001 - raised again in the serving thread
                outcome["error"] = exc
            finally:
                done.set()

        self.kernel.io_loop.add_callback(run)
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def reply(self, header: dict, blobs: list[bytes] | None = None) -> None:
        """As the runner's, but a kernel's streams are flushed only when they hold output (a flush waits
        for ipykernel's IO thread)."""
        streams = [sys.stdout, sys.stderr]
        if any(getattr(stream, "_flush_pending", True) for stream in streams):
            super().reply(header, blobs)  # type: ignore[misc]
        else:
            self.write(header, blobs)

    def op_report(self, header: dict, blobs: list[bytes], encoder: Any) -> dict:
        """The problems met by the cells run so far (load events, with ``count``), and the isolation."""
        standin = getattr(self, "standin", None)  # packages replaced by inert stand-ins (standins.py)
        return {"events": list(self.events) + (standin.events() if standin else []), "isolation": self.isolation}

    def op_namespace(self, header: dict, blobs: list[bytes], encoder: Any) -> dict:
        """As the runner's, less the names IPython put there (``In``, ``Out``, ``exit``, ``_i1``...)."""
        hidden = self.shell.user_ns_hidden

        def students(name: str) -> bool:
            return not _HISTORY.fullmatch(name) and not (name in hidden and hidden[name] is self.namespace.get(name))

        names = super().op_namespace(header, blobs, encoder)["names"]  # type: ignore[misc]
        return {"names": [entry for entry in names if students(entry["name"])]}

    def op_load(self, header: dict, blobs: list[bytes], encoder: Any) -> dict:
        raise ValueError("a kernel's cells are run by the Jupyter client, not by a load request")


def recorder(*, server: KernelOps, files: CellFiles, describe: Callable[..., dict]) -> Callable[[Any], None]:
    """A ``post_run_cell`` callback: keeps the cells' context; a failed cell becomes a load event as the
    runner reports it."""

    def record(result: Any) -> None:
        server.context = contextvars.copy_context()
        error = result.error_before_exec if result.error_before_exec is not None else result.error_in_exec
        if error is None:
            return
        info = describe(error, error.__traceback__, files)
        if result.error_before_exec is not None:
            kind = "syntax-error"
        elif isinstance(error, SystemExit):
            kind = "exit"
            info["message"] = f"your code called sys.exit({error.code!r}) at top level"
        else:
            kind = "exception"
        server.events.append({**info, "kind": kind, "count": result.execution_count})

    return record


def run(*, connection_file: str, config: dict, server_class: type, describe: Callable[..., dict],
        isolate: Callable[[dict], dict], standin: Any = None) -> int:
    """Become the kernel: isolate, start ipykernel, serve the grader's requests beside it."""
    isolation = isolate(config)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize([f"--IPKernelApp.connection_file={connection_file}", "--HistoryManager.hist_file=:memory:",
                    f"--ipython-dir={config['ipython_dir']}", "--log-level=ERROR"])
    shell = app.shell
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # the student's own modules import (IPython 9 no longer adds it)
    shell.compile.get_code_name = cell_name
    files = CellFiles(shell.compile)
    channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    channel.connect(config["serve"])
    server = type("KernelServer", (KernelOps, server_class), {})(channel.fileno(), channel.fileno())
    server.shell, server.kernel, server.events, server.files = shell, app.kernel, [], files
    server.namespace, server.isolation, server.standin = shell.user_ns, isolation, standin
    shell.events.register("post_run_cell", recorder(server=server, files=files, describe=describe))
    # A module a cell just wrote (%%writefile) must import in the next one, whatever the file system's clock.
    shell.events.register("pre_run_cell", lambda *_: importlib.invalidate_caches())
    threading.Thread(target=server.serve, name="grader-requests", daemon=True).start()
    app.start()
    channel.close()
    return 0
