"""The terminal report: one line per check, diagnoses explained once, the total and what to do next."""
from __future__ import annotations

import io

from grader.diagnosis.catalogue import describe
from grader.results import CheckResult, Diagnosis, SubmissionResult
from grader.reports.text import format_text, use_color


def result(*checks: CheckResult) -> SubmissionResult:
    return SubmissionResult(student="lab", submission="lab.ipynb", assignment="two-layer", checks=checks)


def test_a_diagnosis_repeated_by_later_checks_is_explained_once():
    raised = Diagnosis("exception", "NotImplementedError")
    text = format_text(result(CheckResult.failure("forward", 2.0, "NotImplementedError", raised),
                              CheckResult.failure("loss", 1.0, "NotImplementedError", raised)))
    assert text.count(describe("exception").explanation) == 1
    assert text.count(describe("exception").hint) == 1
    assert "[exception] Your code raised an error (see above)" in text
    assert "FAIL forward    0/2  NotImplementedError" in text
    assert text.splitlines()[-2:] == ["Total: 0 / 3", "Next: fix the first failed check (forward) and run the "
                                      "check again."]


def test_full_marks_say_there_is_nothing_to_fix():
    text = format_text(result(CheckResult.success("init", 1.0, "fine")))
    assert text.splitlines()[-2:] == ["Total: 1 / 1", "Next: nothing to fix; every check passes."]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_color(Terminal()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Terminal())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color(io.StringIO())
