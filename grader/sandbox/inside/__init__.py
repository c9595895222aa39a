"""Code that runs in the student's process.

:mod:`grader.sandbox.inside.wire` is the message format shared by both sides;
:mod:`grader.sandbox.inside.runner` is the program the worker process executes. Both
use only the standard library and NumPy, and are run as plain files so that
the student's process never imports the ``grader`` package.
"""
