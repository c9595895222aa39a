"""What the student's code sees of its environment: a stand-in for IPython's shell, and
descriptions of the names it defined. Standalone: standard library and NumPy only."""
from __future__ import annotations

import inspect
import sys
import types

import numpy as np

_ndarray = np.ndarray


def describe(name: str, value: object) -> dict:
    """What the grader may want to know of a name, without its values."""
    entry: dict = {"name": name, "type": type(value).__name__}
    if inspect.isclass(value):
        entry["kind"] = "class"
        entry["methods"] = sorted(k for k in dir(value) if (not k.startswith("__") or k == "__init__")
                                  and callable(getattr(value, k, None)))
        entry["signature"] = _signature(value)
    elif callable(value):
        entry["kind"] = "function"
        entry["signature"] = _signature(value)
    elif isinstance(value, _ndarray):
        entry["kind"] = "array"
        entry["shape"] = list(value.shape)
    elif isinstance(value, (list, tuple, dict)):
        entry["kind"] = type(value).__name__
        entry["length"] = len(value)
        if isinstance(value, dict):
            entry["keys"] = [str(k) for k in list(value)[:50]]
    else:
        entry["kind"] = "value"
    return entry


def _signature(value: object) -> str | None:
    try:
        return str(inspect.signature(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def close_figures() -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:  # noqa: BLE001 - the student may have broken pyplot
            pass


def display(*objects: object, **kwargs: object) -> None:
    print(*objects)


class IPythonShim:
    """Just enough of IPython's shell for converted notebook cells."""

    RUN_BODY = frozenset({"time", "timeit", "capture", "prun", "debug"})

    def __init__(self) -> None:
        self.namespace: dict = {}
        self.filename = "<magic>"

    OPTIONS_WITH_VALUE = frozenset({"-n", "-r", "-p", "-s", "-l", "-T", "-D"})

    def run_line_magic(self, name: str, line: str, *args: object) -> None:
        statement = self._strip_options(line) if name in ("timeit", "prun") else line
        if name in ("time", "timeit", "prun") and statement.strip():
            exec(compile(statement, self.filename, "exec"), self.namespace)

    def _strip_options(self, line: str) -> str:
        """The statement of ``%timeit -n1 -r 3 f(x)``: what follows the options."""
        words = line.split(" ")
        while words and words[0].startswith("-"):
            option = words.pop(0)
            if option in self.OPTIONS_WITH_VALUE and words:
                words.pop(0)
        return " ".join(words)

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        if name in self.RUN_BODY:
            exec(compile(cell, self.filename, "exec"), self.namespace)

    def system(self, command: str) -> None:
        print(f"[grader] shell command not run: !{command}")

    def getoutput(self, command: str) -> list[str]:
        self.system(command)
        return []

    def magic(self, line: str) -> None:
        return None

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def grader_stub() -> types.ModuleType:
    """What ``import grader`` gives the student's code while it is graded: only a no-op ``check``.

    Students keep ``from grader import check; check(...)`` in their notebooks;
    while grading, that call must neither fail nor reach the real grader.
    """
    module = types.ModuleType("grader", "Stand-in for the grader while a submission is graded.")

    def check(*args: object, **kwargs: object) -> None:
        print("[grader] check() does nothing while your work is being graded")

    module.check = check  # type: ignore[attr-defined]
    return module
