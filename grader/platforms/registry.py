"""Every output by name: the batch reports of ``grader grade`` and the one-result formats of ``grader check``.

The class reports (``json``, ``csv``, ``html``) and the terminal/JSON renderings of one result live in
:mod:`grader.reports`; the LMS gradebooks (``canvas``, ``moodle``) and the platforms' one-result formats
(``classroom``, ``gradescope``) live with their platform. This is the one place that lists them all.
"""
from __future__ import annotations

from types import MappingProxyType

from grader.platforms.classroom.output import ClassroomFormat
from grader.platforms.gradescope.output import GradescopeFormat
from grader.platforms.lms.gradebooks import CanvasFormat, MoodleFormat
from grader.reports.base import ReportFormat
from grader.reports.csv import CsvFormat
from grader.reports.html import HtmlFormat
from grader.reports.json import JsonFormat
from grader.reports.single import JsonResultFormat, ResultFormat, TextFormat

FORMATS: MappingProxyType[str, ReportFormat] = MappingProxyType(
    {fmt.name: fmt for fmt in (JsonFormat(), CsvFormat(), HtmlFormat(), CanvasFormat(), MoodleFormat())}
)
DEFAULT_FORMATS = ("json", "csv", "html")
LMS_FORMATS = ("canvas", "moodle")

RESULT_FORMATS: MappingProxyType[str, ResultFormat] = MappingProxyType(
    {fmt.name: fmt for fmt in (TextFormat(), JsonResultFormat(), ClassroomFormat(), GradescopeFormat())}
)

__all__ = ["DEFAULT_FORMATS", "FORMATS", "LMS_FORMATS", "RESULT_FORMATS"]
