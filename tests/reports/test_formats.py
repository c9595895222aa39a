"""Report files written by grader.api.write_reports from really graded submissions."""
from __future__ import annotations

import csv
import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from conftest import FILES, ROOT, grade_file
from grader import load_assignment
from grader.api import write_reports
from grader.diagnosis.catalogue import describe
from grader.errors import UsageError
from grader.reports.html import sheet_name
from grader.results import SubmissionResult

SOURCES = [ROOT / "assignments" / "two-layer" / "solution.py", FILES / "two_layer" / "error_syntax.py",
           FILES / "two_layer" / "fails_loss_sum.py"]
ASSIGNMENT = load_assignment("two-layer")


@pytest.fixture(scope="module")
def results() -> dict[str, SubmissionResult]:
    """The three submissions graded once (in parallel), keyed by student."""
    with ThreadPoolExecutor(max_workers=len(SOURCES)) as pool:
        graded = list(pool.map(grade_file, SOURCES))
    return {r.student: r for r in graded}


@pytest.fixture(scope="module")
def reports(results, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("reports") / "out"
    written = write_reports(results=list(results.values()), assignment=ASSIGNMENT, out=out)
    return out, written


def test_the_graded_fixtures_are_what_the_reports_expect(results):
    assert set(results) == {"solution", "error_syntax", "fails_loss_sum"}
    assert results["solution"].score == results["solution"].max_score
    assert results["error_syntax"].status == "error"
    assert results["fails_loss_sum"].status == "ok" and not results["fails_loss_sum"].check("loss").passed


def test_every_file_is_written_and_listed(reports):
    out, written = reports
    names = {"results.json", "grades.csv", "index.html", "solution.html", "error_syntax.html", "fails_loss_sum.html"}
    assert {p.name for p in written} == names and len(written) == len(names)
    assert {p.name for p in out.iterdir()} == names
    assert all(p.parent == out for p in written)


# -- results.json ----------------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


def _null_non_finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _null_non_finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_null_non_finite(v) for v in value]
    return value


def test_results_json_is_a_strict_array_matching_to_dict(reports, results):
    out, _ = reports
    data = json.loads((out / "results.json").read_text(encoding="utf-8"), parse_constant=_reject_constant)
    assert isinstance(data, list) and [d["student"] for d in data] == list(results)
    for entry, result in zip(data, results.values()):
        assert entry == _null_non_finite(json.loads(json.dumps(result.to_dict())))
        assert SubmissionResult.from_dict(entry).to_dict() == entry


# -- grades.csv ------------------------------------------------------------------------------------

def test_grades_csv_has_a_header_and_one_row_per_student(reports, results):
    out, _ = reports
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    checks = list(ASSIGNMENT.points)
    assert rows[0] == ["student", "status", "score", "max_score", *checks, "diagnoses", "adjustments"]
    assert len(rows) == 1 + len(results)
    for row in rows[1:]:
        record = dict(zip(rows[0], row))
        result = results[record["student"]]
        assert record["status"] == result.status
        assert float(record["score"]) == result.score and float(record["max_score"]) == result.max_score
        assert {c: float(record[c]) for c in checks} == {c: result.check(c).points for c in checks}
        assert record["diagnoses"].split() == result.diagnoses


def test_grades_csv_values(reports):
    out, _ = reports
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert rows["fails_loss_sum"]["loss"] == "0" and rows["fails_loss_sum"]["score"] == "9"
    assert rows["error_syntax"]["diagnoses"] == "syntax-error" and rows["error_syntax"]["score"] == "0"


# -- HTML ------------------------------------------------------------------------------------------

