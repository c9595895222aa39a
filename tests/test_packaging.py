"""Packaging (setup.py, pyproject.toml): an installed grader has its built-in assignments, but no solutions."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib

from conftest import ROOT

PROBE = """
import json, grader, grader.spec.assignment as a
from grader.api import write_starter
from pathlib import Path
spec = a.load_assignment("two-layer")
print(json.dumps({"package": grader.__file__, "folder": str(a.builtin_folder()), "names": a.builtin_names(),
                  "spec": str(spec.source), "starter": str(write_starter(assignment=spec, out=Path("lab.ipynb")))}))
"""


def test_a_build_ships_the_assignments_inside_the_package(tmp_path):
    """What a wheel holds: ``setup.py build_py`` in a copy of the project (the repository stays untouched)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copyfile(ROOT / name, project / name)
    for name in ("grader", "reference", "assignments"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=project,
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    shipped = sorted(p.relative_to(lib / "grader" / "assignments").as_posix()
                     for p in (lib / "grader" / "assignments").rglob("*") if p.is_file())
    names = sorted(p.name for p in (ROOT / "assignments").iterdir() if (p / "spec.toml").is_file())
    assert shipped == sorted(f"{n}/{f}" for n in names for f in ("spec.toml", "starter.ipynb"))
    assert (lib / "grader" / "sandbox" / "inside" / "runner.py").is_file() and (lib / "reference" / "__init__.py").is_file()

    # the built package, first on the path, finds them where a wheel installs them
    run = tmp_path / "elsewhere"
    run.mkdir()
    env = {**os.environ, "PYTHONPATH": str(lib)}
    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=run, env=env, capture_output=True, text=True,
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["package"] == str(lib / "grader" / "__init__.py")
    assert found["folder"] == str(lib / "grader" / "assignments")
    assert found["names"] == names
    assert found["spec"] == str(lib / "grader" / "assignments" / "two-layer" / "spec.toml")
    assert (run / "lab.ipynb").read_bytes() == (ROOT / "assignments" / "two-layer" / "starter.ipynb").read_bytes()


def test_the_sdist_carries_the_assignments_without_solutions():
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "recursive-include assignments *" in manifest
    assert "recursive-exclude assignments solution*" in manifest


def test_the_console_script_and_the_pytest_plugin_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["grader"] == "grader.cli:run"
    assert project["entry-points"]["pytest11"] == {"grader": "grader.pytest_plugin"}
