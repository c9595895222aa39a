"""Cost of the descent check's integrity checks: the same submissions graded with and without them.

    python bench/descent_integrity.py [--rounds 3]

Grades the correct and buggy fixtures of every built-in assignment (one submission at a time, the descent
check only after the checks it depends on), alternately with the integrity checks (XOR presented as its
rows repeated and shuffled, checked steps, replays) and without them (XOR's four rows, one part per
checkpoint), and prints each run's time per submission and the ratio with / without, from the same run.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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


def grade_all(files: list[tuple[Path, str]]) -> float:
    started = time.perf_counter()
    for path, assignment in files:
        grade_submission(submission=from_path(path), assignment=load_assignment(assignment))
    return (time.perf_counter() - started) / len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = [(p, a) for a, folder in FIXTURES.items()
             for p in sorted((ROOT / "tests" / "files" / folder).glob("*.py"))
             if p.name.startswith(("passes_", "fails_"))]
    grade_all(files[:2])  # warm the imports
    with_times, without_times = [], []
    for _ in range(args.rounds):
        with_times.append(grade_all(files))
        with without_integrity():
            without_times.append(grade_all(files))
    w, wo = statistics.median(with_times), statistics.median(without_times)
    print(f"{len(files)} submissions, {args.rounds} rounds each way, one at a time")
    print(f"with integrity checks:    {w * 1000:.0f} ms per submission (median of rounds)")
    print(f"without integrity checks: {wo * 1000:.0f} ms per submission (median of rounds)")
    print(f"ratio with / without: {w / wo:.3f}")


if __name__ == "__main__":
    main()