class TableChecker(HTMLParser):
    """Checks that table elements open and close in a properly nested order."""

    TRACKED = {"table", "thead", "tbody", "tr", "td", "th", "svg", "pre", "section", "figure", "details"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = {}
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]
        if tag in self.TRACKED:
            self.stack.append(tag)
            self.counts[tag] = self.counts.get(tag, 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.TRACKED:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def parse_html(path: Path) -> TableChecker:
    checker = TableChecker()
    checker.feed(path.read_text(encoding="utf-8"))
    checker.close()
    assert checker.problems == [], checker.problems
    assert checker.stack == [], f"unclosed: {checker.stack}"
    return checker


HTML_FILES = ["index.html", "solution.html", "error_syntax.html", "fails_loss_sum.html"]


@pytest.mark.parametrize("name", HTML_FILES)
def test_html_tables_are_balanced(reports, name):
    checker = parse_html(reports[0] / name)
    assert checker.counts.get("table", 0) >= 1 and checker.counts.get("td", 0) >= 1


@pytest.mark.parametrize("name", HTML_FILES)
def test_html_has_no_external_urls(reports, name):
    text = (reports[0] / name).read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE)
    assert all(not h.startswith(("http:", "https:", "//")) for h in parse_html(reports[0] / name).hrefs)


def test_index_links_every_mark_sheet(reports, results):
    checker = parse_html(reports[0] / "index.html")
    assert sorted(checker.hrefs) == sorted(sheet_name(s) for s in results)
    text = (reports[0] / "index.html").read_text(encoding="utf-8")
    assert "9 / 10" in text and "loss-mismatch" in text and "syntax-error" in text


@pytest.mark.parametrize("student", ["solution", "error_syntax", "fails_loss_sum"])
def test_mark_sheet_shows_the_score(reports, results, student):
    result = results[student]
    text = (reports[0] / f"{student}.html").read_text(encoding="utf-8")
    assert f"Score: {result.score:g} / {result.max_score:g}" in text
    for check in result.checks:
        assert f"{check.points:g} / {check.max_points:g}" in text


def test_mark_sheet_shows_diagnosis_tags_and_hints(reports):
    text = (reports[0] / "fails_loss_sum.html").read_text(encoding="utf-8")
    entry = describe("loss-mismatch")
    assert '<span class="tag">loss-mismatch</span>' in text
    assert escape(entry.hint) in text and escape(entry.title) in text


def test_error_sheet_shows_the_code_around_the_syntax_error(reports):
    text = (reports[0] / "error_syntax.html").read_text(encoding="utf-8")
    assert '<span class="tag">syntax-error</span>' in text
    assert escape(describe("syntax-error").hint) in text
    assert re.search(r'<span class="current">\s*15\s+def forward\(self, X\)</span>', text)
    # Three lines of context on each side, and no more.
    source = (FILES / "two_layer" / "error_syntax.py").read_text(encoding="utf-8").splitlines()
    for number in (12, 13, 14, 16, 17, 18):
        assert f"<span>{number:4d}  {escape(source[number - 1])}</span>" in text
    assert not re.search(r"<span>\s*11\s", text) and not re.search(r"<span>\s*19\s", text)
    assert "line 15" in text


def test_passing_sheet_has_a_loss_plot(reports):
    text = (reports[0] / "solution.html").read_text(encoding="utf-8")
    checker = parse_html(reports[0] / "solution.html")
    assert checker.counts.get("svg") == 1
    polylines = re.findall(r'<polyline points="([^"]+)"', text)
    assert len(polylines) == 2  # the student's curve and the reference
    assert all(len(p.split()) > 10 for p in polylines)


def test_error_sheet_has_no_plot(reports):
    assert "<svg" not in (reports[0] / "error_syntax.html").read_text(encoding="utf-8")


# -- formats ---------------------------------------------------------------------------------------

def test_only_the_named_formats_are_written(results, tmp_path):
    written = write_reports(results=list(results.values()), assignment=ASSIGNMENT, out=tmp_path, formats=["csv"])
    assert written == [tmp_path / "grades.csv"] and [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_unknown_format_is_a_usage_error(results, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UsageError) as info:
        write_reports(results=list(results.values()), assignment=ASSIGNMENT, out=out, formats=["json", "pdf"])
    assert "pdf" in info.value.message and "json, csv, html" in info.value.message
    assert not out.exists()
