"""Gradescope: the autograder zip, its setup.sh and run_autograder run locally, and what a student is shown.

The rules re-implemented here come from Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/, "Output format", and
.../latest/submission_metadata/): the top-level ``score`` is used instead of the tests' sum when present;
``output`` is rendered as ``output_format`` says (``text``, ``html``, ``simple_format``, ``md``, ``ansi``); a
test's ``visibility`` is ``visible``, ``hidden`` (never shown to students), ``after_due_date`` or
``after_published``; ``stdout`` is for the instructor unless ``stdout_visibility`` says otherwise; the
student's files are in ``/autograder/submission`` (a zip's or repository's folders included) and
``submission_metadata.json`` gives ``created_at``, ``assignment.due_date`` and each user's own
``assignment.due_date`` (an extension).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from grader import __version__, load_assignment
from grader.api import build_gradescope_autograder
from grader.cli import main
from grader.errors import UsageError
from grader.grading import grade_submission
from grader.platforms.gradescope.run import find_submission, is_late, run_autograder
from grader.spec.assignment import Policy
from platform_samples import gradescope_errors, grader_wheel

BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10
NOTEBOOK = ROOT / "submissions" / "examples" / "alice_correct.ipynb"  # 10/10
TWO_LAYER = load_assignment("two-layer")
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def student_view(document: dict, *, after_due_date: bool = False, published: bool = False) -> dict:
    """What a student sees of a results document: the score Gradescope records and the tests shown."""
    shown = {"visible"} | ({"after_due_date"} if after_due_date else set()) | (
        {"after_due_date", "after_published"} if published else set())
    score = document["score"] if "score" in document else sum(t["score"] for t in document["tests"])
    return {"score": score, "tests": [t["name"] for t in document["tests"] if t.get("visibility", "visible") in shown],
            "stdout": document.get("stdout_visibility", "hidden") == "visible"}


@pytest.fixture(scope="module")
def wheel() -> Path:
    return grader_wheel()


def unzip(path: Path, into: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
        return {info.filename: info for info in archive.infolist()}


def test_zip_holds_the_scripts_at_its_root_the_spec_and_the_wheel(tmp_path, wheel):
    out = build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "autograder.zip", wheel=wheel)
    infos = unzip(out, tmp_path / "source")
    assert set(infos) == {"setup.sh", "run_autograder", "spec.toml", wheel.name}
    with zipfile.ZipFile(wheel) as built:  # the results' templates travel with the package
        assert {f"grader/platforms/gradescope/templates/{n}.html.j2" for n in ("check", "overview", "failed")} \
            <= set(built.namelist())
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755
        assert subprocess.run(["bash", "-n", str(tmp_path / "source" / name)]).returncode == 0
    assert (tmp_path / "source" / "spec.toml").read_bytes() == TWO_LAYER.source.read_bytes()
    setup = (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert f'"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT/source/"{wheel.name}' \
        in setup
    run = (tmp_path / "source" / "run_autograder").read_text(encoding="utf-8")
    assert 'gradescope run --assignment "$ROOT/source/spec.toml" --root "$ROOT"' in run
    assert '"$ROOT/results/results.json"' in run


def test_a_bundled_wheel_is_installed_from_the_zip(tmp_path):
    wheel = tmp_path / f"backprop_grader-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    out = build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "a.zip", wheel=wheel)
    infos = unzip(out, tmp_path / "source")
    assert wheel.name in infos
    setup = (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert f'pip install --quiet --disable-pip-version-check "$ROOT/source/"{wheel.name}' in setup
    with pytest.raises(UsageError, match="not a wheel"):
        build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "b.zip", wheel=tmp_path / "a.zip")
    with pytest.raises(UsageError, match="already exists"):
        build_gradescope_autograder(assignment=TWO_LAYER, out=out, wheel=wheel)


def test_gradescope_build_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["gradescope", "build", "two-layer-bce", "--install", "backprop-grader>=0.1", "--feedback", "hint",
          "--visibility", "descent=after_published"])
    captured = capsys.readouterr()
    assert "wrote autograder.zip" in captured.out and "Ubuntu 24.04" in captured.out
    assert "WARNING: the install line cannot work" in captured.err and "not published on PyPI" in captured.err
    unzip(tmp_path / "autograder.zip", tmp_path / "source")
    assert "'backprop-grader>=0.1'" in (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert "two-layer-bce" in (tmp_path / "source" / "spec.toml").read_text(encoding="utf-8")
    run = (tmp_path / "source" / "run_autograder").read_text(encoding="utf-8")
    assert "--feedback hint --visibility descent=after_published" in run
    with pytest.raises(SystemExit) as exited:
        main(["gradescope", "build", "two-layer", "--install", "x", "-o", "b.zip", "--visibility", "descent=later"])
    assert exited.value.code == 2 and "CHECK=WHEN" in capsys.readouterr().err


def test_run_autograder_grades_the_submission_into_results_json(tmp_path, wheel):
    """Gradescope's layout in a temporary root: source/ (the zip), submission/ (the student's upload)."""
    build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "autograder.zip", wheel=wheel)
    unzip(tmp_path / "autograder.zip", tmp_path / "source")
    (tmp_path / "submission").mkdir()
    shutil.copyfile(BROKEN, tmp_path / "submission" / "lab.py")
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "GRADER": str(Path(sys.executable).parent / "grader"),
           "NO_COLOR": "1"}
    proc = subprocess.run(["bash", str(tmp_path / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr  # points lost is not a failure of the autograder
    assert "Total: 5 / 10" in proc.stdout  # the log (for the instructor) has the text report
    document = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert gradescope_errors(document) == []
    assert document["score"] == 5
    tests = {t["name"]: t for t in document["tests"]}
    assert tests["gradients"]["status"] == "failed" and tests["gradients"]["tags"] == ["gradient-sign"]
    assert tests["forward"]["status"] == "passed" and tests["forward"]["score"] == tests["forward"]["max_score"] == 2
    assert "Next: fix the first failed check (gradients)" in document["output"]


def run_in(root: Path, *, spec=TWO_LAYER, policy: Policy | None = None, grade=None) -> dict:
    """``grader gradescope run``'s work in ``root`` (Gradescope's layout); the results document."""
    grade = grade or (lambda submission: grade_submission(submission=submission, assignment=spec))
    run = run_autograder(root=root, assignment=spec, grade=grade, policy=policy)
    document = json.loads(run.path.read_text(encoding="utf-8"))
    assert gradescope_errors(document) == []
    assert {document.get("output_format", "text")} | {t.get("output_format", "text") for t in document["tests"]} \
        <= FORMATS
    return document


def test_a_notebook_nested_in_an_uploaded_zip_is_found_and_graded(tmp_path):
    """A zip of a folder, with macOS's metadata beside it: Gradescope unpacks both into submission/."""
    nested = tmp_path / "submission" / "lab-handin" / "work"
    nested.mkdir(parents=True)
    shutil.copyfile(NOTEBOOK, nested / "lab.ipynb")
    junk = tmp_path / "submission" / "__MACOSX" / "lab-handin"
    junk.mkdir(parents=True)
    (junk / "._lab.py").write_bytes(b"\x00\x05\x16\x07 not python")
    (tmp_path / "submission" / ".git").mkdir()
    (tmp_path / "submission" / ".git" / "hook.py").write_text("raise SystemExit(1)\n", encoding="utf-8")
    assert find_submission(tmp_path / "submission").entry == nested / "lab.ipynb"
    (tmp_path / "submission" / "helpers.py").write_text("SEED = 0\n", encoding="utf-8")  # a repository's top level
    assert find_submission(tmp_path / "submission").entry == nested / "lab.ipynb"
    document = run_in(tmp_path)
    assert student_view(document)["score"] == 10
    assert {t["status"] for t in document["tests"]} == {"passed"}


