"""GitHub Classroom: the generated workflow, run locally step by step (installing the bundled wheel in a fresh
environment), with its step outputs read the way the Classroom reporter reads them.

The reporter's rules re-implemented here (what it prints and which points it sends) come from
``classroom-resources/autograding-grading-reporter`` at tag ``v1`` (commit a2033d2, 2024-04-16), the version
``...@v1`` runs: ``src/main.js`` (``parseRunnerResults``: ``<RUNNER>_RESULTS`` is base64 JSON, runner ids from
the comma-separated ``runners`` input), ``src/console-results.js`` (a passed test prints its name, a failed one its
name only, an ``error`` prints ``Error: <message>`` without the name, any test prints a non-empty ``test_code``;
``Total points for <runner>: <score>/<max_score>`` when ``max_score`` is not 0), ``src/helpers/test-helpers.js``
(``getTestScore``: passed tests / tests x ``max_score``) and ``src/notify-classroom.js`` (Classroom receives the
sum of the tests' ``score`` out of the sum of ``max_score``, runners with ``max_score`` 0 left out).
A slow test also runs that tag's bundled ``dist/main.js`` under node when ``GRADER_CLASSROOM_REPORTER`` names it.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from grader.api import write_classroom_workflow
from grader.cli import main
from grader.diagnosis.catalogue import describe
from grader.errors import UsageError
from grader.platforms.bundle import install_problems
from grader.platforms.classroom.workflow import REPORTER, STEP_ID, WORKFLOW_PATH
from platform_samples import bare_venv, classroom_errors, grader_wheel

CORRECT = ROOT / "assignments" / "two-layer" / "solution.py"
BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10
SYNTAX = ROOT / "submissions" / "examples" / "grace_syntax_error.py"  # does not load: 0/10
CHECKS = ("init", "forward", "loss", "gradients", "update", "descent")
POINTS = {"init": 1, "forward": 2, "loss": 1, "gradients": 3, "update": 1, "descent": 2}
EXPRESSION = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- the reporter's rules (see the module docstring for the source) ---------------------------------------

def reporter_log(runner_results: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The lines ConsoleResults prints (without colours and banners)."""
    lines: list[str] = []
    for runner, results in runner_results:
        max_score = results.get("max_score") or 0
        passed = sum(t["status"] == "pass" for t in results["tests"])
        lines.append(f"Processing: {runner}")
        for test in results["tests"]:
            where = f" - line {test['line_no']}" if test["line_no"] != 0 else ""
            if test["status"] == "pass":
                lines.append(f"PASS {test['name']}{where}")
            elif test["status"] == "error":
                lines += f"Error: {test['message'] or 'Failed to run test ' + repr(test['name'])}".splitlines()
            else:
                lines.append(f"FAIL {test['name']}{where}")
            if test["test_code"]:
                lines += ["Test code:", *test["test_code"].splitlines()]
        if max_score != 0:
            lines.append(f"Total points for {runner}: {passed / len(results['tests']) * max_score:.2f}/{max_score}")
    return lines


def classroom_points(runner_results: list[tuple[str, dict[str, Any]]]) -> str:
    """What NotifyClassroom sends: the tests' scores out of the runners' max_score."""
    scored = [results for _, results in runner_results if results.get("max_score")]
    total = sum(t["score"] for results in scored for t in results["tests"])
    return f"Points {total:g}/{sum(results['max_score'] for results in scored):g}"


# -- the workflow ------------------------------------------------------------------------------------------

def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def reporter_step(workflow: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in steps_of(workflow) if s.get("uses") == REPORTER)


@pytest.fixture(scope="module")
def wheel() -> Path:
    return grader_wheel()


