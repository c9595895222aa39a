"""pytest plugin: each check of the grader as a test item, so any platform that runs pytest grades the lab.

``pytest --grader-assignment two-layer --grader-submission lab.ipynb`` adds
one item per check (``lab.ipynb::gradients``) whose failure message is the
diagnosis and hint. The same settings can live in the pytest configuration
(``grader_assignment`` and ``grader_submission`` in ``pytest.ini`` or
``[tool.pytest.ini_options]``), so a bare ``pytest`` grades with no extra glue.
Without them the plugin does nothing. The submission is graded once, in a
worker process, when the first item runs.

Registered through the ``pytest11`` entry point ``grader``; this module
imports the grader only when it is asked to grade.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:
    from grader.spec.assignment import Assignment
    from grader.results import SubmissionResult
    from grader.sandbox.worker import Limits


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "backprop-grader: grade a submission, one test per check")
    group.addoption("--grader-assignment", metavar="NAME", default=None,
                    help="built-in assignment name or spec file path (ini: grader_assignment)")
    group.addoption("--grader-submission", metavar="PATH", default=None,
                    help="the .ipynb/.py file or student folder to grade (ini: grader_submission)")
    group.addoption("--grader-timeout", metavar="SECONDS", type=float, default=60.0,
                    help="seconds allowed to load the submission [default: 60]")
    group.addoption("--grader-seed", metavar="N", type=int, default=0,
                    help="seed of the grader's random inputs [default: 0]")
    parser.addini("grader_assignment", "assignment the grader plugin grades against", default="")
    parser.addini("grader_submission", "submission the grader plugin grades (relative to the ini file)", default="")


def _setting(config: pytest.Config, name: str) -> tuple[str, Path]:
    """The option's value and the folder a relative path in it is relative to."""
    value = config.getoption(f"--grader-{name}")
    if value:
        return str(value), Path(config.invocation_params.dir)
    base = config.inipath.parent if config.inipath else config.rootpath
    return str(config.getini(f"grader_{name}") or ""), base


def pytest_configure(config: pytest.Config) -> None:
    assignment, spec_base = _setting(config, "assignment")
    submission, base = _setting(config, "submission")
    if not assignment and not submission:
        return
    if not (assignment and submission):
        raise pytest.UsageError("the grader plugin needs both --grader-assignment and --grader-submission")
    from grader.spec.assignment import load_assignment
    from grader.errors import GraderError
    from grader.sandbox.worker import Limits

    path = Path(submission) if Path(submission).is_absolute() else base / submission
    if not path.exists():
        raise pytest.UsageError(f"grader: no such submission: {path}")
    timeout = config.getoption("--grader-timeout")
    if timeout <= 0:
        raise pytest.UsageError("--grader-timeout must be a positive number of seconds")
    spec_path = spec_base / assignment
    try:
        spec = load_assignment(spec_path if spec_path.is_file() else assignment)
    except GraderError as exc:
        raise pytest.UsageError(f"grader: {exc.message}") from None
    config.pluginmanager.register(
        GraderSession(assignment=spec, submission=path, limits=Limits(load_timeout=timeout),
                      seed=config.getoption("--grader-seed")), "grader-session")


