"""The Jupyter-kernel path: same verdicts as the kernel-less worker, chosen when a notebook needs it, as isolated."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from IPython.core.inputtransformer2 import TransformerManager

from conftest import FILES, ROOT
from grader import load_assignment
from grader.cli import cli
from grader.errors import SubmissionFailure
from grader.grading import grade_paths, grade_submission
from grader.sandbox.kernel import KernelWorker
from grader.sandbox.notebook import code_cells, kernel_reason, needs_kernel
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Limits, clean_env
from grader.sandbox.submission import from_path

KERNEL = FILES / "kernel"
LIMITS = Limits(load_timeout=20.0, request_timeout=10.0)


def _verdicts(results) -> dict[str, dict]:
    """What must not depend on the way a notebook ran: not timings, printed output or messages."""
    return {r.student: {"status": r.status, "error": r.error.kind if r.error else None, "score": r.score,
                        "checks": [(c.id, c.points, [d.tag for d in c.diagnoses]) for c in r.checks]}
            for r in results}


def _grade(path: Path, kernel: str = "auto", limits: Limits = LIMITS):
    return grade_submission(submission=from_path(path), assignment=load_assignment("two-layer"), limits=limits,
                            kernel=kernel)


def _cells(*sources: str) -> list[dict]:
    transformer = TransformerManager()
    return [{"index": i + 1, "source": transformer.transform_cell(s)} for i, s in enumerate(sources)]


# -- choosing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("sources, reason", [
    (("%matplotlib inline\nimport numpy as np", "!pip install numpy", "%%time\nx = 1", "%timeit -n1 x + 1"), None),
    (("%load_ext autoreload\n%autoreload 2", "np.dot?", "%%capture\nprint(1)", "%%html\n<b>plot</b>"), None),
    (("import time", "time"), None),  # a name of the notebook's own shadows the automagic
    (("%%writefile helper.py\nX = 1", "import helper"), "uses %%writefile"),
    (("%run helper.py",), "uses %run"),
    (("files = !ls",), "runs the shell command !ls"),
    (("pwd",), "uses pwd without % (automagic)"),
    (("y = %time sum([1])",), "uses the value of %time"),
    (("%%capture printed\nprint(1)",), "uses %%capture into a variable"),
    (("%load_ext tensorboard",), "uses %load_ext tensorboard"),
    (("get_ipython().run_cell('x = 1')",), "uses get_ipython().run_cell"),
    (("%cd data", "%env SEED=1", "%reset -f", "%pylab inline"), "uses %cd, uses %env, uses %reset and 1 more"),
])
def test_kernel_reason_names_what_the_shim_does_not_serve(sources, reason):
    assert kernel_reason(cells=_cells(*sources)) == reason


def test_examples_do_not_need_a_kernel_and_the_kernel_fixtures_do():
    assert [needs_kernel(p) for p in sorted((ROOT / "submissions" / "examples").glob("*.ipynb"))] == [None] * 3
    assert needs_kernel(KERNEL / "passes_writefile_helper.ipynb") == "uses %%writefile"
    assert needs_kernel(KERNEL / "passes_run_script" / "lab.ipynb") == "uses %run"


# -- the same verdicts ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_examples_get_the_same_verdicts_with_and_without_a_kernel():
    assignment = load_assignment("two-layer")
    examples = [ROOT / "submissions" / "examples"]
    never = grade_paths(paths=examples, assignment=assignment, workers=2, limits=LIMITS, kernel="never")
    always = grade_paths(paths=examples, assignment=assignment, workers=2, limits=LIMITS, kernel="always")
    assert _verdicts(always) == _verdicts(never)
    notebooks = [r for r in always if r.submission.endswith(".ipynb")]
    assert len(notebooks) == 3
    assert all("ran in a Jupyter kernel: asked for (kernel: always)" in r.warnings for r in notebooks)
    assert not any("Jupyter kernel" in w for r in never for w in r.warnings)


@pytest.mark.parametrize("path, reason", [
    (KERNEL / "passes_writefile_helper.ipynb", "uses %%writefile"),
    (KERNEL / "passes_run_script", "uses %run"),
])
def test_notebook_that_needs_a_kernel_is_detected_and_graded_in_one(path, reason):
    result = _grade(path)
    assert result.status == "ok" and result.score == result.max_score, result.to_dict()
    assert f"ran in a Jupyter kernel: {reason}" in result.warnings
    assert "final loss:" in result.output
    without = _grade(path, kernel="never")  # the module is never written, or the script never run
    assert without.score < result.score
    assert f"ran without a Jupyter kernel (kernel: never), although the notebook {reason}" in without.warnings


def test_syntax_error_in_a_kernel_notebook_reports_cell_and_line():
    result = _grade(KERNEL / "error_syntax_cell4_line2.ipynb")
    assert "ran in a Jupyter kernel: uses %%writefile" in result.warnings
    assert result.error is not None
    assert (result.error.kind, result.error.cell, result.error.line) == ("syntax-error", 4, 2)
    assert result.error.file == "error_syntax_cell4_line2.ipynb"
    assert result.error.message.startswith("SyntaxError:")


# -- isolation ---------------------------------------------------------------------------------------

def test_memory_limit_in_a_kernel_is_a_memory_error():
    result = _grade(KERNEL / "error_memory_at_load.ipynb", kernel="always")
    assert result.error is not None and (result.error.kind, result.error.cell, result.error.line) == ("memory", 2, 2)


def test_endless_cell_in_a_kernel_is_a_timeout():
    result = _grade(KERNEL / "error_timeout_endless_loop.ipynb", kernel="always",
                    limits=Limits(load_timeout=3.0, request_timeout=5.0))
    assert result.error is not None and result.error.kind == "timeout"
    assert result.score == 0


PROBE = [
    "import os, sys\n"
    "blocked = []\n"
    "for name in ('reference', 'reference.network'):\n"
    "    try:\n"
    "        __import__(name)\n"
    "    except ImportError:\n"
    "        blocked.append(name)\n"
    "import grader\n"
    "stub = sorted(n for n in dir(grader) if not n.startswith('_'))\n"
    "where = [os.getcwd(), os.environ['HOME']]\n"
    "environment = sorted(os.environ)",
    "",
    "def fails(x):\n"
    "    return x / 0",
]


def test_kernel_worker_keeps_the_sandbox_and_locates_cells(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "not for students")
    notebook = tmp_path / "probe.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                               "execution_count": None, "source": s} for s in PROBE],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    worker = KernelWorker(files=[notebook], limits=LIMITS)
    worker.start()
    try:
        assert worker.load({"cells": code_cells(notebook)}) == []
        assert worker.get(Ref.name("blocked")) == ["reference", "reference.network"]
        assert worker.get(Ref.name("stub")) == ["check"]
        assert worker.get(Ref.name("where")) == [str(worker.workdir)] * 2
        environment = worker.get(Ref.name("environment"))
        assert "GRADER_SECRET" not in environment and set(clean_env("home")) <= set(environment)
        assert worker.isolation["net"] == "own network namespace (no interfaces)" or worker.isolation["net"].startswith("off")
        names = {entry["name"] for entry in worker.namespace()}
        assert names == {"blocked", "name", "stub", "where", "environment", "fails"}, names
        with pytest.raises(SubmissionFailure) as failure:
            worker.call(Ref.name("fails"), 1.0)
    finally:
        worker.close()
    assert (failure.value.kind, failure.value.file, failure.value.line) == ("exception", "<cell 3>", 2)
    assert not worker.root.exists()


def test_cli_takes_the_kernel_flag():
    runner = CliRunner()
    path = str(KERNEL / "passes_writefile_helper.ipynb")
    never = runner.invoke(cli, ["check", path, "-a", "two-layer", "--kernel", "never", "--format", "json"])
    assert never.exit_code == 1, never.output
    warnings = json.loads(never.output)["warnings"]
    assert any(w.startswith("ran without a Jupyter kernel (kernel: never)") for w in warnings)
    bad = runner.invoke(cli, ["grade", path, "-a", "two-layer", "--kernel", "sometimes"])
    assert bad.exit_code == 2 and "sometimes" in bad.output


def test_a_kernel_gets_the_same_confinement_as_any_worker(tmp_path):
    """Own uid, read-only root without the grader's files, own PID namespace, seccomp: through a %%writefile
    notebook, which needs the kernel."""
    from grader.sandbox.worker import platform_isolation

    if not platform_isolation().get("namespaces"):
        pytest.skip("no mount namespaces here")
    probe = ("%%writefile probe.py\n"
             "import os\n"
             "def reach(path):\n"
             "    try:\n"
             "        open(path, 'rb').close()\n"
             "        return True\n"
             "    except OSError:\n"
             "        return False\n")
    check = (f"from probe import reach\nimport os\n"
             f"facts = [os.getuid(), os.getpid() == 1 or os.getppid() != 0, reach({str(ROOT / 'reference' / 'network.py')!r}),"
             f" reach({str(ROOT / 'grader' / '__init__.py')!r}), sorted(p for p in os.listdir('/proc') if p.isdigit())]")
    notebook = tmp_path / "probe.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                               "execution_count": None, "source": s} for s in (probe, check)],
                                    "metadata": {}, "nbformat": 4, "nbformat_minor": 4}))
    worker = KernelWorker(files=[notebook], limits=LIMITS)
    worker.start()
    try:
        assert worker.load({"cells": code_cells(notebook)}) == []
        uid, _, reference, source, pids = worker.get(Ref.name("facts"))
        isolation = dict(worker.isolation)
    finally:
        worker.close()
    assert uid not in (0.0, float(__import__("os").getuid())) and not reference and not source
    assert "1" in pids and len(pids) < 10, pids  # the kernel's own processes only
    assert not any(isolation[k].startswith("off") for k in ("uid", "mount", "pid", "seccomp")), isolation
