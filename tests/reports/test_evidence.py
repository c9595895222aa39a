"""Evidence as display blocks (grader/reports/evidence.py): known keys labelled, anything else still shown."""
from __future__ import annotations

import pytest

from grader.spec.assignment import Tolerance
from grader.reports.evidence import Excerpt, Line, evidence_blocks, fmt, parameter_name, where, worst_table


@pytest.mark.parametrize("value, text", [(None, "not a number"), (float("nan"), "NaN"), (float("inf"), "infinity"),
                                         (True, "yes"), (3, "3"), (0.000123456, "0.0001235"), (2.0, "2"),
                                         ([0.0, 1.0], "(0, 1)"), (["W1", "b1"], "W1, b1"), ("text", "text"),
                                         ([4], "4")])
def test_fmt(value, text):
    assert fmt(value) == text


def test_parameter_names_and_locations():
    assert parameter_name("W1@0") == "W1" and parameter_name("b2@1") == "b2 (second random weights and inputs)" and parameter_name("W3") == "W3"
    assert where(file="lab.ipynb", cell=3, line=5) == "lab.ipynb, cell 3, line 5"
    assert where(file="lab.py", cell=None, line=7) == "lab.py, line 7" and where(file=None, cell=None, line=None) == ""


def test_blocks_put_labelled_facts_first_then_tables_then_the_traceback():
    evidence = {"traceback": "Traceback ...", "relative_errors": {"W1": 0.5, "b1": 1e-9}, "factor": 2.0,
                "mismatched": 3, "size": 4, "probe": 0}
    blocks = evidence_blocks(evidence, tolerance=Tolerance(rtol=1e-6, atol=0.0))
    assert [b.kind for b in blocks] == ["facts", "table", "text"]
    assert [(f.label, f.value) for f in blocks[0].facts] == [
        ("Entries off", "3 of 4"), ("Gradient factor (one for all parameters)", "2"),
        ("Seen on", "the grader's first random weights and inputs")]
    table = blocks[1]
    assert table.columns == ("Parameter", "Relative error", "Verdict (tolerance 1e-06)")
    assert [[c.text for c in row] for row in table.rows] == [["W1", "0.5", "✘ off"],
                                                             ["b1", "1e-09", "✔ within tolerance"]]
    assert [row[2].css for row in table.rows] == ["fail", "pass"]
    assert blocks[2].title == "Traceback" and blocks[2].text == "Traceback ..."


def test_location_brings_the_students_code():
    excerpt = Excerpt(lines=(Line(number=5, text="raise ValueError", current=True),), file="lab.py", cell=None, line=5)
    asked = []

    def source(**where_):
        asked.append(where_)
        return excerpt

    blocks = evidence_blocks({"file": "lab.py", "line": 5}, excerpt=source)
    assert asked == [{"file": "lab.py", "cell": None, "line": 5}]
    assert blocks[0].facts[0].value == "lab.py, line 5" and blocks[1].kind == "code" and blocks[1].excerpt is excerpt


def test_unknown_keys_are_shown_by_shape():
    blocks = evidence_blocks({"weird_scalar": 1.5, "weird_list": [1, 2], "weird_map": {"a": 1, "b": None},
                              "weird_nested": {"a": [{"b": 1}]}})
    kinds = {b.title: b.kind for b in blocks}
    assert kinds == {"Weird map": "table", "Weird nested": "data", "More details": "more"}
    more = next(b for b in blocks if b.kind == "more")
    assert [(f.label, f.value) for f in more.facts] == [("Weird scalar", "1.5"), ("Weird list", "(1, 2)")]
    table = next(b for b in blocks if b.kind == "table")
    assert [[c.text for c in r] for r in table.rows] == [["a", "1"], ["b", "not a number"]]


def test_plotted_and_skipped_keys_are_left_out():
    evidence = {"student_curve": {}, "reference_curve": {}, "predictions": [], "epochs": 10, "lr": 0.5}
    assert evidence_blocks(evidence, skip=("epochs", "lr")) == []
    assert evidence_blocks({}) == [] and evidence_blocks(None) == []


def test_worst_entries_tolerate_missing_values():
    table = worst_table([{"index": [1], "got": None, "expected": 2.0}, "not an entry", {"got": 1.0}], array="b1")
    assert [[c.text for c in r] for r in table.rows] == [["b1[1]", "not a number", "2", "–", "–"],
                                                       ["b1", "1", "not a number", "–", "–"]]
    assert table.note == "" and worst_table([], array="W1") is None
    scaled = worst_table([{"index": [0, 0], "got": 1.0, "expected": 0.0}], array="W1", scale=0.5)
    assert "times 0.5" in scaled.note and [c.text for c in scaled.rows[0]][3:] == ["1", "1"]
