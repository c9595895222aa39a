"""The worker program: loads one submission and serves the grader's requests.

Run as ``python -I -S runner.py REQUEST_FD REPLY_FD CONFIG`` for one worker,
or ``python -I -S runner.py zygote CONTROL_FD CONFIG`` for a pre-warmed
process that forks one fresh worker per submission (see ``zygotemode.py``), or
``python -I -S runner.py kernel CONNECTION_FILE CONFIG`` for a Jupyter kernel
that also serves these requests (see ``kernelmode.py``). The
student's stdout and stderr are whatever fds 1 and 2 are (the grader
captures them). Standard
library and NumPy only (and ipykernel in kernel mode): the ``grader`` package
is never imported here.

Requests (header ``op``):
``load`` runs the submission (``path`` of a .py file, or ``cells`` of a
notebook already turned into Python); ``namespace`` describes the names it
defined; ``get``/``set`` read or write a value reached by a reference;
``call`` calls one; ``put`` stores a value in the handle table; ``program``
repeats a list of calls and records some of their results; ``free`` drops
handles; ``bye`` ends the worker.

A reference is ``{"root": {"g": name} | {"h": id}, "path": [["a", attr] |
["i", key], ...]}``.
"""
from __future__ import annotations

import builtins
import json
import os
import sys
import threading
import traceback
import types

if __name__ == "__main__" and len(sys.argv) > 3:  # started with -S: the grader names the import path
    sys.path[:0] = json.loads(sys.argv[3]).get("path", [])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine  # noqa: E402
import processlimits  # noqa: E402
import program  # noqa: E402
import shell  # noqa: E402
import standins  # noqa: E402
import stacksample  # noqa: E402
import wire  # noqa: E402

del sys.path[0]
# The helpers stay loaded but leave the names free: a student's own shell.py or wire.py must import.
for _name in ("confine", "sysfilter", "processlimits", "program", "shell", "standins", "wire", "stacksample"):
    del sys.modules[_name]
del _name

import numpy as np  # noqa: E402

# Captured before student code runs, so that patching numpy cannot change them.
_ndarray = np.ndarray
_generic = np.generic
_number_kinds = frozenset("biuf")
_array_blob = wire.array_blob
_blob_array = wire.blob_array
MAX_ITEMS = 100_000
MAX_DEPTH = 8


_IPYTHON = shell.IPythonShim()


class Student(Exception):
    """An exception raised by the student's code, with its traceback text."""

    def __init__(self, exc: BaseException, tb: types.TracebackType | None, files: set[str]) -> None:
        super().__init__(str(exc))
        self.info = describe_exception(exc, tb, files)


