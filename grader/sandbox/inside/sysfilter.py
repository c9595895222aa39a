"""The worker's system call filter: a seccomp BPF program, as bytes, for :func:`confine.seccomp` to install.

Standalone (standard library only). It refuses what a worker never needs: other processes' memory, the
kernel's keys and programs, mounts, namespaces (clone with namespace flags too), modules, io_uring (which
would bypass the filter); clone3 gets ENOSYS so that the C library falls back to clone, whose flags the
filter can read; and the parent-death signal may not be reset.
"""
from __future__ import annotations

import errno
import platform
import struct

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(platform.machine())
# System calls a worker never needs: other processes' memory, the kernel's keys and programs, mounts,
# namespaces (clone with namespace flags is refused too), modules, io_uring (it bypasses this filter).
_REFUSED = {
    "x86_64": {"ptrace": 101, "syslog": 103, "acct": 163, "mount": 165, "umount2": 166, "swapon": 167,
               "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171, "iopl": 172,
               "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179, "pivot_root": 155,
               "chroot": 161, "add_key": 248, "request_key": 249, "keyctl": 250, "kexec_load": 246,
               "unshare": 272, "perf_event_open": 298, "name_to_handle_at": 303, "open_by_handle_at": 304,
               "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313,
               "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
               "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
               "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442},
    "aarch64": {"ptrace": 117, "syslog": 116, "acct": 89, "mount": 40, "umount2": 39, "swapon": 224,
                "swapoff": 225, "reboot": 142, "sethostname": 161, "setdomainname": 162,
                "init_module": 105, "delete_module": 106, "quotactl": 60, "pivot_root": 41, "chroot": 51,
                "add_key": 217, "request_key": 218, "keyctl": 219, "kexec_load": 104, "unshare": 97,
                "perf_event_open": 241, "name_to_handle_at": 264, "open_by_handle_at": 265, "setns": 268,
                "process_vm_readv": 270, "process_vm_writev": 271, "finit_module": 273,
                "kexec_file_load": 294, "bpf": 280, "userfaultfd": 282, "io_uring_setup": 425,
                "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
                "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442},
}.get(platform.machine(), {})
_CLONE = {"x86_64": 56, "aarch64": 220}.get(platform.machine(), -1)
_CLONE3, _PRCTL = 435, {"x86_64": 157, "aarch64": 167}.get(platform.machine(), -1)


def program(*, namespace_flags: int, pdeathsig: int) -> bytes | None:
    """The seccomp BPF program (None: no table for this machine): refuse ``_REFUSED`` (EPERM), namespace flags on clone, clone3 (ENOSYS:
    the C library falls back to clone), and resetting the parent-death signal; allow the rest."""
    if _ARCH is None or not _REFUSED:
        return None
    LD, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
    ALLOW, EPERM, ENOSYS, KILL = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS, 0x80000000
    code: list[tuple[int, int, int, int]] = [(LD, 0, 0, 4), (JEQ, 1, 0, _ARCH), (RET, 0, 0, KILL), (LD, 0, 0, 0)]
    refused = sorted(_REFUSED.values())
    tail = 10  # the instructions after the list below, up to and including "return EPERM"
    if platform.machine() == "x86_64":
        code.append((JGE, len(refused) + tail - 1, 0, 0x40000000))  # the x32 ABI
    for index, number in enumerate(refused):
        code.append((JEQ, len(refused) - index - 1 + tail - 1, 0, number))
    code += [
        (JEQ, 0, 3, _CLONE), (LD, 0, 0, 16), (JSET, 6, 0, namespace_flags), (RET, 0, 0, ALLOW),
        (JEQ, 0, 1, _CLONE3), (RET, 0, 0, ENOSYS),
        (JEQ, 0, 3, _PRCTL), (LD, 0, 0, 16), (JEQ, 0, 1, pdeathsig),
        (RET, 0, 0, EPERM),
        (RET, 0, 0, ALLOW),
    ]
    return b"".join(struct.pack("HBBI", *op) for op in code)


def refused_count() -> int:
    """How many system calls the program refuses by number on this machine."""
    return len(_REFUSED)
