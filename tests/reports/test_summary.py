"""The class summary index.html (grader/reports/summary.py and index.html.j2)."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from grader import load_assignment
from grader.reports.html import render_index, sheet_name
from grader.reports.summary import class_summary, common_mistakes
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult
from report_examples import Node, graded, parse

ASSIGNMENT = load_assignment("two-layer")


@pytest.fixture(scope="module")
def results() -> list[SubmissionResult]:
    return list(graded().values())


@pytest.fixture(scope="module")
def index(results) -> tuple[str, Node]:
    html = render_index(results=results, assignment=ASSIGNMENT)
    return html, parse(html)


def cells(row: Node) -> list[str]:
    return [c.text() for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")]


def test_index_is_self_contained_and_works_without_javascript(index):
    html, page = index
    assert page.find("meta", name="viewport") and "@media print" in html
    script = page.find("script")
    assert "src" not in script.attrs and "document.getElementById" in script.text()
    assert "hidden" in page.find("form", id="filters").attrs  # shown by the script only
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)


def test_every_student_is_in_the_table_once_with_a_link_score_and_status(index, results):
    _, page = index
    table = page.find("table", id="students")
    rows = [r for body in table.kids("tbody") for r in body.kids("tr")]
    assert len(rows) == len(results)
    assert sorted(a.attrs["href"] for a in page.find_all("a")) == sorted(sheet_name(r.student) for r in results)
    by_student = {cells(r)[0]: r for r in rows}
    for result in results:
        row = cells(by_student[result.student])
        assert row[2] == f"{result.score:g} / {result.max_score:g}"
        expected = ("✘ could not be graded" if result.error else
                    "✔ full marks" if result.score >= result.max_score else "points lost")
        assert row[1] == expected
        if result.error is None:
            failed = [c.id for c in result.checks if not c.passed]
            assert row[3] == (", ".join(failed) or "none")
        assert row[4] == (" ".join(result.diagnoses) or "none")
        assert by_student[result.student].attrs["data-tags"] == " ".join(result.diagnoses)


def test_submissions_that_could_not_be_graded_come_first(index, results):
    _, page = index
    errors = sorted((r for r in results if r.error), key=lambda r: r.student.lower())
    alert = page.find("section", class_="alert")
    assert alert.find("h2").text() == f"⚠ {len(errors)} submissions could not be graded"
    items = alert.find_all("li")
    assert [li.find("strong").text() for li in items] == [r.student for r in errors]
    assert "cell 3, line 2" in items[[r.student for r in errors].index("notebook_syntax_error")].text()
    bodies = page.find("table", id="students").kids("tbody")
    assert bodies[0].attrs["class"] == "pinned"
    assert [cells(r)[0] for r in bodies[0].kids("tr")] == [r.student for r in errors]
    assert all(r.attrs["data-status"] == "error" for r in bodies[0].kids("tr"))
    sections = page.find("main").kids("section")
    assert sections[0] is alert and sections[1].attrs["aria-labelledby"] == "students-title"


def test_histogram_counts_the_graded_scores(index, results):
    _, page = index
    graded_scores = [r.score for r in results if r.error is None]
    svg = page.find("section", aria_labelledby="hist-title").find("svg")
    assert svg.attrs["role"] == "img"
    assert svg.find("title").text() == f"Histogram of the scores of {len(graded_scores)} graded submissions"
    bars = svg.find_all("rect")
    assert len(bars) == 11  # 0..10 points
    for points, bar in enumerate(bars):
        count = graded_scores.count(float(points))
        assert bar.find("title").text() == f"{points} points: {count} student{'' if count == 1 else 's'}"
        assert (float(bar.attrs["height"]) > 0) == (count > 0)
    labels = [t.text() for t in svg.find_all("text", class_="count")]
    assert sorted(int(n) for n in labels) == sorted(c for c in (graded_scores.count(float(p)) for p in range(11)) if c)


def test_pass_rate_per_check(index, results):
    _, page = index
    graded_results = [r for r in results if r.error is None]
    rows = page.find("table", class_="rates").find("tbody").kids("tr")
    assert [cells(r)[0].split()[0] for r in rows] == list(ASSIGNMENT.points)
    for row, check_id in zip(rows, ASSIGNMENT.points):
        passed = sum(r.check(check_id).passed for r in graded_results)
        percent = 100 * passed / len(graded_results)
        assert cells(row)[2] == f"{passed} of {len(graded_results)}"
        assert cells(row)[3] == f"{round(percent, 1):g}%"


def test_most_common_mistakes_with_how_many_students_made_each(index, results):
    _, page = index
    graded_results = [r for r in results if r.error is None]
    rows = page.find("table", class_="mistakes").find("tbody").kids("tr")
    counts = {}
    for r in graded_results:
        for tag in {d.tag for c in r.checks for d in c.diagnoses}:
            counts.setdefault(tag, []).append(r.student)
    shown = [(row.find("span", class_="tag").text(), cells(row)[0]) for row in rows]
    assert {tag for tag, _ in shown} == set(counts)
    assert [int(n.split()[0]) for _, n in shown] == sorted((len(v) for v in counts.values()), reverse=True)
    for row in rows:
        tag = row.find("span", class_="tag").text()
        assert cells(row)[0] == f"{len(counts[tag])} of {len(graded_results)}"
        assert cells(row)[3] == ", ".join(sorted(counts[tag], key=str.lower))
    assert "syntax-error" not in {tag for tag, _ in shown}  # load errors are listed at the top instead


def test_filter_options_list_every_tag(index, results):
    _, page = index
    options = [o.attrs["value"] for o in page.find("select", id="filter-tag").find_all("option")]
    assert options == ["", *sorted({t for r in results for t in r.diagnoses})]


def _result(student: str, *failed: str, error: bool = False) -> SubmissionResult:
    checks = tuple(CheckResult.failure(c, 1.0, "no", Diagnosis("no-descent" if c == "descent" else "loss-mismatch",
                                                                "no")) if c in failed
                   else CheckResult.success(c, 1.0, "yes") for c in ("loss", "descent"))
    result = SubmissionResult(student=student, submission=f"{student}.py", assignment="two-layer", checks=checks)
    if error:
        result = replace(result, error=LoadError(kind="timeout", message="too slow"))
    return result


def test_mistakes_are_counted_per_student_most_frequent_first():
    results = [_result("a", "loss", "descent"), _result("b", "descent"), _result("c", "descent"), _result("d")]
    mistakes = common_mistakes(results)
    assert [(m.tag, m.count, m.students) for m in mistakes] == [("no-descent", 3, ("a", "b", "c")),
                                                               ("loss-mismatch", 1, ("a",))]


def test_summary_without_any_graded_submission():
    results = [_result("a", error=True)]
    summary = class_summary(results=results, assignment=ASSIGNMENT, href=sheet_name)
    assert summary.mean is None and summary.histogram.total == 0 and summary.mistakes == ()
    page = parse(render_index(results=results, assignment=ASSIGNMENT))
    assert "No submission could be graded" in page.text() and page.find_all("svg") == []
    assert "⚠ 1 submission could not be graded" in page.find("section", class_="alert").text()


def test_summary_of_a_class_with_full_marks_only():
    results = [_result("a"), _result("b")]
    summary = class_summary(results=results, assignment=ASSIGNMENT, href=sheet_name)
    assert summary.full_marks == 2 and summary.mean == 2 and summary.median == 2
    page = parse(render_index(results=results, assignment=ASSIGNMENT))
    assert "every graded submission passed every check" in page.text()
    assert page.find_all("section", class_="alert") == []
