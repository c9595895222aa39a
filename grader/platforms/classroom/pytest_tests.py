"""The checks as a pytest test module, for GitHub Classroom's Python grader
(``classroom-resources/autograding-python-grader``).

That runner collects only ``*_test.py`` files, orders the items by the line of
their ``def test_...`` in the file (it parses the file with ``ast``), shows each
test's source as ``test_code``, and gives every passed test an equal share of
the step's ``max-score``. So the module holds one plain test function per point
unit of each check (a 3-point check is three tests): with ``max-score`` set to
the assignment's total, each check earns exactly its weight. Every function
calls :func:`grader.platforms.pytest_plugin.graded_check`, which grades the
submission once per run.
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Mapping

from grader.errors import OutputExistsError, UsageError

TEST_FILE = "backprop_test.py"
MAX_TESTS = 200


def point_unit(points: Mapping[str, float]) -> Fraction:
    """The largest amount every check's points are a whole number of (1 for 1, 2, 3 points; 0.5 for 0.5, 1)."""
    unit = Fraction(0)
    for value in points.values():
        unit = _gcd(unit, Fraction(value).limit_denominator(1000))
    return unit


def _gcd(a: Fraction, b: Fraction) -> Fraction:
    if a == 0:
        return b
    return Fraction(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator), a.denominator * b.denominator)


def point_tests(points: Mapping[str, float]) -> list[tuple[str, str]]:
    """``(function name, check id)`` for every test, in the checks' order."""
    unit = point_unit(points)
    names = []
    for check, value in points.items():
        count = int(Fraction(value).limit_denominator(1000) / unit)
        names += [(f"test_{check}" if count == 1 else f"test_{check}_{i}", check) for i in range(1, count + 1)]
    if len(names) > MAX_TESTS:
        raise UsageError(f"the points ({dict(points)}) need {len(names)} tests of one share each: use points "
                         "with a larger common unit, or the grader's own runner")
    return names


def module_text(*, assignment: str, submission: str, points: Mapping[str, float]) -> str:
    """The test module's source."""
    total = sum(points.values())
    lines = [
        '"""The backpropagation lab\'s checks as pytest tests, written by `grader classroom init --runner python`.',
        "",
        f"One test per {point_unit(points)} point(s) of each check: with the runner's max-score set to {total:g},",
        "every check earns its own weight. Regenerate rather than edit.",
        '"""',
        "from grader.platforms.pytest_plugin import graded_check",
        "",
        f"ASSIGNMENT = {assignment!r}",
        f"SUBMISSION = {submission!r}",
    ]
    for name, check in point_tests(points):
        lines += ["", "", f"def {name}():",
                  f"    graded_check(assignment=ASSIGNMENT, submission=SUBMISSION, check={check!r}, test_file=__file__)"]
    return "\n".join(lines) + "\n"


def write_test_module(*, assignment: str, submission: str, points: Mapping[str, float], out: Path,
                      force: bool = False) -> Path:
    """Write :func:`module_text` to ``out`` (refuses to overwrite unless ``force``)."""
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(module_text(assignment=assignment, submission=submission, points=points), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return out
