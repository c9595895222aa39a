"""Mark sheets (grader/reports/html.py, marksheet.py): a passing, a failing and an un-gradable submission."""
from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from grader import load_assignment
from grader.diagnosis.catalogue import describe
from grader.reports.evidence import fmt
from grader.reports.html import code_excerpt, render_sheet, sheet_name, sheet_names
from grader.reports.marksheet import readable_time, source_excerpt
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from report_examples import BROKEN_NOTEBOOK_CELLS, SOURCES, Node, graded, parse

ASSIGNMENT = load_assignment("two-layer")


def sheet(student: str) -> tuple[str, Node]:
    html = render_sheet(result=graded()[student], assignment=ASSIGNMENT)
    return html, parse(html)


def check_row(page: Node, check_id: str) -> Node:
    return page.find("tr", id=f"check-{check_id}")


def cells(row: Node) -> list[str]:
    return [c.text() for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")]


# -- every sheet -----------------------------------------------------------------------------------

@pytest.mark.parametrize("student", ["solution", "dave_missing_derivative", "grace_syntax_error"])
def test_sheet_is_one_self_contained_accessible_page(student):
    html, page = sheet(student)
    root = page.find("html")
    assert root.attrs["lang"] == "en"
    assert page.find("meta", name="viewport").attrs["content"].startswith("width=device-width")
    assert "@media print" in html and "@media (max-width" in html
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    for th in page.find("table", class_="checks").find("thead").find_all("th"):
        assert th.attrs["scope"] == "col"
    for row in page.find("table", class_="checks").find("tbody").kids("tr"):
        assert row.kids("th")[0].attrs["scope"] == "row"
    for svg in page.find_all("svg"):
        assert svg.attrs["role"] == "img" and svg.find("title").text() and svg.find("desc").text()
    bar = page.find("span", class_="bar")
    assert bar.attrs["role"] == "img" and "points" in bar.attrs["aria-label"]


@pytest.mark.parametrize("student", ["solution", "dave_missing_derivative", "grace_syntax_error"])
def test_header_shows_score_status_date_version_and_binding(student):
    result = graded()[student]
    _, page = sheet(student)
    header = page.find("header").text()
    assert result.student in page.find("h1").text()
    assert f"Score: {result.score:g} / {result.max_score:g}" in header
    assert ASSIGNMENT.title in header and "two-layer, version 1" in header
    assert readable_time(result.graded_at) in header and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", header)
    assert f"backprop-grader {result.grader_version}" in header
    percent = 100 * result.score / result.max_score
    assert page.find("span", class_="bar").find("span").attrs["style"] == f"width: {round(percent, 1)}%"
    if result.binding:
        assert result.binding["summary"] in header


# -- a passing submission --------------------------------------------------------------------------

def test_passing_sheet_every_check_passed_with_points_and_text_labels():
    result = graded()["solution"]
    _, page = sheet("solution")
    assert "✔ full marks" in page.find("header").text()
    assert "Every check passed" in page.text()
    for check in result.checks:
        row = cells(check_row(page, check.id))
        assert row[1] == f"{check.max_points:g} / {check.max_points:g}"
        assert row[2] == "✔ passed"
        assert check.message in row[3]
    assert page.find_all("div", class_="diagnosis") == []
    assert page.find_all("table", class_="evidence") == []


def test_passing_sheet_plots_both_loss_curves_on_a_log_scale():
    evidence = graded()["solution"].check("descent").evidence
    html, page = sheet("solution")
    figure = page.find("figure", class_="plot")
    svg = figure.find("svg")
    polylines = svg.find_all("polyline")
    assert len(polylines) == 2
    student, reference = polylines  # the reference's dashes on top, visible where the curves coincide
    assert "stroke-dasharray" in reference.attrs and "stroke-dasharray" not in student.attrs  # not colour alone
    assert len(student.attrs["points"].split()) == len(evidence["student_curve"]["loss"])
    ticks = [t.text() for t in svg.find_all("text")]
    lowest = min(evidence["student_curve"]["loss"] + evidence["reference_curve"]["loss"])
    decade = f"{10.0 ** math.floor(math.log10(lowest)):g}"  # 0.01 once training stops early, at a loss of ~0.04
    assert "loss (log scale)" in ticks and "epoch" in ticks and decade in ticks and "1" in ticks
    assert f"you {evidence['final_loss']:.2g}" in ticks
    assert f"reference {evidence['reference_curve']['loss'][-1]:.2g}" in ticks
    desc = svg.find("desc").text()
    assert "Solid blue line: your network" in desc and "Dashed grey line: the reference" in desc
    assert fmt(evidence["student_curve"]["loss"][-1]) in desc
    training = page.find("section", aria_labelledby="training-title").text()
    assert f"Your loss went from {fmt(evidence['initial_loss'])} to {fmt(evidence['final_loss'])}" in training


def test_training_paragraph_says_when_training_stopped_once_xor_was_solved():
    solved = graded()["solution"].check("descent").evidence
    _, page = sheet("solution")
    training = page.find("section", aria_labelledby="training-title").text()
    assert solved["stopped_early"] is True
    assert f"solved after {solved['epochs']} of at most {solved['epoch_budget']} epochs" in training
    assert f"the reference's to {fmt(solved['reference_final_loss'])} after as many epochs" in training
    unsolved = graded()["carol_sign_error"].check("descent").evidence
    _, page = sheet("carol_sign_error")
    training = page.find("section", aria_labelledby="training-title").text()
    assert unsolved["stopped_early"] is False and f"for {unsolved['epochs']} epochs" in training
    assert "at most" not in training and "as many epochs" not in training


def test_passing_sheet_lists_the_final_xor_predictions():
    evidence = graded()["solution"].check("descent").evidence
    _, page = sheet("solution")
    rows = page.find("table", class_="predictions").find("tbody").find_all("tr")
    assert [cells(r)[0] for r in rows] == ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]
    for row, p in zip(rows, evidence["predictions"]):
        assert cells(row) == [fmt(p["input"]), fmt(p["target"]), f"{p['prediction'][0]:.4f}", "✔ right"]


