"""Report outputs: a small base class and a registry of formats by name."""
from __future__ import annotations

from types import MappingProxyType

from grader.formats.base import ReportFormat
from grader.formats.csv import CsvFormat
from grader.formats.html import HtmlFormat
from grader.formats.json import JsonFormat

FORMATS: MappingProxyType[str, ReportFormat] = MappingProxyType(
    {fmt.name: fmt for fmt in (JsonFormat(), CsvFormat(), HtmlFormat())}
)
DEFAULT_FORMATS = ("json", "csv", "html")

__all__ = ["DEFAULT_FORMATS", "FORMATS", "ReportFormat"]
