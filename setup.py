"""Build hook: the built-in assignments (``assignments/``) ship inside the package as ``grader/assignments``,
without their solutions.

Everything else is configured in ``pyproject.toml``. An editable install reads
``<repo>/assignments`` directly (see ``grader.spec.assignment.builtin_folder``); a
wheel or an sdist build copies the folder into the package, so an installed
grader has its assignments wherever it is installed.
"""
from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ASSIGNMENTS = Path(__file__).resolve().parent / "assignments"


def shipped(path: Path) -> bool:
    """Specs, starter notebooks and any other files of an assignment, but never a solution: students
    install the grader to check their own work."""
    return path.is_file() and not path.name.startswith("solution") and "__pycache__" not in path.parts


class BuildWithAssignments(build_py):
    """``build_py`` plus a copy of ``assignments/`` into ``<build>/grader/assignments``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not ASSIGNMENTS.is_dir():
            return
        target = Path(self.build_lib) / "grader" / "assignments"
        for source in sorted(ASSIGNMENTS.rglob("*")):
            if shipped(source):
                destination = target / source.relative_to(ASSIGNMENTS)
                self.mkpath(str(destination.parent))
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildWithAssignments})