def test_output_is_collapsed_by_default():
    result = graded()["solution"]
    _, page = sheet("solution")
    details = page.find("details", class_="output")
    assert "open" not in details.attrs
    assert f"({len(result.output)} characters)" in details.find("summary").text()


# -- a failing submission --------------------------------------------------------------------------

def test_failing_sheet_scores_and_tags_each_check():
    result = graded()["dave_missing_derivative"]
    _, page = sheet("dave_missing_derivative")
    assert "Score: 5 / 10" in page.find("header").text()
    notice = page.find("p", class_="notice")
    assert [a.attrs["href"] for a in notice.find_all("a")] == ["#check-gradients", "#check-descent"]
    for check in result.checks:
        row = check_row(page, check.id)
        assert cells(row)[1] == f"{check.points:g} / {check.max_points:g}"
        assert cells(row)[2] == ("✔ passed" if check.passed else "✘ failed")
        tags = [t.text() for t in row.find_all("span", class_="tag")]
        assert tags == [d.tag for d in check.diagnoses]
        for d in check.diagnoses:
            entry = describe(d.tag)
            assert entry.title in row.text() and entry.explanation in row.text() and entry.hint in row.text()


def test_failing_sheet_shows_the_worst_entries_with_got_expected_and_relative_difference():
    check = graded()["dave_missing_derivative"].check("gradients")
    diagnosis = next(d for d in check.diagnoses if d.evidence.get("worst"))
    _, page = sheet("dave_missing_derivative")
    row = check_row(page, "gradients")
    table = next(t for t in row.find_all("table", class_="evidence") if t.find("caption").text().startswith("Entries"))
    assert table.find("caption").text() == f"Entries of {diagnosis.evidence['array']} furthest from the expected values"
    assert [th.text() for th in table.find("thead").find_all("th")] == [
        "Entry", "Yours", "Expected", "Difference", "Relative difference"]
    body = table.find("tbody").find_all("tr")
    assert len(body) == len(diagnosis.evidence["worst"])
    for tr, entry in zip(body, diagnosis.evidence["worst"]):
        got, expected = entry["got"], entry["expected"]
        index = ", ".join(str(i) for i in entry["index"])
        relative = abs(got - expected) / max(abs(got), abs(expected))
        assert cells(tr) == [f"{diagnosis.evidence['array']}[{index}]", fmt(got), fmt(expected), fmt(got - expected),
                             fmt(relative)]


