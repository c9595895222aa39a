"""The pytest plugin: one test item per check, on a correct and a broken submission, in a separate pytest."""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from importlib.metadata import entry_points
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import ROOT
from grader.api import write_classroom_workflow
from grader.diagnosis.catalogue import describe
from grader.platforms.classroom.pytest_tests import TEST_FILE, point_unit, point_tests

CORRECT = ROOT / "assignments" / "two-layer" / "solution.py"
BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10
POINTS = {"init": 1, "forward": 2, "loss": 1, "gradients": 3, "update": 1, "descent": 2}


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


def test_junit_output_carries_each_checks_points(tmp_path):
    shutil.copyfile(BROKEN, tmp_path / "lab.py")
    proc = run_pytest(tmp_path, "--grader-assignment", "two-layer", "--grader-submission", "lab.py",
                      "--junitxml", "junit.xml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cases = ElementTree.parse(tmp_path / "junit.xml").getroot().iter("testcase")
    points = {c.get("name"): {p.get("name"): float(p.get("value")) for p in c.iter("property")} for c in cases}
    assert points["gradients"] == {"points": 0.0, "max_points": 3.0}
    assert points["forward"] == {"points": 2.0, "max_points": 2.0}
    assert sum(p["points"] for p in points.values()) == 5 and sum(p["max_points"] for p in points.values()) == 10


# -- GitHub Classroom's Python grader ----------------------------------------------------------------------
#
# The rules re-implemented below come from classroom-resources/autograding-python-grader at tag v1 (commit
# 6599fc9, 2024-05-01): runner/__init__.py (``run`` collects only files ending in ``_test.py``; its
# ``pytest_collection_modifyitems`` sorts every item by ``TestOrder.lineno`` of its node id in its file, and its
# ``pytest_sessionfinish`` gives each passed test ``max_score / len(tests)``), runner/sort.py (``TestOrder`` parses
# the item's file with ``ast`` and knows only ``def test_*`` functions: anything else is a KeyError, the crash the
# plugin's own items caused) and bin/run.sh (``max-score`` is an integer).

def runner_order(test_file: Path) -> list[tuple[str, int]]:
    """(test name, line) of every ``def test_*`` the runner can order, in file order."""
    tree = ast.parse(test_file.read_text(encoding="utf-8"))
    return [(node.name, node.lineno) for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]


def runner_scores(outcomes: dict[str, str], max_score: int) -> dict[str, float]:
    """Each test's score: an equal share of max_score when it passed."""
    return {name: max_score / len(outcomes) if outcome == "passed" else 0.0 for name, outcome in outcomes.items()}


def junit_outcomes(path: Path) -> dict[str, str]:
    found = {}
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        found[case.get("name")] = "failed" if failed else "passed"
    return found


@pytest.fixture(scope="module")
def python_runner_repo(tmp_path_factory) -> Path:
    """An assignment repository written by ``grader classroom init --runner python`` around the broken lab."""
    repo = tmp_path_factory.mktemp("python_runner")
    shutil.copyfile(BROKEN, repo / "lab.py")
    write_classroom_workflow(assignment="two-layer", submission="lab.py", runner="python",
                             install="git+https://example.org/grader.git", out=repo / ".github" / "workflows" /
                             "classroom.yml")
    return repo


def test_the_python_grader_workflow_runs_the_generated_tests(python_runner_repo):
    workflow = yaml.safe_load((python_runner_repo / ".github" / "workflows" / "classroom.yml").read_text())
    (job,) = workflow["jobs"].values()
    grade = next(s for s in job["steps"] if s.get("id") == "backprop")
    assert grade["uses"] == "classroom-resources/autograding-python-grader@v1"
    assert grade["with"]["max-score"] == 10 and isinstance(grade["with"]["max-score"], int)
    assert "pip install" in grade["with"]["setup-command"]
    assert (python_runner_repo / TEST_FILE).name.endswith("_test.py")  # the only files the runner collects


def test_one_test_per_point_makes_the_runners_equal_shares_the_check_weights(python_runner_repo):
    order = runner_order(python_runner_repo / TEST_FILE)
    names = [name for name, _ in order]
    assert names == ["test_init", "test_forward_1", "test_forward_2", "test_loss", "test_gradients_1",
                     "test_gradients_2", "test_gradients_3", "test_update", "test_descent_1", "test_descent_2"]
    assert [line for _, line in order] == sorted(line for _, line in order)
    proc = run_pytest(python_runner_repo, TEST_FILE, "--junitxml", "junit.xml", "-s", "--tb=no")  # as the runner
    outcomes = junit_outcomes(python_runner_repo / "junit.xml")
    assert list(outcomes) == names, proc.stdout + proc.stderr
    scores = runner_scores(outcomes, max_score=10)
    per_check = {check: sum(v for k, v in scores.items() if k.startswith(f"test_{check}")) for check in POINTS}
    assert per_check == {"init": 1, "forward": 2, "loss": 1, "gradients": 0, "update": 1, "descent": 0}
    printed = proc.stdout.split("short test summary info")[0]  # pytest's own summary (full lines under CI) aside
    assert printed.count("[gradient-sign]") == 1  # the diagnosis is printed once, not once per point
    assert describe("gradient-sign").hint in proc.stdout


def test_points_with_halves_get_half_point_tests():
    names = point_tests({"init": 0.5, "forward": 1.5, "descent": 1})
    assert [n for n, _ in names] == ["test_init", "test_forward_1", "test_forward_2", "test_forward_3",
                                     "test_descent_1", "test_descent_2"]
    assert point_unit({"init": 0.5, "forward": 1.5}) == Fraction(1, 2)


@pytest.mark.slow
def test_the_real_python_grader_scores_the_check_weights(python_runner_repo, tmp_path):
    """bin/run.py of the runner's tag v1, run as its run.sh does, on the generated tests."""
    runner = Path(os.environ.get("GRADER_CLASSROOM_PYTHON_GRADER", "/nonexistent"))
    if not (runner / "bin" / "run.py").is_file() or importlib.util.find_spec("timeout_decorator") is None:
        pytest.skip("set GRADER_CLASSROOM_PYTHON_GRADER to a copy of the Python grader's tag v1 and install "
                    "timeout-decorator: the runner is published on GitHub only, not in a package registry")
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(runner)
    proc = subprocess.run([sys.executable, str(runner / "bin" / "run.py"), "./", str(out), "10"],
                          cwd=python_runner_repo, env=env, capture_output=True, text=True, timeout=300)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["status"] == "fail", proc.stdout + proc.stderr
    scores = {t["name"]: t["score"] for t in results["tests"]}
    assert len(scores) == 10 and sum(scores.values()) == pytest.approx(5.0)
    assert scores["test gradients 1"] == 0 and scores["test forward 2"] == pytest.approx(1.0)
    failed = next(t for t in results["tests"] if t["name"] == "test gradients 1")
    assert "[gradient-sign]" in failed["message"]


def test_the_plugin_follows_the_specs_feedback_level(tmp_path):
    spec = (ROOT / "assignments" / "two-layer" / "spec.toml").read_text(encoding="utf-8")
    (tmp_path / "spec.toml").write_text(spec + '\n[grading]\nfeedback = "hint"\n', encoding="utf-8")
    shutil.copyfile(BROKEN, tmp_path / "lab.py")
    proc = run_pytest(tmp_path, "--grader-assignment", "spec.toml", "--grader-submission", "lab.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[gradient-sign]" in proc.stdout and describe("gradient-sign").hint in proc.stdout
    assert "expected 0.0524542" not in proc.stdout  # the values compared stay hidden at "hint"