def test_visibility_and_feedback_level_decide_what_a_student_sees(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copyfile(BROKEN, tmp_path / "submission" / "lab.py")
    policy = Policy(feedback="hint", visibility={"descent": "after_published", "update": "hidden"})
    document = run_in(tmp_path, policy=policy)
    before = student_view(document)
    assert before["tests"] == ["init", "forward", "loss", "gradients"] and before["score"] == 5
    assert student_view(document, published=True)["tests"] == ["init", "forward", "loss", "gradients", "descent"]
    assert not before["stdout"]
    gradients = next(t for t in document["tests"] if t["name"] == "gradients")
    assert "gradient-sign" in gradients["output"] and "expected 0.0524542" not in gradients["output"]


def test_points_possible_rescales_and_a_late_submission_loses_the_penalty(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copyfile(BROKEN, tmp_path / "submission" / "lab.py")
    (tmp_path / "submission_metadata.json").write_text(json.dumps({
        "created_at": "2026-03-02T09:00:00.000000-08:00",
        "assignment": {"due_date": "2026-03-01T23:59:00.000000-08:00", "total_points": "100.0"},
        "users": [{"name": "Carol", "email": "carol@uni.example", "assignment": {"due_date": None}}]}),
        encoding="utf-8")
    document = run_in(tmp_path, policy=Policy(points_possible=100, late_penalty=0.2))
    assert sum(t["max_score"] for t in document["tests"]) == 100 and sum(t["score"] for t in document["tests"]) == 50
    assert student_view(document)["score"] == 40  # the top-level score wins over the tests' sum
    assert "(late: 20% taken off)" in document["output"]


def test_a_module_is_found_when_there_is_no_notebook(tmp_path):
    (tmp_path / "src" / "lab").mkdir(parents=True)
    shutil.copyfile(BROKEN, tmp_path / "src" / "lab" / "lab.py")
    (tmp_path / "src" / "lab" / "test_lab.py").write_text("def test_x(): pass\n", encoding="utf-8")
    found = find_submission(tmp_path)
    assert found.entry == tmp_path / "src" / "lab" / "lab.py" and found.student == "submission"


@pytest.mark.parametrize("metadata, late", [
    ({"created_at": "2026-03-02T10:00:00Z", "assignment": {"due_date": "2026-03-01T23:59:00Z"}}, True),
    ({"created_at": "2026-03-01T10:00:00Z", "assignment": {"due_date": "2026-03-01T23:59:00Z"}}, False),
    ({"created_at": "2026-03-02T10:00:00Z", "assignment": {"due_date": "2026-03-01T23:59:00Z"},
      "users": [{"assignment": {"due_date": "2026-03-03T23:59:00Z"}}]}, False),  # an extension
    ({"created_at": "2026-03-02T10:00:00Z", "assignment": {}}, False),
    ({}, False),
])
def test_lateness_comes_from_submission_metadata(metadata, late):
    assert is_late(metadata) is late


def test_a_failing_grader_still_writes_results_a_student_can_read(tmp_path):
    (tmp_path / "submission").mkdir()
    shutil.copyfile(BROKEN, tmp_path / "submission" / "lab.py")

    def broken_grader(submission):
        raise RuntimeError("the reference could not be computed")

    document = run_in(tmp_path, grade=broken_grader)
    view = student_view(document)
    assert view["tests"] == ["autograder failed"] and view["score"] == 0
    shown = document["tests"][0]
    assert "not a verdict on your work" in shown["output"] and "Traceback" not in shown["output"]
    hidden = next(t for t in document["tests"] if t["visibility"] == "hidden")
    assert "RuntimeError: the reference could not be computed" in hidden["output"] and "Traceback" in hidden["output"]


def test_run_autograder_writes_results_even_when_the_grader_cannot_start(tmp_path):
    source = tmp_path / "source"
    build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "a.zip", install="x")
    unzip(tmp_path / "a.zip", source)
    (tmp_path / "submission").mkdir()
    env = {**os.environ, "AUTOGRADER_ROOT": str(tmp_path), "GRADER": str(tmp_path / "no-such-grader")}
    proc = subprocess.run(["bash", str(source / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "without writing results.json" in proc.stderr
    document = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert gradescope_errors(document) == []
    assert student_view(document)["tests"] == ["autograder failed"]


STUB = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$CALLS"
{body}
"""


@pytest.mark.parametrize("image, python_ok", [("ubuntu-22.04", False), ("ubuntu-24.04", True)])
def test_setup_sh_makes_a_python_311_environment_on_either_image(tmp_path, image, python_ok):
    """setup.sh run with apt-get and the Pythons replaced by stubs that log their calls: on 22.04 (Python 3.10)
    it installs Ubuntu's python3.11 and builds the environment with it; on 24.04 (3.12) it uses python3."""
    build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "a.zip", install="backprop-grader")
    unzip(tmp_path / "a.zip", tmp_path / "source")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    venv_maker = ('if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then mkdir -p "$3/bin"; for tool in python grader; do '
                  'printf \'#!/usr/bin/env bash\\necho "%s $*" >> "$CALLS"\\n\' "$tool" > "$3/bin/$tool"; '
                  'chmod +x "$3/bin/$tool"; done; fi')
    checks = f'if [ "$1" = "-c" ]; then exit {0 if python_ok else 1}; fi'
    for name, body in {"apt-get": "exit 0", "python3": f"{checks}\n{venv_maker}", "python3.11": venv_maker}.items():
        (stubs / name).write_text(STUB.format(body=body), encoding="utf-8")
        (stubs / name).chmod(0o755)
    calls = tmp_path / "calls.log"
    env = {**os.environ, "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}", "CALLS": str(calls),
           "AUTOGRADER_ROOT": str(tmp_path)}
    proc = subprocess.run(["bash", str(tmp_path / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    log = calls.read_text(encoding="utf-8").splitlines()
    venv = f"-m venv {tmp_path}/venv"
    if python_ok:
        assert f"python3 {venv}" in log and not any("python3.11" in line for line in log)
    else:
        assert "apt-get install -y -q python3.11 python3.11-venv" in log and f"python3.11 {venv}" in log
    assert "python -m pip install --quiet --disable-pip-version-check backprop-grader" in log
    assert log[-1] == "grader --version"
