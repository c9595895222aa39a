"""What a worker is started with: its :class:`Limits`, the site view of the packages it may import, its
environment and the configuration it applies to itself (:func:`worker_config`), and what the platform
allows (:func:`platform_isolation`).

Kept apart from :mod:`grader.sandbox.worker` and free of NumPy so that a pre-warmed worker can be started
(:mod:`grader.sandbox.zygote`) before the grader loads anything else.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.sandbox.warmup import cache_root

RUNNER = Path(__file__).parent / "inside" / "runner.py"


BLOCKED_PACKAGES = ("grader", "reference")
_HIDDEN_PREFIXES = ("grader", "reference", "backprop_grader", "__editable__", "_sandboxing")


@dataclass(frozen=True)
class Limits:
    """Limits on one worker process (seconds, bytes, counts)."""

    load_timeout: float = 60.0
    request_timeout: float = 10.0
    program_timeout: float = 120.0
    cpu_time: int = 600
    output_cap: int = 64 * 1024
    output_kill: int = 16 * 1024 * 1024
    memory: int | None = 1024**3
    file_size: int = 64 * 1024 * 1024
    processes: int = 64
    network: bool = True
    # "auto": namespaces, own uid, seccomp (Landlock where no namespace may be made); "landlock": Landlock
    # and own uid even where namespaces would do (to test that way); "off": the worker as it was (insecure)
    sandbox: str = "auto"
    scratch: int = 64 * 1024 * 1024  # the worker's tmpfs: its folder and /tmp


def _site_folders() -> list[Path]:
    return [Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]


def _visible(name: str) -> bool:
    return not name.lower().startswith(_HIDDEN_PREFIXES) and not name.endswith(".pth")


def site_view(cache: Path | None = None) -> Path:
    """A folder of links to the grader's installed packages, less the grader and the reference.

    The worker runs with ``-S`` and this folder as its only site directory, so
    the student's code can import NumPy and matplotlib but not ``grader`` or
    ``reference`` (``.pth`` files, which editable installs use, are not run).
    Built once per set of installed packages under the user's cache folder
    (links are slow to make on some file systems) and shared by every worker.
    """
    entries: dict[str, Path] = {}
    for folder in _site_folders():
        for entry in sorted(folder.iterdir()):
            if _visible(entry.name):  # linked where it really is: a worker's root binds only real folders
                entries.setdefault(entry.name, Path(os.path.realpath(entry)))
    key = hashlib.sha256("\n".join(f"{n}={p}" for n, p in sorted(entries.items())).encode()).hexdigest()[:16]
    root = cache or cache_root()
    view = root / f"site-{sys.version_info.major}{sys.version_info.minor}-{key}"
    if (view / ".complete").exists():
        if view.stat().st_mode & 0o777 != 0o755:
            view.chmod(0o755)  # a sandboxed worker reads it as a uid of its own (read-only: a bind mount)
        return view
    try:
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="site-", dir=root))
    except OSError:
        root = Path(tempfile.mkdtemp(prefix="grader-site-"))
        building, view = root / "building", root / "site"
        building.mkdir()
    for name, entry in entries.items():
        os.symlink(entry, building / name)
    (building / ".complete").touch()
    building.chmod(0o755)
    try:
        building.rename(view)
    except OSError:  # another grader finished the same view first
        shutil.rmtree(building, ignore_errors=True)
    return view


def clean_env(home: str) -> dict[str, str]:
    """The whole environment of a worker: fixed values, nothing from the grader's own."""
    return {
        "PATH": os.defpath,
        "HOME": home,
        "TMPDIR": home,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": home,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
        "MALLOC_ARENA_MAX": "2",
    }


def _package_folders() -> list[str]:
    """Every folder packages may be installed in: hidden in a worker's root (the view's entries are not)."""
    import site

    found = {str(p) for p in _site_folders()} | set(site.getsitepackages()) | {site.getusersitepackages()}
    return sorted(os.path.realpath(p) for p in found if os.path.isdir(p))


def _mask_folders(view: Path) -> list[str]:
    """The package folders, and every folder the site ``view`` links into: a worker's root binds those
    whole, so the grader's own entries in them are masked there."""
    linked = {os.path.dirname(os.readlink(link)) for link in view.iterdir() if link.is_symlink()}
    return sorted(set(_package_folders()) | linked)


def worker_config(limits: Limits) -> dict[str, Any]:
    """What a worker applies to itself before running student code (see ``runner.isolate`` and
    ``inside/confine.py``)."""
    view = site_view()
    return {
        "path": [str(view)],
        "sandbox": limits.sandbox,
        "scratch": limits.scratch,
        "tmp": os.path.realpath(tempfile.gettempdir()),
        "mask": _mask_folders(view),
        "hidden": list(_HIDDEN_PREFIXES),
        "memory": limits.memory,
        "cpu": limits.cpu_time,
        "file_size": limits.file_size,
        "processes": limits.processes,
        "network": limits.network,
        "blocked": list(BLOCKED_PACKAGES),
    }


def platform_isolation() -> dict[str, Any]:
    """What this platform lets a worker have, found once in a throw-away process: ``namespaces`` (mount and
    PID namespaces, with a user namespace when not root), ``landlock`` (its ABI version, 0 if none),
    ``root`` (a dedicated uid may be taken)."""
    home = tempfile.gettempdir()
    try:
        done = subprocess.run([sys.executable, "-I", "-S", str(RUNNER), "probe", "-",
                               json.dumps({"path": [str(site_view())]})],
                              capture_output=True, timeout=60, env=clean_env(home), cwd=home, check=True)
        return dict(json.loads(done.stdout))
    except (OSError, subprocess.SubprocessError, ValueError):
        return {"namespaces": False, "landlock": 0, "root": False}


def isolation_possible(found: dict[str, Any]) -> bool:
    """Whether workers get at least one of the identity and file system protections."""
    return bool(found.get("namespaces") or found.get("landlock") or found.get("root"))
