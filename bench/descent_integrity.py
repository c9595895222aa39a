"""Cost of the descent check's integrity checks: the same submissions graded with and without them.

    python bench/descent_integrity.py [--rounds 3]

Grades the correct and buggy fixtures of every built-in assignment (one submission at a time, the descent
check only after the checks it depends on), alternately with the integrity checks (XOR presented as its
rows repeated and shuffled, checked steps, replays) and without them (XOR's four rows, one part per
checkpoint), and prints each run's time per submission and the ratio with / without, from the same run,
with the CPU time of the grader's own process (where the checked steps and the replays run; the students'
code runs in workers).

Then the replays alone: the audits of the solved runs (as they stand when the run ends) are settled again
and again, alternately with the stretches of each run replayed together (as graded) and one stretch at a
time, and the time of :meth:`Audit.settle` per solved run is printed, the ratio of the two last.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import load_assignment  # noqa: E402
from grader.checks import descent, integrity  # noqa: E402
from grader.grading import grade_submission  # noqa: E402
from grader.sandbox.submission import from_path  # noqa: E402

FIXTURES = {"two-layer": "two_layer", "three-layer": "three_layer", "two-layer-bce": "two_layer_bce",
            "deep-relu-softmax": "deep_relu_softmax"}


@contextmanager
def without_integrity() -> Iterator[None]:
    """The descent run as it was before the integrity checks: the four rows, no checked step, no replay."""
    saved = (descent.presented_xor, descent.checked_epochs, integrity.Audit.replay)
    descent.presented_xor = lambda X, Y, *, rng, repeats=1: (X, Y)
    descent.checked_epochs = lambda *, rng, epochs: frozenset()
    integrity.Audit.replay = lambda self, **kwargs: None
    try:
        yield
    finally:
        descent.presented_xor, descent.checked_epochs, integrity.Audit.replay = saved


@contextmanager
def audits_settled(into: list[integrity.Audit]) -> Iterator[None]:
    """Every audit about to be settled, copied into ``into`` as it stands then (the stretches still noted)."""
    settle = integrity.Audit.settle

    def noting(self: integrity.Audit) -> None:
        into.append(copy.deepcopy(self))
        settle(self)

    integrity.Audit.settle = noting
    try:
        yield
    finally:
        integrity.Audit.settle = settle


@contextmanager
def one_stretch_at_a_time() -> Iterator[None]:
    """The replays as a loop over the stretches, each replayed on its own."""
    together = integrity.check_replays

    def each(*, stretches: list[Any], **options: Any) -> list[Any]:
        return [together(stretches=[stretch], **options)[0] for stretch in stretches]

    integrity.check_replays = each
    try:
        yield
    finally:
        integrity.check_replays = together


def settle_all(audits: list[integrity.Audit]) -> tuple[float, list[str]]:
    """Seconds per audit to settle fresh copies of ``audits``, and the verdicts (the copying not timed)."""
    fresh = copy.deepcopy(audits)
    started = time.perf_counter()
    for audit in fresh:
        audit.settle()
    return (time.perf_counter() - started) / len(fresh), [audit.failure for audit in fresh]


def grade_all(files: list[tuple[Path, str]]) -> tuple[float, float]:
    """Seconds per submission: wall time, and CPU time of this (the grader's) process."""
    started, cpu = time.perf_counter(), time.process_time()
    for path, assignment in files:
        grade_submission(submission=from_path(path), assignment=load_assignment(assignment))
    return (time.perf_counter() - started) / len(files), (time.process_time() - cpu) / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = [(p, a) for a, folder in FIXTURES.items()
             for p in sorted((ROOT / "tests" / "files" / folder).glob("*.py"))
             if p.name.startswith(("passes_", "fails_"))]
    grade_all(files[:2])  # warm the imports
    with_times, without_times = [], []
    audits: list[integrity.Audit] = []
    for index in range(args.rounds):
        with audits_settled(audits if index == 0 else []):
            with_times.append(grade_all(files))
        with without_integrity():
            without_times.append(grade_all(files))
    w, wo = (statistics.median(t for t, _ in with_times), statistics.median(t for t, _ in without_times))
    cw, cwo = (statistics.median(c for _, c in with_times), statistics.median(c for _, c in without_times))
    print(f"{len(files)} submissions, {args.rounds} rounds each way, one at a time")
    print(f"with integrity checks:    {w * 1000:.0f} ms per submission, {cw * 1000:.1f} ms CPU in the grader's "
          "process (medians of rounds)")
    print(f"without integrity checks: {wo * 1000:.0f} ms per submission, {cwo * 1000:.1f} ms CPU in the grader's "
          "process (medians of rounds)")
    print(f"ratio with / without: {w / wo:.3f}")
    solved = [audit for audit in audits if audit.stretches and audit.model.known and audit.steps]
    together, alone = [], []
    for _ in range(max(args.rounds, 5)):
        seconds, verdicts = settle_all(solved)
        together.append(seconds)
        with one_stretch_at_a_time():
            seconds, same = settle_all(solved)
            alone.append(seconds)
        if verdicts != same:
            raise SystemExit("the replays together and one at a time disagree on a verdict")
    t, a = statistics.median(together), statistics.median(alone)
    print(f"Audit.settle, {len(solved)} solved runs ({sum(len(x.stretches) for x in solved)} stretches):")
    print(f"  stretches replayed together:  {t * 1000:.2f} ms per solved run (median of rounds)")
    print(f"  one stretch at a time:        {a * 1000:.2f} ms per solved run (median of rounds)")
    print(f"ratio together / one at a time: {t / a:.3f}")


if __name__ == "__main__":
    main()
