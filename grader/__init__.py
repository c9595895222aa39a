"""backprop-grader: grades students' forward pass, backpropagation and gradient descent on XOR.

The public API is keyword-only: :func:`grade_submission`, :func:`grade_paths`
and :func:`load_assignment`; results are :class:`SubmissionResult` objects.
"""
from __future__ import annotations

__version__ = "0.1.0"

from grader.assignment import Assignment, load_assignment  # noqa: E402
from grader.grading import grade_paths, grade_submission  # noqa: E402
from grader.results import CheckResult, Diagnosis, LoadError, SubmissionResult  # noqa: E402

__all__ = [
    "Assignment",
    "CheckResult",
    "Diagnosis",
    "LoadError",
    "SubmissionResult",
    "__version__",
    "grade_paths",
    "grade_submission",
    "load_assignment",
]