def test_the_workflow_installs_the_bundled_wheel_and_feeds_one_runner_per_check(tmp_path, wheel):
    repo = tmp_path / "repo"
    path = write_classroom_workflow(assignment="two-layer", submission="lab.ipynb", wheel=wheel,
                                    out=repo / WORKFLOW_PATH)
    assert (path.parent / wheel.name).read_bytes() == wheel.read_bytes()  # committed next to the workflow
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    steps = steps_of(workflow)
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["with"]["python-version"] == "3.11"
    assert steps[2]["run"].strip() == ("python -m pip install --quiet --disable-pip-version-check "
                                       f".github/workflows/{wheel.name}")
    grader = next(s for s in steps if s.get("id") == STEP_ID)
    assert grader["run"].strip() == "grader check lab.ipynb --assignment two-layer --format text --classroom-output"
    reporter = reporter_step(workflow)
    assert reporter["with"]["runners"] == ",".join(CHECKS)
    for runner in reporter["with"]["runners"].split(","):  # <RUNNER>_RESULTS for every runner it lists
        match = EXPRESSION.match(reporter["env"][f"{runner.strip().upper()}_RESULTS"])
        assert match and match.groups() == (STEP_ID, runner)
    assert "!cancelled()" in reporter["if"] and f"steps.{STEP_ID}.outputs.result" in reporter["if"]


def test_workflow_options_are_quoted_and_checked(tmp_path):
    path = write_classroom_workflow(assignment="two-layer", submission="my lab: v2.ipynb",
                                    install="git+https://example.org/grader.git@v1#egg=backprop-grader",
                                    out=tmp_path / "w.yml")
    steps = steps_of(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert steps[3]["name"] == "Grade my lab: v2.ipynb"
    assert "grader check 'my lab: v2.ipynb' --assignment two-layer" in steps[3]["run"]
    assert "'git+https://example.org/grader.git@v1#egg=backprop-grader'" in steps[2]["run"]
    assert not list(tmp_path.glob("*.whl"))  # an install line: nothing bundled
    with pytest.raises(UsageError, match="unknown assignment"):
        write_classroom_workflow(assignment="two-layers", submission="lab.ipynb", out=tmp_path / "x.yml", install="x")
    with pytest.raises(UsageError, match="one non-empty line"):
        write_classroom_workflow(assignment="two-layer", submission="a\nb", out=tmp_path / "x.yml", install="x")
    with pytest.raises(UsageError, match="relative to the repository root"):
        write_classroom_workflow(assignment=str(ROOT / "assignments" / "two-layer" / "spec.toml"),
                                 submission="lab.ipynb", out=tmp_path / "x.yml", install="x")
    with pytest.raises(UsageError, match="not a wheel"):
        write_classroom_workflow(assignment="two-layer", submission="lab.py", wheel=path, out=tmp_path / "y.yml")


def test_install_lines_that_cannot_work_are_named(tmp_path):
    assert "not published on PyPI" in install_problems("backprop-grader==0.1.0")[0]
    assert "not published on PyPI" in install_problems("backprop_grader")[0]
    assert "path on this machine" in install_problems("/home/me/dist/backprop_grader-0.1.0-py3-none-any.whl")[0]
    assert "not in the repository" in install_problems("dist/grader.whl", repository=tmp_path)[0]
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "grader.whl").write_bytes(b"")
    assert install_problems("dist/grader.whl", repository=tmp_path) == []
    assert install_problems("git+https://example.org/grader.git@v1#egg=backprop-grader") == []
    assert install_problems("https://example.org/backprop_grader-0.1.0-py3-none-any.whl") == []


