"""Confinement of a worker: its own uid, file system view, processes, network; seccomp; Landlock.

Standalone (standard library only, through ``ctypes``): it runs in the
zygote and in the worker before any student code. The steps, in order:

1. ``private_mounts`` (the zygote once, or a lone worker): a mount namespace of
   its own (and, when not root, a user namespace mapping uid ``INNER_UID`` to
   the grader's uid), where ``build_root`` assembles a minimal root on a
   tmpfs at ``stage``: read-only bind mounts of ``/usr``, the Python prefix, each
   entry of the site view, the worker's own code and a few ``/dev`` nodes, with
   every site-packages folder masked by an empty file system.
2. ``spawn`` (each worker): new mount, PID, network, IPC and UTS namespaces,
   then a fork: the child is PID 1 of the new PID namespace and the only one
   that goes on; the parent stays outside as a babysitter that relays the
   child's exit status (the child dies with it: parent-death signal). A
   zygote running as root makes the PID namespace at its own fork instead.
3. ``enter`` (the child): a size-capped tmpfs as ``/tmp`` holding a copy of the
   worker's folder, a fresh ``/proc``, then the read-only root becomes ``/`` (moved there, then chroot).
4. ``drop``: no supplementary groups, a dedicated uid/gid (root) or the user
   namespace's uid, no capabilities (bounding and ambient sets emptied),
   ``no_new_privs``, then a seccomp filter. Where no namespace may be made,
   Landlock limits the file system instead.

Each step says what it achieved; the worker reports it as ``isolation``.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import shutil
import signal
import struct
import sys

import sysfilter  # beside this file: the worker's runner puts this folder first on the import path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP = 0x10000000, 0x20000000, 0x40000000, 0x02000000
NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 1, 38, 24, 47
PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_CAP_AMBIENT_CLEAR_ALL = 22, 2, 4
INNER_UID = 1000  # the worker's uid inside a user namespace (the grader is not root)
UID_BASE = 2_000_000_000  # as root: each worker gets UID_BASE + its babysitter's pid (no such user exists)
ROOT_SIZE = "size=8m"
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class ConfineError(OSError):
    """A confinement step the platform refused."""


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise ConfineError(code, f"{what}: {os.strerror(code)}")
    return result


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def _prctl(option: int, arg: int = 0, arg3: int = 0) -> int:
    return _check(_libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg3), 0, 0), f"prctl {option}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


# -- 1. the shared read-only root ------------------------------------------------------------------
def private_mounts() -> str:
    """Enter a mount namespace of one's own (with a user namespace when not root); returns how.

    Must run while the process has one thread. Raises ConfineError if the platform allows neither.
    """
    uid, gid = os.geteuid(), os.getegid()
    if uid == 0:
        try:
            _check(_libc.unshare(CLONE_NEWNS), "unshare")
            mode = "root"
        except ConfineError:
            mode = ""
    else:
        mode = ""
    if not mode:
        _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare (user namespace)")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{INNER_UID} {uid} 1")
        _write("/proc/self/gid_map", f"{INNER_UID} {gid} 1")
        mode = "userns"
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    return mode


def _locked_flags(path: str) -> int:
    """Flags of the mount holding ``path`` that a bind remount must keep (a user namespace may not clear them)."""
    try:
        flags = os.statvfs(path).f_flag
    except OSError:
        return 0
    kept = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC)):
        if flags & st:
            kept |= ms
    return kept


def _bind(source: str, target: str, *, writable: bool = False) -> None:
    """Bind ``source`` at ``target`` (created as a directory or an empty file), read-only unless ``writable``."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    _mount(source, target, None, MS_BIND)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | _locked_flags(source) | (0 if writable else MS_RDONLY)
    _mount(None, target, None, flags)


def _inside(root: str, path: str) -> str:
    return os.path.join(root, os.path.abspath(path).lstrip("/"))


