"""Per-result formats (grader.platforms.registry): each against its platform's sample document and semantics."""
from __future__ import annotations

import base64
import html
import json

import pytest

from conftest import ROOT
from grader.cli import main
from grader.diagnosis.catalogue import describe
from grader.errors import UsageError
from grader.platforms.registry import RESULT_FORMATS
from grader.platforms.classroom.output import (NOT_LOADED, append_github_output, classroom_document, github_output_lines,
                                               github_output_path, runner_documents)
from grader.platforms.gradescope.output import gradescope_document
from grader.platforms.selfcheck.check import SelfCheck
from grader.spec.assignment import Policy
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from grader.reports.text import format_text
from platform_samples import (CLASSROOM_SAMPLE, GRADESCOPE_SAMPLE, classroom_errors, gradescope_errors,
                              shape_errors)

POINTS = {"init": 1.0, "forward": 2.0, "loss": 1.0, "gradients": 3.0, "update": 1.0, "descent": 2.0}


def make_result(kind: str) -> SubmissionResult:
    """``full``: every check passed; ``partial``: gradients and descent failed; ``error``: a syntax error."""
    checks = []
    for cid, pts in POINTS.items():
        if kind == "error":
            checks.append(CheckResult.failure(cid, pts, "not run: the submission could not be graded (syntax-error)"))
        elif kind == "partial" and cid == "gradients":
            checks.append(CheckResult.failure(cid, pts, "every parameter moved up the gradient (factor -2.5)",
                                              Diagnosis("gradient-sign", "moved up the gradient", {"factor": -2.5})))
        elif kind == "partial" and cid == "descent":
            checks.append(CheckResult.failure(cid, pts, "training does not solve XOR",
                                              Diagnosis("no-descent", "loss rose")))
        else:
            checks.append(CheckResult.success(cid, pts, f"{cid} matches"))
    error = LoadError(kind="syntax-error", message="SyntaxError: expected ':'", line=29,
                      file="lab.py") if kind == "error" else None
    return SubmissionResult(student="lab", submission="subs/lab.py", assignment="two-layer", checks=tuple(checks),
                            error=error, warnings=("a note",), duration=1.6, grader_version="0.1.0")


RESULTS = {kind: make_result(kind) for kind in ("full", "partial", "error")}


def test_the_samples_satisfy_their_own_schema():
    assert classroom_errors(CLASSROOM_SAMPLE) == []
    assert gradescope_errors(GRADESCOPE_SAMPLE) == []
    assert shape_errors({"version": "1"}, CLASSROOM_SAMPLE) == ["$.version: string where the sample has number"]
    assert shape_errors({"extra": 1}, CLASSROOM_SAMPLE) == ["$.extra: not a key of the sample"]


def test_the_registry_has_the_four_formats_and_text_is_the_report():
    assert list(RESULT_FORMATS) == ["text", "json", "classroom", "gradescope"]
    result = RESULTS["partial"]
    assert RESULT_FORMATS["text"].render(result) == format_text(result)
    assert "\033[" in RESULT_FORMATS["text"].render(result, color=True)
    assert "\033[" not in RESULT_FORMATS["text"].render(result)
    assert SubmissionResult.from_dict(json.loads(RESULT_FORMATS["json"].render(result))) == result


# -- GitHub Classroom ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", RESULTS)
def test_classroom_document_has_the_reporters_keys_and_types(kind):
    document = classroom_document(RESULTS[kind])
    assert classroom_errors(document) == []
    assert set(document) == set(CLASSROOM_SAMPLE)
    assert all(set(t) == set(CLASSROOM_SAMPLE["tests"][0]) for t in document["tests"])
    assert json.loads(RESULT_FORMATS["classroom"].render(RESULTS[kind])) == document


