"""check() inside a notebook: the saved file when it can be found, else the session's code, always in a worker."""
from __future__ import annotations

import json
import linecache
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import grader
from conftest import ROOT
from grader.errors import SelfCheckError
from grader.platforms.selfcheck.session import free_names, rebuild_module
from grader.platforms.selfcheck.check import SelfCheck, check, own_file

SOLUTION = ROOT / "assignments" / "two-layer" / "solution.py"
BROKEN = ROOT / "submissions" / "examples" / "carol_sign_error.py"  # gradient sign flipped: 5/10


def cells_namespace(*cells: str) -> dict:
    """Run ``cells`` the way IPython does: each compiled under its own file name, kept in linecache."""
    namespace: dict = {"__name__": "__main__"}
    for i, cell in enumerate(cells):
        source = textwrap.dedent(cell)
        filename = f"<ipython-input-{i}-selfcheck-test>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the test's own code
    return namespace


HELPERS = """
    import numpy as np
    from numpy import exp as e

    HIDDEN = 4
    XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

    def sigmoid(z):
        return 1.0 / (1.0 + e(-z))
"""
NETWORK = """
    class SimpleNN:
        def __init__(self, input_size, hidden_size=HIDDEN, output_size=1, lr=0.5):
            self.lr = lr
            self.W1 = np.random.randn(input_size, hidden_size)
            self.b1 = np.zeros((1, hidden_size))

        def forward(self, X):
            return sigmoid(X @ self.W1 + self.b1)

    net = SimpleNN(2)
    print(net.forward(XOR))
"""


def test_the_session_module_holds_the_class_and_what_it_uses():
    rebuilt = rebuild_module(cells_namespace(HELPERS, NETWORK), roots=["SimpleNN"])
    assert rebuilt.definitions == ("sigmoid", "SimpleNN")
    lines = rebuilt.source.splitlines()
    assert "import numpy as np" in lines and "from numpy import exp as e" in lines and "HIDDEN = 4" in lines
    assert "XOR" not in rebuilt.source and "net = " not in rebuilt.source and "print(" not in rebuilt.source
    assert rebuilt.source.index("def sigmoid") < rebuilt.source.index("class SimpleNN")
    namespace: dict = {}
    exec(compile(rebuilt.source, "rebuilt", "exec"), namespace)  # noqa: S102 - plain definitions of this test
    assert namespace["SimpleNN"](2).forward(np.zeros((3, 2))).shape == (3, 4)


def test_constants_arrays_and_what_cannot_be_carried():
    namespace = cells_namespace("""
        import numpy as np
        TABLE = np.array([[0.0, 1.0]])
        LOG = open(__import__("os").devnull)

        class SimpleNN:
            def forward(self, X):
                LOG.write("")
                return X @ TABLE.T
    """)
    rebuilt = rebuild_module(namespace, roots=["SimpleNN"])
    assert "TABLE = __import__('numpy').array([[0.0, 1.0]], dtype='float64')" in rebuilt.source
    assert rebuilt.skipped == ("LOG (a TextIOWrapper)",)
    namespace["LOG"].close()
    with pytest.raises(SelfCheckError, match="no SimpleNN defined here"):
        rebuild_module({"__name__": "__main__"}, roots=["SimpleNN"])


def test_free_names_are_the_globals_a_definition_reads():
    source = textwrap.dedent("""
        def f(x, *, n=N):
            import math
            y = [math.sqrt(v) for v in x]
            try:
                return g(y) + len(y)
            except ValueError as err:
                return err
    """)
    assert free_names(source) == ["N", "g"]


def test_the_notebook_file_is_found_from_vs_code_jupyter_or_a_script(tmp_path, monkeypatch):
    notebook = tmp_path / "lab.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert own_file({"__vsc_ipynb_file__": str(notebook)}) == notebook
    assert own_file({"__session__": "lab.ipynb"}, cwd=tmp_path) == tmp_path / "lab.ipynb"
    assert own_file({}, environ={"JPY_SESSION_NAME": "course/week3/lab.ipynb"}, cwd=tmp_path) == notebook
    assert own_file({"__file__": str(tmp_path / "missing.py")}, environ={}, cwd=tmp_path) is None
    assert own_file({}, environ={}, cwd=tmp_path) is None


def test_check_grades_a_file_and_prints_the_report(capsys):
    report = check("two-layer", path=BROKEN, show=True)
    assert isinstance(report, SelfCheck) and report.score == 5 and report.max_score == 10 and not report.full_marks
    out = capsys.readouterr().out
    assert out.startswith("graded: the file carol_sign_error.py\nnote: this is the file as last saved")
    assert "FAIL gradients" in out and "Total: 5 / 10" in out and "\033[" not in out
    html = report._repr_html_()
    assert "<table>" in html and html.count("<tr>") == 7 and "[gradient-sign]" in html and "Total: 5 / 10" in html
    assert repr(report) == "<SelfCheck two-layer: 5/10 (the file carol_sign_error.py)>"


def test_check_refuses_what_it_cannot_grade(tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SelfCheckError, match="path='your_notebook.ipynb'"):
        check("two-layer", source="file", namespace={})
    with pytest.raises(SelfCheckError, match="no SimpleNN defined here"):
        check("two-layer", namespace={"__name__": "__main__"})
    monkeypatch.setattr(sys, "argv", [str(ROOT / "grader" / "sandbox" / "inside" / "runner.py"), "3", "4"])
    assert check("two-layer", path=SOLUTION) is None  # a notebook being graded does not grade itself again


def test_check_is_importable_from_the_package():
    assert grader.check is check and "check" in dir(grader)


IPYTHON_SESSION = r'''
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
solution = open(sys.argv[1], encoding="utf-8").read().split('if __name__ == "__main__":')[0]
helpers, network = solution.split("class SimpleNN:")
marker = '\n    with open("marker.txt", "a") as marker_file:\n        marker_file.write("class body ran\\n")\n    del marker_file\n'
cells = [
    helpers,
    "class SimpleNN:" + marker + network,
    "net = SimpleNN(2, 4, 1)",
    "from grader import check\nreport = check('two-layer')",
    "report",
]
for cell in cells:
    shell.run_cell(cell).raise_error()
report = shell.user_ns["report"]
print("RESULT " + json.dumps({"score": report.score, "max": report.max_score, "graded": report.graded,
                              "notes": report.notes, "marker": open("marker.txt").read()}))
'''


def test_check_in_an_ipython_session_grades_the_sessions_code_in_a_worker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    proc = subprocess.run([sys.executable, "-c", IPYTHON_SESSION, str(SOLUTION)], cwd=tmp_path,
                          env={**env, "NO_COLOR": "1"}, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    shown, _, data = proc.stdout.rpartition("RESULT ")
    result = json.loads(data)
    assert result["score"] == result["max"] == 10
    assert result["graded"] == "the code defined in this session (no saved file found)"
    assert result["notes"][0] == "graded the code defined in this session: sigmoid, sigmoid_derivative, SimpleNN"
    assert result["marker"] == "class body ran\n"  # once, by the notebook: the check ran the class in a worker
    assert "graded: the code defined in this session" in shown and "Total: 10 / 10" in shown  # displayed once
    assert shown.count("Total: 10 / 10") == 1
