"""The check benchmark (bench/check.py) runs end to end with one counted round; its figures are not
asserted (speed is measured by running it, never by tests), only what it checked and how it reports."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_one_round_checks_the_solution_and_ends_with_the_ratio():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "check.py"), "--rounds", "1"],
                         capture_output=True, text=True, timeout=600, check=True)
    lines = run.stdout.strip().splitlines()
    assert "    Total: 10 / 10" in lines  # the student's report, as printed by the check it timed
    assert any(re.fullmatch(r"plain python  : median \d+\.\d{3} s .*", line) for line in lines)
    assert any(re.fullmatch(r"grader check  : median \d+\.\d{3} s .*", line) for line in lines)
    assert re.fullmatch(r"ratio grader check/plain python \(medians\): \d+\.\d\d", lines[-1])
    assert float(lines[-1].rsplit(" ", 1)[1]) > 0
