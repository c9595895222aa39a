"""The reports in headless Chromium (grader/reports/browser.py): no console errors, the plot drawn, phone and print.

Skipped only when Chromium is missing outside CI: ``.ci/run`` installs it and sets
``$GRADER_REQUIRE_BROWSER`` (as ``$CI`` does), which makes a missing Chromium an
error rather than a skip.
"""
from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from grader import load_assignment
from grader.api import write_reports
from grader.reports.browser import Browser, BrowserError, Page, file_url, find_chromium
from grader.reports import plots
from grader.reports.html import sheet_name
from report_examples import graded

REQUIRED = bool(os.environ.get("GRADER_REQUIRE_BROWSER") or os.environ.get("CI"))
pytestmark = pytest.mark.skipif(find_chromium() is None and not REQUIRED,
                                reason="Chromium is not installed (Debian: apt-get install chromium; .ci/run installs "
                                       "it in CI)")

ASSIGNMENT = load_assignment("two-layer")
SHEETS = ["solution", "dave_missing_derivative", "carol_sign_error", "grace_syntax_error", "notebook_syntax_error",
          "starter"]
STUDENT_BLUE = np.array([0x09, 0x69, 0xDA]) / 255


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    write_reports(results=list(graded().values()), assignment=ASSIGNMENT, out=out, formats=["html"])
    return out


@pytest.fixture(scope="module")
def browser():
    with Browser() as chromium:
        yield chromium


def page_of(browser: Browser, reports: Path, name: str, **options) -> Page:
    file = reports / ("index.html" if name == "index" else sheet_name(name))
    return browser.open(file_url(file), **options)