def describe_exception(exc: BaseException, tb: types.TracebackType | None, files: set[str]) -> dict:
    """Type, message, and the student's own frames of an exception."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename in files]
    line = file = None
    if isinstance(exc, SyntaxError) and exc.filename in files:
        file, line = exc.filename, exc.lineno
    elif frames:
        file, line = frames[-1].filename, frames[-1].lineno
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(exc), exc))
    message = f"{type(exc).__name__}: {exc.msg}" if isinstance(exc, SyntaxError) else f"{type(exc).__name__}: {exc}"
    return {
        "type": type(exc).__name__,
        "message": message[:2000],
        "file": file,
        "line": line,
        "traceback": text[-8000:],
    }


class Encoder:
    """Turns worker values into tagged trees plus array blobs."""

    def __init__(self, handles: dict[int, object]) -> None:
        self.handles = handles
        self.blobs: list[bytes] = []

    def handle(self, value: object) -> dict:
        # The worker numbers its own handles downwards from -1; the grader's are positive.
        hid = min(min(self.handles, default=0), 0) - 1
        self.handles[hid] = value
        return {"t": "h", "h": hid, "type": type(value).__name__}

    def array(self, value: object) -> dict:
        blob, shape = _array_blob(value)
        self.blobs.append(blob)
        return {"t": "a", "b": len(self.blobs) - 1, "s": shape}

    def encode(self, value: object, depth: int = 0) -> dict:
        if value is None:
            return {"t": "none"}
        if isinstance(value, bool):
            return {"t": "b", "v": bool(value)}
        if type(value) in (int, float):
            return {"t": "n", "v": float(value)}
        if isinstance(value, str):
            return {"t": "s", "v": str(value)[:2000]}
        if isinstance(value, (_ndarray, _generic)) and value.dtype.kind in _number_kinds:
            return self.array(value)
        if depth < MAX_DEPTH and type(value) in (list, tuple) and len(value) <= MAX_ITEMS:
            return {"t": type(value).__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if depth < MAX_DEPTH and type(value) is dict and len(value) <= MAX_ITEMS:
            return {"t": "dict", "v": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                       for k, v in value.items()]}
        return self.handle(value)


class Server:
    """The worker's state: the student's namespace and the handle table."""

    def __init__(self, request_fd: int, reply_fd: int) -> None:
        self.request_fd = request_fd
        self.reply_fd = reply_fd
        self.requests = wire.Reader(request_fd)  # the request channel's only reader, for its whole life
        self.namespace: dict = {}
        self.handles: dict[int, object] = {}
        self.files: set[str] = set()
        self.isolation: dict = {}
        self.request_id: object = None
        self.write_lock = threading.Lock()  # replies and stack samples share the reply channel
        self.watchdog = stacksample.Watchdog(send=self.write_sample, files=lambda: self.files)

    # -- values ---------------------------------------------------------
    def decode(self, tree: dict, blobs: list[bytes]) -> object:
        tag = tree["t"]
        if tag == "a":
            return _blob_array(blobs[tree["b"]], tree["s"])
        if tag == "n":
            value = tree["v"]
            return int(value) if tree.get("int") else float(value)
        if tag in ("s", "b"):
            return tree["v"]
        if tag == "none":
            return None
        if tag in ("list", "tuple"):
            items = [self.decode(v, blobs) for v in tree["v"]]
            return items if tag == "list" else tuple(items)
        if tag == "dict":
            return {self.decode(k, blobs): self.decode(v, blobs) for k, v in tree["v"]}
        if tag == "h":
            return self.handles[tree["h"]]
        if tag == "ref":
            return self.resolve(tree)
        raise wire.WireError(f"unknown value tag {tag!r}")

    def resolve(self, ref: dict) -> object:
        root = ref["root"]
        if "g" in root:
            name = root["g"]
            value = self.namespace[name] if name in self.namespace else getattr(builtins, name)
        else:
            value = self.handles[root["h"]]
        for kind, key in ref.get("path", []):
            value = getattr(value, key) if kind == "a" else value[key]
        return value

    def assign(self, ref: dict, value: object, inplace: bool) -> None:
        path = ref.get("path", [])
        if not path:
            root = ref["root"]
            if "g" in root:
                self.namespace[root["g"]] = value
            else:
                self.handles[root["h"]] = value
            return
        parent = self.resolve({"root": ref["root"], "path": path[:-1]})
        kind, key = path[-1]
        current = getattr(parent, key, None) if kind == "a" else _item(parent, key)
        # In place only into a float64 array of the same shape: the grader's values stay float64
        # (a float32 or integer array would round or truncate them), so those are replaced.
        if inplace and isinstance(current, _ndarray) and current.shape == np.shape(value) \
                and current.dtype == getattr(value, "dtype", None):
            current[...] = value
        elif kind == "a":
            setattr(parent, key, value)
        else:
            parent[key] = value

    # -- requests -------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                header, blobs = self.requests.read()
            except wire.WireClosed:
                return
            op = header.get("op")
            self.request_id = header.get("id")
            if op == "bye":
                self.reply({"ok": True})
                return
            encoder = Encoder(self.handles)
            self.watchdog.arm(self.request_id, header.get("deadline"))
            try:
                body = self.handle(str(op), header, blobs, encoder)
                self.watchdog.disarm()
                self.reply({"ok": True, **body}, encoder.blobs)
            except Student as exc:
                self.reply({"ok": False, "error": exc.info})
            except SystemExit as exc:
                info = describe_exception(exc, exc.__traceback__, self.files)
                info["message"] = f"your code called sys.exit({exc.code!r})"
                self.reply({"ok": False, "error": info})
            except Exception as exc:  # a bad request or a value the grader cannot read
                self.reply({"ok": False, "error": {"type": "GraderRequest", "message": f"{type(exc).__name__}: {exc}",
                                                   "file": None, "line": None, "traceback": traceback.format_exc()[-4000:]}})

    def handle(self, op: str, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        """Run one request (a kernel's worker runs it on the kernel's main thread, see ``kernelmode.py``)."""
        return getattr(self, "op_" + op)(header, blobs, encoder)

    def reply(self, header: dict, blobs: list[bytes] | None = None) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the student may have replaced or closed the stream
                pass
        self.write(header, blobs)

    def write(self, header: dict, blobs: list[bytes] | None = None) -> None:
        """Send a reply as it is."""
        self.watchdog.disarm()
        with self.write_lock:
            wire.write_message(self.reply_fd, {**header, "id": self.request_id}, blobs or [])

    def write_sample(self, header: dict) -> None:
        """Send a stack sample, unless a reply is being written (it runs in a signal handler: never waits)."""
        if self.write_lock.acquire(blocking=False):
            try:
                wire.write_message(self.reply_fd, {**header, "id": self.request_id}, [])
            finally:
                self.write_lock.release()

    def student(self, func, *args, **kwargs):
        """Call student code; its exceptions become :class:`Student`."""
        try:
            return func(*args, **kwargs)
        except (Exception, KeyboardInterrupt, SystemExit, RecursionError) as exc:
            if isinstance(exc, SystemExit):
                raise
            raise Student(exc, exc.__traceback__, self.files) from None

    def op_load(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = module
        self.namespace = module.__dict__
        builtins.get_ipython = lambda: _IPYTHON  # type: ignore[attr-defined]
        builtins.display = shell.display  # type: ignore[attr-defined]
        sys.argv = [str(header.get("name") or "notebook.ipynb")]  # as ``python lab.py`` would set it
        if header.get("folder"):
            os.chdir(header["folder"])
        sys.path.insert(0, os.getcwd())  # the student's own modules import, as beside ``python lab.py``
        events = []
        standin = standins.install()  # optional packages the machine lacks become inert stand-ins
        for source, filename, cell in _units(header):
            self.files.add(filename)
            module.__dict__.setdefault("__file__", filename)
            try:
                code = compile(source, filename, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                events.append({**describe_exception(exc, exc.__traceback__, self.files), "cell": cell,
                               "kind": "syntax-error"})
                if cell is None:
                    break
                continue
            _IPYTHON.namespace = module.__dict__
            _IPYTHON.filename = filename
            try:
                exec(code, module.__dict__)
            except SystemExit as exc:
                info = describe_exception(exc, exc.__traceback__, self.files)
                events.append({**info, "cell": cell, "kind": "exit",
                               "message": f"your code called sys.exit({exc.code!r}) at top level"})
                break
            except BaseException as exc:  # noqa: BLE001 - any student failure is reported
                events.append({**describe_exception(exc, exc.__traceback__, self.files), "cell": cell,
                               "kind": "exception"})
                if cell is None:
                    break
            shell.close_figures()
        return {"events": events + standin.events(), "isolation": self.isolation}

    def op_namespace(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        return {"names": [shell.describe(name, value) for name, value in list(self.namespace.items())
                          if not name.startswith("__") and not isinstance(value, types.ModuleType)]}

    def op_get(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        if "targets" in header:
            return {"values": [encoder.encode(self.student(self.resolve, t)) for t in header["targets"]]}
        value = self.student(self.resolve, header["target"])
        return {"value": encoder.encode(value)}

    def op_set(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        """The ``targets`` (each with its ``value`` and ``inplace``) set in order, as that many single requests
        would (a value referring to an earlier target sees it set); the first that raises fails the request."""
        for item in header["targets"]:
            value = self.decode(item["value"], blobs)
            self.student(self.assign, item["target"], value, bool(item.get("inplace")))
        return {}

    def op_put(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        self.handles[int(header["store"])] = self.decode(header["value"], blobs)
        return {}

    def op_free(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        for hid in header.get("handles", []):
            self.handles.pop(hid, None)
        return {}

    def call(self, step: dict, blobs: list[bytes]) -> object:
        func = self.student(self.resolve, step["target"])
        args = [self.decode(a, blobs) for a in step.get("args", [])]
        kwargs = {k: self.decode(v, blobs) for k, v in step.get("kwargs", {}).items()}
        result = self.student(func, *args, **kwargs)
        if step.get("store") is not None:
            self.handles[int(step["store"])] = result
        for hid, index in zip(step.get("unpack") or [], range(10_000)):
            self.handles[int(hid)] = self.student(lambda r, i: r[i], result, index)
        return result

    def op_call(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        result = self.call(header, blobs)
        return {"value": encoder.encode(result) if header.get("return", True) else {"t": "none"}}

    def op_program(self, header: dict, blobs: list[bytes], encoder: Encoder) -> dict:
        """Repeat ``steps`` ``repeat`` times; record the results of steps marked ``record``."""
        records: list[list[object]] = [[] for _ in header["steps"]]
        prepared = program.prepare(self, header["steps"], blobs)  # each read once, on its first run
        for _ in range(int(header["repeat"])):
            for index, step in enumerate(header["steps"]):
                result = prepared[index].run()
                if step.get("record") is not None:
                    value = self.student(_follow, result, step["record"])
                    records[index].append(self.student(_as_float_array, value))
        stacked = [encoder.array(np.stack(r)) if r else {"t": "none"} for r in records]
        return {"records": stacked}


def _follow(value: object, path: list) -> object:
    for kind, key in path:
        value = getattr(value, key) if kind == "a" else value[key]
    return value


def _as_float_array(value: object) -> np.ndarray:
    return np.array(value, dtype=np.float64, copy=True, subok=False)


def _item(container: object, key: object) -> object:
    try:
        return container[key]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _units(header: dict):
    """(source, filename, cell number) of what to run, in order."""
    if "cells" in header:
        for cell in header["cells"]:
            yield cell["source"], f"<cell {cell['index']}>", cell["index"]
    else:
        path = header["path"]
        with open(path, "rb") as handle:
            yield handle.read(), header.get("name", os.path.basename(path)), None


def prewarm() -> None:
    """Import what labs import, once, so that forked children start with it loaded."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.plot([0.0, 1.0], [1.0, 0.0])  # the first figure sets up axes, ticks and text once for all
        plt.xlabel("epoch")
        plt.title("loss")
        plt.close("all")
    except Exception:  # noqa: BLE001 - a missing matplotlib only costs the students' own import
        pass


