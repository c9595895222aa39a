"""The pytest plugin: one test item per check, on a correct and a broken submission, in a separate pytest."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conftest import ROOT
from grader.diagnosis.catalogue import describe

CORRECT = ROOT / "assignments" / "two-layer" / "solution.py"
BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10


def plugin_args() -> list[str]:
    """Nothing when the entry point is installed (the normal case); else load the module by name."""
    installed = [ep for ep in entry_points(group="pytest11") if ep.value == "grader.pytest_plugin"]
    return [] if installed else ["-p", "grader.pytest_plugin"]


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *plugin_args(), *args],
                          cwd=folder, env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    """The correct file graded with command-line options; the broken one with ini settings and -k (in parallel)."""
    correct = tmp_path_factory.mktemp("correct")
    shutil.copyfile(CORRECT, correct / "lab.py")
    broken = tmp_path_factory.mktemp("broken")
    shutil.copyfile(BROKEN, broken / "lab.py")
    (broken / "pytest.ini").write_text("[pytest]\ngrader_assignment = two-layer\ngrader_submission = lab.py\n",
                                       encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        good = pool.submit(run_pytest, correct, "--grader-assignment", "two-layer", "--grader-submission", "lab.py")
        bad = pool.submit(run_pytest, broken, "-k", "not init and not update")
        return {"correct": good.result(), "broken": bad.result()}


def test_correct_submission_passes_one_item_per_check(runs):
    proc = runs["correct"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for check in ("init", "forward", "loss", "gradients", "update", "descent"):
        assert f"PASSED lab.py::{check}" in proc.stdout
    assert "collected 6 items" in proc.stdout and "6 passed" in proc.stdout
    assert "grader: 10/10 points for lab.py (two-layer)" in proc.stdout
    assert "grader: assignment two-layer, submission" in proc.stdout


def test_broken_submission_fails_with_the_diagnosis(runs):
    proc = runs["broken"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAILED lab.py::gradients" in proc.stdout and "FAILED lab.py::descent" in proc.stdout
    assert "PASSED lab.py::forward" in proc.stdout and "PASSED lab.py::loss" in proc.stdout
    assert "2 failed, 2 passed, 2 deselected" in proc.stdout
    assert "collected 6 items / 2 deselected / 4 selected" in proc.stdout
    assert "FAILED lab.py::gradients - 0/3 points: " in proc.stdout
    failure = proc.stdout.split("_ gradients (3 points) _", 1)[1]
    assert "[gradient-sign]" in failure
    assert describe("gradient-sign").hint in failure
    assert "Traceback" not in failure and "CheckFailed" not in failure
    assert "grader: 5/10 points for lab.py (two-layer)" in proc.stdout


def test_the_plugin_needs_both_settings(tmp_path):
    proc = run_pytest(tmp_path, "--grader-assignment", "two-layer")
    assert proc.returncode == 4  # pytest's usage error
    assert "needs both --grader-assignment and --grader-submission" in proc.stderr
    proc = run_pytest(tmp_path, "--grader-assignment", "two-layers", "--grader-submission", ".")
    assert proc.returncode == 4 and "unknown assignment 'two-layers'" in proc.stderr
