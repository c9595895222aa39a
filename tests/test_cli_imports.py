"""What ``grader check`` loads: only what one check uses (no HTML reports, no Jupyter kernel machinery,
no platform it does not print for), and the pre-warmed worker it starts first gives the verdicts a
freshly started worker gives."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FILES, ROOT
from grader import load_assignment
from grader.api import check_one
from grader.results import SubmissionResult

NOTEBOOK = ROOT / "assignments" / "two-layer" / "solution.ipynb"
NOT_FOR_A_CHECK = ("jinja2", "nbclient", "jupyter_client", "ipykernel", "zmq", "nbformat", "yaml",
                   "grader.reports.html", "grader.reports.marksheet", "grader.reports.summary",
                   "grader.reports.csv", "grader.platforms.lms.gradebooks", "grader.platforms.lms.roster",
                   "grader.platforms.gradescope.autograder", "grader.sandbox.kernel", "matplotlib")


def imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The modules ``python -m grader ARGS`` imports (from ``-X importtime``), and the run."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", *args], capture_output=True,
                         text=True, timeout=300)
    names = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    return names, run


def test_a_notebook_check_imports_no_reports_kernels_or_unused_platforms():
    names, run = imported("check", str(NOTEBOOK), "--assignment", "two-layer")
    assert run.returncode == 0 and "Total: 10 / 10" in run.stdout
    assert {"click", "numpy", "grader.grading", "grader.checks.descent"} <= names  # the census is real
    assert sorted(names & set(NOT_FOR_A_CHECK)) == []


def test_listing_assignments_imports_no_grading():
    names, run = imported("assignments")
    assert run.returncode == 0 and "two-layer" in run.stdout
    assert not names & {"grader.grading", "grader.binding", "IPython", "jinja2", "nbclient"}


def _verdicts(result: SubmissionResult) -> list[tuple]:
    return [(c.id, c.points, c.message, c.evidence) for c in result.checks]


@pytest.mark.parametrize("path", [NOTEBOOK, FILES / "two_layer" / "fails_gradients_sign_error.py",
                                  FILES / "two_layer" / "error_syntax.ipynb"])
def test_the_command_s_pre_warmed_worker_gives_a_fresh_worker_s_verdicts(path: Path):
    run = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--assignment", "two-layer",
                          "--format", "json"], capture_output=True, text=True, timeout=300)
    forked = SubmissionResult.from_dict(json.loads(run.stdout))
    fresh = check_one(path=path, assignment=load_assignment("two-layer"))
    assert run.returncode == (0 if fresh.score == fresh.max_score else 1)
    assert (forked.status, forked.score, forked.error) == (fresh.status, fresh.score, fresh.error)
    assert _verdicts(forked) == _verdicts(fresh)


def test_a_check_starts_its_pre_warmed_worker_before_numpy_loads():
    """The worker loads NumPy and matplotlib while the grader loads NumPy and its own modules: what it
    takes to start one (its configuration, the zygote) must not load NumPy first."""
    names, run = imported("check", str(NOTEBOOK), "--assignment", "two-layer")
    order = [line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")]
    assert run.returncode == 0
    assert order.index("grader.sandbox.zygote") < order.index("numpy")


def test_a_check_of_plain_python_cells_loads_no_ipython(tmp_path):
    """IPython's input transformer (a third of a second) only for cells that use its syntax."""
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = "\n".join(line for line in source.splitlines() if not line.startswith("%"))
    plain = tmp_path / "lab.ipynb"
    plain.write_text(json.dumps(notebook), encoding="utf-8")
    names, run = imported("check", str(plain), "--assignment", "two-layer")
    assert run.returncode == 0 and "Total: 10 / 10" in run.stdout
    assert "IPython" not in names
    with_magic, _ = imported("check", str(NOTEBOOK), "--assignment", "two-layer")
    assert "IPython" in with_magic  # the solution notebook has "%matplotlib inline": it still gets IPython
