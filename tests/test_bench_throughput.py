"""The throughput benchmark (bench/throughput.py) runs end to end at a tiny size; its figures are not
asserted (speed is measured by running it, never by tests), only what it graded and how it reports."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
sys.path.insert(0, str(ROOT / "bench"))

import throughput  # noqa: E402


@pytest.mark.slow
def test_a_tiny_run_grades_every_style_and_ends_with_the_ratio():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "throughput.py"), "--count", "6", "--workers", "2",
                          "--kernel-sample", "0"], capture_output=True, text=True, timeout=600, check=True)
    lines = run.stdout.strip().splitlines()
    # one notebook per example style: two correct, two failing half the points, stale weights, zero init
    assert "scores        : {5.0: 2, 7.0: 1, 9.0: 1, 10.0: 2}" in lines
    assert re.fullmatch(r"ratio grader/plain scripts \(wall\): \d+\.\d\d", lines[-1])
    assert float(lines[-1].rsplit(" ", 1)[1]) > 0


def test_memory_is_counted_for_this_process_and_its_children_only():
    alone = throughput.MemorySampler.total()
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(64 << 20); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while throughput.MemorySampler.total() < alone + (48 << 20) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert throughput.MemorySampler.total() >= alone + (48 << 20)
    finally:
        child.kill()
        child.wait()
    hog = "import time; b = bytearray(64 << 20); time.sleep(30)"
    started = subprocess.run(["sh", "-c", f"{sys.executable} -c '{hog}' >/dev/null 2>&1 & echo $!"],
                             capture_output=True, text=True, check=True)  # its parent exits: not ours
    orphan = int(started.stdout)
    try:
        time.sleep(1.0)
        assert Path(f"/proc/{orphan}").exists()
        assert throughput.MemorySampler.total() < alone + (48 << 20)
    finally:
        os.kill(orphan, signal.SIGKILL)
