"""Reports: what a grader run writes for people.

- the class reports of ``grader grade``: ``base.py`` (the :class:`ReportFormat` base), ``json.py``,
  ``csv.py``, ``html.py`` with ``marksheet.py``, ``summary.py``, ``evidence.py``, ``plots.py`` and the
  jinja2 ``templates/``;
- one result for a reader: ``single.py`` (``grader check --format text|json``), ``text.py`` (the terminal
  report's pieces, shared with the platforms' feedback), ``progress.py`` (the batch's progress line);
- ``browser.py`` (headless Chromium for the report tests) and ``screenshots.py`` (the README's pictures).

The registry of every output by name, platforms included, is :mod:`grader.platforms.registry`.
"""
