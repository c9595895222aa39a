"""Isolation benchmark: what the sandbox costs per submission, against the same grader with it turned off.

    python bench/isolation.py [--count 60] [--workers 2] [--rounds 2] [--starts 20]

In one run on this machine, alternating the two settings round by round (so that a change of load on a
shared machine falls on both):

1. grades a class of ``--count`` generated notebooks (the example styles of ``throughput.py``: training at
   top level, plotting, every check) with ``grade_paths``, ``--workers`` at a time, with
   ``Limits(sandbox="auto")`` (namespaces, read-only root, own uid, seccomp) and ``Limits(sandbox="off")``
   (the worker as it was: same user, same file system);
2. starts ``--starts`` workers one after another from one pre-warmed zygote, each loading a two-line
   file and answering one request: the sandbox's own cost, without the students' work around it.

Prints the per-submission times of both, the overhead in milliseconds, and, last, the ratio of the class's
wall time with the sandbox to its wall time without.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throughput import make_notebooks  # noqa: E402

from grader.grading import grade_paths  # noqa: E402
from grader.sandbox.remote import Ref  # noqa: E402
from grader.sandbox.worker import Limits, Worker  # noqa: E402
from grader.sandbox.zygote import Zygote  # noqa: E402
from grader.spec.assignment import load_assignment  # noqa: E402

SETTINGS = {"sandbox": Limits(sandbox="auto"), "insecure": Limits(sandbox="off")}


def grade_class(folder: Path, workers: int, limits: Limits) -> tuple[float, dict[float, int], dict[str, int]]:
    """Wall seconds, the score counts and the isolation states seen (a check that both settings graded alike)."""
    started = time.perf_counter()
    results = grade_paths(paths=[folder], assignment=load_assignment("two-layer"), workers=workers, limits=limits)
    wall = time.perf_counter() - started
    scores: dict[float, int] = {}
    for result in results:
        scores[result.score] = scores.get(result.score, 0) + 1
    states = {"unprotected": sum(r.unprotected for r in results), "graded": len(results)}
    return wall, dict(sorted(scores.items())), states


def start_workers(count: int, limits: Limits, folder: Path) -> list[float]:
    """Seconds from asking for a worker to its first answer, ``count`` times from one zygote."""
    lab = folder / "lab.py"
    lab.write_text("def twice(x):\n    return 2 * x\n")
    zygote = Zygote(limits)
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            with Worker(files=[lab], limits=limits, forker=zygote) as worker:
                worker.load({"path": "lab.py"})
                assert worker.call(Ref.name("twice"), 2.0) == 4.0
            times.append(time.perf_counter() - started)
    finally:
        zygote.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {name: [] for name in SETTINGS}
    starts: dict[str, list[float]] = {name: [] for name in SETTINGS}
    with tempfile.TemporaryDirectory(prefix="bench-isolation-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        make_notebooks(folder, args.count)
        for round_ in range(args.rounds):
            order = list(SETTINGS) if round_ % 2 == 0 else list(reversed(SETTINGS))
            for name in order:
                wall, scores, states = grade_class(folder, args.workers, SETTINGS[name])
                walls[name].append(wall)
                print(f"round {round_ + 1} {name:9s}: {wall:7.2f} s for {args.count} submissions "
                      f"({wall / args.count * 1000:6.1f} ms each); scores {scores}; {states}", flush=True)
                starts[name] += start_workers(args.starts, SETTINGS[name], Path(tmp))
    for name in SETTINGS:
        print(f"worker start {name:9s}: median {statistics.median(starts[name]) * 1000:6.1f} ms "
              f"(from a zygote, load and one request; {len(starts[name])} starts)")
    per = {name: statistics.median(walls[name]) / args.count for name in SETTINGS}
    print(f"overhead per submission (class, median of rounds): {(per['sandbox'] - per['insecure']) * 1000:.1f} ms")
    print(f"overhead per worker start: "
          f"{(statistics.median(starts['sandbox']) - statistics.median(starts['insecure'])) * 1000:.1f} ms")
    print(f"ratio sandbox/insecure (wall): {statistics.median(walls['sandbox']) / statistics.median(walls['insecure']):.2f}")


if __name__ == "__main__":
    main()