def test_failing_sheet_gives_each_parameters_relative_error_against_the_tolerance():
    check = graded()["dave_missing_derivative"].check("gradients")
    errors = next(d.evidence["relative_errors"] for d in check.diagnoses if "relative_errors" in d.evidence)
    _, page = sheet("dave_missing_derivative")
    table = next(t for t in check_row(page, "gradients").find_all("table", class_="evidence")
                 if t.find("caption").text() == "Relative error per parameter")
    rows = {cells(tr)[0]: cells(tr)[1:] for tr in table.find("tbody").find_all("tr")}
    rtol = ASSIGNMENT.tolerances["gradients"].rtol
    assert rows == {name: [fmt(e), "✔ within tolerance" if e <= rtol else "✘ off"] for name, e in errors.items()}
    assert any(v[1] == "✘ off" for v in rows.values())


def test_failing_sheet_shows_each_value_once_and_training_facts_with_the_plot():
    check = graded()["dave_missing_derivative"].check("gradients")
    _, page = sheet("dave_missing_derivative")
    captions = [t.find("caption").text() for t in check_row(page, "gradients").find_all("table", class_="evidence")]
    assert captions.count("Relative error per parameter") == 1  # the diagnosis's, not the check's as well
    if "factors" in check.evidence:
        assert "Each parameter's own gradient factor" in captions
    descent = check_row(page, "descent").text()
    assert "Loss at the start" not in descent  # shown with the plot instead
    evidence = graded()["dave_missing_derivative"].check("descent").evidence
    training = page.find("section", aria_labelledby="training-title").text()
    assert f"learning rate {fmt(evidence['lr'])}" in training and fmt(evidence["final_loss"]) in training


def test_failing_sheet_marks_wrong_predictions_in_words():
    _, page = sheet("carol_sign_error")
    evidence = graded()["carol_sign_error"].check("descent").evidence
    verdicts = [cells(r)[3] for r in page.find("table", class_="predictions").find("tbody").find_all("tr")]
    expected = ["✔ right" if (p["prediction"][0] > 0.5) == (p["target"][0] > 0.5) else "✘ wrong"
                for p in evidence["predictions"]]
    assert verdicts == expected and "✘ wrong" in verdicts


def test_rising_loss_is_plotted_and_described():
    evidence = graded()["carol_sign_error"].check("descent").evidence
    _, page = sheet("carol_sign_error")
    svg = page.find("figure", class_="plot").find("svg")
    student = svg.find_all("polyline")[0].attrs["points"].split()
    first_y, last_y = float(student[0].split(",")[1]), float(student[-1].split(",")[1])
    assert evidence["final_loss"] > evidence["initial_loss"] and last_y < first_y  # higher loss is drawn higher up
    assert f"you {evidence['final_loss']:.2g}" in [t.text() for t in svg.find_all("text")]


def test_exception_in_a_check_shows_where_the_code_failed():
    result = graded()["starter"]
    check = result.check("init")
    _, page = sheet("starter")
    row = check_row(page, "init")
    facts = row.find("dl", class_="facts").text()
    assert f"Where {check.evidence['file']}, cell {check.evidence['cell']}, line {check.evidence['line']}" in facts
    figure = row.find("figure", class_="code")
    assert f"cell {check.evidence['cell']}, line {check.evidence['line']}" in figure.find("figcaption").text()
    current = figure.find("span", class_="current").text()
    assert current.startswith(str(check.evidence["line"])) and "NotImplementedError" in current
    traceback = row.find("details", class_="print-open")
    assert traceback.find("summary").text() == "Traceback" and "NotImplementedError" in traceback.text()