def readable_paths(config: dict, *, entries: bool = True) -> list[tuple[str, str]]:
    """(source, path in the root) of everything a worker may read: system libraries, Python, its packages.

    With ``entries`` each entry of the site view is listed (Landlock's rules); without, the view and the
    package folders it links into, whole (a root's bind mounts: fewer mounts, each hidden entry masked).
    """
    pairs = [("/usr", "/usr")]
    for name in ("etc/ld.so.cache", "etc/localtime"):
        if os.path.isfile("/" + name):
            pairs.append(("/" + name, "/" + name))
    for prefix in sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.base_exec_prefix)}):
        if not prefix.startswith("/usr/"):
            pairs.append((prefix, prefix))
    for view in config.get("path", []):
        links = [os.path.join(view, name) for name in sorted(os.listdir(view)) if not name.startswith(".")]
        if entries:
            pairs += [(os.path.realpath(link), link) for link in links]
        else:
            folders = sorted({os.path.dirname(os.path.realpath(link)) for link in links})
            pairs += [(folder, folder) for folder in folders if not _covered(folder, pairs)]
            pairs.append((view, view))
    here = os.path.dirname(os.path.abspath(__file__))
    pairs.append((here, here))
    return pairs


def _covered(path: str, pairs: list[tuple[str, str]]) -> bool:
    return any(path == target or path.startswith(target.rstrip("/") + "/") for _, target in pairs)


def hidden_entries(config: dict) -> list[str]:
    """Entries of the package folders a worker must not see (the grader, the reference, their install hooks)."""
    hidden = tuple(config.get("hidden", ()))
    found = []
    for folder in config.get("mask", []):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [os.path.join(folder, n) for n in sorted(names) if hidden and n.lower().startswith(hidden)]
    return found


def build_root(stage: str, config: dict) -> int:
    """Assemble the worker's root at ``stage`` (in a private mount namespace); returns the mounts made."""
    _mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, ROOT_SIZE + ",mode=0755")
    count = 0
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if os.path.islink("/" + name):
            os.symlink(os.readlink("/" + name), _inside(stage, "/" + name))
        elif os.path.isdir("/" + name):
            _bind("/" + name, _inside(stage, "/" + name))
            count += 1
    for node in ("null", "zero", "full", "random", "urandom"):
        _bind("/dev/" + node, _inside(stage, "/dev/" + node), writable=True)
        count += 1
    count += _readable(stage, config)
    for folder in ("/tmp", config["tmp"], "/proc"):
        os.makedirs(_inside(stage, folder), exist_ok=True)
    return count


def _readable(stage: str, config: dict, *, under: tuple[str, ...] = ()) -> int:
    """Bind what a worker may read into the root at ``stage`` and mask the hidden entries; with ``under``,
    only what lies in those folders (the scratch tmpfs mounted over them would hide it otherwise: a
    checkout, a virtual environment or the grader's cache folder may live in the temporary folder)."""
    within = [(folder, folder) for folder in under]
    count = 0
    for source, target in readable_paths(config, entries=False):
        if not under or _covered(target, within):
            _bind(source, _inside(stage, target))
            count += 1
    for entry in hidden_entries(config):
        if under and not _covered(entry, within):
            continue
        target = _inside(stage, entry)
        if os.path.isdir(target) and not os.path.islink(target):
            _mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
            count += 1
        elif os.path.isfile(target) and not os.path.islink(target):
            _bind("/dev/null", target)
            count += 1
    return count


# -- 2. the worker's own namespaces --------------------------------------------------------------
def spawn(mode: str) -> dict:
    """Enter new namespaces and fork; returns (in the child, PID 1 of its namespace) what held.

    The calling process becomes the child's babysitter: it never returns, and ends as the child ends.
    A process that already is PID 1 of a new namespace (made by the zygote at its fork) needs none.
    """
    done: dict = {}
    if os.getpid() == 1:  # a zygote made this PID namespace at its fork: no babysitter needed
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
        done.update(pid="own PID namespace (and IPC, UTS)", net="own network namespace (no interfaces)")
        done["keeper"] = int(os.readlink("/proc/self"))  # this process's pid outside (the old /proc's view)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # dies with the zygote
        return done
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    try:
        _check(_libc.unshare(flags), "unshare")
        done.update(pid="own PID namespace (and IPC, UTS)", net="own network namespace (no interfaces)")
    except ConfineError as exc:
        done["pid"] = done["net"] = f"off: {exc.strerror}"
    keeper = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD})
    child = os.fork()
    if child == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGCHLD})
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != keeper and os.getpid() != 1:  # the babysitter died before the line above
            os._exit(70)
        done["keeper"] = keeper
        return done
    _babysit(child)
    raise AssertionError("unreachable")


