"""Where the student's code was stuck: a sample of its stack, taken just before a request's deadline.

A worker that misses a deadline is killed, and then nothing can be asked of it. So the worker
watches itself: :class:`Watchdog` is armed with each request's time limit (the grader sends it) by a
real-time timer (``setitimer``); shortly before the limit, ``SIGALRM``'s handler runs in the main
thread, where the student's code runs, takes the student's own frames from the interrupted stack
(their file names are the ones the worker compiled) and sends the innermost as a ``sample`` message
on the reply channel. The grader keeps the last sample of the request it is waiting for and names
that place when the deadline passes; a sample that comes after the reply is simply skipped.

A timer rather than a thread: a thread would take one of the processes the worker's cap allows the
student. The handler raises nothing, so the student's code goes on as if uninterrupted; code that
sets its own ``SIGALRM`` handler or alarm only loses the location. Standard library only.
"""
from __future__ import annotations

import signal
import threading
import traceback
from types import FrameType
from typing import Callable, Collection

# The sample is taken this long before the deadline (at most 1 s, at most a quarter of the limit), so that
# it reaches the grader in time even on a busy machine.
LEAD = 1.0
LEAD_SHARE = 0.25
MAX_FRAMES = 8


class Watchdog:
    """Calls ``send({"sample": ..., "for": request id})`` when a request runs into its deadline.

    ``send`` must not block (it runs in a signal handler): it may drop the sample when the channel is busy.
    Inactive where it cannot install its handler (not on the main thread).
    """

    def __init__(self, *, send: Callable[[dict], None], files: Callable[[], Collection[str]]) -> None:
        self.send = send
        self.files = files
        self.request: object = None
        self.active = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        if self.active:
            signal.signal(signal.SIGALRM, self._fire)

    def arm(self, request: object, seconds: object) -> None:
        """Watch ``request``, which the grader gives up on after ``seconds``."""
        if not self.active or not isinstance(seconds, (int, float)) or seconds <= 0:
            return
        self.request = request
        signal.setitimer(signal.ITIMER_REAL, float(seconds) - min(LEAD, LEAD_SHARE * float(seconds)))

    def disarm(self) -> None:
        if self.active and self.request is not None:
            self.request = None
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        request, self.request = self.request, None
        if request is None or frame is None:
            return
        try:
            found = self.sample(frame)
            if found is not None:
                self.send({"sample": found, "for": request})
        except Exception:  # noqa: BLE001 - a failed sample only loses the location
            pass

    def sample(self, frame: FrameType) -> dict | None:
        """The innermost frame of the student's code on ``frame``'s stack, with the frames around it."""
        files = set(self.files())
        own = [f for f in traceback.extract_stack(frame) if f.filename in files]
        if not own:
            return None
        last = own[-1]
        return {"file": last.filename, "line": last.lineno, "function": last.name,
                "stack": [[f.filename, f.lineno, f.name] for f in own[-MAX_FRAMES:]]}
