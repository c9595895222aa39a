"""Untrusted code: tampering, resource abuse and bad input never gain a point nor stop a batch.

Each file under tests/adversarial/ says in its first line what it does and the result it must get.
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from conftest import ROOT
from grader import load_assignment
from grader.api import write_reports
from grader.grading import grade_paths
from grader.sandbox.worker import Limits

ADVERSARIAL = ROOT / "tests" / "adversarial"
LIMITS = Limits(load_timeout=8.0, request_timeout=3.0, program_timeout=10.0)
BASELINE = 4.0  # init + forward + loss: what the honest part of every tamper file earns


def _grade(folder: str) -> dict[str, object]:
    results = grade_paths(paths=[ADVERSARIAL / folder], assignment=load_assignment("two-layer"), workers=2,
                          limits=LIMITS)
    return {Path(r.submission).name: r for r in results}


@pytest.fixture(scope="module")
def tamper():
    return _grade("tamper")


@pytest.fixture(scope="module")
def limits():
    return _grade("limits")


@pytest.fixture(scope="module")
def bad_input():
    return _grade("bad_input")


def test_baseline_earns_what_it_does(tamper):
    result = tamper["baseline_no_backward.py"]
    assert result.score == BASELINE
    assert {c.id for c in result.checks if c.passed} == {"init", "forward", "loss"}


@pytest.mark.parametrize("name", [
    "tamper_fake_stdout.py", "tamper_write_results.py", "tamper_patch_numpy.py", "tamper_os_exit_in_check.py",
    "tamper_system_exit_in_check.py", "tamper_keyboard_interrupt.py", "tamper_ignore_signals.py",
    "tamper_forge_reply.py",
])
def test_tampering_gains_nothing(tamper, name):
    result = tamper[name]
    assert result.score <= BASELINE
    for check in ("gradients", "update", "descent"):
        assert not result.check(check).passed


@pytest.mark.parametrize("name", ["tamper_lying_array.py", "tamper_xor_constant.py", "tamper_pickle_bomb.py",
                                  "tamper_import_reference.py"])
def test_fake_outputs_fail_forward(tamper, name):
    result = tamper[name]
    assert not result.check("forward").passed
    assert result.score <= BASELINE - 2


@pytest.mark.parametrize("name,tag", [
    ("tamper_os_exit_in_check.py", "crash"), ("tamper_system_exit_in_check.py", "crash"),
    ("tamper_keyboard_interrupt.py", "exception"), ("tamper_ignore_signals.py", "timeout"),
    ("tamper_forge_reply.py", "crash"),
])
def test_failures_inside_checks_are_named(tamper, name, tag):
    result = tamper[name]
    assert result.status == "ok"
    assert tag in {d.tag for d in result.check("gradients").diagnoses}


def test_pickle_bomb_never_runs(tamper):
    assert not Path("/tmp/grader_pickle_bomb_ran").exists()


def test_reference_is_not_importable_by_students(tamper):
    result = tamper["tamper_import_reference.py"]
    assert result.score == 2.0  # init and loss only: forward fell back to zeros


def test_fake_report_files_do_not_reach_the_output(tamper, tmp_path):
    result = tamper["tamper_write_results.py"]
    write_reports(results=[result], assignment=load_assignment("two-layer"), out=tmp_path)
    [written] = json.loads((tmp_path / "results.json").read_text())
    assert written["score"] == result.score == BASELINE


def test_memory_bomb_is_a_memory_error(limits):
    result = limits["limits_memory_bomb.py"]
    assert result.status == "error" and result.error.kind == "memory"


def test_output_flood_is_stopped(limits):
    result = limits["limits_output_flood.py"]
    assert result.status == "error" and result.error.kind == "output-limit"
    assert len(result.output) < 70 * 1024


def test_disk_writer_is_capped_and_noted(limits):
    result = limits["limits_disk_writer.py"]
    assert result.score == result.max_score
    # the scratch's quota (64 MiB, a tmpfs) or the file-size limit (64 MiB), whichever comes first
    assert any("No space left on device" in w or "File too large" in w for w in result.warnings), result.warnings


def test_child_processes_do_not_survive(limits):
    assert "started 20 children" in limits["limits_child_processes.py"].output
    alive = [pid for pid in _sleeping("1000.4242") if _running(pid)]  # the worker cannot write outside its scratch
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive


def _sleeping(seconds: str) -> list[int]:
    """Processes running ``sleep SECONDS``."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/cmdline").read_bytes() == f"sleep\0{seconds}\0".encode():
                found.append(int(entry))
        except OSError:
            pass
    return found


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie may wait long for its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def test_network_is_cut_off_or_noted(limits):
    result = limits["limits_network.py"]
    assert result.score == result.max_score
    isolated = not any(w.startswith("sandbox: net ") for w in result.warnings)
    if isolated:
        assert "NETWORK: blocked" in result.output
    else:
        assert any(w.startswith("sandbox: net off") for w in result.warnings)


@pytest.mark.parametrize("name,message", [
    ("invalid_json.ipynb", "broken JSON"), ("empty.ipynb", "empty"), ("empty.py", "empty"),
    ("binary.py", "binary"), ("nbformat5.ipynb", "format 5"), ("no_code_cells.ipynb", "no code cells"),
    ("not_a_notebook.ipynb", "not a notebook"),
])
def test_unreadable_files_get_a_clear_message(bad_input, name, message):
    result = bad_input[name]
    assert result.status == "error" and result.error.kind == "invalid-file"
    assert message in result.error.message
    assert result.score == 0


@pytest.mark.parametrize("name", ["nbformat3_correct.ipynb", "non_utf8.py", "name with spaces ünïcode.py",
                                  "two_notebooks"])
def test_odd_but_valid_input_is_graded(bad_input, name):
    result = bad_input[name]
    assert result.score == result.max_score, result.error


def test_two_notebooks_say_which_was_graded(bad_input):
    notes = bad_input["two_notebooks"].warnings
    assert any("graded solution.ipynb" in n and "draft.ipynb" in n for n in notes)


def test_huge_notebook_outputs_are_ignored(tmp_path):
    import nbformat

    source = (ROOT / "tests" / "files" / "two_layer" / "passes_mean.py").read_text().split("\n\nX = np.array")[0]
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (5 * 2**20))]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    nbformat.write(notebook, tmp_path / "big_outputs.ipynb")
    [result] = grade_paths(paths=[tmp_path / "big_outputs.ipynb"], assignment=load_assignment("two-layer"),
                           limits=LIMITS)
    assert result.score == result.max_score


def test_thread_bomb_is_capped(limits):
    result = limits["limits_thread_bomb.py"]
    assert result.score == result.max_score
    started = int(result.output.split("THREADS:")[1].split()[0])
    assert started < 1000
