"""The canonical binding (grader/binding/canonical.py) on real submissions in a worker: parameters set in
one request, and a parameter that cannot be set reported with the student's own error."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from conftest import ROOT
from grader.binding.canonical import BoundNet, ClassBinding
from grader.errors import SubmissionFailure
from grader.sandbox.notebook import code_cells
from grader.sandbox.worker import Limits, Worker
from grader.spec.assignment import load_assignment

FAST = Limits(load_timeout=20, request_timeout=8)
ALICE = ROOT / "submissions" / "examples" / "alice_correct.ipynb"
FROZEN = '''\
import numpy as np


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.zeros((input_size, hidden_size))
        self.b1 = np.zeros((1, hidden_size))
        self._W2 = np.zeros((hidden_size, output_size))
        self.b2 = np.zeros((1, output_size))

    @property
    def W2(self):
        return self._W2.copy().ravel()  # not settable, and not the array's shape

    def forward(self, X):
        return X

    def backward(self, X, Y):
        pass
'''


def bound(worker: Worker, unit: dict) -> BoundNet:
    """The network of ``unit`` loaded in ``worker`` (started), bound by the canonical binding."""
    assert worker.load(unit) == []
    return ClassBinding(load_assignment("two-layer"), worker.namespace()).create(worker, lr=0.5)


@pytest.fixture
def alice() -> Iterator[BoundNet]:
    with Worker(files=[ALICE], limits=FAST) as worker:
        cells = [{"index": c["index"], "source": c["source"]} for c in code_cells(ALICE)]
        yield bound(worker, {"cells": cells})


def params(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = load_assignment("two-layer").network.param_shapes()
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def test_set_params_sets_every_parameter_in_one_request(alice):
    wanted = params(3)
    sent = alice.worker.sequence
    alice.set_params(wanted)
    assert alice.worker.sequence == sent + 1
    got = alice.params()
    assert set(got) == set(wanted)
    for name, value in wanted.items():
        assert np.array_equal(got[name], value) and got[name].dtype == np.float64


def test_a_parameter_that_cannot_be_set_gives_the_students_error(tmp_path: Path):
    path = tmp_path / "frozen.py"
    path.write_text(FROZEN, encoding="utf-8")
    with Worker(files=[path], limits=FAST) as worker:
        net = bound(worker, {"path": path.name, "name": path.name})
        wanted = params(4)
        with pytest.raises(SubmissionFailure) as failed:
            net.set_params(wanted)
        assert failed.value.kind == "exception"
        assert failed.value.message.startswith("AttributeError") and "W2" in failed.value.message
        with pytest.raises(SubmissionFailure) as alone:  # the same error as setting it alone
            worker.set(net.ref.attr("W2"), wanted["W2"])
        assert alone.value.message == failed.value.message
        assert np.array_equal(worker.get(net.ref.attr("W1")), wanted["W1"])  # the ones before it are set
        assert np.array_equal(worker.get(net.ref.attr("b2")), np.zeros((1, 1)))  # the ones after it are not
