"""Notebooks: reading v4 and v3 files, turning code cells (with magics) into plain Python."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.errors import SubmissionFailure
from grader.sandbox.notebook import code_cells, read_notebook
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Limits, Worker

FAST = Limits(load_timeout=10, request_timeout=5)


def code(source: str) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def write_notebook(path: Path, cells: list[dict[str, Any]], **fields: Any) -> Path:
    data = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 4, **fields}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def run_cells(path: Path, cells: list[dict[str, Any]]) -> Worker:
    """A started worker that ran ``cells`` (the caller closes it)."""
    worker = Worker(files=[path], limits=FAST)
    worker.start()
    try:
        events = worker.load({"cells": [{"index": c["index"], "source": c["source"]} for c in cells]})
        assert events == [], events
    except BaseException:
        worker.close()
        raise
    return worker


MAGICS = [
    markdown("# Lab 1"),
    code("%matplotlib inline\nimport numpy as np"),
    markdown("Install what you need:"),
    code("!pip install numpy\nfiles = !ls"),
    code("%%time\nz = np.ones(3).sum()\n"),
    code("%time w = 2 * z\n%timeit w + 1"),
]


@pytest.fixture
def magic_notebook(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "magics.ipynb", MAGICS)


# -- magics and numbering --------------------------------------------------------------------------

def test_magics_become_valid_python(magic_notebook):
    cells = code_cells(magic_notebook)
    for cell in cells:
        compile(cell["source"], f"<cell {cell['index']}>", "exec")
        assert not any(line.lstrip().startswith(("%", "!")) for line in cell["source"].splitlines())
    first, shell, timed, line_timed = (c["source"] for c in cells)
    assert first == "get_ipython().run_line_magic('matplotlib', 'inline')\nimport numpy as np\n"
    assert "get_ipython().system('pip install numpy')" in shell
    assert "files = get_ipython().getoutput('ls')" in shell
    assert timed.startswith("get_ipython().run_cell_magic('time', ''")
    assert "run_line_magic('time', 'w = 2 * z')" in line_timed


def test_code_cells_are_numbered_as_the_student_counts_every_cell(magic_notebook):
    cells = code_cells(magic_notebook)
    assert [c["index"] for c in cells] == [n for n, c in enumerate(MAGICS, start=1) if c["cell_type"] == "code"]
    assert [c["original"] for c in cells] == [c["source"] for c in MAGICS if c["cell_type"] == "code"]


def test_cell_source_as_a_list_of_lines_is_joined(tmp_path):
    path = write_notebook(tmp_path / "lines.ipynb", [code(["x = 1\n", "y = x + 1\n"])])
    assert code_cells(path)[0]["original"] == "x = 1\ny = x + 1\n"


def test_converted_magics_run_in_the_worker(magic_notebook):
    worker = run_cells(magic_notebook, code_cells(magic_notebook))
    try:
        assert worker.get(Ref.name("z")) == 3.0  # the %%time body ran
        assert worker.get(Ref.name("w")) == 6.0  # so did the %time line
        assert worker.get(Ref.name("files")) == []
    finally:
        worker.close()
    assert "shell command not run: !pip install numpy" in worker.captured_output()


def test_line_magic_with_options_runs(tmp_path):
    path = write_notebook(tmp_path / "opts.ipynb", [code("w = 1"), code("%timeit -n1 -r1 w + 1")])
    worker = run_cells(path, code_cells(path))
    worker.close()


# -- unreadable notebooks --------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("   \n\n", "is empty"),
    ('{"cells": [\n  {"cell_type": "code",\n', "is not a valid notebook: broken JSON at line 3"),
    ("[1, 2, 3]", "is JSON but not a notebook (no cells)"),
    ('{"metadata": {}, "nbformat": 4}', "is JSON but not a notebook (no cells)"),
    ('{"cells": [], "metadata": {}, "nbformat": 5, "nbformat_minor": 0}', "uses notebook format 5; save it as nbformat 4"),
    ('{"cells": [], "metadata": {}, "nbformat": 2, "nbformat_minor": 0}', "uses notebook format 2"),
    ('{"cells": [], "metadata": {}}', "uses notebook format None"),
    ('{"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 4}', "is not a valid notebook"),
])
def test_unreadable_notebook_is_an_invalid_file(tmp_path, text, message):
    path = tmp_path / "lab.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionFailure) as info:
        code_cells(path)
    assert info.value.kind == "invalid-file"
    assert info.value.message.startswith("lab.ipynb ")
    assert message in info.value.message


def test_broken_json_reports_its_line(tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_text('{\n "cells": [\n  {,\n', encoding="utf-8")
    with pytest.raises(SubmissionFailure) as info:
        read_notebook(path)
    assert info.value.line == 3


def test_binary_file_is_an_invalid_file(tmp_path):
    path = tmp_path / "lab.ipynb"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(SubmissionFailure) as info:
        code_cells(path)
    assert info.value.kind == "invalid-file" and "not a text file" in info.value.message


def test_notebook_without_code_cells_is_an_invalid_file(tmp_path):
    path = write_notebook(tmp_path / "lab.ipynb", [markdown("# only words"), markdown("no code")])
    with pytest.raises(SubmissionFailure) as info:
        code_cells(path)
    assert info.value.kind == "invalid-file"
    assert info.value.message == "lab.ipynb has no code cells"


# -- nbformat 3 ------------------------------------------------------------------------------------

V3 = {
    "metadata": {"name": "lab"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [{"metadata": {}, "cells": [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old lab"]},
        {"cell_type": "code", "collapsed": False, "input": ["%matplotlib inline\n", "import numpy as np\n",
                                                           "x = np.array([20.0, 1.0])"],
         "language": "python", "metadata": {}, "outputs": [], "prompt_number": 1},
        {"cell_type": "markdown", "metadata": {}, "source": ["Now add."]},
        {"cell_type": "code", "collapsed": False, "input": ["total = float(x.sum()) * 2"],
         "language": "python", "metadata": {}, "outputs": [], "prompt_number": 2},
    ]}],
}


def test_nbformat_3_notebook_is_converted_and_runs(tmp_path):
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(V3), encoding="utf-8")
    assert read_notebook(path).nbformat == 4
    cells = code_cells(path)
    assert [c["index"] for c in cells] == [2, 4]  # every cell counts, as on screen
    assert cells[1]["original"] == "total = float(x.sum()) * 2"
    worker = run_cells(path, cells)
    try:
        assert worker.get(Ref.name("total")) == 42.0
    finally:
        worker.close()


TRICKY_CELLS = ["x = 1", "x = 1\n", "\n\nx = 1\n", "  x = 1\n  y = 2", "\tx = 1", ">>> x = 1", "In [1]: x = 1",
                "def f():\n    ...\n", "a = !ls", "a=%time 1", "x?", "x = 1 # why?", "/print 1", ",f a b", ";f a",
                "print('%d' % 3)", "if x != 2:\n    pass", "%%time\nx = 1", "s = 'a=%s' % 1", "x = 1\r\ny = 2",
                "import numpy as np\nnp.dot?", "for i in range(3):\n    !echo hi\n", "y = f'{x!r}'", ""]


def _cells_in_repository() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    sources = []
    for path in [*root.glob("submissions/**/*.ipynb"), *root.glob("tests/files/**/*.ipynb"),
                 *root.glob("assignments/**/*.ipynb")]:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (ValueError, UnicodeDecodeError):
            continue
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def test_cells_taken_as_plain_python_are_what_ipython_returns():
    """The shortcut past IPython's transformer never changes what a cell runs: for every cell it takes,
    IPython returns the same source (with a final newline); the cells with IPython syntax go to IPython."""
    from IPython.core.inputtransformer2 import TransformerManager

    from grader.sandbox.notebook import plain_python

    transformer = TransformerManager()
    sources = TRICKY_CELLS + _cells_in_repository()
    assert len(sources) > 50
    taken = [s for s in sources if plain_python(s)]
    assert len(taken) > len(sources) // 3  # the shortcut is used, not just safe
    for source in taken:
        assert transformer.transform_cell(source) == (source if source.endswith("\n") else source + "\n"), source
    for magic in ("a = !ls", "a=%time 1", "x?", "/print 1", "%%time\nx = 1", ">>> x = 1", "  x = 1", "\n\nx = 1"):
        assert not plain_python(magic)
