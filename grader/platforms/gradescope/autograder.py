"""``grader gradescope build``: the autograder zip to upload to a Gradescope programming assignment.

The zip holds ``setup.sh`` (Gradescope runs it once, as root, when it builds
the image: it makes a Python 3.11+ virtual environment in ``/autograder/venv``
and installs the grader into it), ``run_autograder`` (run for every
submission: it grades ``/autograder/submission`` and writes
``/autograder/results/results.json``), the assignment's spec, and optionally
the grader's wheel, for courses that install it from a file rather than an
index.
"""
from __future__ import annotations

import shlex
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.spec.assignment import Assignment
from grader.errors import OutputExistsError, UsageError

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (as root, in /autograder/source).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # the grader needs Python 3.11 or newer; older images get it from the deadsnakes archive
    apt-get install -y -q software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update -q
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
/autograder/venv/bin/python -m pip install --quiet --disable-pip-version-check {install}
/autograder/venv/bin/grader --version
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission; the student's files are in $ROOT/submission.
# AUTOGRADER_ROOT and GRADER exist for a trial run on your own machine; Gradescope sets neither.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
GRADER="${{GRADER:-$ROOT/venv/bin/grader}}"
mkdir -p "$ROOT/results"
cd "$ROOT"
"$GRADER" check "$ROOT/submission" --assignment "$ROOT/source/{spec}" \\
    --format gradescope --output "$ROOT/results/results.json" --timeout {timeout:g}
status=$?
# 0: full marks, 1: graded with points lost; anything else means the grader could not run (see the log)
if [ "$status" -le 1 ]; then exit 0; fi
exit "$status"
"""


@dataclass(frozen=True)
class Autograder:
    """What goes into the autograder zip."""

    assignment: Assignment
    install: str
    wheel: Path | None = None
    timeout: float = 60.0

    @property
    def spec_name(self) -> str:
        if self.assignment.source is None:
            raise UsageError(f"assignment {self.assignment.name!r} has no spec file to put in the autograder")
        return "spec" + self.assignment.source.suffix

    def requirement(self) -> str:
        """What setup.sh installs: the bundled wheel, or the pip requirement."""
        if self.wheel is not None:
            return shlex.quote(f"/autograder/source/{self.wheel.name}")
        return shlex.quote(self.install)

    def files(self) -> dict[str, tuple[bytes, bool]]:
        """``name -> (content, executable)`` for every file of the zip."""
        spec_name, source = self.spec_name, self.assignment.source  # spec_name raises without a spec file
        assert source is not None
        files = {
            "setup.sh": (SETUP_SH.format(install=self.requirement()).encode(), True),
            "run_autograder": (RUN_AUTOGRADER.format(spec=spec_name, timeout=self.timeout).encode(), True),
            spec_name: (source.read_bytes(), False),
        }
        if self.wheel is not None:
            if not self.wheel.is_file() or self.wheel.suffix != ".whl":
                raise UsageError(f"--wheel: {self.wheel} is not a wheel file (.whl)")
            files[self.wheel.name] = (self.wheel.read_bytes(), False)
        return files


def build_zip(*, autograder: Autograder, out: Path, force: bool = False) -> Path:
    """Write the autograder zip to ``out`` (files at the root of the archive, scripts executable)."""
    if out.exists() and not force:
        raise OutputExistsError(f"{out} already exists (use --force to replace it)")
    files = autograder.files()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, (content, executable) in files.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                mode = 0o755 if executable else 0o644
                info.external_attr = (stat.S_IFREG | mode) << 16
                archive.writestr(info, content)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    return out
