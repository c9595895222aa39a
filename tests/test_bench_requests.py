"""The request benchmark (bench/requests.py) runs end to end at a tiny size, this checkout as its own
baseline; its figures are not asserted (speed is measured by running it, never by tests), only how it reports."""
from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT


def test_a_tiny_run_times_each_request_of_both_graders_and_ends_with_the_ratio():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "requests.py"), "--rounds", "2", "--count", "5",
                          "--programs", "2", "--epochs", "10", "--baseline", str(ROOT)],
                         capture_output=True, text=True, timeout=600, check=True)
    lines = run.stdout.strip().splitlines()
    assert len([line for line in lines if line.startswith("round ")]) == 4
    for what in ("get", "set_params", r"program \(10 epochs\)"):
        assert any(re.match(rf"{what} *: new +\d+ us, baseline +\d+ us per request", line) for line in lines), what
    assert re.fullmatch(r"ratio new/baseline \(geometric mean of the wall-time ratios\): \d+\.\d\d", lines[-1])
    assert float(lines[-1].rsplit(" ", 1)[1]) > 0
