"""One check benchmark: a cold ``grader check`` against running the same code as a plain ``python`` script.

    python bench/check.py [--rounds 7] [--notebook assignments/two-layer/solution.ipynb] [--assignment two-layer]
                          [--cold-cache] [--baseline PATH]

What a student pays for one check, on this machine, in one run: each round starts a new ``grader check``
process on the notebook (``python -m grader check``, every check, the text report) and runs the same
code exported to a script (magics dropped) with ``python``, the two in alternating order, and the
ratio of the medians is printed last. A first round that is not counted fills the operating system's
file cache, writes the bytecode of the grader's modules (as installing it does) and fills the grader's
own cache folder (the font list and the reference's training run, built once per installation). With ``--cold-cache`` every grader run gets an empty cache folder of its own
instead: what the very first check after installing costs. ``--baseline PATH`` also times the grader
found at PATH (another checkout, put first on ``PYTHONPATH``) in the same rounds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "assignments" / "two-layer" / "solution.ipynb"


def as_script(notebook: Path, script: Path) -> Path:
    """The notebook's code cells as a plain script, magic and shell lines dropped."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
    script.write_text("\n".join(lines) + "\n")
    return script


def timed(command: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return time.perf_counter() - start, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="paired rounds counted (after one not counted)")
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK, help="the notebook checked and run")
    parser.add_argument("--assignment", default="two-layer")
    parser.add_argument("--cold-cache", action="store_true",
                        help="an empty grader cache folder for every grader run (the first check after installing)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout of the grader (e.g. an older commit) checked in the same rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        notebook = folder / "lab.ipynb"
        shutil.copy(args.notebook, notebook)
        script = as_script(notebook, folder / "lab.py")
        # as installed: bytecode is written (by the first round), as pip does for the grader and its packages
        dropped = ("MPLBACKEND", "XDG_CACHE_HOME", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
        base = {k: v for k, v in os.environ.items() if k not in dropped}
        check = [sys.executable, "-m", "grader", "check", notebook.name, "--assignment", args.assignment]
        commands = {"plain": [sys.executable, script.name], "grader": check}
        if args.baseline:
            commands["baseline"] = check
        times: dict[str, list[float]] = {name: [] for name in commands}
        report = ""
        for index in range(args.rounds + 1):
            names = list(commands)
            for name in names[index % len(names):] + names[:index % len(names)]:  # each goes first in turn
                env = {**base, "MPLBACKEND": "Agg"} if name == "plain" else dict(base)
                if name != "plain" and args.cold_cache:
                    env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cache-", dir=folder)
                if name == "baseline":
                    env["PYTHONPATH"] = str(args.baseline.resolve())
                seconds, run = timed(commands[name], cwd=folder, env=env)
                if name == "plain" and run.returncode != 0:
                    raise SystemExit(f"the plain script failed ({run.returncode}):\n{run.stderr}")
                if name != "plain" and (run.returncode not in (0, 1) or "Total:" not in run.stdout):
                    raise SystemExit(f"{name} check failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
                if name == "grader":
                    report = run.stdout
                if index:  # the first round only warms up
                    times[name].append(seconds)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"machine: {os.cpu_count()} cores; {args.rounds} rounds; notebook {args.notebook.name} "
              f"({args.assignment}); grader cache: {'empty for every run' if args.cold_cache else 'warm'}")
        print("what the student sees:")
        print("\n".join(f"    {line}" for line in report.rstrip().splitlines()))
        labels = {"plain": "plain python", "grader": "grader check", "baseline": f"baseline check ({args.baseline})"}
        for name, values in times.items():
            print(f"{labels[name]:<14}: median {medians[name]:.3f} s (min {min(values):.3f}, max {max(values):.3f})")
        ratios = [c / s for c, s in zip(times["grader"], times["plain"])]
        print(f"ratio per round: {' '.join(f'{r:.2f}' for r in ratios)}")
        if args.baseline:
            print(f"ratio baseline check/plain python (medians): {medians['baseline'] / medians['plain']:.2f}")
        print(f"ratio grader check/plain python (medians): {medians['grader'] / medians['plain']:.2f}")


if __name__ == "__main__":
    main()
