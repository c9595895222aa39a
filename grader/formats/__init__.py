"""Report outputs: a small base class and a registry of formats by name.

``json``, ``csv`` and ``html`` are written by default; ``canvas`` and
``moodle`` (gradebook imports, see :mod:`grader.formats.lms`) on request.
"""
from __future__ import annotations

from types import MappingProxyType

from grader.formats.base import ReportFormat, ReportOptions
from grader.formats.csv import CsvFormat
from grader.formats.html import HtmlFormat
from grader.formats.json import JsonFormat
from grader.formats.lms import CanvasFormat, MoodleFormat

FORMATS: MappingProxyType[str, ReportFormat] = MappingProxyType(
    {fmt.name: fmt for fmt in (JsonFormat(), CsvFormat(), HtmlFormat(), CanvasFormat(), MoodleFormat())}
)
DEFAULT_FORMATS = ("json", "csv", "html")
LMS_FORMATS = ("canvas", "moodle")

__all__ = ["DEFAULT_FORMATS", "FORMATS", "LMS_FORMATS", "ReportFormat", "ReportOptions"]
