"""Progress of a batch: a bar with count, rate and ETA on a terminal, plain lines otherwise (CI logs).

:class:`Progress` is the ``on_result`` callback of :func:`grader.grading.grade_paths`.
On a terminal it redraws one status line in place and prints a line of its own
only for submissions that could not be graded, so they stay visible; elsewhere
it writes one line per submission, nothing else.
"""
from __future__ import annotations

import os
import shutil
import time
from typing import Callable, TextIO

from grader.results import SubmissionResult

BAR_WIDTH = 20
MIN_BAR = 6
NAME_ROOM = 28  # a student id this long is shown whole before the bar is as wide as it can be


def plain_line(*, done: int, total: int, result: SubmissionResult) -> str:
    """``[3/7] carol: 5/10``, and the error kind when the submission could not be graded."""
    line = f"[{done}/{total}] {result.student}: {result.score:g}/{result.max_score:g}"
    return line + (f" ({result.status}: {result.error.kind})" if result.error else "")


def shorten_middle(name: str, room: int, more: str = "…") -> str:
    """``name`` in at most ``room`` characters, cut in the middle (``alice_s…_lab2``): student ids often
    share their start (a course prefix) or their end (``_lab2``), so both ends are kept."""
    if len(name) <= room:
        return name
    if room <= len(more):
        return name[:max(room, 0)]
    keep = room - len(more)
    head = (keep + 1) // 2
    return name[:head] + more + name[len(name) - (keep - head):]


def duration(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def rate_text(per_second: float) -> str:
    """Submissions per second, or per minute when slower than one a second."""
    if per_second >= 1:
        return f"{per_second:.1f}/s"
    return f"{per_second * 60:.1f}/min"


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is an interactive terminal that can redraw a line."""
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


class Progress:
    """Reports each graded submission to ``stream``; use as a context manager around the batch."""

    def __init__(self, *, total: int, stream: TextIO, interactive: bool | None = None,
                 clock: Callable[[], float] = time.monotonic, width: int | None = None) -> None:
        self.total = total
        self.stream = stream
        self.interactive = is_terminal(stream) if interactive is None else interactive
        self.clock = clock
        self.width = width
        self.done = 0
        self.started = clock()
        self.last = ""
        encoding = (getattr(stream, "encoding", None) or "ascii").lower()
        self.glyphs = ("█", "░", "…") if "utf" in encoding else ("#", "-", "~")

    def __enter__(self) -> Progress:
        self.started = self.clock()
        if self.interactive:
            self._draw(self.status_line())
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __call__(self, result: SubmissionResult) -> None:
        self.done += 1
        if not self.interactive:
            self._write(plain_line(done=self.done, total=self.total, result=result) + "\n")
            return
        if result.error is not None:
            self._clear()
            self._write(f"{result.student}: could not be graded ({result.error.kind}: "
                        f"{result.error.message.splitlines()[0] if result.error.message else ''})\n")
        self._draw(self.status_line(result))

    def close(self) -> None:
        """End the bar's line (a terminal keeps the last state of the bar)."""
        if self.interactive and self.last:
            self._write("\n")
            self.last = ""

    # -- the status line --------------------------------------------------------------------------------

    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before the first result)."""
        elapsed = self.clock() - self.started
        if not self.done or elapsed <= 0:
            return None
        return (self.total - self.done) * elapsed / self.done

    def status_line(self, result: SubmissionResult | None = None) -> str:
        """``grading ████░░ 3/7  43%  1.2/s  ETA 0:04  carol 5/10`` fitted to the terminal width."""
        fraction = self.done / self.total if self.total else 1.0
        full, empty, more = self.glyphs
        elapsed = self.clock() - self.started
        eta = self.eta()
        stats = [f"{self.done}/{self.total}", f"{fraction:4.0%}"]
        if self.done and elapsed > 0:
            stats.append(rate_text(self.done / elapsed))
        stats.append(f"ETA {duration(eta)}" if eta is not None and self.done < self.total
                     else f"in {duration(elapsed)}" if self.done else "ETA --:--")
        width = max((self.width or shutil.get_terminal_size((80, 24)).columns) - 1, 10)
        tail = ""
        bar = BAR_WIDTH
        if result is not None:
            score = f" {result.score:g}/{result.max_score:g}"
            # the bar gives up width (down to MIN_BAR) before the student's name is shortened
            fixed = len("grading ") + len("  ".join(["", *stats])) + 2 + len(score)
            wanted = min(len(result.student), NAME_ROOM)
            bar = max(MIN_BAR, min(BAR_WIDTH, width - fixed - wanted))
            room = width - fixed - bar
            if room > 1:
                tail = "  " + shorten_middle(result.student, room, more) + score
        filled = int(round(bar * fraction))
        line = "  ".join([f"grading {full * filled}{empty * (bar - filled)}", *stats]) + tail
        return line[:width]

    def _draw(self, line: str) -> None:
        pad = " " * max(len(self.last) - len(line), 0)
        self._write("\r" + line + pad)
        self.last = line

    def _clear(self) -> None:
        if self.last:
            self._write("\r" + " " * len(self.last) + "\r")
            self.last = ""

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
