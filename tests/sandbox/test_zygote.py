"""Pre-forked workers: the same verdicts and limits as freshly started ones, at a fraction of the cost."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FAST, FILES, ROOT
from grader import load_assignment
from grader.sandbox.cgroups import pids_root
from grader.errors import SubmissionFailure
from grader.grading import grade_paths
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Limits, Worker
from grader.sandbox.zygote import Zygote, forking_available

pytestmark = pytest.mark.skipif(not forking_available(), reason="needs fork and SCM_RIGHTS")
VOLATILE = ("duration", "graded_at", "output")  # output: students who do not seed print random numbers
CGROUPS = pids_root()
needs_cgroups = pytest.mark.skipif(CGROUPS is None, reason="needs a writable cgroup pids hierarchy (root on cgroup "
                                   "v1 or v2): without one a process in a session of its own outlives its worker, "
                                   "and the process cap is RLIMIT_NPROC, per user")


def _stable(results) -> dict[str, dict]:
    return {r.student: {k: v for k, v in r.to_dict().items() if k not in VOLATILE} for r in results}


def _running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _our_groups() -> list[str]:
    """Cgroups this test process (the grader) owns."""
    return sorted(n for n in os.listdir(CGROUPS) if n.startswith(f"grader-{os.getpid()}-")) if CGROUPS else []


@pytest.mark.slow
def test_forked_and_spawned_workers_give_the_same_results():
    assignment = load_assignment("two-layer")
    examples = [ROOT / "submissions" / "examples"]
    forked = grade_paths(paths=examples, assignment=assignment, workers=2, limits=FAST, prefork=True)
    spawned = grade_paths(paths=examples, assignment=assignment, workers=2, limits=FAST, prefork=False)
    assert _stable(forked) == _stable(spawned)


@pytest.fixture
def zygote():
    z = Zygote(Limits())
    yield z
    z.close()


def _worker(tmp_path: Path, source: str, zygote: Zygote) -> Worker:
    (tmp_path / "lab.py").write_text(source)
    worker = Worker(files=[tmp_path / "lab.py"], limits=zygote.limits, forker=zygote)
    worker.start()
    return worker


def test_forked_worker_is_isolated_and_fresh(tmp_path, zygote):
    source = ("import os, sys, numpy as np\n"
              "def facts():\n"
              "    return [os.getcwd(), os.environ.get('HOME'), float(np.random.rand()), 'matplotlib' in sys.modules,\n"
              "            os.getpid() == 1]\n")
    first = _worker(tmp_path, source, zygote)
    first.load({"path": "lab.py"})
    a = first.call(Ref.name("facts"))
    first.close()
    second = _worker(tmp_path, source, zygote)
    second.load({"path": "lab.py"})
    b = second.call(Ref.name("facts"))
    second.close()
    assert a[0] == str(first.workdir) and a[1] == str(first.workdir)
    assert a[2] != b[2], "each child reseeds NumPy's global generator"
    assert a[3] is True, "matplotlib is pre-imported by the zygote"
    assert a[4] is True, "each child is PID 1 of a PID namespace of its own"
    assert first.isolation["net"] == "own network namespace (no interfaces)" or first.isolation["net"].startswith("off")


def test_forked_worker_keeps_the_memory_limit(tmp_path):
    zygote = Zygote(Limits(memory=512 * 2**20))
    try:
        worker = _worker(tmp_path, "import numpy as np\ndef grab():\n    return np.ones((2**28,)).sum()\n", zygote)
        worker.load({"path": "lab.py"})
        with pytest.raises(SubmissionFailure) as failure:
            worker.call(Ref.name("grab"))
        worker.close()
    finally:
        zygote.close()
    assert failure.value.kind == "memory"


def test_forked_worker_death_is_a_crash_with_its_status(tmp_path, zygote):
    worker = _worker(tmp_path, "import os\ndef leave():\n    os._exit(3)\n", zygote)
    worker.load({"path": "lab.py"})
    with pytest.raises(SubmissionFailure) as failure:
        worker.call(Ref.name("leave"))
    worker.close()
    assert failure.value.kind == "crash" and "exit status 3" in failure.value.message


def test_a_worker_runs_under_its_forkers_limits(tmp_path, zygote):
    (tmp_path / "lab.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="forker's limits"):
        Worker(files=[tmp_path / "lab.py"], limits=Limits(memory=2**29), forker=zygote)


def test_waiting_for_a_running_child_times_out_and_the_zygote_stays_in_step(tmp_path, zygote):
    worker = _worker(tmp_path, "x = 1\n", zygote)
    worker.load({"path": "lab.py"})
    assert worker.process is not None
    with pytest.raises(subprocess.TimeoutExpired):
        worker.process.wait(timeout=0.2)
    worker.close()
    assert worker.process.wait() == -signal.SIGKILL
    again = _worker(tmp_path, "x = 2\n", zygote)  # the zygote still answers each request with its own reply
    again.load({"path": "lab.py"})
    assert again.get(Ref.name("x")) == 2.0
    again.close()


def test_when_the_grader_goes_away_the_zygote_ends_its_running_child(tmp_path, zygote):
    worker = _worker(tmp_path, "x = 1\n", zygote)
    worker.load({"path": "lab.py"})  # the child now waits for requests on a pipe the grader still holds
    assert worker.process is not None
    zygote.control.close()  # as when the grader is killed
    deadline = time.monotonic() + 5
    while (_running(worker.process.pid) or zygote.alive) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _running(worker.process.pid) and not zygote.alive
    worker.process.returncode = -signal.SIGKILL  # nobody is left to ask
    worker.close()


# -- the zygote's cgroup ---------------------------------------------------------------------------

@needs_cgroups
def test_children_share_the_zygotes_group_without_joining_one(tmp_path, zygote):
    group = zygote.cap.group
    assert group is not None and group.name == f"grader-{os.getpid()}-{zygote.process.pid}"
    worker = _worker(tmp_path, "x = 1\n", zygote)
    worker.load({"path": "lab.py"})
    assert worker.cap is None and worker.process_cap == zygote.process_cap == "at most 64 (cgroup)"
    assert worker.isolation["processes"] == "at most 64 (cgroup)"
    # The zygote and its child, PID 1 of a PID namespace the zygote made at the fork (no babysitter).
    assert sorted(zygote.cap.members()) == sorted([zygote.process.pid, worker.process.pid])
    # pids.max is the workers' limit plus the zygote, which is a single thread once warm.
    assert os.listdir(f"/proc/{zygote.process.pid}/task") == [str(zygote.process.pid)]
    assert (group / "pids.max").read_text().strip() == "65"
    worker.close()
    assert zygote.cap.members() == [zygote.process.pid] and zygote.cap.charged() == 1
    zygote.close()
    assert not group.exists()


FORK_BOMB = """\
import os, time

