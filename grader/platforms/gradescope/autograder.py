"""``grader gradescope build``: the autograder zip to upload to a Gradescope programming assignment.

The zip holds ``setup.sh`` (Gradescope runs it once, as root, when it builds
the image: it makes a Python 3.11+ virtual environment in ``/autograder/venv``
and installs the grader into it; on Ubuntu 22.04, whose Python is 3.10, it
installs Ubuntu's python3.11 first), ``run_autograder`` (run for every
submission: ``grader gradescope run`` finds the notebook or module in
``/autograder/submission`` and always writes ``/autograder/results/results.json``),
the assignment's spec, and the grader's wheel unless an install line is given
(the package is not on PyPI).
"""
from __future__ import annotations

import shlex
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.spec.assignment import Assignment, Policy
from grader.errors import OutputExistsError, UsageError

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image (as root, in /autograder/source).
# Choose the base image "Ubuntu 24.04" (Python 3.12); on 22.04 (Python 3.10) Ubuntu's own python3.11 is installed.
# AUTOGRADER_ROOT exists for a trial run on your own machine; Gradescope does not set it.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-pip
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    # the grader needs Python 3.11 or newer: Ubuntu 22.04 has python3.11 in its universe component
    echo "setup.sh: $(python3 --version 2>&1) is too old for the grader; installing python3.11" >&2
    if ! apt-get install -y -q python3.11 python3.11-venv; then
        # an image without Ubuntu's universe component: the deadsnakes archive has it
        apt-get install -y -q software-properties-common
        add-apt-repository -y ppa:deadsnakes/ppa
        apt-get update -q
        apt-get install -y -q python3.11 python3.11-venv
    fi
    PYTHON=python3.11
fi
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet --disable-pip-version-check {install}
"$ROOT/venv/bin/grader" --version
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
rm -f "$ROOT/results/results.json"
"$GRADER" gradescope run --assignment "$ROOT/source/{spec}" --root "$ROOT" --timeout {timeout:g}{options}
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    # the grader could not even start: still tell the student, and keep the details for the instructor
    printf '%s\\n' '{{"score": 0, "output": "The autograder failed on this submission: this is not a verdict on your work. Your instructor has the details.", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": [{{"name": "autograder failed", "score": 0, "max_score": 0, "status": "failed", "output": "The grader could not start.", "output_format": "text", "visibility": "visible"}}]}}' > "$ROOT/results/results.json"
    echo "run_autograder: the grader exited with status $status without writing results.json" >&2
fi
exit 0
"""


@dataclass(frozen=True)
class Autograder:
    """What goes into the autograder zip."""

    assignment: Assignment
    install: str
    wheel: Path | None = None
    timeout: float = 60.0
    policy: Policy | None = None  # the command line's feedback level and visibilities (else the spec's)

    @property
    def spec_name(self) -> str:
        if self.assignment.source is None:
            raise UsageError(f"assignment {self.assignment.name!r} has no spec file to put in the autograder")
        return "spec" + self.assignment.source.suffix

    def requirement(self) -> str:
        """What setup.sh installs: the bundled wheel, or the pip requirement."""
        if self.wheel is not None:
            return f'"$ROOT/source/"{shlex.quote(self.wheel.name)}'
        if not self.install.strip():
            raise UsageError("the autograder needs a wheel or an install line")
        return shlex.quote(self.install)

    def options(self) -> str:
        """``--feedback`` and ``--visibility`` for ``grader gradescope run`` when they differ from the spec's."""
        if self.policy is None:
            return ""
        spec = self.assignment.policy
        words = [f" --feedback {self.policy.feedback}"] if self.policy.feedback != spec.feedback else []
        words += [f" --visibility {shlex.quote(f'{c}={w}')}" for c, w in sorted(self.policy.visibility.items())
                  if spec.visibility.get(c) != w]
        return "".join(words)

    def files(self) -> dict[str, tuple[bytes, bool]]:
        """``name -> (content, executable)`` for every file of the zip."""
        spec_name, source = self.spec_name, self.assignment.source  # spec_name raises without a spec file
        assert source is not None
        files = {
            "setup.sh": (SETUP_SH.format(install=self.requirement()).encode(), True),
            "run_autograder": (RUN_AUTOGRADER.format(spec=spec_name, timeout=self.timeout,
                                                     options=self.options()).encode(), True),
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
