"""Everything that loads and runs untrusted code.

- ``submission.py``: what a submission is (a file or a student's folder) and its copy for the worker;
- ``notebook.py``: notebooks turned into code the worker runs, and when a real kernel is needed;
- ``worker.py``: one worker process under limits; ``config.py``: its limits, site view and configuration
  (no NumPy: a check starts its pre-warmed worker first); ``remote.py``: references to values that stay in it;
- ``zygote.py``: pre-warmed workers that fork a child per submission; ``cgroups.py``: process caps;
- ``kernel.py``: a Jupyter kernel under the same limits, for notebooks that need one;
- ``inside/``: the code that runs in the student's process (runner, wire format, IPython stand-in).
"""

# When notebooks run in a Jupyter kernel: when they need one (auto), never, or always. Here, with no
# import, so that the command line can offer the choice without loading the sandbox.
KERNEL_MODES = ("auto", "never", "always")
