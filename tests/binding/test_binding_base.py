"""Paced training runs (grader/binding/base.py): one call, or a run split over several calls, paced as one."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from grader.binding.base import PACE_EPOCHS, SplitRun, put_inputs, run_paced
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Limits

LIMITS = Limits(request_timeout=10.0, program_timeout=120.0)
STEPS: list[dict[str, Any]] = [{"record": []}, {}]  # forward (recorded), backward


class FakeWorker:
    """Runs nothing: records each program call's repeat and timeout and answers zeros, or times out at call
    number ``timeout_at``."""

    def __init__(self, *, timeout_at: int | None = None) -> None:
        self.limits = LIMITS
        self.calls: list[tuple[int, float]] = []
        self.puts = 0
        self.timeout_at = timeout_at

    def program(self, steps: list[dict[str, Any]], blobs: list[bytes], *, repeat: int,
                timeout: float | None = None) -> list[Any]:
        assert timeout is not None
        self.calls.append((repeat, timeout))
        if len(self.calls) == self.timeout_at:
            raise SubmissionFailure("timeout", f"no answer within {timeout:g} s (an endless loop?)")
        return [np.full((repeat, 4, 1), float(len(self.calls))), None]

    def put(self, value: Any) -> Ref:
        self.puts += 1
        return Ref.handle(self.puts)


def test_a_whole_run_times_its_first_epochs_then_gives_the_rest_one_budget():
    worker = FakeWorker()
    out = run_paced(worker, STEPS, [], 100)  # type: ignore[arg-type]
    # The fake's pace is far below a second for 80 epochs: the rest gets the request timeout.
    assert worker.calls == [(PACE_EPOCHS, 10.0), (100 - PACE_EPOCHS, 10.0)]
    assert out.shape == (100, 4, 1) and out[0, 0, 0] == 1 and out[-1, 0, 0] == 2


def test_a_split_run_is_paced_as_one_and_its_parts_stack():
    worker = FakeWorker()
    run = SplitRun(50)
    parts = [run_paced(worker, STEPS, [], n, run=run) for n in (7, 7, 7, 29)]  # type: ignore[arg-type]
    assert [p.shape[0] for p in parts] == [7, 7, 7, 29] and run.done == 50
    repeats = [repeat for repeat, _ in worker.calls]
    assert repeats == [7, 7, 6, 1, 29]  # the third part crosses from the timed epochs to the rest
    timeouts = [timeout for _, timeout in worker.calls]
    assert timeouts[0] == 10.0 and all(0 < t < 10.0 for t in timeouts[1:3])  # what is left of one timeout
    assert run.tail_budget == 10.0 and timeouts[3] == 10.0 and 0 < timeouts[4] < 10.0
    with pytest.raises(ValueError, match="exceed"):
        run_paced(worker, STEPS, [], 1, run=run)  # type: ignore[arg-type]


def test_a_timeout_in_a_later_part_names_the_whole_budget():
    worker = FakeWorker(timeout_at=2)
    run = SplitRun(100)
    run_paced(worker, STEPS, [], 10, run=run)  # type: ignore[arg-type]
    with pytest.raises(SubmissionFailure) as info:
        run_paced(worker, STEPS, [], 10, run=run)  # type: ignore[arg-type]
    assert info.value.kind == "timeout" and info.value.message.startswith("no answer within 10 s ")


def test_a_timeout_in_the_first_part_is_passed_on_as_it_is():
    worker = FakeWorker(timeout_at=1)
    with pytest.raises(SubmissionFailure) as info:
        run_paced(worker, STEPS, [], 10, run=SplitRun(100))  # type: ignore[arg-type]
    assert info.value.message.startswith("no answer within 10 s ")


def test_inputs_are_put_once_per_split_run():
    worker = FakeWorker()
    X, Y = np.zeros((4, 2)), np.zeros((4, 1))
    run = SplitRun(30)
    first = put_inputs(worker, X, Y, run=run)  # type: ignore[arg-type]
    assert put_inputs(worker, X, Y, run=run) == first and worker.puts == 2  # type: ignore[arg-type]
    assert put_inputs(worker, X, Y, run=None) != first and worker.puts == 4  # type: ignore[arg-type]
