"""The isolation benchmark (bench/isolation.py) runs end to end at a tiny size; its figures are not asserted
(speed is measured by running it, never by tests), only that both settings graded alike and how it reports."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_a_tiny_run_grades_alike_with_and_without_the_sandbox_and_ends_with_the_ratio():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "isolation.py"), "--count", "3", "--workers", "1",
                          "--rounds", "2", "--starts", "2"], capture_output=True, text=True, timeout=600, check=True)
    lines = run.stdout.strip().splitlines()
    rounds = [line for line in lines if line.startswith("round ")]
    assert len(rounds) == 4
    scores = {re.search(r"scores (\{.*?\})", line).group(1) for line in rounds}
    assert len(scores) == 1, "the sandbox changes no score"
    assert all("'unprotected': 0" in line for line in rounds if " sandbox " in line)
    assert all("'unprotected': 3" in line for line in rounds if " insecure " in line)
    assert re.fullmatch(r"ratio sandbox/insecure \(wall\): \d+\.\d\d", lines[-1])
    assert float(lines[-1].rsplit(" ", 1)[1]) > 0
