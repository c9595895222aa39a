"""Per-result outputs of ``grader check``: a small base class and a registry of formats by name.

These render *one* graded submission (for a student, or for a platform that
grades one submission at a time); the batch reports of ``grader grade`` are
the :mod:`grader.formats` registry.
"""
from __future__ import annotations

from types import MappingProxyType

from grader.outputs.base import ResultFormat
from grader.outputs.classroom import ClassroomFormat
from grader.outputs.gradescope import GradescopeFormat
from grader.outputs.json import JsonFormat
from grader.outputs.text import TextFormat

RESULT_FORMATS: MappingProxyType[str, ResultFormat] = MappingProxyType(
    {fmt.name: fmt for fmt in (TextFormat(), JsonFormat(), ClassroomFormat(), GradescopeFormat())}
)

__all__ = ["RESULT_FORMATS", "ResultFormat"]
