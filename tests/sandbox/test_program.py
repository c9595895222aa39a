"""Batched requests in a real worker: several sets in one request, and programs whose steps are read once
(grader/sandbox/inside/program.py) yet behave as the same calls made one by one."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from grader.errors import SubmissionFailure
from grader.sandbox.remote import Encoder, Ref
from grader.sandbox.worker import Limits, Worker, call_step

STUDENT = '''\
import numpy as np

calls = []


class Net:
    def __init__(self):
        self.W = np.zeros((2, 2))
        self.b = np.zeros((1, 2))
        self.alias = self.W

    @property
    def frozen(self):
        return np.ones(2)

    def forward(self, X):
        calls.append("forward")
        return X @ self.W + self.b

    def shrink(self, X):
        X *= 0.5  # changes its argument in place
        return X.sum()

    def grow(self):
        self.W = self.W + 1.0  # a new array each time: not the object of the last repetition


def step(X):
    return {"double": 2.0 * X}


def first():
    calls.append("first")
    return len(calls)


def second():
    calls.append("second")
    return len(calls)


def switch():
    global second
    second = lambda: 42.0


def gone():
    calls.append("gone")


def remove():
    global gone
    del gone


net = Net()
'''

FAST = Limits(load_timeout=10, request_timeout=5)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    path = tmp_path_factory.mktemp("program") / "student.py"
    path.write_text(STUDENT, encoding="utf-8")
    w = Worker(files=[path], limits=FAST)
    w.start()
    try:
        assert w.load({"path": path.name, "name": path.name}) == []
        yield w
    finally:
        w.close()


def fresh(worker: Worker) -> Ref:
    """A new Net, and an empty ``calls``."""
    worker.call(Ref.name("calls").attr("clear"))
    return worker.call(Ref.name("Net"), keep=True)


def steps(*calls: tuple[Ref, list[Any], dict[str, Any]]) -> tuple[list[dict[str, Any]], list[bytes]]:
    encoder = Encoder()
    return [call_step(encoder, ref, args, kwargs) for ref, args, kwargs in calls], encoder.blobs


# -- set_many --------------------------------------------------------------------------------------

def test_set_many_sets_every_value_in_one_request(worker):
    net = fresh(worker)
    W, b = np.arange(4.0).reshape(2, 2), np.array([[5.0, 6.0]])
    sent = worker.sequence
    worker.set_many([(net.attr("W"), W), (net.attr("b"), b), (net.attr("lr"), 0.25)])
    assert worker.sequence == sent + 1
    assert np.array_equal(worker.get(net.attr("W")), W) and np.array_equal(worker.get(net.attr("b")), b)
    assert np.array_equal(worker.get(net.attr("alias")), W)  # in place, as set() does by default
    assert worker.get(net.attr("lr")) == 0.25


def test_set_many_not_in_place_replaces_the_arrays(worker):
    net = fresh(worker)
    worker.set_many([(net.attr("W"), np.ones((2, 2)))], inplace=False)
    assert np.array_equal(worker.get(net.attr("alias")), np.zeros((2, 2)))


def test_set_many_values_may_refer_to_earlier_targets(worker):
    net = fresh(worker)
    worker.set_many([(Ref.name("saved"), np.full((2, 2), 3.0)), (net.attr("W"), Ref.name("saved"))], inplace=False)
    assert np.array_equal(worker.get(net.attr("W")), np.full((2, 2), 3.0))


def test_set_many_fails_with_the_students_error_at_the_first_failing_target(worker):
    net = fresh(worker)
    with pytest.raises(SubmissionFailure) as failed:
        worker.set_many([(net.attr("W"), np.ones((2, 2))), (net.attr("frozen"), np.zeros(3)),
                         (net.attr("b"), np.ones((1, 2)))])
    with pytest.raises(SubmissionFailure) as alone:
        worker.set(net.attr("frozen"), np.zeros(3))
    assert failed.value.kind == alone.value.kind == "exception"
    assert failed.value.message == alone.value.message and "frozen" in failed.value.message
    assert np.array_equal(worker.get(net.attr("W")), np.ones((2, 2)))  # set before the failure
    assert np.array_equal(worker.get(net.attr("b")), np.zeros((1, 2)))  # never reached


def test_set_many_of_nothing_sends_nothing(worker):
    sent = worker.sequence
    worker.set_many([])
    assert worker.sequence == sent


# -- programs --------------------------------------------------------------------------------------

def test_array_arguments_are_fresh_for_every_repetition(worker):
    net = fresh(worker)
    program, blobs = steps((net.attr("shrink"), [np.full((2, 2), 4.0)], {}))
    program[0]["record"] = []
    (sums,) = worker.program(program, blobs, repeat=3)
    assert sums.tolist() == [8.0, 8.0, 8.0]  # each repetition halves a new copy of the array sent


def test_a_result_handle_passed_on_is_each_repetitions_result(worker):
    net = fresh(worker)
    store = worker.new_handle()
    program, blobs = steps((Ref.name("first"), [], {}), (Ref.name("step"), [Ref.handle(store)], {}))
    program[0]["store"] = store
    program[1]["record"] = [["i", "double"]]
    (_, doubled) = worker.program(program, blobs, repeat=3)
    assert doubled.tolist() == [2.0, 4.0, 6.0]


def test_a_global_rebound_by_the_students_code_is_seen_on_the_next_repetition(worker):
    fresh(worker)
    program, blobs = steps((Ref.name("second"), [], {}), (Ref.name("switch"), [], {}))
    program[0]["record"] = []
    (counts, _) = worker.program(program, blobs, repeat=3)
    assert counts.tolist() == [1.0, 42.0, 42.0]


def test_an_argument_path_is_followed_again_on_every_repetition(worker):
    net = fresh(worker)
    program, blobs = steps((net.attr("grow"), [], {}), (Ref.name("step"), [net.attr("W")], {}))
    program[1]["record"] = [["i", "double"]]
    (_, doubled) = worker.program(program, blobs, repeat=3)
    assert [d[0, 0] for d in doubled] == [2.0, 4.0, 6.0]  # the array of every repetition, not the first one


def test_a_target_missing_on_the_first_repetition_fails_where_it_would_alone(worker):
    net = fresh(worker)
    program, blobs = steps((Ref.name("first"), [], {}), (net.attr("nope"), [], {}))
    with pytest.raises(SubmissionFailure) as failed:
        worker.program(program, blobs, repeat=5)
    with pytest.raises(SubmissionFailure) as alone:
        worker.call(net.attr("nope"))
    assert failed.value.kind == "exception" and failed.value.message == alone.value.message
    assert worker.get(Ref.name("calls")) == ["first"]  # the step before it ran once, as one by one


def test_a_target_that_disappears_later_fails_on_that_repetition(worker):
    fresh(worker)
    program, blobs = steps((Ref.name("gone"), [], {}), (Ref.name("remove"), [], {}))
    with pytest.raises(SubmissionFailure) as failed:
        worker.program(program, blobs, repeat=3)
    assert failed.value.kind == "exception" and "gone" in failed.value.message
    assert worker.get(Ref.name("calls")) == ["gone"]