def zygote(control_fd: int, config: dict) -> int:
    """Serve ``fork`` and ``wait`` requests (see ``zygotemode.py``): each fork is a fresh, isolated
    worker for one submission, under ``config`` (the zygote's own); the zygote never runs student code."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import zygotemode

    del sys.path[0], sys.modules["zygotemode"]
    mode = confine.prepare(config, config.get("stage", ""))  # one thread yet: before anything may start one
    prewarm()
    return zygotemode.run(control_fd=control_fd, child=lambda fds, request: _run_child(fds, request, config, mode),
                          pid_namespaces=mode == "root")  # in a user namespace it could not go back (setns)


def _run_child(fds: list[int], request: dict, config: dict, mode: str) -> None:
    """In a forked child: become a worker of its own session, then serve until killed."""
    import random

    code = 0
    try:
        request_fd, reply_fd, out_fd = fds
        os.setsid()
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        confined = confine.confine_worker(config, mode=mode, home=request["home"], stage=config["stage"])
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        np.random.seed()  # fresh entropy, as in a new process
        random.seed()
        server = Server(request_fd, reply_fd)
        server.isolation = {**confined, **processlimits.isolate(config)}
        server.serve()
    except BaseException:  # noqa: BLE001 - a child must never return into the zygote's loop
        traceback.print_exc()  # to the captured output: the grader shows it with the crash
        code = 70
    finally:
        os._exit(code)


def kernel(connection_file: str, config: dict) -> int:
    """Serve as a Jupyter kernel (see ``kernelmode.py``), under the same limits as any worker."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import kernelmode

    del sys.path[0], sys.modules["kernelmode"]
    private = os.path.join(config["home"], "connection.json")  # readable by the worker's own uid
    with open(connection_file, "rb") as source, open(private, "wb") as copy:
        copy.write(source.read())
    cwd = os.getcwd()
    mode = confine.prepare(config, config["stage"])
    confined = confine.confine_worker(config, mode=mode, home=config["home"], stage=config["stage"])
    os.chdir(cwd)
    return kernelmode.run(connection_file=private, config=config, server_class=Server,
                          describe=describe_exception, isolate=lambda c: {**confined, **processlimits.isolate(c)},
                          standin=standins.install())


def main(argv: list[str]) -> int:
    if argv[1] == "probe":  # runner.py probe - CONFIG: what the platform allows, as JSON on stdout
        print(json.dumps(confine.probe()))
        return 0
    if argv[1] == "zygote":
        return zygote(int(argv[2]), json.loads(argv[3]))
    if argv[1] == "kernel":
        return kernel(argv[2], json.loads(argv[3]))
    request_fd, reply_fd = int(argv[1]), int(argv[2])
    config = json.loads(argv[3]) if len(argv) > 3 else {}
    cwd = os.getcwd()
    mode = confine.prepare(config, config.get("stage", ""))
    confined = confine.confine_worker(config, mode=mode, home=config.get("home", cwd), stage=config.get("stage", ""))
    os.chdir(cwd)
    server = Server(request_fd, reply_fd)
    server.isolation = {**confined, **processlimits.isolate(config)}
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