def bomb():
    started = 0
    try:
        for _ in range(1000):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
            started += 1
    except OSError:
        pass
    return started
"""


@needs_cgroups
def test_the_cap_stops_a_fork_bomb_in_a_forked_worker_and_is_whole_again_for_the_next(tmp_path):
    zygote = Zygote(Limits(processes=16))
    try:
        for _ in range(2):  # the second child has the whole cap: the first one's processes were killed and reaped
            worker = _worker(tmp_path, FORK_BOMB, zygote)
            worker.load({"path": "lab.py"})
            started = worker.call(Ref.name("bomb"))
            worker.close()
            assert started == 15, "16 processes: the worker and 15 children"
            assert zygote.cap.charged() == 1
    finally:
        zygote.close()


ESCAPE = """

import os
import subprocess


def _escape(marker):
    subprocess.Popen(["sleep", marker], start_new_session=True)
    middle = os.fork()
    if middle == 0:  # a daemon: a new session, then a grandchild whose parent ends at once
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", marker + "1"])
        os._exit(0)
    os.waitpid(middle, 0)


_escape(MARKER)
"""


def _marked(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (the escapers cannot write outside their scratch)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            pass
    return found


@needs_cgroups
@pytest.mark.parametrize("prefork", [True, False], ids=["forked", "spawned"])
def test_processes_that_leave_the_workers_session_do_not_survive_grading(tmp_path, prefork):
    correct = (FILES / "two_layer" / "passes_mean.py").read_text().split("\n\nX = np.array")[0]
    marker = f"{time.time() % 1000 + 2000:.6f}"  # seconds for sleep, unique to this run
    submission = tmp_path / "submissions" / "escaper.py"
    submission.parent.mkdir()
    submission.write_text(f"{correct}\n\nMARKER = {marker!r}{ESCAPE}")
    started = time.monotonic()
    [result] = grade_paths(paths=[submission], assignment=load_assignment("two-layer"), limits=FAST, prefork=prefork)
    elapsed = time.monotonic() - started
    alive = _marked(marker)
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "a process in a session of its own outlived grading"
    assert result.score == result.max_score, result.error
    assert not any("while running your file" in w for w in result.warnings), "the escapers started"
    assert elapsed < 30
    assert _our_groups() == []


@needs_cgroups
def test_grading_leaves_no_cgroup_behind(tmp_path):
    examples = sorted((ROOT / "submissions" / "examples").glob("[a-c]*"))
    for prefork in (True, False):
        results = grade_paths(paths=examples, assignment=load_assignment("two-layer"), workers=2, limits=FAST,
                              prefork=prefork)
        assert len(results) == 3 and _our_groups() == []


@needs_cgroups
def test_a_stale_group_of_a_dead_grader_is_removed_when_a_zygote_starts():
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale, old, live = (CGROUPS / f"grader-{gone.pid}-12345", CGROUPS / f"grader-{gone.pid}",
                        CGROUPS / "grader-1-12345")  # pid 1 is always running
    for group in (stale, old, live):
        group.mkdir()
    try:
        zygote = Zygote(Limits())
        zygote.close()
        assert not stale.exists() and not old.exists()
        assert live.exists(), "the group of a running grader is not ours to remove"
    finally:
        for group in (stale, old, live):
            if group.exists():
                group.rmdir()


def test_pool_lends_the_zygotes_it_warmed_up_and_starts_no_more():
    """A pool of two started warming two zygotes when it was made: two threads borrowing at once get those
    two (a pool that started fresh ones instead would pay the warm-up twice, in the grading's critical path)."""
    from grader.sandbox.zygote import ZygotePool

    pool = ZygotePool(size=2, limits=FAST)
    try:
        warmed = list(pool.all)
        with pool.lend() as first, pool.lend() as second:
            assert {id(first), id(second)} == {id(z) for z in warmed}
        assert len(pool.all) == 2
    finally:
        pool.close()