# -- submissions that could not be graded ----------------------------------------------------------

def test_ungradable_sheet_explains_the_error_with_the_students_code():
    result = graded()["grace_syntax_error"]
    html, page = sheet("grace_syntax_error")
    alert = page.find("section", class_="alert")
    assert alert.find("h2").text() == "Your submission could not be graded"
    assert alert.find("span", class_="tag").text() == "syntax-error"
    assert result.error.message in alert.text() and "In grace_syntax_error.py, line 29." in alert.text()
    assert describe("syntax-error").hint in alert.text()
    source = SOURCES["grace_syntax_error"].read_text(encoding="utf-8").splitlines()
    lines = alert.find("pre").find_all("span")
    assert [line.text().split(" ", 1)[0] for line in lines] == [str(n) for n in range(26, 33)]
    current = alert.find("pre").find_all("span", class_="current")
    assert len(current) == 1 and current[0].text() == f"29 {source[28].strip()}"
    assert "✘ could not be graded" in page.find("header").text()
    for check in result.checks:
        assert cells(check_row(page, check.id))[1:3] == [f"0 / {check.max_points:g}", "✘ not run"]
    assert "<svg" not in html and page.find_all("table", class_="predictions") == []


def test_ungradable_notebook_names_the_code_cell():
    _, page = sheet("notebook_syntax_error")
    alert = page.find("section", class_="alert")
    assert "In notebook_syntax_error.ipynb, cell 3, line 2." in alert.text()
    assert "of cell 3" in alert.find("figcaption").text()
    assert alert.find("span", class_="current").text() == "2 " + BROKEN_NOTEBOOK_CELLS[1].splitlines()[1].strip()
    assert code_excerpt(graded()["notebook_syntax_error"]).cell == 3


def test_grader_failure_is_not_blamed_on_the_student():
    result = replace(graded()["grace_syntax_error"], error=LoadError(kind="internal", message="KeyError: 'W9'",
                                                                      traceback="Traceback ...", source="grader"))
    page = parse(render_sheet(result=result, assignment=ASSIGNMENT))
    assert page.find("section", class_="alert").find("h2").text().startswith("The grader failed on this submission")
    assert "✘ grader failure" in page.find("header").text()


# -- defensive rendering ---------------------------------------------------------------------------

def synthetic(*checks: CheckResult, output: str = "", student: str = "eve") -> SubmissionResult:
    return SubmissionResult(student=student, submission="eve.py", assignment="two-layer", checks=checks,
                            output=output, graded_at="2026-01-02T03:04:05+00:00", grader_version="9.9")


def test_evidence_fields_added_later_are_shown():
    diagnosis = Diagnosis("gradient-mismatch", "W2 is off", {
        "layer": 2, "factor": 2.5, "relative_error": 0.3, "parameters": ["W2", "b2"], "array": "W2",
        "worst": [{"index": [0, 1], "got": 1.0, "expected": 0.5, "layer": 2}],
        "mystery": {"nested": [1, {"deep": True}]}, "curvature": 0.75})
    result = synthetic(CheckResult.failure("gradients", 3.0, "wrong gradients", diagnosis))
    page = parse(render_sheet(result=result, assignment=ASSIGNMENT))
    row = check_row(page, "gradients")
    facts = dict(zip((dt.text() for dt in row.find_all("dt")), (dd.text() for dd in row.find_all("dd"))))
    assert facts["Where in your network"].startswith("layer 2 (W2, b2") and facts["Parameters affected"] == "W2, b2"
    assert facts["Gradient factor (one for all parameters)"] == "2.5"
    assert facts["Relative error"] == "0.3 (tolerance 1e-06)"
    assert facts["Curvature"] == "0.75"  # an unknown scalar, under "More details"
    assert row.find("details", class_="more").find("summary").text() == "More details"
    table = row.find("table", class_="evidence")
    assert [th.text() for th in table.find("thead").find_all("th")][-1] == "Layer"
    assert cells(table.find("tbody").find("tr")) == ["W2[0, 1]", "1", "0.5", "0.5", "0.5", "2"]
    assert "times 2.5" in row.find("p", class_="note").text()
    mystery = [d for d in row.find_all("details") if d.find("summary").text() == "Mystery"]
    assert mystery and '"deep": true' in mystery[0].find("pre").text()


