"""``from grader import check; check("two-layer")``: a student's self-check from inside a running notebook.

It grades the notebook's own saved file when it can be found (VS Code's
``__vsc_ipynb_file__``, Jupyter's ``__session__`` / ``JPY_SESSION_NAME``, a
script's ``__file__``, or ``path=``), or else the code defined in the session
(:mod:`grader.platforms.selfcheck.session` writes it to a temporary module). Either way the
student's code runs in a worker process, as in every other grading: the
notebook's own process only reads source text.
"""
from __future__ import annotations

import html
import inspect
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from grader.spec.assignment import Assignment, load_assignment
from grader.diagnosis.catalogue import describe
from grader.errors import SelfCheckError, SubmissionNotFoundError, UsageError
from grader.grading import grade_submission
from grader.platforms.selfcheck.session import rebuild_module
from grader.results import SubmissionResult
from grader.sandbox.worker import Limits
from grader.sandbox.submission import SUFFIXES, Submission, from_path
from grader.reports.text import error_feedback, format_text, next_step, total_line, use_color

SOURCES = ("auto", "file", "namespace")
REBUILT_NAME = "session_code.py"


@dataclass(frozen=True)
class SelfCheck:
    """A self-check's result: the graded result, what was graded, and notes for the student."""

    result: SubmissionResult
    graded: str
    notes: tuple[str, ...] = ()
    level: str = "full"  # the assignment's [grading] feedback: full, hint or score

    @property
    def score(self) -> float:
        return self.result.score

    @property
    def max_score(self) -> float:
        return self.result.max_score

    @property
    def full_marks(self) -> bool:
        return self.result.status == "ok" and self.result.score >= self.result.max_score

    def text(self, *, color: bool = False) -> str:
        """The terminal report, preceded by what was graded."""
        head = [f"graded: {self.graded}", *(f"note: {n}" for n in self.notes)]
        return "\n".join(head) + "\n" + format_text(self.result, color=color, level=self.level)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<SelfCheck {self.result.assignment}: {self.score:g}/{self.max_score:g} ({self.graded})>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self) if cycle else self.text())

    def _repr_html_(self) -> str:
        return _html(self)


def _html(report: SelfCheck) -> str:
    r, esc = report.result, html.escape
    rows = []
    for c in r.checks:
        colour = "#1a7f37" if c.passed else "#cf222e"
        details = "".join(
            f"<div><b>[{esc(d.tag)}] {esc(describe(d.tag).title)}</b>: {esc(describe(d.tag).explanation)}"
            + (f"<br><i>hint: {esc(describe(d.tag).hint)}</i>" if describe(d.tag).hint else "") + "</div>"
            for d in (c.diagnoses if report.level != "score" else ()))
        message = esc(c.message) if report.level == "full" else ""
        rows.append(f"<tr><td style='color:{colour};font-weight:bold'>{'PASS' if c.passed else 'FAIL'}</td>"
                    f"<td>{esc(c.id)}</td><td>{c.points:g}/{c.max_points:g}</td>"
                    f"<td style='text-align:left'>{message}{details}</td></tr>")
    error = f"<p style='color:#cf222e'>{esc(error_feedback(r))}</p>" if r.error else ""
    notes = "".join(f"<li>{esc(n)}</li>" for n in (*report.notes, *r.warnings))
    return (f"<div><p><b>{esc(r.assignment)}</b>: graded {esc(report.graded)}</p>{error}"
            f"<table><tr><th></th><th>check</th><th>points</th><th style='text-align:left'>result</th></tr>"
            f"{''.join(rows)}</table>" + (f"<ul>{notes}</ul>" if notes else "")
            + f"<p><b>{esc(total_line(r))}</b> · {esc(next_step(r))}</p></div>")


