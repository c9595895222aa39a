"""The grader's own errors: one hierarchy under :class:`GraderError`.

Every error carries a message meant for the person at the terminal and the
exit code the command line uses. What a *submission* does wrong is never an
exception that escapes the API: it becomes part of the result (see
:mod:`grader.results`). :class:`SubmissionFailure` is the internal carrier for
that and is always caught by the grading code.
"""
from __future__ import annotations


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(GraderError):
    """The command was called wrongly (bad option, missing path...)."""

    exit_code = 2


class UnknownAssignmentError(UsageError):
    """No built-in assignment and no spec file by that name."""


class OutputExistsError(UsageError):
    """A file the command would write already exists (and ``--force`` was not given)."""


class StarterNotFoundError(UsageError):
    """The assignment has no starter notebook to hand out."""


class SelfCheckError(UsageError):
    """A self-check inside a notebook found nothing to grade (no saved file, no class in the namespace)."""


class SpecError(GraderError):
    """An assignment spec file is invalid."""

    exit_code = 2


class SubmissionNotFoundError(UsageError):
    """A path given on the command line does not exist or holds no submission."""


class InternalError(GraderError):
    """The grader itself failed (not the student's code)."""

    exit_code = 3


class ProtocolError(InternalError):
    """A message between the grader and a worker process was malformed."""


class SubmissionFailure(GraderError):
    """The student's code failed in a way that blocks a check or the whole load.

    ``kind`` is a tag of the result contract: ``syntax-error``, ``timeout``,
    ``crash``, ``exception``, ``missing-interface``, ``memory``, ``output-limit``.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        line: int | None = None,
        cell: int | None = None,
        file: str | None = None,
        traceback: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.line = line
        self.cell = cell
        self.file = file
        self.traceback = traceback
