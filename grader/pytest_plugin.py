"""The pytest entry point (``pytest11``): the plugin lives in :mod:`grader.platforms.pytest_plugin`.

Kept at this path because installed projects and ``-p grader.pytest_plugin`` name it.
"""
from grader.platforms.pytest_plugin import *  # noqa: F401,F403