def inside_grader() -> bool:
    """True in a grader worker process (a notebook that calls check() is being graded): never recurse."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    return argv0 is not None and argv0.name == "runner.py" and argv0.parent.name == "inside"


def in_notebook_shell() -> bool:
    """True under a running IPython shell (the result displays itself)."""
    ipython = sys.modules.get("IPython")
    return bool(ipython and getattr(ipython, "get_ipython", lambda: None)() is not None)


def own_file(namespace: Mapping[str, Any], *, environ: Mapping[str, str] = os.environ,
             cwd: Path | None = None) -> Path | None:
    """The notebook (or script) file the namespace was run from, if it can be found on disk."""
    cwd = cwd or Path.cwd()
    named = [namespace.get("__vsc_ipynb_file__"), namespace.get("__session__"), environ.get("JPY_SESSION_NAME"),
             namespace.get("__file__")]
    for name in named:
        if not isinstance(name, str) or not name:
            continue
        path = Path(name)
        for candidate in ((path,) if path.is_absolute() else (cwd / path, cwd / path.name)):
            if candidate.suffix in SUFFIXES and candidate.is_file():
                return candidate
    return None


def _saved_note(path: Path) -> str:
    saved = datetime.fromtimestamp(path.stat().st_mtime).strftime("%H:%M:%S")
    return (f"this is the file as last saved ({saved}); save the notebook first to grade your latest changes"
            if path.suffix == ".ipynb" else f"this is the file as last saved ({saved})")


def check(
    assignment: str | Path,
    /,
    *,
    path: str | Path | None = None,
    namespace: Mapping[str, Any] | None = None,
    source: str = "auto",
    timeout: float = 60.0,
    seed: int = 0,
    show: bool | None = None,
) -> SelfCheck | None:
    """Grade this notebook against ``assignment`` and report (prints outside IPython; displays in Jupyter).

    ``source``: ``auto`` grades the saved file if found, else the session's code; ``file`` or
    ``namespace`` forces one. ``namespace`` defaults to the caller's globals. Returns ``None`` (and
    does nothing) when called by a notebook that the grader itself is running.
    """
    if inside_grader():
        return None
    if source not in SOURCES:
        raise UsageError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if timeout <= 0:
        raise UsageError("timeout must be a positive number of seconds")
    spec = load_assignment(assignment)
    if namespace is None:
        frame = inspect.currentframe()
        namespace = frame.f_back.f_globals if frame and frame.f_back else {}
    limits = Limits(load_timeout=timeout)
    if path is not None:
        file: Path | None = Path(path)
        if not file.exists():
            raise SubmissionNotFoundError(f"no such file: {path}")
    else:
        file = None if source == "namespace" else own_file(namespace)
    if file is not None:
        result = grade_submission(submission=from_path(file), assignment=spec, limits=limits, seed=seed)
        report = SelfCheck(result=result, graded=f"the file {file.name}", notes=(_saved_note(file),),
                           level=spec.policy.feedback)
    elif source == "file":
        raise SelfCheckError("could not find this notebook's file: call check() with path='your_notebook.ipynb'")
    else:
        report = _check_session(assignment=spec, namespace=namespace, limits=limits, seed=seed)
    printed = show if show is not None else not in_notebook_shell()
    if printed:
        print(report.text(color=use_color(sys.stdout)))
    return report


def _roots(assignment: Assignment, namespace: Mapping[str, Any]) -> list[str]:
    """What to carry over: the interface's class when the spec pins it, else every class and function
    the session defined (the binding is detected in the rebuilt module)."""
    if assignment.interface.pins("class"):
        return [assignment.interface.class_name]
    main = str(namespace.get("__name__", "__main__"))
    return [name for name, value in namespace.items() if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value)) and getattr(value, "__module__", None) == main]


def _check_session(*, assignment: Assignment, namespace: Mapping[str, Any], limits: Limits,
                   seed: int) -> SelfCheck:
    """Grade the class of the interface as defined in ``namespace`` (with what it uses)."""
    rebuilt = rebuild_module(namespace, roots=_roots(assignment, namespace))
    notes = [f"graded the code defined in this session: {', '.join(rebuilt.definitions)}"]
    if rebuilt.skipped:
        notes.append("left out (not code or plain values): " + ", ".join(rebuilt.skipped))
    with tempfile.TemporaryDirectory(prefix="grader-selfcheck-") as tmp:
        module = Path(tmp) / REBUILT_NAME
        module.write_text(rebuilt.source, encoding="utf-8")
        result = grade_submission(submission=Submission(student="this session", path=module, entry=module),
                                  assignment=assignment, limits=limits, seed=seed)
    return SelfCheck(result=result, graded="the code defined in this session (no saved file found)",
                     notes=tuple(notes), level=assignment.policy.feedback)
