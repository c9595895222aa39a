"""Headless Chromium driven over the DevTools protocol, for screenshots and browser tests of the reports.

Chromium is started with ``--remote-debugging-pipe``: commands and events are
null-terminated JSON messages on file descriptors 3 and 4, so no network port,
websocket library or download is needed. Each :class:`Page` records what a
person would not want to see: console errors, uncaught exceptions, log
entries of level error, and requests that leave the machine.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe")
EXECUTABLES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Puts the pipe ends on descriptors 3 and 4 of the browser, then runs it (no shell: /bin/sh only handles fds < 10).
_TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); os.dup2(w, 4); "
               "os.close(r); os.close(w); os.execvp(sys.argv[3], sys.argv[3:])")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome:", "devtools:")


class BrowserError(GraderError):
    """Chromium could not be started, or did not answer in time."""


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) executable, or None. ``$CHROMIUM`` wins when set."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named) or (named if os.access(named, os.X_OK) else None)
    return next((found for name in EXECUTABLES if (found := shutil.which(name))), None)


@dataclass
class Page:
    """One tab: what it logged, and the commands to inspect it."""

    browser: Browser
    session: str
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> dict:
        """A DevTools command in this page's session."""
        return self.browser.call(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serialisable values only)."""
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True})
        if "exceptionDetails" in reply:
            raise BrowserError(f"JavaScript failed: {reply['exceptionDetails'].get('text')}: {expression[:80]}")
        return reply.get("result", {}).get("value")

    @property
    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and error log entries, as text."""
        found = [f"console.{m['type']}: {m['text']}" for m in self.console
                 if m["type"] in ("error", "warning", "assert")]
        found += [f"exception: {e}" for e in self.exceptions]
        found += [f"log {e.get('source')}: {e.get('text')}" for e in self.log if e.get("level") in ("error", "warning")]
        return found

    @property
    def external_requests(self) -> list[str]:
        """URLs the page asked for that are not local (file:, data:...)."""
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG of the page (the whole page, not just the window, when ``full_page``)."""
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def record(self, message: dict[str, Any]) -> None:
        """Keep an event of this page's session."""
        method, params = message.get("method", ""), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append({"type": params.get("type", ""), "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Log.entryAdded":
            self.log.append(params.get("entry", {}))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params.get("request", {}).get("url", ""))


class Browser:
    """A headless Chromium process; use as a context manager (``with Browser() as browser:``)."""

    def __init__(self, *, executable: str | None = None, timeout: float = 30.0) -> None:
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("no Chromium found: install it (Debian: apt-get install chromium) or set $CHROMIUM")
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.profile: str | None = None
        self.pages: dict[str, Page] = {}
        self.pending: list[dict[str, Any]] = []
        self.buffer = b""
        self.next_id = 0
        self.to_browser = self.from_browser = -1

    def __enter__(self) -> Browser:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch Chromium with a fresh profile folder."""
        self.profile = tempfile.mkdtemp(prefix="grader-chromium-")
        commands_r, self.to_browser = os.pipe()
        self.from_browser, events_w = os.pipe()
        high_r = fcntl.fcntl(commands_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(events_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_r)
        os.close(events_w)
        args = [self.executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        try:
            self.process = subprocess.Popen([sys.executable, "-I", "-c", _TRAMPOLINE, str(high_r), str(high_w), *args],
                                            pass_fds=(high_r, high_w), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            start_new_session=True)
        finally:
            os.close(high_r)
            os.close(high_w)
        self.call("Browser.getVersion")

    def close(self) -> None:
        """Ask Chromium to quit, kill it if it does not, and remove the profile."""
        if self.process is not None:
            try:
                self.call("Browser.close", timeout=5)
            except (BrowserError, OSError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
            self.process = None
        for fd in (self.to_browser, self.from_browser):
            if fd >= 0:
                os.close(fd)
        self.to_browser = self.from_browser = -1
        if self.profile:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    # -- the protocol ---------------------------------------------------------------------------------

    def _send(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.to_browser, data):]
        return self.next_id

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.from_browser], [], [], max(left, 0))
            if not ready:
                raise BrowserError("Chromium did not answer in time")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe (it exited or crashed)")
            self.buffer += chunk
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message = json.loads(raw)
        if "method" in message and message.get("sessionId") in self.pages:
            self.pages[message["sessionId"]].record(message)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None,
             timeout: float | None = None) -> dict[str, Any]:
        """Send a command and return its result (raises BrowserError on a protocol error)."""
        ident = self._send(method, params, session)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._receive(deadline)
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self.pending.append(message)

    def wait_for(self, method: str, *, session: str, timeout: float | None = None) -> dict[str, Any]:
        """The next event ``method`` of ``session`` (events received earlier count)."""
        for i, message in enumerate(self.pending):
            if message.get("method") == method and message.get("sessionId") == session:
                return self.pending.pop(i)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            message = self._receive(deadline)
            if message.get("method") == method and message.get("sessionId") == session:
                return message
            if "method" in message:
                self.pending.append(message)

    # -- pages ----------------------------------------------------------------------------------------

    def open(self, url: str, *, width: int = 1000, height: int = 800, mobile: bool = False,
             scale: float = 1.0, media: str = "") -> Page:
        """A new tab showing ``url`` once loaded, at the given window size (a phone when ``mobile``)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(browser=self, session=session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                          "deviceScaleFactor": scale, "mobile": mobile})
        if media:
            page.call("Emulation.setEmulatedMedia", {"media": media})
        page.call("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired", session=session)
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return page


def file_url(path: Path) -> str:
    """The ``file://`` URL of a local file."""
    return path.resolve().as_uri()