def test_classroom_init_command(tmp_path, monkeypatch, capsys, wheel):
    monkeypatch.chdir(tmp_path)
    main(["classroom", "init", "--assignment", "two-layer", "--wheel", str(wheel)])
    text = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "grader check two-layer.ipynb --assignment two-layer" in text
    out = capsys.readouterr().out
    assert f"wrote .github/workflows/classroom.yml and .github/workflows/{wheel.name}" in out and "commit both" in out
    with pytest.raises(SystemExit) as exited:
        main(["classroom", "init", "--assignment", "two-layer", "--wheel", str(wheel)])
    assert exited.value.code == 2 and "already exists" in capsys.readouterr().err
    main(["classroom", "init", "-a", "two-layer", "--submission", "lab.py", "--force",
          "--install", "backprop-grader==0.1.0"])
    assert "grader check lab.py --assignment two-layer" in (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "WARNING: the install line cannot work" in capsys.readouterr().err


def run_workflow_locally(student: Path, tmp: Path, wheel: Path) -> dict[str, Any]:
    """The assignment repository with the student's file as lab.py; run the install and grading steps' commands
    as GitHub Actions would (bash -eo pipefail, $GITHUB_OUTPUT) in an environment without the grader, then read
    the step outputs as the reporter step's env and runners say."""
    repo = tmp / "repo"
    repo.mkdir()
    shutil.copyfile(student, repo / "lab.py")
    write_classroom_workflow(assignment="two-layer", submission="lab.py", wheel=wheel, out=repo / WORKFLOW_PATH)
    workflow = yaml.safe_load((repo / WORKFLOW_PATH).read_text(encoding="utf-8"))
    steps = steps_of(workflow)
    github_output = tmp / "github_output"
    github_output.touch()
    env = {**{k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}, "GITHUB_OUTPUT": str(github_output),
           "NO_COLOR": "1", "PATH": f"{bare_venv(tmp / 'venv')}{os.pathsep}{os.environ.get('PATH', '')}"}
    procs = {}
    for step in (s for s in steps if "run" in s):
        procs[step.get("id", step["name"])] = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repo, env=env,
            capture_output=True, text=True, timeout=300)
    install = procs["Install the grader"]
    assert install.returncode == 0, install.stdout + install.stderr
    outputs = dict(line.split("=", 1) for line in github_output.read_text(encoding="utf-8").splitlines())
    reporter = reporter_step(workflow)
    reporter_env = {}
    for name, value in reporter["env"].items():  # ${{ steps.<id>.outputs.<name> }}
        step, output = EXPRESSION.match(value).groups()
        assert step == STEP_ID
        reporter_env[name] = outputs[output]
    runners = [r.strip() for r in reporter["with"]["runners"].split(",")]
    runner_results = [(r, json.loads(base64.b64decode(reporter_env[f"{r.upper()}_RESULTS"]).decode("utf-8")))
                      for r in runners]
    return {"proc": procs[STEP_ID], "runner_results": runner_results, "outputs": outputs, "env": reporter_env,
            "runners": runners, "repo": repo}


@pytest.fixture(scope="module")
def workflow_runs(tmp_path_factory, wheel) -> dict[str, dict[str, Any]]:
    """The workflow's steps run on three submissions (in parallel)."""
    names = {"correct": CORRECT, "broken": BROKEN, "syntax": SYNTAX}
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = pool.map(lambda kv: (kv[0], run_workflow_locally(kv[1], tmp_path_factory.mktemp(kv[0]), wheel)),
                        names.items())
        return dict(runs)


