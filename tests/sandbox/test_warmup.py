"""matplotlib's font list built once in the grader's cache folder and copied into each worker's own
config folder (grader/sandbox/warmup.py): workers start with it, and one that rewrites its copy changes
nothing for the next."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import FAST, FILES
from grader import load_assignment
from grader.grading import grade_submission
from grader.sandbox.submission import from_path
from grader.sandbox.warmup import font_cache, prepare_mplconfig

REWRITES = FILES / "warmup" / "passes_rewrites_its_font_list.py"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the grader's own for this test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "backprop-grader"


def lists(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.glob("fontlist-*.json")}


def test_the_font_list_is_built_once_in_the_grader_s_cache(cache: Path):
    folder = font_cache()
    assert folder is not None and folder.parent == cache
    built = lists(folder)
    assert list(built) and all(name.startswith("fontlist-v") for name in built)
    stamp = {p.name: p.stat().st_mtime_ns for p in folder.glob("fontlist-*.json")}
    assert font_cache() == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("fontlist-*.json")} == stamp  # not built again
    assert [p.name for p in cache.iterdir()] == [folder.name]  # no half-built folder left


def test_copies_never_replace_a_file_of_the_student_s(cache: Path, tmp_path: Path):
    mine = tmp_path / "work"
    mine.mkdir()
    name = next(iter(lists(font_cache())))
    (mine / name).write_text("the student's own file")
    assert prepare_mplconfig(mine) == []
    assert (mine / name).read_text() == "the student's own file"
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert [p.name for p in prepare_mplconfig(fresh)] == [name]


def test_no_list_when_it_cannot_be_built(cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the build fails: workers build their own, as before
    assert font_cache() is None
    assert not cache.exists() or not any(cache.iterdir())


def test_a_worker_starts_with_the_list_and_its_changes_stay_in_its_copy(cache: Path):
    spec = load_assignment("two-layer")
    original = lists(font_cache())
    for attempt in ("first", "second"):  # the second worker must get the intact list, not the rewritten one
        result = grade_submission(submission=from_path(REWRITES), assignment=spec, limits=FAST)
        assert (attempt, result.status, result.score) == (attempt, "ok", result.max_score)
        assert "font lists before matplotlib: ['fontlist-v" in result.output
        assert "rebuilt by matplotlib: False" in result.output
        assert lists(font_cache()) == original
