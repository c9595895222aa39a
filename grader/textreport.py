"""The terminal report of one result: a line per check, diagnoses with hints, the total."""
from __future__ import annotations

from grader.catalogue import describe
from grader.results import SubmissionResult

_COLORS = {"ok": "\033[32m", "bad": "\033[31m", "dim": "\033[2m", "bold": "\033[1m", "end": "\033[0m"}


def format_text(result: SubmissionResult, *, color: bool = False) -> str:
    """A readable report of ``result``; ANSI colours when ``color``."""
    def paint(text: str, style: str) -> str:
        return f"{_COLORS[style]}{text}{_COLORS['end']}" if color else text

    lines = [paint(f"{result.student} · {result.assignment}", "bold")]
    if result.binding.get("summary"):
        lines.append(paint(f"bound to: {result.binding['summary']}", "dim"))
    if result.error:
        e = result.error
        where = f" ({e.file}" + (f", cell {e.cell}" if e.cell else "") + f", line {e.line})" if e.line else ""
        who = "the grader failed" if e.source == "grader" else "could not grade your submission"
        lines.append(paint(f"ERROR [{e.kind}] {who}: {e.message}{where}", "bad"))
        if describe(e.kind).hint:
            lines.append(f"  hint: {describe(e.kind).hint}")
    for c in result.checks:
        mark = paint("PASS", "ok") if c.passed else paint("FAIL", "bad")
        lines.append(f"{mark} {c.id:<10} {c.points:g}/{c.max_points:g}  {c.message}")
        for d in c.diagnoses:
            entry = describe(d.tag)
            lines.append(f"       [{d.tag}] {entry.title}: {entry.explanation}")
            if entry.hint:
                lines.append(f"       hint: {entry.hint}")
    for note in result.warnings:
        lines.append(paint(f"note: {note}", "dim"))
    total = f"Total: {result.score:g} / {result.max_score:g}"
    lines.append(paint(total, "ok" if result.score >= result.max_score else "bold"))
    if result.error:
        lines.append("Next: fix the error above, then run the check again.")
    elif result.score < result.max_score:
        failed = [c.id for c in result.checks if not c.passed]
        lines.append(f"Next: fix the first failed check ({failed[0]}) and run the check again.")
    return "\n".join(line for line in lines if line)