class GraderSession:
    """The submission to grade, graded once on first use; adds the items and the points summary."""

    def __init__(self, *, assignment: Assignment, submission: Path, limits: Limits, seed: int) -> None:
        self.assignment = assignment
        self.submission = submission
        self.limits = limits
        self.seed = seed
        self.graded = False

    @cached_property
    def result(self) -> SubmissionResult:
        from grader.grading import grade_submission
        from grader.sandbox.submission import from_path

        self.graded = True
        return grade_submission(submission=from_path(self.submission), assignment=self.assignment,
                                limits=self.limits, seed=self.seed)

    def pytest_report_header(self) -> str:
        return f"grader: assignment {self.assignment.name}, submission {self.submission}"

    @pytest.hookimpl(tryfirst=True)  # before -k / -m deselect, so they apply to the checks too
    def pytest_collection_modifyitems(self, session: pytest.Session, items: list[pytest.Item]) -> None:
        collector = SubmissionFile.from_parent(session, path=self.submission, grading=self)
        checks = list(collector.collect())
        # reported like any collected file, so "collected N items" counts the checks
        session.ihook.pytest_collectreport(report=pytest.CollectReport(collector.nodeid, "passed", None, checks))
        items.extend(checks)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.graded:
            return
        r = self.result
        terminalreporter.write_sep("-", f"grader: {r.score:g}/{r.max_score:g} points for {self.submission.name} "
                                        f"({r.assignment})", bold=True, green=r.score >= r.max_score,
                                   red=r.score < r.max_score)


class SubmissionFile(pytest.File):
    """The graded submission as a collector of one item per check."""

    def __init__(self, *, grading: GraderSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grading = grading

    def collect(self) -> Iterator[CheckItem]:  # type: ignore[override]
        for check_id, points in self.grading.assignment.points.items():
            yield CheckItem.from_parent(self, name=check_id, max_points=points)


class CheckFailed(Exception):
    """A check lost points; the message is the diagnosis."""


class CheckItem(pytest.Item):
    """One check of the grader: passes when it earns all its points."""

    def __init__(self, *, max_points: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_points = max_points

    def runtest(self) -> None:
        from grader.reports.text import check_feedback, error_feedback

        grading: GraderSession = self.parent.grading  # type: ignore[union-attr]
        result = grading.result
        check = result.check(self.name)
        self.user_properties += [("points", check.points), ("max_points", check.max_points)]
        if result.error:
            raise CheckFailed(f"0/{check.max_points:g} points: {error_feedback(result)}")
        if not check.passed:
            feedback = check_feedback(check, level=grading.assignment.policy.feedback)
            raise CheckFailed(f"{check.points:g}/{check.max_points:g} points: {feedback}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.name} ({self.max_points:g} points)"


# -- graded checks as plain test functions (for runners that only accept test_* functions in .py files) -------

# One grading per pytest process, shared by its tests (with the spec it was graded against).
_GRADED: dict[tuple[str, str], tuple[Assignment, SubmissionResult]] = {}
_SHOWN: set[tuple[str, str, str]] = set()  # feedback already printed (a check worth 3 points is 3 tests)


def graded_check(*, assignment: str, submission: str, check: str, test_file: str) -> None:
    """Fail (AssertionError with the diagnosis and hint) unless ``check`` earned all its points.

    ``assignment`` is a built-in name or a spec path, ``submission`` a path; relative ones are relative
    to the folder of ``test_file`` (the generated test module's ``__file__``). The submission is graded
    once per process, in a worker, by the first test that asks.
    """
    from grader.grading import grade_submission
    from grader.reports.text import check_feedback, error_feedback
    from grader.sandbox.submission import from_path
    from grader.spec.assignment import load_assignment

    base = Path(test_file).resolve().parent
    spec_path = base / assignment
    path = Path(submission) if Path(submission).is_absolute() else base / submission
    key = (str(spec_path if spec_path.is_file() else assignment), str(path))
    if key not in _GRADED:
        spec = load_assignment(key[0])
        if not path.exists():
            raise AssertionError(f"no submission at {path}: hand in {submission}")
        _GRADED[key] = spec, grade_submission(submission=from_path(path), assignment=spec)
    spec, result = _GRADED[key]
    level = spec.policy.feedback
    if result.error:
        message = error_feedback(result)
    else:
        outcome = result.check(check)
        if outcome.passed:
            return
        message = f"{check}: {check_feedback(outcome, level=level)}"
    shown = (*key, "error" if result.error else check)
    if shown not in _SHOWN:  # printed once: runners that keep only a test's name still show it in the log
        _SHOWN.add(shown)
        print(f"\n{message}\n", flush=True)
    raise AssertionError(message)
