"""backprop-grader: grades students' forward pass, backpropagation and gradient descent on XOR.

The public API is keyword-only: :func:`grade_submission`, :func:`grade_paths`
and :func:`load_assignment`; results are :class:`SubmissionResult` objects.
Students check their own notebook with ``from grader import check; check("two-layer")``.

The names are imported on first use, so that ``import grader`` stays cheap
(the pytest plugin is loaded by every pytest run where the grader is installed).
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Assignment": "grader.spec.assignment",
    "load_assignment": "grader.spec.assignment",
    "grade_paths": "grader.grading",
    "grade_submission": "grader.grading",
    "CheckResult": "grader.results",
    "Diagnosis": "grader.results",
    "LoadError": "grader.results",
    "SubmissionResult": "grader.results",
    "SelfCheck": "grader.platforms.selfcheck.check",
    "check": "grader.platforms.selfcheck.check",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from grader.spec.assignment import Assignment, load_assignment  # noqa: F401
    from grader.grading import grade_paths, grade_submission  # noqa: F401
    from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult  # noqa: F401
    from grader.platforms.selfcheck.check import SelfCheck, check  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