@pytest.mark.parametrize("kind, status", [("full", "pass"), ("partial", "fail"), ("error", "error")])
def test_classroom_status_points_and_messages(kind, status):
    result = RESULTS[kind]
    document = classroom_document(result)
    assert document["version"] == 1 and document["status"] == status
    assert document["max_score"] == 10
    assert [t["name"] for t in document["tests"]] == list(POINTS)
    assert sum(t["score"] for t in document["tests"]) == result.score
    tests = {t["name"]: t for t in document["tests"]}
    if kind == "partial":
        assert tests["init"]["status"] == "pass" and tests["init"]["message"] == "init matches"
        assert tests["gradients"]["status"] == "fail" and tests["gradients"]["score"] == 0
        assert "[gradient-sign]" in tests["gradients"]["message"]
        assert describe("gradient-sign").hint in tests["gradients"]["message"]
    if kind == "partial":  # the reporter prints test_code for every test, message only for errors
        assert "[gradient-sign]" in tests["gradients"]["test_code"]
        assert f"# hint: {describe('gradient-sign').hint}" in tests["gradients"]["test_code"]
        assert tests["gradients"]["test_code"].endswith("grader check lab.py --assignment two-layer  # check: gradients")
        assert tests["init"]["test_code"] == ""
    if kind == "error":  # said once, on the first check; the others keep their names
        assert [t["status"] for t in tests.values()] == ["error"] + ["fail"] * 5
        assert "SyntaxError" in tests["init"]["message"] and tests["init"]["line_no"] == 29
        assert all(t["message"] == NOT_LOADED and t["test_code"] == "" for t in list(tests.values())[1:])
        assert tests["init"]["filename"] == "lab.py"


@pytest.mark.parametrize("kind", RESULTS)
def test_one_runner_document_per_check_carries_that_checks_points(kind):
    documents = runner_documents(RESULTS[kind])
    assert list(documents) == list(POINTS)
    for check, document in documents.items():
        assert classroom_errors(document) == []
        (test,) = document["tests"]
        assert test == next(t for t in classroom_document(RESULTS[kind])["tests"] if t["name"] == check)
        assert document["max_score"] == POINTS[check]


def test_github_output_lines_are_base64_of_the_documents(tmp_path):
    result = RESULTS["partial"]
    lines = github_output_lines(result)
    outputs = dict(line.split("=", 1) for line in lines)
    assert list(outputs) == ["result", *POINTS] and not any("\n" in v for v in outputs.values())
    assert json.loads(base64.b64decode(outputs["result"])) == classroom_document(result)
    assert json.loads(base64.b64decode(outputs["gradients"])) == runner_documents(result)["gradients"]
    out = tmp_path / "github_output"
    out.write_text("other=1\n", encoding="utf-8")
    append_github_output(result, path=out)
    append_github_output(RESULTS["full"], path=out)
    assert out.read_text(encoding="utf-8").splitlines() == ["other=1", *lines, *github_output_lines(RESULTS["full"])]


def test_github_output_path_needs_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    with pytest.raises(UsageError, match="GITHUB_OUTPUT"):
        github_output_path()
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    assert github_output_path() == tmp_path / "out"


# -- Gradescope -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", RESULTS)
def test_gradescope_document_has_the_schemas_keys_and_types(kind):
    document = gradescope_document(RESULTS[kind])
    assert gradescope_errors(document) == []
    assert json.loads(RESULT_FORMATS["gradescope"].render(RESULTS[kind])) == document


@pytest.mark.parametrize("kind", RESULTS)
def test_gradescope_scores_statuses_and_feedback(kind):
    result = RESULTS[kind]
    document = gradescope_document(result)
    assert document["score"] == result.score == sum(t["score"] for t in document["tests"])
    assert sum(t["max_score"] for t in document["tests"]) == result.max_score
    assert document["visibility"] == "visible" and document["stdout_visibility"] == "hidden"
    assert document["execution_time"] == 2
    assert {t["status"] for t in document["tests"]} <= {"passed", "failed"}
    tests = {t["name"]: t for t in document["tests"]}
    assert all(t["status"] == ("passed" if t["score"] == t["max_score"] else "failed") for t in tests.values())
    assert "note: a note" in document["output"]
    assert document["output_format"] == "html" and {t["output_format"] for t in document["tests"]} == {"html"}
    if kind == "partial":
        assert tests["gradients"]["tags"] == ["gradient-sign"]
        assert describe("gradient-sign").explanation in tests["gradients"]["output"]
        assert "Next: fix the first failed check (gradients)" in document["output"]
    if kind == "error":
        assert "ERROR [syntax-error]" in document["output"] and "line 29" in document["output"]


