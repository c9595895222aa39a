"""Where the student's code was stuck: a sample of its stack, taken just before a request's deadline.

A worker that misses a deadline is killed, and then nothing can be asked of it. So the worker
watches itself: :class:`Watchdog` is armed with each request's time limit (the grader sends it), and
shortly before the limit a thread of its own looks at every other thread's stack, keeps the
student's own frames (their file names are the ones the worker compiled), and sends the innermost
as a ``sample`` message on the reply channel. The grader keeps the last sample of the request it is
waiting for and names that place when the deadline passes; a sample that comes after the reply is
simply skipped. Standard library only; no signal handlers, so student code cannot be interrupted by
it, and it works the same in a forked worker, a fresh one and a kernel.
"""
from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Callable, Collection

# The sample is taken this long before the deadline (at most 1 s, at most a quarter of the limit), so that
# it reaches the grader in time even on a busy machine.
LEAD = 1.0
LEAD_SHARE = 0.25
MAX_FRAMES = 8


class Watchdog:
    """Sends ``send({"sample": ..., "for": request id})`` when a request runs into its deadline."""

    def __init__(self, *, send: Callable[[dict], None], files: Callable[[], Collection[str]]) -> None:
        self.send = send
        self.files = files
        self._cond = threading.Condition()
        self._due: float | None = None
        self._request: object = None
        self._thread: threading.Thread | None = None

    def arm(self, request: object, seconds: object) -> None:
        """Watch ``request``, which the grader gives up on after ``seconds``."""
        if not isinstance(seconds, (int, float)) or seconds <= 0:
            return
        with self._cond:
            self._due = time.monotonic() + float(seconds) - min(LEAD, LEAD_SHARE * float(seconds))
            self._request = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="grader-stack-sample", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        with self._cond:
            self._due = None
            self._cond.notify()

    def _watch(self) -> None:
        while True:
            with self._cond:
                while self._due is None:
                    self._cond.wait()
                left = self._due - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                request, self._due = self._request, None
            try:
                found = self.sample()
                if found is not None:
                    self.send({"sample": found, "for": request})
            except Exception:  # noqa: BLE001 - a failed sample only loses the location
                pass

    def sample(self) -> dict | None:
        """The innermost frame of the student's code in any other thread, with the frames around it."""
        files = set(self.files())
        me = threading.get_ident()
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            own = [f for f in traceback.extract_stack(frame) if f.filename in files]
            if own:
                last = own[-1]
                return {"file": last.filename, "line": last.lineno, "function": last.name,
                        "stack": [[f.filename, f.lineno, f.name] for f in own[-MAX_FRAMES:]]}
        return None
