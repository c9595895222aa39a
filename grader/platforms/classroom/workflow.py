"""``grader classroom init``: the GitHub Actions workflow of an assignment repository.

The workflow installs the grader (by default from a wheel committed next to
the workflow: the package is not on PyPI), grades the student's file with
``--format text --classroom-output`` (step id :data:`STEP_ID`): the step's log
is the readable report, and its outputs hold one reporter document per check.
GitHub Classroom's reporter action reads them as one runner per check, so each
runner's line shows that check's own points, and reports the total to Classroom.
"""
from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

from grader.errors import OutputExistsError, UsageError

STEP_ID = "backprop"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
PYTHON_GRADER = "classroom-resources/autograding-python-grader@v1"
RUNNERS = ("grader", "python")
WORKFLOW_PATH = Path(".github") / "workflows" / "classroom.yml"


@dataclass(frozen=True)
class Workflow:
    """What the generated workflow grades and how it installs the grader."""

    assignment: str
    submission: str
    install: str
    checks: tuple[str, ...] = ()
    runner: str = "grader"  # "python": GitHub Classroom's Python grader runs the generated pytest module
    total: float = 0.0
    python: str = "3.11"
    timeout_minutes: int = 10

    def __post_init__(self) -> None:
        for label, value in (("assignment", self.assignment), ("submission", self.submission),
                             ("install", self.install)):
            if not value.strip() or "\n" in value or "\r" in value:
                raise UsageError(f"the workflow's {label} must be one non-empty line, not {value!r}")
        if not self.checks or not all(c.isidentifier() for c in self.checks):
            raise UsageError(f"the workflow needs the assignment's check ids as runner ids (got {self.checks!r})")
        if self.runner not in RUNNERS:
            raise UsageError(f"the runner must be one of {', '.join(RUNNERS)}")
        if self.runner == "python" and (self.total <= 0 or not float(self.total).is_integer()):
            raise UsageError(f"GitHub Classroom's Python grader takes a whole max-score; the assignment's total is "
                             f"{self.total:g}: set [grading] points_possible or use the grader's own runner")

    def grade_command(self) -> str:
        """The grading command of the workflow (one shell line)."""
        return (f"grader check {shlex.quote(self.submission)} --assignment {shlex.quote(self.assignment)} "
                "--format text --classroom-output")

    def yaml(self) -> str:
        """The workflow file's text."""
        values = dict(assignment=self.assignment, submission=self.submission, python=self.python, step=STEP_ID,
                      reporter=REPORTER, minutes=self.timeout_minutes, install=shlex.quote(self.install))
        if self.runner == "python":
            outputs, runners = {STEP_ID: "result"}, STEP_ID
            head, grade = _PYTHON_COMMENT, _PYTHON_STEP.format(
                grader=PYTHON_GRADER, total=int(self.total),
                step_name=json.dumps(f"Grade {self.submission} (pytest, one test per point)"),
                setup=json.dumps(f"python -m pip install --quiet --disable-pip-version-check {values['install']}"),
                **values)
        else:
            outputs, runners = {c: c for c in self.checks}, ",".join(self.checks)
            head, grade = _COMMENT, _GRADER_STEPS.format(grade=self.grade_command(),
                                                         step_name=json.dumps(f"Grade {self.submission}"), **values)
        env = "".join(f'\n          {runner.upper()}_RESULTS: "${{{{ steps.{STEP_ID}.outputs.{output} }}}}"'
                      for runner, output in outputs.items())
        return (head.format(**values) + _JOB.format(**values) + grade
                + _REPORT.format(env=env, runners=runners, **values))


_COMMENT = """\
# GitHub Classroom autograding for the backpropagation lab ({assignment}), written by `grader classroom init`.
# On every push it grades {submission} and reports the points to GitHub Classroom.
"""

_PYTHON_COMMENT = """\
# GitHub Classroom autograding for the backpropagation lab ({assignment}), written by
# `grader classroom init --runner python`: GitHub Classroom's Python grader runs backprop_test.py (one test per
# point of each check, so its equal shares add up to the check weights) and the reporter sends the points.
"""

_JOB = """\
name: Autograding Tests
"on":
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: {minutes}
    steps:
      - name: Check out the submission
        uses: actions/checkout@v4
"""

_GRADER_STEPS = """\
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "{python}"
      - name: Install the grader
        run: |
          python -m pip install --quiet --disable-pip-version-check {install}
      - name: {step_name}
        id: {step}
        run: |
          {grade}
"""

_PYTHON_STEP = """\
      - name: {step_name}
        id: {step}
        uses: {grader}
        with:
          timeout: {minutes}
          max-score: {total}
          setup-command: {setup}
"""

_REPORT = """\
      - name: Report the points to GitHub Classroom
        if: ${{{{ !cancelled() && steps.{step}.outputs.result != '' }}}}
        uses: {reporter}
        env:{env}
        with:
          runners: {runners}
"""


def write_workflow(*, workflow: Workflow, out: Path = WORKFLOW_PATH, force: bool = False) -> Path:
    """Write ``workflow`` to ``out`` (refuses to overwrite unless ``force``); returns the path."""
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(workflow.yaml(), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return out