def pixels(page: Page, selector: str) -> np.ndarray:
    """The RGB pixels of the element's box, from a screenshot."""
    box = page.evaluate(f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
                        f" return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()")
    clip = {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}
    data = page.call("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})["data"]
    return image.imread(io.BytesIO(base64.b64decode(data)), format="png")[:, :, :3]


@pytest.mark.parametrize("name", [*SHEETS, "index"])
def test_page_renders_without_errors_or_network(browser, reports, name):
    page = page_of(browser, reports, name)
    assert page.errors == []
    assert page.external_requests == []
    assert page.evaluate("document.title") and page.evaluate("document.readyState") == "complete"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("name", ["solution", "dave_missing_derivative", "carol_sign_error"])
def test_loss_plot_is_visible(browser, reports, name):
    page = page_of(browser, reports, name)
    svg = page.evaluate("""(() => { const s = document.querySelector('figure.plot svg');
        const r = s.getBoundingClientRect();
        return {visible: s.checkVisibility({opacityProperty: true, visibilityProperty: true}), width: r.width,
                height: r.height, right: r.right,
                lines: [...s.querySelectorAll('polyline')].map(p => p.getTotalLength())};
        })()""")
    assert svg["visible"] and svg["width"] > 400 and svg["height"] > 150
    assert svg["right"] <= page.evaluate("innerWidth")
    assert len(svg["lines"]) == 2 and all(length > 100 for length in svg["lines"])
    drawn = pixels(page, "figure.plot svg")
    scale = drawn.shape[1] / plots.WIDTH  # the viewBox is scaled uniformly
    drawn = drawn[int(plots.TOP * scale):int((plots.HEIGHT - plots.BOTTOM) * scale),  # inside the axes: no labels
                  int(plots.LEFT * scale) + 2:int((plots.WIDTH - plots.RIGHT) * scale)]
    blue = np.all(np.abs(drawn - STUDENT_BLUE) < 0.08, axis=2)
    assert blue.sum() > 300, "the student's curve is not painted"
    grey_dashes = np.all(np.abs(drawn - np.array([0x6E, 0x77, 0x81]) / 255) < 0.08, axis=2)
    assert grey_dashes.sum() > 100, "the reference curve is not painted"


def test_sheet_of_an_ungradable_submission_highlights_the_line(browser, reports):
    page = page_of(browser, reports, "grace_syntax_error")
    assert page.evaluate("document.querySelector('svg')") is None
    current = page.evaluate("""(() => { const c = document.querySelector('.alert pre .current');
        return [c.textContent, getComputedStyle(c).backgroundColor, getComputedStyle(c).fontWeight,
                c.checkVisibility()]; })()""")
    assert current[0].strip().startswith("29") and current[1] != "rgba(0, 0, 0, 0)" and current[2] == "700"
    assert current[3]


@pytest.mark.parametrize("name", ["dave_missing_derivative", "grace_syntax_error", "index"])
def test_pages_fit_a_phone(browser, reports, name):
    page = page_of(browser, reports, name, width=360, height=740, mobile=True, scale=2)
    assert page.errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("getComputedStyle(document.querySelector('table.stack > thead')).position") == "absolute"
    if name == "dave_missing_derivative":
        width = page.evaluate("document.querySelector('figure.plot svg').getBoundingClientRect().width")
        assert 250 < width <= 360


def test_print_shows_tracebacks_but_not_the_captured_output(browser, reports):
    page = page_of(browser, reports, "starter", media="print")
    shown = page.evaluate("""[document.querySelector('details.print-open pre').checkVisibility(),
                               document.querySelector('details.output pre').checkVisibility()]""")
    assert shown == [True, False]
    on_screen = page_of(browser, reports, "starter")
    assert on_screen.evaluate("document.querySelector('details.print-open pre').checkVisibility()") is False
    pdf = base64.b64decode(page.call("Page.printToPDF", {"printBackground": True}, timeout=60)["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def _visible_students(page: Page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('#students tbody tr')].filter(r => !r.hidden)"
                         ".map(r => r.cells[0].textContent.trim())")


def test_index_filters_and_sorts_with_javascript(browser, reports):
    results = graded()
    page = page_of(browser, reports, "index")
    assert page.evaluate("document.getElementById('filters').hidden") is False
    assert len(_visible_students(page)) == len(results)
    page.evaluate("(() => { const f = document.getElementById('filter-status'); f.value = 'full';"
                  " f.dispatchEvent(new Event('change', {bubbles: true})); })()")
    assert _visible_students(page) == [s for s, r in results.items() if not r.error and r.score == r.max_score]
    assert page.evaluate("document.getElementById('filter-count').textContent") == f"Showing 1 of {len(results)}"
    page.evaluate("(() => { const f = document.getElementById('filter-status'); f.value = '';"
                  " const t = document.getElementById('filter-text'); t.value = 'NO-DESCENT';"
                  " t.dispatchEvent(new Event('input', {bubbles: true})); })()")
    assert sorted(_visible_students(page)) == sorted(s for s, r in results.items() if "no-descent" in r.diagnoses)
    page.evaluate("(() => { const t = document.getElementById('filter-text'); t.value = '';"
                  " t.dispatchEvent(new Event('input', {bubbles: true})); })()")
    page.evaluate("document.querySelectorAll('#students thead th')[2].querySelector('button').click()")
    assert page.evaluate("document.querySelectorAll('#students thead th')[2].getAttribute('aria-sort')") == "ascending"
    order = _visible_students(page)
    errors = sorted((s for s, r in results.items() if r.error), key=str.lower)
    assert order[:len(errors)] == errors  # could-not-be-graded stay pinned at the top
    scores = [results[s].score for s in order[len(errors):]]
    assert scores == sorted(scores)
    page.evaluate("document.querySelectorAll('#students thead th')[2].querySelector('button').click()")
    scores = [results[s].score for s in _visible_students(page)[len(errors):]]
    assert scores == sorted(scores, reverse=True)
    assert page.errors == []


def test_index_without_javascript_shows_the_whole_table(browser, reports):
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.call("Emulation.setScriptExecutionDisabled", {"value": True}, session=session)
    browser.call("Page.enable", session=session)
    browser.call("Page.navigate", {"url": file_url(reports / "index.html")}, session=session)
    browser.wait_for("Page.loadEventFired", session=session)
    page = Page(browser=browser, session=session)
    assert page.evaluate("document.getElementById('filters').checkVisibility()") is False
    assert page.evaluate("[...document.querySelectorAll('#students tbody tr')].every(r => r.checkVisibility())")
    assert page.evaluate("document.querySelector('#students thead button')") is None


def test_a_missing_browser_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserError, match="no Chromium found"):
        Browser()
