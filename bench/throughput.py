"""Throughput benchmark: grade N generated student notebooks and compare with running them as scripts.

    python bench/throughput.py [--count 300] [--workers 2] [--kernel-sample 10]

Generates N notebooks from the bundled example styles (correct and buggy, each training 5000 epochs at
top level and plotting), then, in one run on this machine:

1. runs every notebook's code once as a plain ``python`` script (``--workers`` at a time): the floor;
2. grades them all with ``grade_paths`` (pre-forked workers, every check included);
3. grades a sample one notebook at a time, and runs the same sample with nbclient (a Jupyter kernel
   per notebook), ``nbgrader autograde`` where nbgrader is installed (``pip install nbgrader``, or
   ``--nbgrader PATH`` to one in another environment; the whole sample in one command, the sample split
   over ``--workers`` commands at once, then one command per student) and ``otter run`` (no container)
   where otter-grader is installed (``--otter PATH``).

Prints per-submission times, total wall, peak memory of the grading, each other tool's time per
notebook as a multiple of the grader's (one at a time, and per notebook of the class run), and, last,
the ratio of the grader's wall time to the plain scripts' wall time.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "submissions" / "examples"
STYLES = ("alice_correct.ipynb", "bob_mean_convention.py", "carol_sign_error.py", "dave_missing_derivative.ipynb",
          "erin_stale_weights.py", "frank_zero_init.ipynb")


def example_cells(name: str) -> list[str]:
    path = EXAMPLES / name
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return [c.source for c in notebook.cells if c.cell_type == "code"]
    return ["%matplotlib inline\n", path.read_text()]


def make_notebooks(folder: Path, count: int) -> list[Path]:
    """``count`` notebooks cycling through the example styles."""
    styles = [example_cells(name) for name in STYLES]
    paths = []
    for i in range(count):
        cells = styles[i % len(styles)]
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = folder / f"student{i:03d}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def as_script(notebook: Path) -> Path:
    """The notebook's code as a plain script (magic and shell lines dropped)."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    lines = [line for cell in cells for line in cell.splitlines() if not line.lstrip().startswith(("%", "!"))]
    script = notebook.with_suffix(".py")
    script.write_text("\n".join(lines) + "\n")
    return script


def run_scripts(scripts: list[Path], workers: int) -> tuple[float, list[float]]:
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

    def one(script: Path) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, script.name], cwd=script.parent, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        times = list(pool.map(one, scripts))
    return time.perf_counter() - start, times