def test_non_finite_values_and_missing_curves_do_not_break_the_sheet():
    descent = CheckResult.failure("descent", 2.0, "training diverged", Diagnosis("no-descent", "diverged"),
                                  student_curve={"epoch": [0, 1, 2], "loss": [0.4, None, float("nan")]},
                                  reference_curve={"epoch": [0, 1, 2], "loss": [0.4, 0.2, 0.1]},
                                  initial_loss=0.4, final_loss=None, predictions=[{"input": [0, 0], "target": [0]}])
    page = parse(render_sheet(result=synthetic(descent), assignment=ASSIGNMENT))
    svg = page.find("figure", class_="plot").find("svg")
    assert len(svg.find_all("polyline")) == 2
    assert len(svg.find_all("polyline")[0].attrs["points"].split()) == 1  # only the finite point is drawn
    prediction = cells(page.find("table", class_="predictions").find("tbody").find("tr"))
    assert prediction == ["(0, 0)", "0", "", "–"]
    nothing = synthetic(replace(descent, evidence={"student_curve": {"epoch": [0], "loss": [float("inf")]}}))
    assert parse(render_sheet(result=nothing, assignment=ASSIGNMENT)).find_all("svg") == []


def test_student_text_is_escaped_and_file_names_are_safe():
    result = synthetic(CheckResult.success("init", 1.0, "<b>ok</b>"), output="<script>alert(1)</script>",
                       student="<img src=x onerror=alert(1)>")
    html = render_sheet(result=result, assignment=ASSIGNMENT)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;b&gt;ok&lt;/b&gt;" in html
    assert sheet_name(result.student) == "_img src_x onerror_alert_1_.html"
    assert sheet_name("../../etc/passwd") == "_.._etc_passwd.html" and sheet_name("...") == "student.html"


def test_source_excerpt_is_none_when_the_line_cannot_be_shown(tmp_path):
    module = tmp_path / "lab.py"
    module.write_text("a = 1\nb = 2\n", encoding="utf-8")
    assert source_excerpt(submission=module, file="lab.py", cell=None, line=2).lines[-1].current
    assert source_excerpt(submission=module, file="lab.py", cell=None, line=9) is None
    assert source_excerpt(submission=tmp_path / "gone.py", file=None, cell=None, line=1) is None
    folder = tmp_path / "bob"
    folder.mkdir()
    (folder / "lab.py").write_text("x = (\n", encoding="utf-8")
    assert source_excerpt(submission=folder, file="lab.py", cell=None, line=1).lines[0].text == "x = ("


@pytest.mark.parametrize("stamp, shown", [("2026-11-22T11:25:52+00:00", "2026-11-22 11:25 UTC"),
                                          ("2026-11-22T12:25:52+01:00", "2026-11-22 11:25 UTC"),
                                          ("", "unknown"), ("yesterday", "yesterday")])
def test_readable_time(stamp, shown):
    assert readable_time(stamp) == shown


def test_scores_with_halves_are_written_as_they_are():
    result = synthetic(replace(CheckResult.success("init", 1.0, "ok"), points=0.5))
    page = parse(render_sheet(result=result, assignment=ASSIGNMENT))
    assert "Score: 0.5 / 1" in page.find("header").text()
    assert cells(check_row(page, "init"))[1:3] == ["0.5 / 1", "✘ partly passed"]
    assert page.find("span", class_="bar").find("span").attrs["style"] == "width: 50.0%"


def test_sheet_names_never_collide():
    names = sheet_names(["a?", "a_", "Alice", "alice", "index"])
    assert names == {"a?": "a_.html", "a_": "a_-2.html", "Alice": "Alice.html", "alice": "alice-2.html",
                     "index": "index-2.html"}