def _babysit(child: int) -> None:
    """Relay signals to ``child``, wait for it, and end as it ended (the same signal, or exit status)."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, 65536)  # the child alone holds the pipes: its death closes them
    while True:
        sig = signal.sigwait({signal.SIGINT, signal.SIGTERM, signal.SIGCHLD})
        if sig != signal.SIGCHLD:
            try:
                os.kill(child, sig)
            except ProcessLookupError:
                pass
            continue
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid == child:
            break
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        signal.signal(-code, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {-code})
        os.kill(os.getpid(), -code)
        code = 128 - code
    os._exit(code & 0xFF)


# -- 3. the view ------------------------------------------------------------------------------------
def _copy_owned(source: str, target: str, uid: int) -> None:
    """Copy the worker's folder (already a safe copy made by the grader) into the scratch, owned by ``uid``."""
    if source != target:
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".stage", "ipc"))
    if os.geteuid() == 0:
        for top, dirs, files in os.walk(target):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(top, name), uid, uid)
        os.lchown(target, uid, uid)


def enter(stage: str, *, home: str, config: dict, uid: int) -> str:
    """Move into the root at ``stage`` with a fresh scratch tmpfs (``config["scratch"]`` bytes) as ``/tmp``."""
    tmp = config["tmp"]
    scratch = _inside(stage, tmp)
    owner = f",uid={uid},gid={uid}" if os.geteuid() == 0 else ""
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(config['scratch'])},mode=1777{owner}")
    if tmp != "/tmp":
        _mount(scratch, _inside(stage, "/tmp"), None, MS_BIND)
    _readable(stage, config, under=tuple(sorted({tmp, "/tmp"})))
    _copy_owned(home, _inside(stage, home), uid)
    for shared in config.get("share", []):  # a kernel's sockets: the grader must reach them
        _bind(shared, _inside(stage, shared), writable=True)
    proc = "own /proc"
    try:
        _mount("proc", _inside(stage, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except ConfineError as exc:
        proc = f"no /proc ({exc.strerror})"
    _mount(None, stage, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    # Switch root as switch_root does: the root moved onto "/", then chroot. The old tree stays mounted
    # beneath, shadowed and out of reach (no file descriptor into it is left, chroot needs a capability
    # and seccomp refuses it); unmounting it here would cost a wait for RCU on every worker start.
    os.chdir(stage)
    _mount(".", "/", None, MS_MOVE)
    os.chroot(".")
    os.chdir("/")
    try:
        _libc.sethostname(b"sandbox", 7)
    except AttributeError:
        pass
    size = int(config["scratch"]) // 2**20
    return f"read-only root of {config.get('mounts', 0)} bind mounts, {size} MiB scratch tmpfs as /tmp, {proc}"


# -- 4. identity, capabilities, seccomp, Landlock --------------------------------------------------
def drop(mode: str, uid: int) -> str:
    """Leave every capability and become ``uid`` (root) or stay the user namespace's unprivileged uid."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) < 0 and ctypes.get_errno() == errno.EINVAL:
            break
    _libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    if mode == "root":
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # all capabilities go with uid 0
    else:
        header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        _check(_libc.capset(header, bytes(24)), "capset")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a uid change cleared it
    how = (f"a dedicated uid/gid of its own (above {UID_BASE})" if mode == "root"
           else f"uid/gid {INNER_UID} of a user namespace (the grader's uid outside it)")
    return f"{how}, no supplementary groups, no capabilities, no_new_privs"


def seccomp() -> str:
    """Install :mod:`sysfilter`'s program on this process (after ``no_new_privs``)."""
    program = sysfilter.program(namespace_flags=NAMESPACE_FLAGS, pdeathsig=PR_SET_PDEATHSIG)
    if program is None:
        return f"off: no system call table for {platform.machine()}"
    buffer = ctypes.create_string_buffer(program)
    fprog = ctypes.create_string_buffer(struct.pack("HxxxxxxQ", len(program) // 8, ctypes.addressof(buffer)))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
    return f"{sysfilter.refused_count()} system calls refused, and namespaces on clone"


def landlock_abi() -> int:
    result = _libc.syscall(444, None, 0, 1)  # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return int(result) if result > 0 else 0


def landlock(config: dict, *, writable: list[str]) -> str:
    """Without a mount namespace: read-only access to what a worker reads, full access to its folder."""
    abi = landlock_abi()
    if not abi:
        return "off: not supported by this kernel"
    every = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0) | (1 << 15 if abi >= 5 else 0)
    read, file_only = 1 | 4 | 8, 1 | 2 | 4 | (1 << 14 if abi >= 3 else 0) | (1 << 15 if abi >= 5 else 0)
    ruleset = _check(_libc.syscall(444, struct.pack("Q", every), 8, 0), "landlock_create_ruleset")
    rules = [(p, read) for _, p in readable_paths(config)] + [(p, read) for p in ("/bin", "/lib", "/lib64")]
    rules += [(p, read) for p in config.get("path", [])]
    rules += [(p, every) for p in writable] + [("/dev/null", 2 | 4), ("/dev/urandom", 4)]
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                allowed = access if os.path.isdir(path) else access & file_only
                rule = struct.pack("=Qi", allowed, fd)
                _check(_libc.syscall(445, ruleset, 1, rule, 0), f"landlock rule {path}")
            finally:
                os.close(fd)
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
        _check(_libc.syscall(446, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return f"ABI {abi}: read-only Python and packages, read-write own folder only"


def _reachable(path: str) -> bool:
    """Whether any user may reach and read ``path`` (every folder above it searchable by others)."""
    path = os.path.realpath(path)
    while path != "/":
        if not os.stat(path).st_mode & 0o001:  # others may not search (folders) or run (files) it
            return False
        path = os.path.dirname(path)
    return True


def probe() -> dict:
    """What this platform allows (run in a throw-away process): the grader decides before grading."""
    found: dict = {"root": os.geteuid() == 0, "landlock": landlock_abi()}
    pid = os.fork()
    if pid == 0:
        try:
            private_mounts()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    found["namespaces"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    return found


# -- the whole sequence ---------------------------------------------------------------------------------
OFF = {key: "off: sandbox turned off (insecure)" for key in ("uid", "mount", "pid", "net", "landlock", "seccomp")}


def prepare(config: dict, stage: str) -> str:
    """Once per zygote or lone worker, while it has one thread: the private mount namespace and the
    root at ``stage``. Returns the mode for :func:`confine_worker` ("" when no namespace may be made)."""
    if config.get("sandbox") == "off":
        return "off"
    if config.get("sandbox") == "landlock":
        config["unavailable"] = "namespaces not used (Landlock asked for)"
        return ""
    try:
        mode = private_mounts()
        config["mounts"] = build_root(stage, config)
    except (ConfineError, OSError) as exc:
        config["unavailable"] = str(exc)
        return ""
    return mode


def confine_worker(config: dict, *, mode: str, home: str, stage: str) -> dict:
    """Become the worker: new namespaces, the root, own uid, no capabilities, seccomp; returns what held.

    The calling process stays behind as the worker's babysitter (it never returns from here).
    """
    if mode == "off":
        return dict(OFF)
    done = spawn(mode)
    keeper = done.pop("keeper")
    if mode:
        uid = UID_BASE + keeper if mode == "root" else INNER_UID
        done["mount"] = enter(stage, home=home, config=config, uid=uid)
        done["landlock"] = "not needed: own mount namespace"
        done["uid"] = drop(mode, uid)
    else:
        why = config.get("unavailable", "no mount namespace")
        done["mount"] = f"off: {why}"
        done["landlock"] = landlock(config, writable=[home])
        if os.geteuid() == 0 and all(_reachable(p) for _, p in readable_paths(config)):
            uid = UID_BASE + keeper
            _copy_owned(home, home, uid)
            os.chmod(os.path.dirname(home), os.stat(os.path.dirname(home)).st_mode | 0o001)
            os.chmod(home, 0o711)
            done["uid"] = drop("root", uid)
        elif os.geteuid() == 0:
            done["uid"] = "off: Python or its packages are not readable by other users"
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
        else:
            done["uid"] = f"off: runs as the grader's uid {os.getuid()} ({why})"
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
    done["seccomp"] = seccomp()
    return done
