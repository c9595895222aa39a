"""The worker process: requests, student failures, limits and isolation."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from grader.sandbox.cgroups import ProcessCap, pids_root, remove_stale
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Handle, Ref
from grader.sandbox.worker import Limits, Worker, clean_env

STUDENT = '''\
import os
import sys

import numpy as np

print("loading student")


class Net:
    def __init__(self, n, lr=0.5):
        self.W = np.zeros((n, 2))
        self.lr = lr
        self.alias = self.W

    def forward(self, X):
        return X @ self.W


def scaled(x, factor=2.0):
    return x * factor


def fail(x):
    y = x + 1
    raise ValueError(f"bad value {y}")


def spin():
    while True:
        pass


def hard_exit():
    os._exit(3)


def soft_exit():
    sys.exit(4)


def chatter(n):
    sys.stdout.write("a" * n)
    sys.stdout.flush()
    return n


def environment():
    return dict(os.environ)


def importable(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def grader_names():
    import grader
    grader.check("two-layer")
    return [n for n in dir(grader) if not n.startswith("_")]


def type_name(x):
    return type(x).__name__


def scribble():
    with open("student.py", "a") as handle:
        handle.write("# changed by the student\\n")
    return os.getcwd()


net = Net(3)
'''

FAST = Limits(load_timeout=10, request_timeout=5)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def student(tmp_path: Path) -> Path:
    path = tmp_path / "student.py"
    path.write_text(STUDENT, encoding="utf-8")
    return path


def loaded(path: Path, limits: Limits = FAST) -> Worker:
    """A started worker with ``path`` loaded (the caller closes it)."""
    worker = Worker(files=[path], limits=limits)
    worker.start()
    try:
        assert worker.load({"path": path.name, "name": path.name}) == []
    except BaseException:
        worker.close()
        raise
    return worker


@pytest.fixture
def worker(student: Path) -> Iterator[Worker]:
    w = loaded(student)
    yield w
    w.close()


# -- requests --------------------------------------------------------------------------------------

def test_namespace_describes_what_the_student_defined(worker):
    names = {entry["name"]: entry for entry in worker.namespace()}
    assert {"Net", "scaled", "fail", "net"} <= set(names)
    assert "os" not in names and "np" not in names  # modules are left out
    assert names["Net"]["kind"] == "class" and {"__init__", "forward"} <= set(names["Net"]["methods"])
    assert names["Net"]["signature"] == "(n, lr=0.5)"
    assert names["scaled"]["kind"] == "function" and names["scaled"]["signature"] == "(x, factor=2.0)"
    assert names["net"]["kind"] == "value" and names["net"]["type"] == "Net"


def test_call_get_and_set_roundtrip(worker):
    X = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(worker.call(Ref.name("scaled"), X, factor=3.0), 3.0 * X)
    assert worker.get(Ref.name("net").attr("lr")) == 0.5
    handle = worker.get(Ref.name("net"))  # not data: it stays in the worker
    assert isinstance(handle, Handle) and handle.type == "Net"
    W = np.arange(6.0).reshape(3, 2)
    worker.set(Ref.name("net").attr("W"), W)
    assert np.array_equal(worker.get(Ref.name("net").attr("W")), W)
    assert np.array_equal(worker.call(Ref.name("net").attr("forward"), X), X @ W)


def test_get_many_reads_several_values_in_one_request(worker):
    W = np.arange(6.0).reshape(3, 2)
    worker.set(Ref.name("net").attr("W"), W)
    sent = worker.sequence
    lr, weights, handle = worker.get_many([Ref.name("net").attr("lr"), Ref.name("net").attr("W"), Ref.name("net")])
    assert worker.sequence == sent + 1
    assert lr == 0.5 and np.array_equal(weights, W) and isinstance(handle, Handle)
    with pytest.raises(SubmissionFailure) as missing:
        worker.get_many([Ref.name("net").attr("lr"), Ref.name("net").attr("nope")])
    assert missing.value.kind == "exception" and "AttributeError" in missing.value.message


def test_set_in_place_keeps_the_students_aliases(worker):
    W = np.ones((3, 2))
    worker.set(Ref.name("net").attr("W"), W)
    assert np.array_equal(worker.get(Ref.name("net").attr("alias")), W)
    worker.set(Ref.name("net").attr("W"), 2 * W, inplace=False)
    assert np.array_equal(worker.get(Ref.name("net").attr("W")), 2 * W)
    assert np.array_equal(worker.get(Ref.name("net").attr("alias")), W)


def test_values_can_stay_in_the_worker(worker):
    X = worker.put(np.eye(3))
    kept = worker.call(Ref.name("Net"), 3, keep=True)
    worker.set(kept.attr("W"), np.full((3, 2), 0.5))
    assert np.array_equal(worker.call(kept.attr("forward"), X), np.full((3, 2), 0.5))


def test_handle_from_get_can_be_sent_back(worker):
    handle = worker.get(Ref.name("net"))
    assert worker.call(Ref.name("type_name"), handle) == "Net"


def test_handle_from_get_survives_later_puts(worker):
    worker.put(np.eye(2))
    handle = worker.get(Ref.name("net"))
    worker.call(Ref.name("scaled"), 1.0, keep=True)
    assert worker.call(Ref.name("type_name"), handle) == "Net"


def test_top_level_exception_is_an_event_not_a_failure(tmp_path):
    path = tmp_path / "top.py"
    path.write_text("x = 1\nundefined_name\ny = 2\n", encoding="utf-8")
    with Worker(files=[path], limits=FAST) as w:
        events = w.load({"path": path.name, "name": path.name})
        assert [(e["kind"], e["file"], e["line"]) for e in events] == [("exception", "top.py", 2)]
        assert events[0]["message"] == "NameError: name 'undefined_name' is not defined"
        assert w.get(Ref.name("x")) == 1.0


# -- student failures ------------------------------------------------------------------------------

def test_student_exception_names_file_and_line(worker):
    with pytest.raises(SubmissionFailure) as info:
        worker.call(Ref.name("fail"), 1)
    failure = info.value
    assert failure.kind == "exception"
    assert failure.message == "ValueError: bad value 2"
    assert failure.file == "student.py"
    assert failure.line == line_of(STUDENT, 'raise ValueError(f"bad value {y}")')
    assert 'raise ValueError(f"bad value {y}")' in failure.traceback
    # The worker survives a student exception.
    assert worker.call(Ref.name("scaled"), 1.0) == 2.0


def test_endless_loop_is_a_timeout_within_the_limit(student):
    w = loaded(student, Limits(load_timeout=10, request_timeout=1))
    try:
        start = time.monotonic()
        with pytest.raises(SubmissionFailure) as info:
            w.call(Ref.name("spin"))
        elapsed = time.monotonic() - start
        assert info.value.kind == "timeout" and "1 s" in info.value.message
        assert 0.9 < elapsed < 4.0  # the 1 s limit, plus killing the worker
        assert w.process is not None and w.process.poll() is not None, "the looping worker was killed"
    finally:
        w.close()


def test_os_exit_in_a_call_is_a_crash(worker):
    with pytest.raises(SubmissionFailure) as info:
        worker.call(Ref.name("hard_exit"))
    assert info.value.kind == "crash"
    assert "exit status 3" in info.value.message


def test_sys_exit_in_a_call_is_a_crash(worker):
    with pytest.raises(SubmissionFailure) as info:
        worker.call(Ref.name("soft_exit"))
    assert info.value.kind == "crash"
    assert "sys.exit(4)" in info.value.message
    assert (info.value.file, info.value.line) == ("student.py", line_of(STUDENT, "sys.exit(4)"))


# -- output ----------------------------------------------------------------------------------------

def test_output_is_captured_and_capped(student):
    w = loaded(student, Limits(load_timeout=10, request_timeout=5, output_cap=1000))
    assert w.call(Ref.name("chatter"), 5000) == 5000.0
    w.close()
    text = w.captured_output()
    printed = len("loading student\n") + 5000
    kept, note = text.split("\n[... ")
    assert kept.startswith("loading student\naaa") and len(kept.encode()) == 1000
    assert note == f"{printed - 1000} more bytes of output not kept]"


def test_small_output_is_kept_whole_and_read_promptly_after_close(worker):
    worker.call(Ref.name("chatter"), 10)
    worker.close()
    start = time.monotonic()
    assert worker.captured_output() == "loading student\n" + "a" * 10
    assert time.monotonic() - start < 1.0  # the process is gone: no waiting for the output pipe


# -- isolation -------------------------------------------------------------------------------------

def test_environment_holds_only_the_clean_set(student, monkeypatch):
    monkeypatch.setenv("BACKPROP_GRADER_SECRET", "hunter2")
    monkeypatch.setenv("PYTHONPATH", "/grader/private")
    w = loaded(student)
    try:
        env = w.call(Ref.name("environment"))
        assert "BACKPROP_GRADER_SECRET" not in env and "PYTHONPATH" not in env
        assert set(env) <= set(clean_env("x")), set(env) - set(clean_env("x"))
        assert env["HOME"] == str(w.workdir) and env["MPLBACKEND"] == "Agg"
    finally:
        w.close()


@pytest.mark.parametrize("package", ["reference", "grader.sandbox.inside.wire", "grader.checks", "grader.grading"])
def test_student_cannot_import_the_grader(worker, package):
    assert worker.call(Ref.name("importable"), package) is False


def test_import_grader_gives_only_a_no_op_check(worker):
    assert worker.call(Ref.name("grader_names")) == ["check"]


def test_student_can_import_numpy_and_matplotlib(worker):
    assert worker.call(Ref.name("importable"), "numpy") is True
    assert worker.call(Ref.name("importable"), "matplotlib.pyplot") is True


def test_student_runs_on_a_copy_in_a_temporary_folder(worker, student):
    cwd = worker.call(Ref.name("scribble"))
    assert Path(cwd) == worker.workdir != student.parent
    assert "changed by the student" in (worker.workdir / "student.py").read_text()
    assert student.read_text(encoding="utf-8") == STUDENT


def temporary_folder(worker: Worker) -> Path:
    """The folder the worker created for itself (its working folder, or the one holding it)."""
    return getattr(worker, "root", worker.workdir)


def test_working_folder_is_removed_after_close(student):
    w = loaded(student)
    folder = temporary_folder(w)
    assert (w.workdir / "student.py").is_file() and folder.name.startswith("grader-")
    w.close()
    assert not w.workdir.exists() and not folder.exists()
    assert w.process is not None and w.process.poll() is not None


def test_working_folder_is_removed_after_a_crash(student):
    w = loaded(student)
    with pytest.raises(SubmissionFailure):
        w.call(Ref.name("hard_exit"))
    w.close()
    assert not temporary_folder(w).exists()


def test_worker_sees_a_process_group_of_its_own(worker):
    assert worker.process is not None
    assert os.getpgid(worker.process.pid) == worker.process.pid != os.getpgid(0)


# -- process cap -----------------------------------------------------------------------------------

def _mounts(tmp_path: Path, line: str) -> Path:
    table = tmp_path / "mounts"
    table.write_text(f"proc /proc proc rw 0 0\n{line}\n")
    return table


def test_a_folder_holding_cgroup_files_is_not_a_cgroup_root(tmp_path):
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.procs").write_text("")
    (root / "cgroup.controllers").write_text("cpu pids\n")
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, f"tmpfs {root} tmpfs rw 0 0")) is None
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, f"cgroup2 {root} cgroup2 rw 0 0")) == root
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, f"cgroup {root} cgroup rw,pids 0 0")) == root
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, f"cgroup {root} cgroup rw,cpu 0 0")) is None
    (root / "cgroup.controllers").write_text("cpu memory\n")
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, f"cgroup2 {root} cgroup2 rw 0 0")) is None


def test_only_a_later_mount_counts(tmp_path):
    root = tmp_path / "cgroup"
    root.mkdir()
    hidden = f"cgroup {root} cgroup rw,pids 0 0\ntmpfs {root} tmpfs rw 0 0"
    assert pids_root(roots=(root,), mounts=_mounts(tmp_path, hidden)) is None


CGROUPS = pids_root()
needs_cgroups = pytest.mark.skipif(CGROUPS is None, reason="needs a writable cgroup pids hierarchy (root on "
                                   "cgroup v1 or v2)")


def _dead_pid() -> int:
    gone = subprocess.Popen(["true"])
    gone.wait()
    return gone.pid


@needs_cgroups
def test_a_stale_group_is_kept_while_it_holds_processes():
    assert CGROUPS is not None
    dead = _dead_pid()
    busy, empty = CGROUPS / f"grader-{dead}-1", CGROUPS / f"grader-{dead}-2"
    sleeper = subprocess.Popen(["sleep", "30"])
    busy.mkdir()
    empty.mkdir()
    try:
        (busy / "cgroup.procs").write_text(str(sleeper.pid))
        assert empty.name in remove_stale(CGROUPS)
        assert busy.exists() and not empty.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        for group in (busy, empty):
            if group.exists():
                group.rmdir()


@needs_cgroups
def test_a_cap_is_a_group_of_this_process_and_release_kills_what_is_left():
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    cap = ProcessCap(8)
    try:
        assert cap.attach(sleeper.pid) == "at most 8 (cgroup)"
        assert cap.group is not None and cap.group.name == f"grader-{os.getpid()}-{sleeper.pid}"
        assert (cap.group / "pids.max").read_text().strip() == "8"
        assert cap.members() == [sleeper.pid]
        group = cap.group
        cap.release()
        assert sleeper.wait(timeout=5) < 0 and not group.exists()
    finally:
        sleeper.kill()
        cap.release()


@needs_cgroups
def test_a_group_left_under_the_same_name_is_not_taken_over():
    sleeper = subprocess.Popen(["sleep", "30"])
    taken = CGROUPS / f"grader-{os.getpid()}-{sleeper.pid}"
    taken.mkdir()
    cap = ProcessCap(8)
    try:
        assert cap.attach(sleeper.pid) == "at most 8 (cgroup)"
        assert cap.group is not None and cap.group != taken and cap.group.name.startswith(taken.name + "-")
        cap.release()
        assert taken.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        cap.release()
        taken.rmdir()
