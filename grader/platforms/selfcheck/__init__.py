"""The in-notebook self-check: ``from grader import check; check("two-layer")``."""
