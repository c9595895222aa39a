"""The grader as a wheel file to commit next to a platform's set-up, and what is wrong with an install line.

A platform's machine must install the grader before it can grade, and this
package is not published on a public index: a generated workflow or autograder
that says ``pip install backprop-grader==VERSION`` fails before grading and the
platform records nothing. So both ``grader classroom init`` and ``grader
gradescope build`` bundle a wheel unless the instructor gives an install line,
and :func:`install_problems` names the install lines that cannot work.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.errors import UsageError

PROJECT_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
PROJECT_FOLDERS = ("grader", "reference", "assignments")
PACKAGE = "backprop-grader"
_INDEX_REQUIREMENT = re.compile(r"^\s*backprop[-_.]grader\s*(\[[^\]]*\])?\s*([<>=!~].*)?$", re.IGNORECASE)


def project_root() -> Path | None:
    """The source checkout this grader runs from (None for an installed wheel)."""
    root = Path(__file__).resolve().parents[2]
    return root if all((root / name).is_file() for name in ("pyproject.toml", "setup.py")) else None


def build_wheel(*, out_dir: Path, timeout: float = 600.0) -> Path:
    """Build this grader's wheel into ``out_dir`` (from a copy of the checkout; pip fetches the build backend).

    Raises UsageError when the grader is not run from its source checkout or the build fails.
    """
    root = project_root()
    if root is None:
        raise UsageError("this grader is installed from a wheel, so it cannot build one: pass --wheel FILE "
                         "(the wheel you installed) or --install REQUIREMENT")
    with tempfile.TemporaryDirectory(prefix="grader-wheel-") as tmp:
        copy = Path(tmp) / "project"
        copy.mkdir()
        for name in PROJECT_FILES:
            if (root / name).is_file():
                shutil.copyfile(root / name, copy / name)
        for name in PROJECT_FOLDERS:
            shutil.copytree(root / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        built = Path(tmp) / "wheel"
        try:
            proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                                   "--no-deps", "--wheel-dir", str(built), str(copy)],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise UsageError(f"building the grader's wheel took more than {timeout:g} s") from None
        wheels = sorted(built.glob("*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise UsageError("could not build the grader's wheel (pip wheel needs the setuptools build backend "
                             f"from your package index): {proc.stderr.strip()[-800:]}")
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], out_dir / wheels[0].name))


def bundle_wheel(*, wheel: Path | None, folder: Path) -> Path:
    """``wheel`` copied into ``folder`` (the file to commit), or one built there from this checkout."""
    if wheel is None:
        return build_wheel(out_dir=folder)
    if not wheel.is_file() or wheel.suffix != ".whl":
        raise UsageError(f"--wheel: {wheel} is not a wheel file (.whl)")
    target = folder / wheel.name
    if target.resolve() != wheel.resolve():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(wheel, target)
    return target


def install_problems(install: str, *, repository: Path | None = None) -> list[str]:
    """Why ``pip install <install>`` would fail on the platform's machine ([] when nothing is known to be wrong).

    ``repository``: the folder the platform checks out (relative paths are looked up there).
    """
    problems = []
    if _INDEX_REQUIREMENT.match(install):
        problems.append(f"{install!r} asks a package index for {PACKAGE}, which is not published on PyPI: pip fails "
                        "before grading and the platform records nothing. Omit --install to bundle a wheel, or "
                        "give a URL your index, Git host or course site really serves.")
    path_like = not re.match(r"^[a-z][a-z0-9+.-]*://", install) and not install.startswith("git+") and (
        "/" in install or install.endswith((".whl", ".tar.gz", ".zip")))
    if path_like:
        path = Path(install)
        if path.is_absolute():
            problems.append(f"{install!r} is a path on this machine: the platform's machine does not have it")
        elif repository is not None and not (repository / path).exists():
            problems.append(f"{install!r} is not in the repository ({repository}): commit it, or install from a URL")
    return problems
