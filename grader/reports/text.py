"""The terminal report of one result: a line per check, diagnoses with hints, the total, what to do next.

The pieces (:func:`check_feedback`, :func:`error_feedback`, :func:`next_step`)
are shared by the other per-result outputs (GitHub Classroom, Gradescope, the
pytest plugin), so a student reads the same words wherever they are graded.

Every piece takes the assignment's feedback ``level`` (``[grading] feedback``): ``full`` shows the check's
message (with the values compared), the diagnosis and the hint; ``hint`` the diagnosis and the hint but
no values; ``score`` pass/fail only. Why a submission could not be loaded is shown at every level: it
names the student's own error, not the answer.
"""
from __future__ import annotations

import os
from typing import TextIO

from grader.checks.compare import times_in_words
from grader.diagnosis.catalogue import describe
from grader.results import CheckResult, LoadError, SubmissionResult

_COLORS = {"ok": "\033[32m", "bad": "\033[31m", "dim": "\033[2m", "bold": "\033[1m", "end": "\033[0m"}


def use_color(stream: TextIO) -> bool:
    """Colour for a terminal; never when ``NO_COLOR`` is set, always when ``FORCE_COLOR`` is."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def where(error: LoadError) -> str:
    """`` (file, cell 3, line 5)`` for an error with a line, else ``""``."""
    if not error.line:
        return ""
    return f" ({error.file}" + (f", cell {error.cell}" if error.cell else "") + f", line {error.line})"


def error_feedback(result: SubmissionResult) -> str:
    """Why the submission could not be graded, with the hint; ``""`` when it was graded."""
    e = result.error
    if e is None:
        return ""
    who = "the grader failed" if e.source == "grader" else "could not grade your submission"
    text = f"ERROR [{e.kind}] {who}: {e.message}{where(e)}"
    hint = describe(e.kind).hint
    return text + (f"\nhint: {hint}" if hint else "") + traceback_block(e.traceback)


TRACEBACK_LINES = 12


def traceback_block(traceback: object) -> str:
    """The student's traceback (its last lines), shown wherever a hint says to read it; ``""`` if none."""
    if not isinstance(traceback, str) or not traceback.strip():
        return ""
    lines = traceback.rstrip().splitlines()[-TRACEBACK_LINES:]
    return "\ntraceback (your code):\n" + "\n".join("  " + line for line in lines)


def rate_note(check: CheckResult) -> str:
    """Why the descent run's learning rate is not the student's own ``lr``; ``""`` for other checks."""
    lr, factor = check.evidence.get("lr"), check.evidence.get("gradient_factor")
    if check.id != "descent" or not isinstance(lr, (int, float)) or not isinstance(factor, (int, float)):
        return ""
    if abs(factor - 1) < 1e-6:
        return (f"The grader trains every network at the assignment's learning rate {lr:.4g}, whatever lr your "
                "code sets, so every student is compared with the reference at the same rate.")
    return (f"The grader trained at learning rate {lr:.4g}, not your own lr: the assignment's rate {lr * factor:.4g} "
            f"divided by your gradient factor on the training data, {factor:.4g} (there your gradients are "
            f"{times_in_words(factor=factor)} {'than' if factor > 1 else 'as'} the gradient of the assignment's "
            "loss; a loss summed over the rows gives a factor that grows with their number, so it can differ "
            "from the gradients check's), so your convention is not penalised.")


def check_feedback(check: CheckResult, *, level: str = "full") -> str:
    """The check's message (with the descent run's rate explained), then each diagnosis with its
    explanation and hint (as ``level`` allows)."""
    if level == "score":
        return "passed" if check.passed else "failed"
    lines = [check.message, rate_note(check)] if level == "full" else ["passed" if check.passed else "failed"]
    for d in check.diagnoses:
        entry = describe(d.tag)
        lines.append(f"[{d.tag}] {entry.title}: {entry.explanation}".rstrip(": "))
        if entry.hint:
            lines.append(f"hint: {entry.hint}")
    lines.append(traceback_block(check.evidence.get("traceback")).lstrip("\n"))
    return "\n".join(line for line in lines if line)


def next_step(result: SubmissionResult) -> str:
    """One sentence on what to do now."""
    if result.error:
        return "Next: fix the error above, then run the check again."
    failed = [c.id for c in result.checks if not c.passed]
    if failed:
        return f"Next: fix the first failed check ({failed[0]}) and run the check again."
    return "Next: nothing to fix; every check passes."


def total_line(result: SubmissionResult) -> str:
    return f"Total: {result.score:g} / {result.max_score:g}"


def format_text(result: SubmissionResult, *, color: bool = False, level: str = "full") -> str:
    """A readable report of ``result``; ANSI colours when ``color``; the feedback ``level`` of the spec.

    A diagnosis already explained for an earlier check is named again but not
    explained twice (a stub that raises fails every check the same way).
    """
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['end']}" if color else text

    lines = [paint(f"{result.student} · {result.assignment}", "bold")]
    if result.binding.get("summary"):
        lines.append(paint(f"bound to: {result.binding['summary']}", "dim"))
    if result.error:
        first, _, rest = error_feedback(result).partition("\n")
        lines.append(paint(first, "bad"))
        lines += [f"  {line}" for line in rest.splitlines()]
    explained: set[str] = set()
    for c in result.checks:
        mark = paint("PASS", "ok") if c.passed else paint("FAIL", "bad")
        message = f"  {c.message}" if level == "full" else ""
        lines.append(f"{mark} {c.id:<10} {c.points:g}/{c.max_points:g}{message}")
        if level == "full" and rate_note(c):
            lines.append(paint(f"       {rate_note(c)}", "dim"))
        for d in c.diagnoses if level != "score" else ():
            entry = describe(d.tag)
            if d.tag in explained:
                lines.append(f"       [{d.tag}] {entry.title} (see above)")
                continue
            explained.add(d.tag)
            lines.append(f"       [{d.tag}] {entry.title}: {entry.explanation}".rstrip(": "))
            if entry.hint:
                lines.append(f"       hint: {entry.hint}")
        trace = c.evidence.get("traceback")
        if trace not in explained:  # the same failure in several checks: its traceback once
            explained.add(str(trace))
            lines += [f"       {line}" for line in traceback_block(trace).strip("\n").splitlines()]
    for note in result.warnings:
        lines.append(paint(f"note: {note}", "dim"))
    lines.append(paint(total_line(result), "ok" if result.score >= result.max_score else "bold"))
    lines.append(next_step(result))
    return "\n".join(line for line in lines if line)
