"""Assignment specs (``assignment.py``) and the file formats they are written in (``formats.py``).

The choices a command line offers are here, so that it lists them without loading a spec (or NumPy).
"""

BINDING_MODES = ("auto", "spec", "detect")
FEEDBACK_LEVELS = ("full", "hint", "score")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
