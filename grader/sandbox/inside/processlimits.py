"""The worker's own limits, applied to itself before any student code runs: resources (memory, CPU time,
file size, no core files, processes where no cgroup counts them), modules it may not import, and, with the
sandbox off, a network namespace of its own where the platform allows one.

Standalone (standard library only, and :mod:`shell` beside it for the stand-in of the grader's package).
"""
from __future__ import annotations

import builtins
import os
import sys

import shell  # beside this file: the worker's runner puts this folder first on the import path


def isolate(config: dict) -> dict:
    """Apply the sandbox settings to this process before any student code runs.

    Returns what could be done, for the result's notes: a network namespace
    needs privileges the platform may not grant.
    """
    import resource
    import signal

    done = {}
    if config.get("network") and config.get("sandbox") == "off":
        done["net"] = _unshare_network()
    limits = {"memory": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "file_size": resource.RLIMIT_FSIZE}
    for key, which in limits.items():
        if config.get(key):
            resource.setrlimit(which, (int(config[key]), int(config[key])))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if config.get("processes") and os.geteuid() != 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (int(config["processes"]), int(config["processes"])))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises OSError instead of killing
    for name in config.get("blocked", []):
        sys.modules[name] = None  # type: ignore[assignment]
    if "grader" in config.get("blocked", []):
        sys.modules["grader"] = shell.grader_stub()  # a self-check cell left in a notebook does nothing
    builtins.exit = builtins.quit = sys.exit  # type: ignore[attr-defined]  # as the site module would
    return done


def _unshare_network() -> str:
    """Move into a new, empty network namespace (no interfaces but a down loopback)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) == 0:  # CLONE_NEWNET
        return "own network namespace (no interfaces)"
    return f"off: {os.strerror(ctypes.get_errno())}"
