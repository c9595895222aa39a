"""GitHub Classroom: the generated workflow, run locally step by step, on a correct and a broken submission."""
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
from grader import __version__
from grader.api import write_classroom_workflow
from grader.cli import main
from grader.errors import UsageError
from grader.platforms.classroom.workflow import REPORTER, STEP_ID, WORKFLOW_PATH
from platform_samples import classroom_errors

CORRECT = ROOT / "assignments" / "two-layer" / "solution.py"
BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10
EXPRESSION = re.compile(r"^\$\{\{\s*steps\.([\w-]+)\.outputs\.result\s*\}\}$")


def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return job["steps"]


def reporter_step(workflow: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in steps_of(workflow) if s.get("uses") == REPORTER)


def test_the_workflow_feeds_the_grader_steps_result_to_the_reporter(tmp_path):
    path = write_classroom_workflow(assignment="two-layer", submission="lab.ipynb", out=tmp_path / "classroom.yml")
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    steps = steps_of(workflow)
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["with"]["python-version"] == "3.11"
    assert f"pip install --quiet --disable-pip-version-check backprop-grader=={__version__}" in steps[2]["run"]
    grader = next(s for s in steps if s.get("id") == STEP_ID)
    assert grader["run"].strip() == ("grader check lab.ipynb --assignment two-layer --format classroom "
                                     "--classroom-output")
    reporter = reporter_step(workflow)
    assert reporter["with"]["runners"] == STEP_ID
    # the reporter reads <RUNNER>_RESULTS (the runner id upper-cased) for every runner it lists
    for runner in reporter["with"]["runners"].split(","):
        match = EXPRESSION.match(reporter["env"][f"{runner.strip().upper()}_RESULTS"])
        assert match and match.group(1) == runner.strip() == grader["id"]
    assert "!cancelled()" in reporter["if"] and f"steps.{STEP_ID}.outputs.result" in reporter["if"]


def test_workflow_options_are_quoted_and_checked(tmp_path):
    path = write_classroom_workflow(assignment="two-layer", submission="my lab: v2.ipynb",
                                    install="git+https://example.org/grader.git@v1#egg=backprop-grader",
                                    out=tmp_path / "w.yml")
    steps = steps_of(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert steps[3]["name"] == "Grade my lab: v2.ipynb"
    assert "grader check 'my lab: v2.ipynb' --assignment two-layer" in steps[3]["run"]
    assert "'git+https://example.org/grader.git@v1#egg=backprop-grader'" in steps[2]["run"]
    with pytest.raises(UsageError, match="unknown assignment"):
        write_classroom_workflow(assignment="two-layers", submission="lab.ipynb", out=tmp_path / "x.yml")
    with pytest.raises(UsageError, match="one non-empty line"):
        write_classroom_workflow(assignment="two-layer", submission="a\nb", out=tmp_path / "x.yml")
    with pytest.raises(UsageError, match="relative to the repository root"):
        write_classroom_workflow(assignment=str(ROOT / "assignments" / "two-layer" / "spec.toml"),
                                 submission="lab.ipynb", out=tmp_path / "x.yml")


def test_classroom_init_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["classroom", "init", "--assignment", "two-layer"])
    text = (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "grader check two-layer.ipynb --assignment two-layer" in text
    assert "wrote .github/workflows/classroom.yml" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["classroom", "init", "--assignment", "two-layer"])
    assert exited.value.code == 2 and "already exists" in capsys.readouterr().err
    main(["classroom", "init", "-a", "two-layer", "--submission", "lab.py", "--force"])
    assert "grader check lab.py --assignment two-layer" in (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8")


def run_workflow_locally(student: Path, tmp: Path) -> dict[str, Any]:
    """The assignment repository with the student's file as lab.py; run the grader step's commands as
    GitHub Actions would (bash -eo pipefail, $GITHUB_OUTPUT), then do what the reporter does with the output."""
    repo = tmp / "repo"
    repo.mkdir()
    shutil.copyfile(student, repo / "lab.py")
    write_classroom_workflow(assignment="two-layer", submission="lab.py", out=repo / WORKFLOW_PATH)
    workflow = yaml.safe_load((repo / WORKFLOW_PATH).read_text(encoding="utf-8"))
    grader = next(s for s in steps_of(workflow) if s.get("id") == STEP_ID)
    github_output = tmp / "github_output"
    github_output.touch()
    env = {**os.environ, "GITHUB_OUTPUT": str(github_output), "NO_COLOR": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", grader["run"]], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=180)
    outputs = dict(line.split("=", 1) for line in github_output.read_text(encoding="utf-8").splitlines())
    reporter = reporter_step(workflow)
    reporter_env = {}
    for name, value in reporter["env"].items():  # ${{ steps.<id>.outputs.result }}: the grader step's output
        assert EXPRESSION.match(value).group(1) == grader["id"]
        reporter_env[name] = outputs["result"]
    runner = reporter["with"]["runners"]
    document = json.loads(base64.b64decode(reporter_env[f"{runner.upper()}_RESULTS"]).decode("utf-8"))
    return {"proc": proc, "document": document, "outputs": outputs}


@pytest.fixture(scope="module")
def workflow_runs(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """The workflow's grading step run on both submissions (in parallel)."""
    names = {"correct": CORRECT, "broken": BROKEN}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(lambda kv: (kv[0], run_workflow_locally(kv[1], tmp_path_factory.mktemp(kv[0]))),
                        names.items())
        return dict(runs)


def points_line(document: dict[str, Any]) -> str:
    """What the reporter reports to Classroom: the tests' scores out of max_score."""
    return f"Points {sum(t['score'] for t in document['tests']):g}/{document['max_score']:g}"


def test_correct_submission_through_the_workflow(workflow_runs):
    run = workflow_runs["correct"]
    assert run["proc"].returncode == 0, run["proc"].stderr
    document = run["document"]
    assert classroom_errors(document) == []
    assert document["status"] == "pass" and all(t["status"] == "pass" for t in document["tests"])
    assert points_line(document) == "Points 10/10"
    assert json.loads(run["proc"].stdout) == document  # the step's log shows the same document
    assert list(run["outputs"]) == ["result"]


def test_broken_submission_through_the_workflow(workflow_runs):
    run = workflow_runs["broken"]
    assert run["proc"].returncode == 1, run["proc"].stderr  # the step fails below full marks; the reporter still runs
    document = run["document"]
    assert classroom_errors(document) == []
    assert document["status"] == "fail"
    tests = {t["name"]: t for t in document["tests"]}
    assert tests["gradients"]["status"] == "fail" and "[gradient-sign]" in tests["gradients"]["message"]
    assert tests["forward"]["status"] == "pass"
    assert all(t["filename"] == "lab.py" for t in tests.values())
    assert points_line(document) == "Points 5/10"
