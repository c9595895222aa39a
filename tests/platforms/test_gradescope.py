"""Gradescope: the autograder zip, and its run_autograder run locally on a broken submission."""
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
from platform_samples import gradescope_errors

BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10
TWO_LAYER = load_assignment("two-layer")


def unzip(path: Path, into: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
        return {info.filename: info for info in archive.infolist()}


def test_zip_holds_the_scripts_at_its_root_and_the_spec(tmp_path):
    out = build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "autograder.zip")
    infos = unzip(out, tmp_path / "source")
    assert set(infos) == {"setup.sh", "run_autograder", "spec.toml"}
    for name in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[name].external_attr >> 16) == 0o755
        assert subprocess.run(["bash", "-n", str(tmp_path / "source" / name)]).returncode == 0
    assert (tmp_path / "source" / "spec.toml").read_bytes() == TWO_LAYER.source.read_bytes()
    setup = (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert f"/autograder/venv/bin/python -m pip install --quiet --disable-pip-version-check " \
           f"backprop-grader=={__version__}" in setup
    run = (tmp_path / "source" / "run_autograder").read_text(encoding="utf-8")
    assert '--assignment "$ROOT/source/spec.toml"' in run and '"$ROOT/results/results.json"' in run


def test_a_bundled_wheel_is_installed_from_the_zip(tmp_path):
    wheel = tmp_path / f"backprop_grader-{__version__}-py3-none-any.whl"
    wheel.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    out = build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "a.zip", wheel=wheel)
    infos = unzip(out, tmp_path / "source")
    assert wheel.name in infos
    setup = (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert f"pip install --quiet --disable-pip-version-check /autograder/source/{wheel.name}" in setup
    with pytest.raises(UsageError, match="not a wheel"):
        build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "b.zip", wheel=tmp_path / "a.zip")
    with pytest.raises(UsageError, match="already exists"):
        build_gradescope_autograder(assignment=TWO_LAYER, out=out)


def test_gradescope_build_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["gradescope", "build", "two-layer-bce", "--install", "backprop-grader>=0.1"])
    assert "wrote autograder.zip" in capsys.readouterr().out
    unzip(tmp_path / "autograder.zip", tmp_path / "source")
    assert "'backprop-grader>=0.1'" in (tmp_path / "source" / "setup.sh").read_text(encoding="utf-8")
    assert "two-layer-bce" in (tmp_path / "source" / "spec.toml").read_text(encoding="utf-8")


def test_run_autograder_grades_the_submission_into_results_json(tmp_path):
    """Gradescope's layout in a temporary root: source/ (the zip), submission/ (the student's upload)."""
    build_gradescope_autograder(assignment=TWO_LAYER, out=tmp_path / "autograder.zip")
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
