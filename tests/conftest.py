"""Shared helpers: grading fixture submissions once per session; a pipe for the wire tests."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Iterator

import pytest

from grader import load_assignment
from grader.checks import Reference
from grader.grading import Session, grade_paths, grade_submission, run_check
from grader.results import CheckResult, SubmissionResult
from grader.sandbox.worker import Limits
from grader.sandbox.submission import from_path

ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "files"
FAST = Limits(load_timeout=8.0, request_timeout=8.0)


def grade_file(path: Path, assignment: str = "two-layer", *, limits: Limits = FAST) -> SubmissionResult:
    """Grade one submission file or folder."""
    return grade_submission(submission=from_path(path), assignment=load_assignment(assignment), limits=limits)


@pytest.fixture(scope="session")
def two_layer_fixtures() -> dict[str, SubmissionResult]:
    """Every submission under tests/files/two_layer, graded once, keyed by file name."""
    results = grade_paths(paths=[FILES / "two_layer"], assignment=load_assignment("two-layer"), workers=2,
                          limits=FAST)
    return {Path(r.submission).name: r for r in results}


# Assignment -> its folder of student-like fixtures under tests/files.
ASSIGNMENT_DIRS = MappingProxyType({"two-layer": "two_layer", "three-layer": "three_layer",
                                   "two-layer-bce": "two_layer_bce", "deep-relu-softmax": "deep_relu_softmax"})
# Extra grading seeds for the no-false-alarm sweep (seed 0 is the main run).
EXTRA_SEEDS = (1, 2, 3)


def grade_folder(assignment: str) -> dict[str, SubmissionResult]:
    """Grade every fixture of ``assignment`` (tests/files/<its folder>), keyed by file name."""
    results = grade_paths(paths=[FILES / ASSIGNMENT_DIRS[assignment]], assignment=load_assignment(assignment),
                          workers=2, limits=FAST)
    return {Path(r.submission).name: r for r in results}


@pytest.fixture(scope="session")
def three_layer_fixtures() -> dict[str, SubmissionResult]:
    """Every submission under tests/files/three_layer, graded once."""
    return grade_folder("three-layer")


@pytest.fixture(scope="session")
def two_layer_bce_fixtures() -> dict[str, SubmissionResult]:
    """Every submission under tests/files/two_layer_bce, graded once."""
    return grade_folder("two-layer-bce")


@pytest.fixture(scope="session")
def deep_relu_softmax_fixtures() -> dict[str, SubmissionResult]:
    """Every submission under tests/files/deep_relu_softmax, graded once."""
    return grade_folder("deep-relu-softmax")


@pytest.fixture(scope="session")
def example_results() -> dict[str, SubmissionResult]:
    """The example submissions (alice..grace) graded as two-layer, keyed by file name."""
    results = grade_paths(paths=[ROOT / "submissions" / "examples"], assignment=load_assignment("two-layer"),
                          workers=2, limits=FAST)
    return {Path(r.submission).name: r for r in results}


def checks_at_seeds(path: Path, assignment: str, seeds: tuple[int, ...]) -> dict[int, tuple[CheckResult, ...]]:
    """Every check but descent (whose training run has its own seed) of one submission, at each grading seed.

    One worker session serves all the seeds: the checks are the grader's own (``run_check``), each with the
    probes of ``Reference(assignment, seed)``, as ``grade_submission(seed=...)`` would run them.
    """
    spec = load_assignment(assignment)
    session = Session(from_path(path), spec, FAST)
    try:
        session.open()
        return {seed: tuple(run_check(check, points, session, Reference(spec, seed))
                            for check, points in spec.points.items() if check != "descent") for seed in seeds}
    finally:
        session.close()


@pytest.fixture(scope="session")
def reseeded_fixtures() -> dict[tuple[str, str], dict[int, tuple[CheckResult, ...]]]:
    """The checks of every passing and failing fixture of every assignment at EXTRA_SEEDS, keyed (assignment, file)."""
    jobs = [(assignment, path) for assignment, folder in ASSIGNMENT_DIRS.items()
            for path in sorted((FILES / folder).iterdir()) if path.name.startswith(("passes", "fails"))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda job: checks_at_seeds(job[1], job[0], EXTRA_SEEDS), jobs)
        return {(assignment, path.name): checks for (assignment, path), checks in zip(jobs, found)}


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    """(read end, write end) of a fresh pipe, closed afterwards."""
    r, w = os.pipe()
    yield r, w
    for fd in (r, w):
        try:
            os.close(fd)
        except OSError:
            pass
