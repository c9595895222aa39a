"""Request benchmark: what one request to a worker costs, against a baseline grader in the same run.

    python bench/requests.py [--rounds 3] [--count 300] [--programs 30] [--epochs 100] [--baseline main]

A worker is started on a bundled example (``submissions/examples/alice_correct.ipynb``, assignment
two-layer), its network bound by the canonical binding, and each of these is timed ``--count`` times
(``--programs`` times for the program):

- ``get``: one parameter read (``Worker.get``);
- ``set_params``: the four parameters of the network written (``BoundNet.set_params``);
- ``program``: ``--epochs`` epochs of forward (recorded) and backward in one request (``Worker.program``).

Each grader measures in a process of its own (the grader found at the checkout is put first on
``PYTHONPATH``, so its worker runs its own runner), the two alternating round by round so that a change
of load on this shared machine falls on both. ``--baseline`` is another checkout, or a git revision
of this repository (exported to a temporary folder). Prints the median wall time and the grader's CPU
time per request of each, their ratios, and, last, the geometric mean of the three wall-time ratios.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "submissions" / "examples" / "alice_correct.ipynb"
OPS = ("get", "set_params", "program")


def timed(action: Callable[[], Any], count: int) -> dict[str, float]:
    """Median wall seconds of ``action`` and the mean CPU seconds this process spent on it."""
    walls = []
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        action()
        walls.append(time.perf_counter() - started)
    return {"wall": statistics.median(walls), "cpu": (time.process_time() - cpu) / count}


def measure(count: int, programs: int, epochs: int) -> dict[str, Any]:
    """In a process of its own: the timings of the grader first on the path."""
    import numpy as np

    import grader
    from grader.binding.canonical import ClassBinding
    from grader.sandbox.notebook import code_cells
    from grader.sandbox.remote import Encoder
    from grader.sandbox.worker import Limits, Worker, call_step
    from grader.spec.assignment import load_assignment

    assignment = load_assignment("two-layer")
    rng = np.random.default_rng(0)
    params = {name: rng.standard_normal(shape) for name, shape in assignment.network.param_shapes().items()}
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    with Worker(files=[NOTEBOOK], limits=Limits()) as worker:
        worker.load({"cells": [{"index": c["index"], "source": c["source"]} for c in code_cells(NOTEBOOK)]})
        net = ClassBinding(assignment, worker.namespace()).create(worker, lr=0.5)
        x_ref, y_ref = worker.put(X), worker.put(Y)
        encoder = Encoder()
        steps = [dict(call_step(encoder, net.ref.attr("forward"), [x_ref], {}), record=[]),
                 call_step(encoder, net.ref.attr("backward"), [x_ref, y_ref], {})]
        W1 = net.ref.attr("W1")
        for _ in range(20):  # warm up both sides
            worker.get(W1)
            net.set_params(params)
        outputs = worker.program(steps, encoder.blobs, repeat=epochs)[0]
        assert outputs.shape == (epochs, 4, 1), outputs.shape
        return {
            "grader": str(Path(grader.__file__).resolve().parent.parent),
            "get": timed(lambda: worker.get(W1), count),
            "set_params": timed(lambda: net.set_params(params), count),
            "program": timed(lambda: worker.program(steps, encoder.blobs, repeat=epochs), programs),
        }


def export(revision: str, folder: Path) -> Path:
    """The files of ``revision`` of this repository, in ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", revision],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_side(checkout: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", "--count", str(args.count),
               "--programs", str(args.programs), "--epochs", str(args.epochs)]
    done = subprocess.run(command, env=env, cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"measuring {checkout} failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["grader"]) != checkout.resolve():
        raise SystemExit(f"measuring {checkout} imported the grader at {result['grader']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each measuring both graders")
    parser.add_argument("--count", type=int, default=300, help="get and set_params requests timed per round")
    parser.add_argument("--programs", type=int, default=30, help="program requests timed per round")
    parser.add_argument("--epochs", type=int, default=100, help="epochs of each program request")
    parser.add_argument("--baseline", default="main", help="a checkout of the grader, or a git revision")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.count, args.programs, args.epochs)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as tmp:
        baseline = Path(args.baseline)
        if not baseline.is_dir():
            baseline = export(args.baseline, Path(tmp))
        sides = {"new": ROOT, "baseline": baseline}
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
        for index in range(args.rounds):
            for name in (list(sides) if index % 2 == 0 else list(reversed(sides))):
                results[name].append(run_side(sides[name], args))
                print(f"round {index + 1} {name:8s}: " + ", ".join(
                    f"{op} {results[name][-1][op]['wall'] * 1e6:.0f} us" for op in OPS), flush=True)
    print(f"machine: {os.cpu_count()} cores; {args.rounds} rounds; notebook {NOTEBOOK.name} (two-layer); "
          f"baseline {args.baseline}")
    ratios = []
    for op in OPS:
        wall = {name: statistics.median(r[op]["wall"] for r in results[name]) for name in sides}
        cpu = {name: statistics.median(r[op]["cpu"] for r in results[name]) for name in sides}
        ratios.append(wall["new"] / wall["baseline"])
        what = f"{op} ({args.epochs} epochs)" if op == "program" else op
        print(f"{what:<20}: new {wall['new'] * 1e6:8.0f} us, baseline {wall['baseline'] * 1e6:8.0f} us per request "
              f"(wall, median); grader CPU new {cpu['new'] * 1e6:6.0f} us, baseline {cpu['baseline'] * 1e6:6.0f} us; "
              f"ratio {ratios[-1]:.2f}")
    print(f"ratio new/baseline (geometric mean of the wall-time ratios): {math.prod(ratios) ** (1 / len(ratios)):.2f}")


if __name__ == "__main__":
    main()
