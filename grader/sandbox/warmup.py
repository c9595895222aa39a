"""Warm-ups workers may share: matplotlib's font list, built once per installation and user.

A worker's ``MPLCONFIGDIR`` is its own scratch folder, new for every submission, where matplotlib
would rebuild its font list (``fontlist-v<version>.json``, a scan of every font on the machine) the
first time the student's code imports it: a tenth of a second here, a second or more on machines with
many fonts. The grader builds that list once, in a process of its own that runs no student code, in
its cache folder, and copies it into each worker's folder before the worker starts. A worker may read
or change its copy; the grader's is never in its folder.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FONT_LISTS = "fontlist-*.json"
BUILD_TIMEOUT = 120.0  # seconds; past it the workers build their own list, as without a cache


def cache_root() -> Path:
    """The grader's own cache folder (``$XDG_CACHE_HOME/backprop-grader``, else ``~/.cache/backprop-grader``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "backprop-grader"


def _matplotlib_key() -> str | None:
    """Names the installed matplotlib (its version and place), or None when there is none."""
    found = []
    for folder in sys.path:
        if folder.endswith(("site-packages", "dist-packages")) and os.path.isdir(folder):
            found += [os.path.join(folder, name) for name in os.listdir(folder)
                      if name.lower().startswith("matplotlib-") and name.endswith(".dist-info")]
    if not found:
        return None
    return hashlib.sha256("\n".join([sys.executable, *sorted(found)]).encode()).hexdigest()[:16]


def font_cache(*, root: Path | None = None) -> Path | None:
    """The folder holding matplotlib's font list for this installation, built on first use.

    None when there is no matplotlib or the list could not be built (each worker then builds its own).
    """
    key = _matplotlib_key()
    if key is None:
        return None
    root = root or cache_root()
    folder = root / f"mplconfig-{key}"
    if (folder / ".complete").exists():
        return folder
    try:
        root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix="mplconfig-", dir=root))
    except OSError:
        return None
    try:  # the grader's interpreter and packages, no student code: the list is the grader's own
        subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                       env={"PATH": os.defpath, "HOME": str(building), "MPLCONFIGDIR": str(building),
                            "MPLBACKEND": "Agg"},
                       cwd=building, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=BUILD_TIMEOUT, check=True)
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(building, ignore_errors=True)
        return None
    (building / ".complete").touch()
    try:
        building.rename(folder)
    except OSError:  # another grader finished first
        shutil.rmtree(building, ignore_errors=True)
    return folder if (folder / ".complete").exists() else None


def prepare_mplconfig(folder: Path, *, root: Path | None = None) -> list[Path]:
    """Copy the grader's font list into ``folder`` (a worker's ``MPLCONFIGDIR``, before it starts).

    A file of the same name already there (the student's own) is left alone. Returns the copies made.
    """
    cache = font_cache(root=root)
    copies = []
    for source in sorted(cache.glob(FONT_LISTS)) if cache is not None else ():
        target = folder / source.name
        if not target.exists():
            shutil.copyfile(source, target)
            copies.append(target)
    return copies
