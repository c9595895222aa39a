"""GitHub Classroom: the generated workflow (``workflow.py``) and what the reporter reads (``output.py``)."""