class MemorySampler:
    """Peak total resident memory of this process and every grader worker (from /proc)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.total())
            time.sleep(self.interval)

    @staticmethod
    def total() -> int:
        """Resident memory of this process and all its descendants (other graders on the machine excluded)."""
        parents, rss = {}, {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            parents[int(pid)] = int(fields.get("PPid", "0").strip() or 0)
            rss[int(pid)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024

        def ours(pid: int) -> bool:
            for _ in range(64):
                if pid == os.getpid():
                    return True
                if pid <= 1:
                    return False
                pid = parents.get(pid, 0)
            return False

        return sum(size for pid, size in rss.items() if ours(pid))


def grade_all(folder: Path, workers: int) -> tuple[float, list[float], int, list]:
    from grader import load_assignment
    from grader.grading import grade_paths

    assignment = load_assignment("two-layer")
    with MemorySampler() as memory:
        start = time.perf_counter()
        results = grade_paths(paths=[folder], assignment=assignment, workers=workers)
        wall = time.perf_counter() - start
    return wall, [r.duration for r in results], memory.peak, results


def run_nbclient(notebooks: list[Path]) -> list[float]:
    from nbclient import NotebookClient

    saved = os.dup(2)  # kernels inherit stderr and print start-up warnings on it
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        return _time_kernels(notebooks, NotebookClient)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _time_kernels(notebooks: list[Path], NotebookClient) -> list[float]:
    times = []
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                       allow_errors=True).execute()
        times.append(time.perf_counter() - start)
    return times


def nbgrader_course(notebooks: list[Path], nbgrader: Path, course: Path) -> dict:
    """A throw-away nbgrader course with ``notebooks`` submitted as student000, student001, ...; returns
    the ``subprocess.run`` options for nbgrader commands in it."""
    (course / "source" / "lab").mkdir(parents=True)
    shutil.copy(notebooks[0], course / "source" / "lab" / "lab.ipynb")
    for index, notebook in enumerate(notebooks):
        folder = course / "submitted" / f"student{index:03d}" / "lab"
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / "lab.ipynb")
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course)!r}\nc.CourseDirectory.course_id = 'bench'\n"
        "c.ExecutePreprocessor.timeout = 120\n")
    quiet = {"cwd": course, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
             "env": {**os.environ, "MPLBACKEND": "Agg", "PATH": f"{nbgrader.parent}{os.pathsep}{os.environ['PATH']}"}}
    subprocess.run([str(nbgrader), "generate_assignment", "lab", "--force"], **quiet, check=True)
    return quiet


def run_nbgrader(notebooks: list[Path], nbgrader: Path, folder: Path, workers: int) -> tuple[float, float, float]:
    """Seconds per notebook of ``nbgrader autograde`` on the same notebooks: the whole sample in one
    command; the sample split over ``workers`` commands run at once (a course each: nbgrader grades one
    notebook at a time); and the median of one command per student."""
    quiet = nbgrader_course(notebooks, nbgrader, folder / "course")
    start = time.perf_counter()
    subprocess.run([str(nbgrader), "autograde", "lab", "--create", "--force"], **quiet, check=True)
    whole_class = (time.perf_counter() - start) / len(notebooks)
    parts = [nbgrader_course(notebooks[i::workers], nbgrader, folder / f"course{i}") for i in range(workers)]
    start = time.perf_counter()
    running = [subprocess.Popen([str(nbgrader), "autograde", "lab", "--create", "--force"], **part)
               for part in parts]
    if any(process.wait() for process in running):
        raise RuntimeError("nbgrader autograde failed")
    parallel = (time.perf_counter() - start) / len(notebooks)
    per_student = []
    for index in range(len(notebooks)):  # as on each submission: one command per student
        start = time.perf_counter()
        subprocess.run([str(nbgrader), "autograde", "lab", "--student", f"student{index:03d}", "--force"],
                       **quiet, check=True)
        per_student.append(time.perf_counter() - start)
    return whole_class, parallel, statistics.median(per_student)


OTTER_TEST = """OK_FORMAT = True
test = {"name": "q1", "points": 1, "suites": [{"cases": [{"code": ">>> 1 + 1\\n2", "hidden": False,
        "locked": False}], "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
"""


def run_otter(notebooks: list[Path], otter: Path, folder: Path) -> list[float]:
    """Seconds per notebook of ``otter run`` (no container) with a one-test autograder."""
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "q1.py").write_text(OTTER_TEST)
    quiet = {"cwd": folder, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True,
             "env": {**os.environ, "MPLBACKEND": "Agg", "PATH": f"{otter.parent}{os.pathsep}{os.environ['PATH']}"}}
    subprocess.run([str(otter), "generate", "-t", "tests", "-o", "autograder.zip", "--no-requirements",
                    "--no-environment", "--no-config"], **quiet)
    times = []
    for index, notebook in enumerate(notebooks):
        out = folder / f"out{index}"
        out.mkdir()
        start = time.perf_counter()
        subprocess.run([str(otter), "run", "-a", "autograder.zip", "-o", str(out), str(notebook)], **quiet)
        times.append(time.perf_counter() - start)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kernel-sample", type=int, default=10,
                        help="notebooks executed with nbclient and nbgrader (0: skip)")
    parser.add_argument("--nbgrader", help="the nbgrader command, e.g. from a separate virtual environment")
    parser.add_argument("--otter", help="the otter command (otter-grader), e.g. from a separate virtual environment")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder, scripts_dir = Path(tmp) / "class", Path(tmp) / "scripts"
        folder.mkdir()
        scripts_dir.mkdir()
        notebooks = make_notebooks(folder, args.count)
        scripts = [as_script(n).rename(scripts_dir / n.with_suffix(".py").name) for n in notebooks]

        script_wall, script_times = run_scripts(scripts, args.workers)
        grade_wall, grade_times, peak, results = grade_all(folder, args.workers)
        print(f"machine: {os.cpu_count()} cores; {args.count} notebooks; --workers {args.workers}")
        print(f"plain scripts : wall {script_wall:7.2f} s   median per notebook {median(script_times):.3f} s")
        print(f"grader        : wall {grade_wall:7.2f} s   median per notebook {median(grade_times):.3f} s   "
              f"peak memory {peak / 2**20:.0f} MiB")
        scores = {}
        for r in results:
            scores[r.score] = scores.get(r.score, 0) + 1
        print(f"scores        : {dict(sorted(scores.items()))}")
        sample = notebooks[: args.kernel_sample]
        if sample:
            # The other tools run one notebook at a time: compare with the grader doing the same.
            alone = Path(tmp) / "sample"
            alone.mkdir()
            for notebook in sample:
                shutil.copy(notebook, alone / notebook.name)
            sample_wall, _, _, _ = grade_all(alone, 1)
            one = sample_wall / len(sample)
            batch = grade_wall / args.count
            print(f"grader, one at a time: {one:.3f} s per notebook on a sample of {len(sample)} (all checks); "
                  f"in the class run above: {batch:.3f} s per notebook (wall / count, --workers {args.workers})")

            def versus(seconds: float) -> str:
                return f"{seconds / one:.1f} x the grader one at a time, {seconds / batch:.1f} x its class run"

            kernel_times = run_nbclient(sample)
            print(f"nbclient      : median per notebook {median(kernel_times):.3f} s ({versus(median(kernel_times))})")
        nbgrader = args.nbgrader or shutil.which("nbgrader")
        if nbgrader and sample:
            whole_class, parallel, per_student = run_nbgrader(sample, Path(nbgrader), Path(tmp) / "nbgrader",
                                                              args.workers)
            print(f"nbgrader      : autograde, whole sample in one command: {whole_class:.3f} s per notebook "
                  f"({versus(whole_class)})")
            print(f"nbgrader      : autograde, sample split over {args.workers} commands at once: {parallel:.3f} s "
                  f"per notebook (wall / count: {parallel / batch:.1f} x the grader's class run)")
            print(f"nbgrader      : autograde, one command per student: median {per_student:.3f} s "
                  f"({versus(per_student)})")
        else:
            print("nbgrader      : not installed (pip install nbgrader, or --nbgrader PATH); not measured")
        otter = args.otter or shutil.which("otter")
        if otter and sample:
            otter_times = run_otter(sample, Path(otter), Path(tmp) / "otter")
            print(f"otter-grader  : otter run (no container), one command per notebook: median "
                  f"{median(otter_times):.3f} s ({versus(median(otter_times))})")
        else:
            print("otter-grader  : not installed (pip install otter-grader, or --otter PATH); not measured")
        print(f"ratio grader/plain scripts (wall): {grade_wall / script_wall:.2f}")


if __name__ == "__main__":
    main()
