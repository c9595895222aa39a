"""Every output by name: the batch reports of ``grader grade`` and the one-result formats of ``grader check``.

The class reports (``json``, ``csv``, ``html``) and the terminal/JSON renderings of one result live in
:mod:`grader.reports`; the LMS gradebooks (``canvas``, ``moodle``) and the platforms' one-result formats
(``classroom``, ``gradescope``) live with their platform. This is the one place that lists them all.

The names are known without importing anything, so that the command line can offer them as choices;
a registry imports its formats' modules the first time one is looked up (``grader check`` never loads
the HTML reports and their templates).
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, TypeVar

if TYPE_CHECKING:
    from grader.reports.base import ReportFormat
    from grader.reports.single import ResultFormat

T = TypeVar("T")


class LazyRegistry(Mapping[str, T]):
    """A read-only mapping name -> format whose ``load`` (returning every format) runs on first lookup."""

    def __init__(self, names: tuple[str, ...], load: Callable[[], tuple[T, ...]]) -> None:
        self._names = names
        self._load = load

    def _formats(self) -> Mapping[str, T]:
        formats = {fmt.name: fmt for fmt in self._load()}  # type: ignore[attr-defined]
        if tuple(formats) != self._names:
            raise RuntimeError(f"the registry names {self._names} but loads {tuple(formats)}")
        return formats

    def __getitem__(self, name: str) -> T:
        if name not in self._names:
            raise KeyError(name)
        return self._formats()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"LazyRegistry({list(self._names)})"


@cache
def _report_formats() -> tuple[ReportFormat, ...]:
    from grader.platforms.lms.gradebooks import CanvasFormat, MoodleFormat
    from grader.reports.csv import CsvFormat
    from grader.reports.html import HtmlFormat
    from grader.reports.json import JsonFormat

    return JsonFormat(), CsvFormat(), HtmlFormat(), CanvasFormat(), MoodleFormat()


@cache
def _result_formats() -> tuple[ResultFormat, ...]:
    from grader.platforms.classroom.output import ClassroomFormat
    from grader.platforms.gradescope.output import GradescopeFormat
    from grader.reports.single import JsonResultFormat, TextFormat

    return TextFormat(), JsonResultFormat(), ClassroomFormat(), GradescopeFormat()


FORMATS: Mapping[str, ReportFormat] = LazyRegistry(("json", "csv", "html", "canvas", "moodle"), _report_formats)
DEFAULT_FORMATS = ("json", "csv", "html")
LMS_FORMATS = ("canvas", "moodle")

RESULT_FORMATS: Mapping[str, ResultFormat] = LazyRegistry(("text", "json", "classroom", "gradescope"),
                                                         _result_formats)

__all__ = ["DEFAULT_FORMATS", "FORMATS", "LMS_FORMATS", "RESULT_FORMATS", "LazyRegistry"]
