"""The command line, run in-process through grader.cli.main."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import FILES, ROOT
from grader.cli import main
from grader.sandbox.worker import Limits

SOLUTION = ROOT / "assignments" / "two-layer" / "solution.py"
SYNTAX_ERROR = FILES / "two_layer" / "error_syntax.py"
LOSS_SUM = FILES / "two_layer" / "fails_loss_sum.py"
BUILTINS = ("deep-relu-softmax", "three-layer", "two-layer", "two-layer-bce")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``grader ARGS``."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    """Two submissions: one correct, one that does not even parse."""
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(SOLUTION, folder / "alice.py")
    shutil.copy(SYNTAX_ERROR, folder / "bob.py")
    return folder


def test_grade_writes_every_report_and_exits_0_despite_a_failing_submission(capsys, class_folder, tmp_path):
    out = tmp_path / "reports"
    code, stdout, stderr = run(capsys, "grade", str(class_folder), "-a", "two-layer", "-o", str(out), "-j", "2",
                               "--timeout", "20")
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == {"results.json", "grades.csv", "alice.html", "bob.html", "index.html",
                                               "gradebook.sqlite"}
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert results["alice"]["status"] == "ok" and results["alice"]["score"] == results["alice"]["max_score"]
    assert results["bob"]["status"] == "error" and results["bob"]["error"]["kind"] == "syntax-error"
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        assert sorted(r["student"] for r in csv.DictReader(handle)) == ["alice", "bob"]
    assert f"graded 2 submission(s); class of 2: mean 5/10, 1 could not be graded; wrote 5 file(s); open {out / 'index.html'}" in stdout
    assert "alice: 10/10" in stderr and "bob: 0/10 (error: syntax-error)" in stderr


def test_unknown_assignment_exits_2_with_a_clear_message(capsys, class_folder, tmp_path):
    code, stdout, stderr = run(capsys, "grade", str(class_folder), "-a", "no-such-lab", "-o", str(tmp_path / "o"))
    assert code == 2
    assert stderr.startswith("grader: error: unknown assignment 'no-such-lab'")
    assert all(name in stderr for name in BUILTINS)
    assert stdout == "" and not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["grade", "check"])
def test_missing_path_exits_2(capsys, tmp_path, command):
    missing = tmp_path / "nowhere"
    extra = ["-o", str(tmp_path / "o")] if command == "grade" else []
    code, _, stderr = run(capsys, command, str(missing), "-a", "two-layer", *extra)
    assert code == 2
    assert stderr == f"grader: error: no such file or folder: {missing}\n"


@pytest.mark.parametrize("command", ["grade", "check"])
@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_non_positive_timeout_exits_2(capsys, tmp_path, command, timeout):
    code, _, stderr = run(capsys, command, str(SYNTAX_ERROR), "-a", "two-layer", "--timeout", timeout)
    assert code == 2
    assert "--timeout must be a positive number of seconds" in stderr


def test_missing_option_is_a_usage_error(capsys):
    code, _, stderr = run(capsys, "check", str(SOLUTION))
    assert code == 2 and "--assignment" in stderr


def test_check_json_prints_one_result_and_exits_0_at_full_marks(capsys):
    code, stdout, _ = run(capsys, "check", str(SOLUTION), "-a", "two-layer", "--format", "json", "--timeout", "20")
    result = json.loads(stdout)
    assert isinstance(result, dict)
    assert result["student"] == "solution" and result["assignment"] == "two-layer"
    assert result["status"] == "ok" and result["score"] == result["max_score"] == 10
    assert code == 0


def test_check_exits_1_below_full_marks(capsys):
    code, stdout, _ = run(capsys, "check", str(LOSS_SUM), "-a", "two-layer", "--timeout", "20")
    assert code == 1
    assert "Total: 9 / 10" in stdout and "loss-mismatch" in stdout


def test_check_exits_1_when_the_submission_cannot_be_graded(capsys):
    code, stdout, _ = run(capsys, "check", str(SYNTAX_ERROR), "-a", "two-layer", "--format", "json")
    assert code == 1
    assert json.loads(stdout)["error"]["kind"] == "syntax-error"


def test_assignments_lists_the_four_builtins(capsys):
    code, stdout, _ = run(capsys, "assignments")
    assert code == 0
    lines = stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTINS)
    assert all(line.endswith("(10 points)") for line in lines)


def test_version(capsys):
    code, stdout, _ = run(capsys, "--version")
    assert code == 0 and stdout.startswith("grader, version ")


def test_binding_detects_free_style_code_unless_the_spec_is_required(capsys):
    free_style = FILES / "two_layer" / "passes_no_class_params_dict.py"  # functions on a params dict, no SimpleNN
    code, stdout, _ = run(capsys, "check", str(free_style), "-a", "two-layer", "--format", "json",
                          "--binding", "spec")
    assert code == 1 and json.loads(stdout)["error"]["kind"] == "missing-interface"
    for flags in ((), ("--binding", "detect"), ("--binding", "auto")):
        code, stdout, _ = run(capsys, "check", str(free_style), "-a", "two-layer", "--format", "json", *flags)
        result = json.loads(stdout)
        assert code == 0 and result["score"] == result["max_score"], flags
        assert result["binding"]["style"] != "class"

# -- what is graded, once ------------------------------------------------------------------------------

def test_a_submission_given_twice_is_graded_once_with_a_note(capsys, class_folder, tmp_path):
    out = tmp_path / "reports"
    code, stdout, stderr = run(capsys, "grade", str(class_folder), str(class_folder / "alice.py"), "-a", "two-layer",
                               "-o", str(out), "--timeout", "20")
    assert code == 0, stderr
    assert f"grader: note: {class_folder / 'alice.py'} was given twice: graded once, as alice" in stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(r["student"] for r in results) == ["alice", "bob"]
    assert {p.name for p in out.glob("*.html")} == {"alice.html", "bob.html", "index.html"}
    assert "wrote 5 file(s)" in stdout


def test_two_files_with_one_student_id_are_an_error_naming_both(capsys, class_folder, tmp_path):
    other = tmp_path / "resubmitted"
    other.mkdir()
    shutil.copy(LOSS_SUM, other / "alice.py")
    code, stdout, stderr = run(capsys, "grade", str(class_folder), str(other), "-a", "two-layer",
                               "-o", str(tmp_path / "o"))
    assert code == 2
    assert str(class_folder / "alice.py") in stderr and str(other / "alice.py") in stderr
    assert "two submissions have the student id 'alice.py'" in stderr
    assert not (tmp_path / "o").exists()


def test_a_text_file_is_treated_alike_by_check_grade_and_a_folder(capsys, class_folder, tmp_path):
    notes = class_folder / "notes.txt"
    notes.write_text("print('not a lab')\n")
    message = f"grader: error: {notes} is not a .py or .ipynb file\n"
    assert run(capsys, "check", str(notes), "-a", "two-layer")[::2] == (2, message)
    assert run(capsys, "grade", str(notes), "-a", "two-layer", "-o", str(tmp_path / "o"))[::2] == (2, message)
    code, _, stderr = run(capsys, "grade", str(class_folder), "-a", "two-layer", "-o", str(tmp_path / "r"),
                          "--timeout", "20")
    assert code == 0 and f"grader: note: skipped {notes}: not a .py or .ipynb file" in stderr


NO_ISOLATION = {"namespaces": False, "landlock": 0, "root": False}


def test_grade_refuses_a_platform_without_isolation_unless_insecure(capsys, class_folder, tmp_path, monkeypatch):
    monkeypatch.setattr("grader.sandbox.worker.platform_isolation", lambda: NO_ISOLATION)
    out = tmp_path / "reports"
    code, stdout, stderr = run(capsys, "grade", str(class_folder), "-a", "two-layer", "-o", str(out))
    assert code == 2 and "allows no isolation of student code" in stderr and "--insecure" in stderr
    assert not out.exists()
    # Workers as such a platform runs them: the worker without its sandbox.
    monkeypatch.setattr("grader.cli._limits", lambda timeout: Limits(load_timeout=timeout, sandbox="off"))
    code, stdout, stderr = run(capsys, "grade", str(class_folder), "-a", "two-layer", "-o", str(out), "--insecure")
    assert code == 0, stderr
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert results["alice"]["isolation"]["uid"].startswith("off")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Graded without isolation (--insecure)" in page and 'class="alert"' in page


def test_grade_where_isolation_holds_says_so_in_each_result_and_no_warning(capsys, class_folder, tmp_path):
    out = tmp_path / "reports"
    code, _, stderr = run(capsys, "grade", str(class_folder), "-a", "two-layer", "-o", str(out), "--timeout", "20")
    assert code == 0, stderr
    results = {r["student"]: r for r in json.loads((out / "results.json").read_text(encoding="utf-8"))}
    assert set(results["alice"]["isolation"]) >= {"uid", "mount", "pid", "net", "landlock", "seccomp", "processes"}
    assert not all(results["alice"]["isolation"][k].startswith("off") for k in ("uid", "mount", "landlock"))
    assert "Graded without isolation" not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("path", "status", "last_line"), [(SOLUTION, 0, "Next: nothing to fix"),
                                                           (LOSS_SUM, 1, "Next:"),
                                                           (ROOT / "missing.py", 2, "grader: error: no such file")])
def test_the_command_prints_everything_and_its_status_through_a_pipe(path, status, last_line, tmp_path):
    """``python -m grader`` leaves without tearing the interpreter down: the whole report still reaches a
    pipe (flushed first), the exit status is the command's, and no worker or temporary folder of the
    grader is left behind."""
    import os
    import subprocess
    import sys

    before = set(os.listdir(tmp_path))
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "-a", "two-layer", "--timeout", "20"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == status, done.stderr
    lines = (done.stdout if status < 2 else done.stderr).strip().splitlines()
    assert lines and lines[-1].startswith(last_line)
    if status < 2:
        assert any(line.startswith("Total: ") for line in lines)
    assert set(os.listdir(tmp_path)) == before  # workers, the pre-warmed process and their folders are gone


def test_exit_status_is_that_of_sys_exit(capsys):
    from grader.cli import exit_status

    assert (exit_status(None), exit_status(0), exit_status(3)) == (0, 0, 3)
    assert exit_status("bad input") == 1
    assert capsys.readouterr().err == "bad input\n"
