"""Result objects: the dictionary contract, derived totals, and the round trip through dicts."""
from __future__ import annotations

import json

import pytest

from grader.diagnosis.catalogue import describe
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult

RESULT_KEYS = {"student", "submission", "assignment", "status", "error", "score", "max_score", "binding",
               "checks", "diagnoses"}
CHECK_KEYS = {"id", "passed", "points", "max_points", "message", "diagnoses"}


def partial_result() -> SubmissionResult:
    """Two checks passed, one failed with two diagnoses."""
    return SubmissionResult(
        student="alice",
        submission="subs/alice.py",
        assignment="two-layer",
        checks=(
            CheckResult.success("init", 1.0, "weights are random", spread=0.8),
            CheckResult.success("forward", 2.0, "forward matches"),
            CheckResult.failure("gradients", 3.0, "b1 is 5 x too large",
                                Diagnosis("gradient-scale-inconsistent", "b1 uses another factor",
                                          {"factors": {"W1": 1.0, "b1": 5.0}}),
                                Diagnosis("gradient-mismatch", "W2 is off", {"worst": [{"index": [0, 0]}]}),
                                factor=1.0),
        ),
        binding={"summary": "SimpleNN(2, 4, 1)"},
        warnings=("a note",),
        output="epoch 0 loss 0.25\n",
        seed=3,
        duration=1.25,
        grader_version="0.1.0",
        graded_at="2026-01-01T00:00:00+00:00",
    )


def error_result() -> SubmissionResult:
    return SubmissionResult(
        student="bob",
        submission="subs/bob.ipynb",
        assignment="two-layer",
        checks=(CheckResult.failure("init", 1.0, "not run"), CheckResult.failure("forward", 2.0, "not run")),
        error=LoadError(kind="syntax-error", message="SyntaxError: expected ':'", line=15, cell=3, file="bob.ipynb",
                        traceback="  File ...\nSyntaxError"),
    )


# -- contract --------------------------------------------------------------------------------------

def test_result_dict_has_the_contract_keys():
    data = partial_result().to_dict()
    assert RESULT_KEYS <= set(data)
    for check in data["checks"]:
        assert CHECK_KEYS <= set(check)


def test_result_dict_is_plain_json():
    data = partial_result().to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_result_dict_values():
    data = partial_result().to_dict()
    assert (data["student"], data["submission"], data["assignment"]) == ("alice", "subs/alice.py", "two-layer")
    assert data["binding"] == {"summary": "SimpleNN(2, 4, 1)"}
    assert data["error"] is None
    assert [c["id"] for c in data["checks"]] == ["init", "forward", "gradients"]
    gradients = data["checks"][2]
    assert gradients == {
        "id": "gradients", "passed": False, "points": 0.0, "max_points": 3.0, "message": "b1 is 5 x too large",
        "diagnoses": gradients["diagnoses"], "evidence": {"factor": 1.0},
    }
    assert [d["tag"] for d in gradients["diagnoses"]] == ["gradient-scale-inconsistent", "gradient-mismatch"]


def test_diagnosis_dict_carries_the_catalogue_text():
    data = Diagnosis("loss-mismatch", "loss is 2, expected 0.5", {"got": 2.0}).to_dict()
    entry = describe("loss-mismatch")
    assert data == {"tag": "loss-mismatch", "message": "loss is 2, expected 0.5", "explanation": entry.explanation,
                    "hint": entry.hint, "evidence": {"got": 2.0}}
    assert entry.hint


# -- derived values --------------------------------------------------------------------------------

def test_totals_are_derived_from_the_checks():
    result = partial_result()
    assert result.score == 3.0 and result.max_score == 6.0
    data = result.to_dict()
    assert data["score"] == 3.0 and data["max_score"] == 6.0 and data["status"] == "ok"
    assert [c["passed"] for c in data["checks"]] == [True, True, False]


def test_passed_means_full_points():
    assert CheckResult(id="x", max_points=2.0, points=2.0, message="").passed
    assert not CheckResult(id="x", max_points=2.0, points=1.5, message="").passed
    assert CheckResult.success("x", 2.0, "ok").points == 2.0
    assert CheckResult.failure("x", 2.0, "no").points == 0.0


def test_diagnoses_are_distinct_tags_in_check_order():
    result = partial_result()
    assert result.diagnoses == ["gradient-scale-inconsistent", "gradient-mismatch"]
    doubled = SubmissionResult(student="s", submission="s.py", assignment="a", checks=(
        CheckResult.failure("loss", 1.0, "m", Diagnosis("exception", "e1")),
        CheckResult.failure("update", 1.0, "m", Diagnosis("exception", "e2"), Diagnosis("crash", "c")),
    ))
    assert doubled.diagnoses == ["exception", "crash"]


def test_check_lookup():
    result = partial_result()
    assert result.check("forward").max_points == 2.0
    with pytest.raises(KeyError):
        result.check("descent")


# -- errors ----------------------------------------------------------------------------------------

def test_error_result_has_status_error():
    result = error_result()
    data = result.to_dict()
    assert result.status == data["status"] == "error"
    assert data["score"] == 0.0 and data["max_score"] == 3.0
    assert data["error"] == {"kind": "syntax-error", "message": "SyntaxError: expected ':'", "line": 15, "cell": 3,
                             "file": "bob.ipynb", "traceback": "  File ...\nSyntaxError", "source": "submission"}
    # The error kind leads the diagnoses.
    assert data["diagnoses"] == ["syntax-error"]


def test_grader_failure_is_marked_as_such():
    result = SubmissionResult(student="c", submission="c.py", assignment="a", checks=(),
                              error=LoadError(kind="internal", message="boom", source="grader"))
    assert result.status == "error" and result.to_dict()["error"]["source"] == "grader"


# -- round trip ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [partial_result, error_result])
def test_from_dict_of_to_dict_roundtrips(make):
    result = make()
    data = result.to_dict()
    back = SubmissionResult.from_dict(data)
    assert back == result
    assert back.to_dict() == data


def test_roundtrip_through_json_text():
    result = partial_result()
    data = json.loads(json.dumps(result.to_dict()))
    assert SubmissionResult.from_dict(data).to_dict() == result.to_dict()


def test_duration_is_rounded_in_the_dict():
    result = SubmissionResult(student="s", submission="s.py", assignment="a", checks=(), duration=1.234567)
    assert result.to_dict()["duration"] == 1.2346
