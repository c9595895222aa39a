"""``--format json``: the result object of the contract (``docs/results.md``)."""
from __future__ import annotations

from grader.formats.json import to_json
from grader.outputs.base import ResultFormat
from grader.results import SubmissionResult


class JsonFormat(ResultFormat):
    name = "json"
    help = "the result object of docs/results.md"

    def render(self, result: SubmissionResult, *, color: bool = False) -> str:
        return to_json(result)
