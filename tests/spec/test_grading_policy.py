"""The spec's [grading] table: feedback level, per-check visibility, points_possible and the late penalty."""
from __future__ import annotations

import tomllib

import pytest

from conftest import ROOT
from grader.errors import SpecError
from grader.spec.assignment import Policy, parse_assignment

BASE = tomllib.loads((ROOT / "assignments" / "two-layer" / "spec.toml").read_text(encoding="utf-8"))


def spec_with(grading: dict) -> dict:
    return {**BASE, "grading": grading}


def test_without_a_grading_table_students_see_everything_out_of_the_spec_total():
    policy = parse_assignment(BASE).policy
    assert policy == Policy()
    assert policy.feedback == "full" and dict(policy.visibility) == {}
    assert policy.total(10) == 10 and policy.final(5, 10, late=True) == 5


def test_a_full_grading_table():
    spec = parse_assignment(spec_with({"feedback": "hint", "visibility": {"descent": "after_published",
                                                                          "update": "hidden"},
                                       "points_possible": 50, "late_penalty": 0.25}))
    policy = spec.policy
    assert policy.feedback == "hint"
    assert dict(policy.visibility) == {"descent": "after_published", "update": "hidden"}
    assert policy.total(spec.max_score) == 50
    assert policy.scale(3, spec.max_score) == 15  # 3 of 10 points is 15 of 50
    assert policy.final(5, spec.max_score) == 25 and policy.final(5, spec.max_score, late=True) == 18.75
    assert policy.to_dict() == {"feedback": "hint", "visibility": {"descent": "after_published", "update": "hidden"},
                                "points_possible": 50.0, "late_penalty": 0.25}


@pytest.mark.parametrize("grading, message", [
    ({"feedback": "verbose"}, "feedback must be one of full, hint, score"),
    ({"visibility": {"descent": "later"}}, "visibility descent = 'later'"),
    ({"visibility": {"backprop": "hidden"}}, "visibility backprop"),
    ({"visibility": "hidden"}, "visibility must be a table"),
    ({"points_possible": 0}, "points_possible must be a positive number"),
    ({"points_possible": True}, "points_possible must be a positive number"),
    ({"late_penalty": 1.5}, "late_penalty is the fraction"),
    ({"late_penalty": -0.1}, "late_penalty is the fraction"),
    ({"penalty": 0.1}, "unknown field(s) penalty"),
])
def test_bad_grading_tables_are_refused_with_the_reason(grading, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_assignment(spec_with(grading))