def test_gradescope_visibility_is_checked():
    assert gradescope_document(RESULTS["full"], visibility="after_due_date")["visibility"] == "after_due_date"
    with pytest.raises(ValueError, match="visibility"):
        gradescope_document(RESULTS["full"], visibility="sometimes")
    policy = Policy(visibility={"descent": "after_published", "update": "hidden"})
    tests = {t["name"]: t["visibility"] for t in gradescope_document(RESULTS["full"], policy=policy)["tests"]}
    assert tests == {**{c: "visible" for c in POINTS}, "descent": "after_published", "update": "hidden"}


def test_student_text_reaches_gradescope_escaped():
    """Gradescope renders ``output`` as ``output_format`` says (html here): markup from a student's file name or
    exception message must arrive as text."""
    hostile = "SyntaxError: <img src=x onerror=alert(1)> & <script>steal()</script>"
    result = SubmissionResult(student="s", submission="s.py", assignment="two-layer", checks=(
        CheckResult.failure("init", 1.0, "not run: <b>bold</b>"),),
        error=LoadError(kind="syntax-error", message=hostile, line=3, file="<lab>.py"),
        warnings=("printed <iframe>",))
    document = gradescope_document(result)
    for text in (document["output"], document["tests"][0]["output"]):
        assert "<img" not in text and "<script" not in text and "<iframe" not in text and "<b>bold" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;script&gt;" in document["output"]
    assert "&lt;lab&gt;.py" in document["output"] and "&lt;b&gt;bold&lt;/b&gt;" in document["tests"][0]["output"]


@pytest.mark.parametrize("level", ["full", "hint", "score"])
def test_the_feedback_level_reaches_every_output(level):
    """full: the values compared; hint: diagnosis and hint, no values; score: pass/fail only."""
    result = RESULTS["partial"]
    policy = Policy(feedback=level)
    texts = {
        "text": RESULT_FORMATS["text"].render(result, policy=policy),
        "classroom": classroom_document(result, policy=policy)["tests"][3]["test_code"],
        "gradescope": gradescope_document(result, policy=policy)["tests"][3]["output"],
    }
    for name, text in texts.items():
        assert ("factor -2.5" in text) == (level == "full"), name
        assert ("gradient-sign" in text) == (level != "score"), name
        hint = describe("gradient-sign").hint
        assert ((html.escape(hint) if name == "gradescope" else hint) in text) == (level != "score"), name


def test_long_feedback_is_clipped_with_a_note():
    long = SubmissionResult(student="s", submission="s.py", assignment="two-layer", checks=(
        CheckResult.failure("init", 1.0, "x" * 20000),))
    message = classroom_document(long)["tests"][0]["message"]
    assert len(message) < 4100 and message.endswith("more characters not shown]")
    assert classroom_document(long)["tests"][0]["test_code"].endswith("more characters not shown]")
    assert gradescope_document(long)["tests"][0]["output"].endswith("more characters not shown]")


@pytest.mark.parametrize("level", ["full", "hint", "score"])
def test_the_notebook_self_check_follows_the_feedback_level(level):
    report = SelfCheck(result=RESULTS["partial"], graded="the file lab.ipynb", level=level)
    for text in (report.text(), report._repr_html_()):
        assert ("factor -2.5" in text) == (level == "full")
        assert ("gradient-sign" in text) == (level != "score")


def test_check_takes_the_feedback_level_from_the_command_line(tmp_path, capsys):
    lab = tmp_path / "lab.py"
    lab.write_bytes((ROOT / "submissions" / "examples" / "carol_sign_error.py").read_bytes())
    for level, shows_values in (("full", True), ("hint", False)):
        with pytest.raises(SystemExit):
            main(["check", str(lab), "-a", "two-layer", "--feedback", level])
        out = capsys.readouterr().out
        assert ("expected 0.0524542" in out) is shows_values and "[gradient-sign]" in out
    with pytest.raises(SystemExit):
        main(["check", str(lab), "-a", "two-layer", "--feedback", "score", "--format", "gradescope",
              "--visibility", "descent=hidden"])
    document = json.loads(capsys.readouterr().out)
    assert {t["name"]: t["visibility"] for t in document["tests"]}["descent"] == "hidden"
    assert all("gradient-sign" not in t["output"] for t in document["tests"])
