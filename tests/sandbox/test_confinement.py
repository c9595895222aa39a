"""The worker's confinement: its own uid, file system view, processes; seccomp; Landlock; the safe copy.

Each test loads a small student-like file in a worker (forked from a zygote and started fresh) that
probes what it can reach, and checks the answer in the grader's process.
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.submission import CopyLimits, copy_submission
from grader.sandbox.worker import Limits, Worker, isolation_possible, platform_isolation, site_view
from grader.sandbox.zygote import Zygote, ZygotePool

PLATFORM = platform_isolation()
needs_namespaces = pytest.mark.skipif(not PLATFORM.get("namespaces"), reason="no mount namespaces here")
needs_landlock = pytest.mark.skipif(not PLATFORM.get("landlock"), reason="no Landlock in this kernel")
LIMITS = Limits(load_timeout=20.0, request_timeout=10.0)

PROBE = '''
import ctypes, errno, os, threading

libc = ctypes.CDLL(None, use_errno=True)


def status():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
    return {k: fields[k].strip() for k in ("Uid", "Gid", "Groups", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Seccomp")}


def readable(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False


def writable(path):
    try:
        with open(path, "a") as handle:
            handle.write("")
        return True
    except OSError:
        return False


def refused(number, *args):
    """errno of a raw system call (0: it worked)."""
    result = libc.syscall(number, *args)
    return 0 if result >= 0 else ctypes.get_errno()


def fill(folder, chunks):
    written = 0
    try:
        for index in range(chunks):
            with open(os.path.join(folder, f"fill{index}"), "wb") as handle:
                handle.write(b"x" * (4 << 20))
            written += 1
    except OSError as exc:
        return written, exc.errno
    return written, 0


def threads_and_forks():
    box = []
    thread = threading.Thread(target=lambda: box.append(1))
    thread.start()
    thread.join()
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    return box == [1] and os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7


def leave_a_file():
    with open("/tmp/left-behind", "w") as handle:
        handle.write("x")
    return os.path.exists("/tmp/left-behind")


def signal_pid(pid):
    try:
        os.kill(pid, 0)
        return 0
    except OSError as exc:
        return exc.errno
'''


@pytest.fixture(scope="module", params=["forked", "spawned"])
def forker(request):
    if request.param == "spawned":
        yield None
        return
    zygote = Zygote(LIMITS)
    yield zygote
    zygote.close()


@contextmanager
def _worker(tmp_path: Path, forker, source: str = PROBE, limits: Limits = LIMITS) -> Iterator[Worker]:
    """A worker that has loaded ``source``, closed afterwards."""
    lab = tmp_path / "lab.py"
    lab.write_text(source)
    with Worker(files=[lab], limits=limits, forker=forker) as worker:
        worker.load({"path": "lab.py"})
        yield worker


def call(worker: Worker, name: str, *args):
    return worker.call(Ref.name(name), *args)


def test_the_platform_allows_some_isolation():
    assert isolation_possible(PLATFORM), PLATFORM


@needs_namespaces
def test_the_worker_has_its_own_uid_and_no_capabilities(tmp_path, forker):
    with _worker(tmp_path, forker) as worker:
        facts = call(worker, "status")
        assert worker.isolation["uid"].startswith(("a dedicated uid", "uid/gid 1000 of a user namespace"))
    uid = int(facts["Uid"].split()[0])
    assert uid != os.getuid() and uid != 0, facts
    assert facts["Uid"].split() == [facts["Uid"].split()[0]] * 4 and facts["Groups"] == ""
    assert int(facts["CapEff"], 16) == int(facts["CapPrm"], 16) == int(facts["CapBnd"], 16) == 0
    assert facts["NoNewPrivs"] == "1" and facts["Seccomp"] == "2"


@needs_namespaces
def test_the_worker_sees_a_read_only_root_with_only_what_it_needs(tmp_path, forker):
    secret = tmp_path / "classmate.py"
    secret.write_text("x = 1\n")
    with _worker(tmp_path, forker) as worker:
        assert call(worker, "readable", "/usr/lib/os-release") or call(worker, "readable", "/etc/ld.so.cache")
        for path in (ROOT / "reference" / "network.py", ROOT / "grader" / "__init__.py", secret, "/etc/shadow",
                     "/etc/passwd", f"/proc/{os.getpid()}/cmdline", os.path.expanduser("~/.bash_history")):
            assert not call(worker, "readable", str(path)), path
        for path in ("/usr/evil.py", str(site_view() / "evil.py"), str(site_view() / "numpy" / "__init__.py"),
                     "/evil", "/dev/evil"):
            assert not call(worker, "writable", path), path
        assert call(worker, "writable", "lab_notes.txt") and call(worker, "writable", "/tmp/notes.txt")
        assert "read-only root" in worker.isolation["mount"]


@needs_namespaces
def test_the_scratch_has_a_quota_and_nothing_in_it_survives(tmp_path, forker):
    limits = Limits(load_timeout=20.0, request_timeout=20.0, scratch=16 * 2**20)
    zygote = Zygote(limits) if forker is not None else None
    try:
        for _ in range(2):
            with _worker(tmp_path, zygote, limits=limits) as worker:
                assert not call(worker, "readable", "/tmp/left-behind"), "a file of the previous worker survived"
                assert call(worker, "leave_a_file")
                written, code = call(worker, "fill", "/tmp", 8)
                assert written < 4 and code == 28, (written, code)  # ENOSPC: 16 MiB hold at most 3 files of 4 MiB
    finally:
        if zygote is not None:
            zygote.close()
    assert not Path("/tmp/left-behind").exists()


@needs_namespaces
def test_the_worker_is_alone_in_its_pid_namespace(tmp_path, forker):
    with _worker(tmp_path, forker, PROBE + "import os\npids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n") as worker:
        assert worker.get(Ref.name("pids")) == [1]
        assert call(worker, "signal_pid", os.getpid()) == 3  # ESRCH: the grader does not exist there
        assert worker.isolation["pid"].startswith("own PID namespace")


@needs_namespaces
def test_seccomp_refuses_what_a_worker_never_needs_and_leaves_threads_and_fork(tmp_path, forker):
    import platform

    if platform.machine() != "x86_64":
        pytest.skip("system call numbers of x86_64")
    with _worker(tmp_path, forker) as worker:
        assert call(worker, "refused", 101, 0, 1, 0, 0) == 1  # ptrace(PTRACE_ATTACH, 1): EPERM
        assert call(worker, "refused", 272, 0x10000000) == 1  # unshare(CLONE_NEWUSER)
        assert call(worker, "refused", 250, 0) == 1  # keyctl
        assert call(worker, "refused", 321, 0, 0, 0) == 1  # bpf
        assert call(worker, "refused", 165, 0, 0, 0, 0, 0) == 1  # mount
        assert call(worker, "refused", 157, 1, 0) == 1  # prctl(PR_SET_PDEATHSIG): it dies with its babysitter
        assert call(worker, "threads_and_forks") is True
        assert worker.isolation["seccomp"].endswith("refused, and namespaces on clone")


@needs_landlock
def test_landlock_alone_keeps_the_grader_files_out_of_reach(tmp_path):
    limits = Limits(load_timeout=20.0, request_timeout=10.0, sandbox="landlock")
    with _worker(tmp_path, None, limits=limits) as worker:
        assert worker.isolation["landlock"].startswith("ABI")
        assert worker.isolation["mount"].startswith("off")
        for path in (ROOT / "reference" / "network.py", ROOT / "grader" / "__init__.py", "/etc/passwd"):
            assert not call(worker, "readable", str(path)), path
        assert not call(worker, "writable", str(site_view() / "evil.py"))
        assert call(worker, "writable", "lab_notes.txt")
        import numpy

        assert call(worker, "readable", numpy.__file__.replace(os.path.dirname(os.path.dirname(numpy.__file__)),
                                                              str(site_view())))


def test_without_the_sandbox_the_result_says_it_is_unprotected(tmp_path):
    from grader.results import SubmissionResult

    with _worker(tmp_path, None, "x = 1\n", Limits(sandbox="off")) as worker:
        isolation = dict(worker.isolation)
    assert all(isolation[k].startswith("off") for k in ("uid", "mount", "landlock", "seccomp"))
    assert SubmissionResult(student="s", submission="s.py", assignment="a", checks=(), isolation=isolation).unprotected


def test_a_dead_pre_warmed_process_is_replaced(tmp_path):
    pool = ZygotePool(size=1, limits=LIMITS)
    try:
        with pool.lend() as zygote:
            zygote.process.kill()
            zygote.process.wait()
            lab = tmp_path / "lab.py"
            lab.write_text("x = 1\n")
            with pytest.raises(Exception):
                Worker(files=[lab], limits=LIMITS, forker=zygote).start()
        with pool.lend() as fresh:
            assert fresh.alive and fresh is not zygote
            with _worker(tmp_path, fresh, "x = 2\n") as worker:
                assert worker.get(Ref.name("x")) == 2.0
    finally:
        pool.close()


# -- copying a submission ---------------------------------------------------------------------------

def test_the_copy_leaves_out_links_that_loop_or_lead_out_and_keeps_links_to_files_inside(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "lab.py").write_text("x = 1\n")
    (folder / "data").mkdir()
    (folder / "data" / "table.csv").write_text("1,2\n")
    outside = tmp_path / "classmate.py"
    outside.write_text("secret = 1\n")
    for name, target in {"loop": ".", "self": "self", "up": "..", "out.py": str(outside), "passwd": "/etc/passwd",
                         "alias.py": "lab.py", "dangling": "nowhere", "chain": "loop/loop/loop"}.items():
        os.symlink(target, folder / name)
    os.mkfifo(folder / "pipe")
    started = time.monotonic()
    copy_submission(folder, tmp_path / "copy", limits=CopyLimits())
    assert time.monotonic() - started < 5
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*"))
    assert copied == ["alias.py", "data", "data/table.csv", "lab.py"]
    assert not any(p.is_symlink() for p in (tmp_path / "copy").rglob("*"))
    assert (tmp_path / "copy" / "alias.py").read_text() == "x = 1\n"


@pytest.mark.parametrize("limits, layout, message", [
    (CopyLimits(files=10), {f"f{i}.py": 1 for i in range(11)}, "too many files"),
    (CopyLimits(total=1 << 20), {"big.bin": 2 << 20}, "larger than"),
    (CopyLimits(depth=3), {"a/b/c/d/e/f.py": 1}, "nests deeper"),
])
def test_the_copy_has_caps(tmp_path, limits, layout, message):
    folder = tmp_path / "student"
    for name, size in layout.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
    with pytest.raises(SubmissionFailure, match=message) as failure:
        copy_submission(folder, tmp_path / "copy", limits=limits)
    assert failure.value.kind == "invalid-file"


def test_the_copy_has_a_deadline(tmp_path):
    folder = tmp_path / "student"
    for index in range(50):
        (folder / f"d{index}").mkdir(parents=True)
        (folder / f"d{index}" / "f.py").write_text("x = 1\n")
    with pytest.raises(SubmissionFailure, match="took more than"):
        copy_submission(folder, tmp_path / "copy", limits=CopyLimits(deadline=0.0))


def test_a_linked_submission_file_is_refused(tmp_path):
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    os.symlink(real, tmp_path / "lab.py")
    with pytest.raises(SubmissionFailure, match="symbolic link"):
        copy_submission(tmp_path / "lab.py", tmp_path / "copy.py", limits=CopyLimits())
