"""The README's screenshots (grader/reports/screenshots.py), made by the project's own code from graded examples."""
from __future__ import annotations

import os
import shutil

import pytest
from matplotlib import image

from conftest import ROOT
from grader.reports.browser import find_chromium
from grader.reports.screenshots import main, take_screenshots
from report_examples import EXAMPLES

REQUIRED = bool(os.environ.get("GRADER_REQUIRE_BROWSER") or os.environ.get("CI"))
needs_chromium = pytest.mark.skipif(find_chromium() is None and not REQUIRED,
                                    reason="Chromium is not installed (Debian: apt-get install chromium)")


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("examples")
    shutil.copyfile(EXAMPLES / "carol_sign_error.py", folder / "carol_sign_error.py")
    shutil.copyfile(EXAMPLES / "grace_syntax_error.py", folder / "grace_syntax_error.py")
    return folder


@needs_chromium
def test_screenshots_of_a_mark_sheet_and_the_class_summary(examples, tmp_path):
    written = take_screenshots(examples=examples, assignment="two-layer", student="carol_sign_error",
                               out=tmp_path / "images", width=800)
    assert [p.name for p in written] == ["mark-sheet.png", "class-summary.png"]
    for path in written:
        assert path.read_bytes().startswith(b"\x89PNG")
        height, width, _ = image.imread(path).shape
        assert width == 800 and height > 900  # the whole page, not just the window


@needs_chromium
def test_an_unknown_student_is_reported(examples, tmp_path, capsys):
    assert main(["--examples", str(examples), "--student", "nobody", "--out", str(tmp_path)]) == 1
    assert "no submission of 'nobody'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_the_readme_shows_the_committed_screenshots():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("mark-sheet.png", "class-summary.png"):
        assert f"](docs/images/{name})" in readme
        assert (ROOT / "docs" / "images" / name).read_bytes().startswith(b"\x89PNG")
    assert "python -m grader.reports.screenshots" in readme
