"""Batch progress (grader/reports/progress.py): a bar on a terminal, plain lines in logs."""
from __future__ import annotations

import io

import pytest

from grader.reports.progress import shorten_middle, Progress, duration, is_terminal, plain_line, rate_text
from grader.results import CheckResult, LoadError, SubmissionResult


def result(student: str, points: float = 1.0, error: str | None = None) -> SubmissionResult:
    checks = (CheckResult(id="init", max_points=2.0, points=points, message=""),)
    return SubmissionResult(student=student, submission=f"{student}.py", assignment="two-layer", checks=checks,
                            error=LoadError(kind=error, message=f"{error} happened\nmore") if error else None)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    with Progress(total=2, stream=stream) as progress:
        progress(result("alice", 2.0))
        progress(result("grace", 0.0, error="syntax-error"))
    assert stream.getvalue() == ("[1/2] alice: 2/2\n"
                                 "[2/2] grace: 0/2 (error: syntax-error)\n")


def test_bar_with_count_rate_and_eta_on_a_terminal():
    stream, clock = Terminal(), Clock()
    with Progress(total=4, stream=stream, clock=clock, width=100) as progress:
        assert stream.getvalue() == "\rgrading ░░░░░░░░░░░░░░░░░░░░  0/4    0%  ETA --:--"
        clock.now += 2
        progress(result("alice"))
        line = stream.getvalue().split("\r")[-1]
        assert line == "grading █████░░░░░░░░░░░░░░░  1/4   25%  30.0/min  ETA 0:06  alice 1/2"
        clock.now += 2
        progress(result("bob"))
        line = stream.getvalue().split("\r")[-1]
        assert line.startswith("grading ██████████░░░░░░░░░░  2/4   50%  30.0/min  ETA 0:04")
    assert stream.getvalue().endswith("\n")


def test_errors_get_a_line_of_their_own_above_the_bar():
    stream, clock = Terminal(), Clock()
    with Progress(total=2, stream=stream, clock=clock, width=100) as progress:
        clock.now += 1
        progress(result("grace", 0.0, error="timeout"))
        clock.now += 1
        progress(result("bob"))
    lines = stream.getvalue().split("\n")
    assert lines[0].endswith("\rgrace: could not be graded (timeout: timeout happened)")
    final = lines[1].split("\r")[-1]
    assert final.startswith("grading ████████████████████  2/2  100%  1.0/s  in 0:02  bob 1/2")


def test_the_line_fits_the_terminal_by_shortening_the_middle_of_the_name():
    stream = Terminal()
    progress = Progress(total=1, stream=stream, clock=Clock(), width=60)
    progress(result("cs101_2026_student_with_a_remarkably_long_name_lab2"))
    line = stream.getvalue().split("\r")[-1]
    name = line.split("  ")[-1].rsplit(" ", 1)[0]
    assert len(line) <= 59 and line.endswith("_lab2 1/2"), line
    assert name.startswith("cs101") and "…" in name, "both ends of the id stay readable"


@pytest.mark.parametrize("room", [3, 8, 13, 40])
def test_shortened_names_keep_both_ends_and_fit(room):
    name = "cs101_alice_wonderland_lab2"
    short = shorten_middle(name, room)
    assert len(short) == min(room, len(name))
    if room < len(name):
        assert short[0] == "c" and short.endswith("2") and "…" in short


def test_ascii_terminals_get_ascii_glyphs():
    class Ascii(Terminal):
        encoding = "ascii"

    stream = Ascii()
    with Progress(total=2, stream=stream, clock=Clock(), width=80) as progress:
        progress(result("alice"))
    stream.getvalue().encode("ascii")
    assert "##########----------" in stream.getvalue()


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (7.4, "0:07"), (750, "12:30"), (3723, "1:02:03")])
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_rate_and_terminal_detection(monkeypatch):
    assert rate_text(2.5) == "2.5/s" and rate_text(0.5) == "30.0/min"
    assert not is_terminal(io.StringIO())
    assert is_terminal(Terminal())
    monkeypatch.setenv("TERM", "dumb")
    assert not is_terminal(Terminal())
    assert plain_line(done=1, total=3, result=result("x", 2.0)) == "[1/3] x: 2/2"