def test_the_step_runs_the_installed_wheel_not_this_checkout(workflow_runs):
    proc = workflow_runs["correct"]["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo = workflow_runs["correct"]["repo"]
    venv_python = repo.parent / "venv" / "bin" / "python"
    where = subprocess.run([str(venv_python), "-c", "import grader; print(grader.__file__)"], capture_output=True,
                           text=True, timeout=60, cwd=repo, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert str(repo.parent / "venv") in where.stdout and str(ROOT) not in where.stdout


def test_correct_submission_through_the_workflow(workflow_runs):
    run = workflow_runs["correct"]
    assert run["proc"].returncode == 0, run["proc"].stderr
    assert all(classroom_errors(results) == [] for _, results in run["runner_results"])
    assert "Total: 10 / 10" in run["proc"].stdout  # the step's log is the readable report, not JSON
    log = reporter_log(run["runner_results"])
    assert [line for line in log if line.startswith("Total points")] == [
        f"Total points for {c}: {POINTS[c]:.2f}/{POINTS[c]}" for c in CHECKS]
    assert classroom_points(run["runner_results"]) == "Points 10/10"


def test_broken_submission_shows_each_checks_points_and_its_diagnosis(workflow_runs):
    run = workflow_runs["broken"]
    assert run["proc"].returncode == 1, run["proc"].stderr  # the step fails below full marks; the reporter still runs
    assert "FAIL gradients  0/3" in run["proc"].stdout and "[gradient-sign]" in run["proc"].stdout
    log = reporter_log(run["runner_results"])
    totals = [line for line in log if line.startswith("Total points")]
    assert totals == ["Total points for init: 1.00/1", "Total points for forward: 2.00/2",
                      "Total points for loss: 1.00/1", "Total points for gradients: 0.00/3",
                      "Total points for update: 1.00/1", "Total points for descent: 0.00/2"]
    assert classroom_points(run["runner_results"]) == "Points 5/10"
    text = "\n".join(log)
    assert "FAIL gradients" in text and "# [gradient-sign] Gradient has the wrong sign" in text
    assert f"# hint: {describe('gradient-sign').hint}" in text and "[no-descent]" in text
    # one document with every check is still there for other readers
    whole = json.loads(base64.b64decode(run["outputs"]["result"]))
    assert sum(t["score"] for t in whole["tests"]) == 5 and whole["max_score"] == 10


def test_a_load_error_is_said_once_and_every_check_is_named(workflow_runs):
    run = workflow_runs["syntax"]
    log = reporter_log(run["runner_results"])
    errors = [line for line in log if line.startswith("Error:")]
    assert len(errors) == 1 and "[syntax-error]" in errors[0] and "line 29" in errors[0]
    assert [line for line in log if line.startswith("FAIL")] == [f"FAIL {c}" for c in CHECKS[1:]]
    assert classroom_points(run["runner_results"]) == "Points 0/10"


def test_the_single_runner_document_would_misstate_the_runner_line(workflow_runs):
    """Why one runner per check: the reporter shares a runner's max_score equally between its passed tests."""
    whole = json.loads(base64.b64decode(workflow_runs["broken"]["outputs"]["result"]))
    assert reporter_log([("backprop", whole)])[-1] == "Total points for backprop: 6.67/10"
    assert classroom_points([("backprop", whole)]) == "Points 5/10"


@pytest.mark.slow
def test_the_real_reporter_prints_the_same_lines(workflow_runs):
    """The reporter's bundled JavaScript (``dist/main.js`` of tag v1) run under node on the broken run's outputs."""
    script = os.environ.get("GRADER_CLASSROOM_REPORTER", "")
    node = shutil.which("node")
    if not (script and Path(script).is_file() and node):
        pytest.skip("set GRADER_CLASSROOM_REPORTER to a copy of the reporter's dist/main.js (tag v1) and install "
                    "node: the reporter is published on GitHub only, not in a package registry")
    for name in ("broken", "syntax"):
        run = workflow_runs[name]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
        env.update(run["env"])
        env["INPUT_RUNNERS"] = ",".join(run["runners"])
        proc = subprocess.run([node, script], env=env, capture_output=True, text=True, timeout=120)
        printed = [line.strip() for line in ANSI.sub("", proc.stdout).splitlines() if line.strip()]
        ours = [line.replace("PASS ", "✅ ").replace("FAIL ", "❌ ").replace("Processing:", "🔄 Processing:").strip()
                for line in reporter_log(run["runner_results"]) if line.strip()]
        assert [line for line in printed if line in ours] == ours, proc.stdout + proc.stderr
        assert "::error::Some tests" in proc.stdout  # and the reporter marks the run failed
        total = "5" if name == "broken" else "0"  # its summary table adds the runners' scores: the check weights
        assert re.search(rf"Total:\s*│\s*{total}\s*│\s*10\s*│", ANSI.sub("", proc.stdout)), proc.stdout
