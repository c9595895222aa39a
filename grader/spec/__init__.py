"""Assignment specs (``assignment.py``) and the file formats they are written in (``formats.py``)."""
