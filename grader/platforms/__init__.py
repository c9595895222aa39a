"""Set-up files for the platforms where students are graded: GitHub Classroom and Gradescope."""
from __future__ import annotations


def default_install() -> str:
    """The pip requirement that installs this version of the grader on a platform's machine."""
    from grader import __version__

    return f"backprop-grader=={__version__}"
