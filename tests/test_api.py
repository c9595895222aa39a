"""The keyword-only API behind the commands: starter notebooks, one submission, rendering a result."""
from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from grader import load_assignment
from grader.api import check_one, render_result, write_result, write_starter
from grader.cli import main
from grader.errors import OutputExistsError, StarterNotFoundError, SubmissionNotFoundError, UsageError
from grader.results import CheckResult, SubmissionResult

RESULT = SubmissionResult(student="lab", submission="lab.py", assignment="two-layer",
                          checks=(CheckResult.success("init", 1.0, "fine"),))


@pytest.mark.parametrize("name", ["two-layer", "three-layer", "two-layer-bce", "deep-relu-softmax"])
def test_starter_copies_the_assignments_notebook(tmp_path, name):
    out = write_starter(assignment=load_assignment(name), out=tmp_path / "lab.ipynb")
    assert out.read_bytes() == (ROOT / "assignments" / name / "starter.ipynb").read_bytes()


def test_starter_never_overwrites_a_students_work_unless_forced(tmp_path):
    spec = load_assignment("two-layer")
    work = tmp_path / "lab.ipynb"
    work.write_text("my work", encoding="utf-8")
    with pytest.raises(OutputExistsError, match="--force"):
        write_starter(assignment=spec, out=work)
    assert work.read_text(encoding="utf-8") == "my work"
    write_starter(assignment=spec, out=work, force=True)
    assert work.read_bytes() == (ROOT / "assignments" / "two-layer" / "starter.ipynb").read_bytes()


def test_a_custom_spec_without_a_starter_says_so(tmp_path):
    shutil.copyfile(ROOT / "assignments" / "two-layer" / "spec.toml", tmp_path / "spec.toml")
    with pytest.raises(StarterNotFoundError, match="two-layer"):
        write_starter(assignment=load_assignment(tmp_path / "spec.toml"), out=tmp_path / "lab.ipynb")


def test_starter_command_writes_assignment_named_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    main(["starter", "three-layer"])
    assert (tmp_path / "three-layer.ipynb").is_file()
    assert "grader check three-layer.ipynb --assignment three-layer" in capsys.readouterr().out
    main(["starter", "two-layer", "-o", "work/lab.ipynb"])
    assert (tmp_path / "work" / "lab.ipynb").is_file()
    with pytest.raises(SystemExit) as exited:
        main(["starter", "two-layer", "-o", "work/lab.ipynb"])
    assert exited.value.code == 2 and "already exists" in capsys.readouterr().err


def test_render_and_write_a_result(tmp_path):
    assert render_result(result=RESULT, fmt="text").startswith("lab · two-layer")
    with pytest.raises(UsageError, match="unknown"):
        render_result(result=RESULT, fmt="xml")
    out = write_result(result=RESULT, fmt="gradescope", out=tmp_path / "results" / "results.json")
    assert out.read_text(encoding="utf-8").startswith('{\n  "score": 1,')


def test_check_one_needs_an_existing_path(tmp_path):
    with pytest.raises(SubmissionNotFoundError, match="no such file"):
        check_one(path=tmp_path / "lab.ipynb", assignment=load_assignment("two-layer"))
