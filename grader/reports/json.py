"""``results.json``: the machine-readable truth, a JSON array of result objects."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

from grader.spec.assignment import Assignment
from grader.reports.base import ReportFormat, ReportOptions, write_atomic
from grader.results import SubmissionResult


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def to_json(result: SubmissionResult | Sequence[SubmissionResult], indent: int | None = 2) -> str:
    """One result object, or an array of them, as strict JSON."""
    data = result.to_dict() if isinstance(result, SubmissionResult) else [r.to_dict() for r in result]
    return json.dumps(_finite(data), indent=indent, allow_nan=False)


class JsonFormat(ReportFormat):
    name = "json"

    def write(self, *, results: Sequence[SubmissionResult], assignment: Assignment, out: Path,
              options: ReportOptions = ReportOptions()) -> list[Path]:
        return [write_atomic(out, "results.json", to_json(results) + "\n")]
