"""Canvas and Moodle: the gradebook imports (``gradebooks.py``) and the class roster that maps ids (``roster.py``)."""
