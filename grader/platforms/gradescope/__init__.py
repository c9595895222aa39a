"""Gradescope: the autograder zip (``autograder.py``) and the ``results.json`` it writes (``output.py``)."""
