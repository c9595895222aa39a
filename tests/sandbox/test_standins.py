"""The inert stand-ins the worker gives a lab for optional packages the grading machine lacks."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from grader.sandbox.inside import standins


@pytest.fixture
def finder():
    found = standins.install()
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] in standins.OPTIONAL}
    yield found
    sys.meta_path.remove(found)
    for name in [n for n in sys.modules if n.split(".")[0] in standins.OPTIONAL]:
        if name not in saved:
            del sys.modules[name]


def run_as_student(code: str, filename: str = "<cell 1>") -> dict:
    namespace: dict = {}
    exec(compile(code, filename, "exec"), namespace)
    return namespace


def test_plots_metrics_and_logging_do_nothing(finder):
    if "mlxtend" in sys.modules or any(p for p in sys.path if os.path.isdir(os.path.join(p, "mlxtend"))):
        pytest.skip("mlxtend is installed here")
    ns = run_as_student("from mlxtend.plotting import plot_decision_regions\n"
                        "from tensorboardX import SummaryWriter\n"
                        "import seaborn as sns\n"
                        "sns.set(style='white')\n"
                        "w = SummaryWriter('runs')\n"
                        "w.add_scalar('loss', 0.5, 1)\n"
                        "with w:\n    pass\n"
                        "plot_decision_regions(None, None, clf=None)\n"
                        "text = f'{sns.__version__:>8}'\n")
    assert "stand-in" in ns["text"]
    assert [e["message"].split()[0] for e in finder.events()] == ["mlxtend", "tensorboardX", "seaborn"]


def test_computing_with_a_stand_in_names_the_package(finder):
    if any(os.path.isdir(os.path.join(p, "cupy")) for p in sys.path if p):
        pytest.skip("cupy is installed here")
    ns = run_as_student("import cupy as cp\nx = cp.asarray([1.0, 2.0])\n")
    for compute in (lambda x: np.asarray(x), lambda x: x + 1, lambda x: np.ones(2) @ x, lambda x: float(x)):
        with pytest.raises(ModuleNotFoundError, match="No module named 'cupy'.*write that part with NumPy"):
            compute(ns["x"])


def test_tqdm_gives_back_the_iterable(finder):
    if any(os.path.isdir(os.path.join(p, "tqdm")) for p in sys.path if p):
        pytest.skip("tqdm is installed here")
    ns = run_as_student("from tqdm import tqdm\ntotal = sum(i for i in tqdm(range(4)))\n")
    assert ns["total"] == 6


def test_a_library_trying_an_optional_import_still_sees_it_missing(finder):
    library = os.path.join(sys.prefix, "lib", "some_library.py")
    with pytest.raises(ImportError):
        run_as_student("import seaborn\n", filename=library)
