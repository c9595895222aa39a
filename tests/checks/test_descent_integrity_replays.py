"""The descent run's replays (grader/checks/integrity.py): the stretches of one run are replayed together.

Each stretch is still judged on its own: its own end, length, gap and allowance, and the first failing
stretch is the one named, with its own epochs.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader import load_assignment
from grader.checks import Reference
from grader.checks.integrity import Audit, StepModel, check_replay, check_replays, presented_xor
from grader.diagnosis.engine import Faults
from reference import xor

SPEC = load_assignment("two-layer")
NET = SPEC.network
TOL = SPEC.tolerances["gradients"]
RATE = 0.5
LENGTHS = (7, 13, 1, 20, 9, 16)  # stretches of a run, between its checked steps


def _data():
    X, Y = presented_xor(*xor(), rng=np.random.default_rng(0))
    return Reference(SPEC, 0).initial_params, X, Y


def _epoch(model: StepModel, params, X, Y, *, order_seed: int | None = None):
    return model.epoch(NET, {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}, X, Y, rate=RATE,
                       order_seed=order_seed)


def _run(model: StepModel, *, jump_at: int | None = None, jump: float = 0.05, shuffle: bool = False):
    """A student's run: the first epoch on its own, then the stretches of LENGTHS; ``jump_at``: the epoch
    (counted from 0) after which ``jump`` is added to W2 by hand; ``shuffle``: rows in an order of its own
    every epoch after the first. Returns the audit, its first step checked and its stretches noted."""
    params, X, Y = _data()
    audit = Audit(model=StepModel(Faults()), network=NET, X=X, Y=Y, lr=RATE, factor=1.0, tolerance=TOL,
                  checked=frozenset([0]))
    held = _epoch(model, params, X, Y)
    audit.step(before=params, after=held, epoch=0)
    assert audit.steps[0].ok and not audit.failure
    epoch, orders = 1, np.random.default_rng(99)
    for length in LENGTHS:
        p = held
        for _ in range(length):
            p = _epoch(model, p, X, Y, order_seed=int(orders.integers(1 << 31)) if shuffle else None)
            if epoch == jump_at:
                p = {k: v + (jump if k == "W2" else 0.0) for k, v in p.items()}
            epoch += 1
        audit.replay(start=held, end=p, epochs=length, epoch=epoch)
        held = p
    return audit


@pytest.mark.parametrize("online", [False, True])
def test_an_honest_run_of_many_stretches_passes(online):
    model = StepModel(Faults(), online=online)
    audit = _run(model)
    assert audit.model == model
    audit.settle()
    assert audit.replayed and not audit.failure and audit.worst_replay < 1e-9


# A per-sample run that fails its in-order replay is replayed in random row orders too (the student may
# shuffle its rows), whose spread over a stretch is its allowance: the jump must be larger to stand out.
@pytest.mark.parametrize(("online", "jump"), [(False, 0.05), (True, 0.5)])
def test_a_one_epoch_jump_among_honest_stretches_is_named_with_its_own_epochs(online, jump):
    # the fourth stretch runs from epoch 22 to 42 (1 + 7 + 13 + 1 = 22); the jump is in its middle
    audit = _run(StepModel(Faults(), online=online), jump_at=31, jump=jump)
    audit.settle()
    assert audit.failure.startswith("between epochs 22 and 42, the parameters did not follow gradient steps")
    assert audit.worst_replay > 0.1


def test_a_jump_in_the_shortest_stretch_is_caught():
    audit = _run(StepModel(Faults()), jump_at=21)  # the stretch of one epoch, from 21 to 22
    audit.settle()
    assert audit.failure.startswith("between epochs 21 and 22, ")


def test_per_sample_steps_in_the_students_own_order_are_replayed_in_random_orders():
    audit = _run(StepModel(Faults(), online=True), shuffle=True)
    assert audit.model.online and not audit.model.any_order  # the first epoch took the rows in order
    audit.settle()
    assert audit.model.any_order and not audit.failure, audit.failure


def test_a_jump_in_a_shuffled_per_sample_run_is_still_caught():
    audit = _run(StepModel(Faults(), online=True), shuffle=True, jump_at=31, jump=0.5)
    audit.settle()
    assert audit.failure.startswith("between epochs 22 and 42, the parameters did not follow gradient steps")


@pytest.mark.parametrize("model", [StepModel(Faults()), StepModel(Faults(sign=True, stale=frozenset({2}))),
                                   StepModel(Faults(), online=True),
                                   StepModel(Faults(), online=True, any_order=True)],
                         ids=["full-batch", "faults", "per-sample", "any-order"])
def test_replays_together_give_each_stretch_what_its_own_replay_gives(model):
    """Gaps and allowances as when each stretch is replayed alone (to rounding), including the stretch
    whose gap needs its sensitivity, and None for the stretches that cannot be replayed."""
    params, X, Y = _data()
    stretches, p = [], params
    for index, length in enumerate(LENGTHS):
        end = p
        for _ in range(length):
            end = _epoch(model, end, X, Y)
        if index == 2:
            end = {k: v + 1e-3 for k, v in end.items()}  # the gap of a small jump exceeds REPLAY_RTOL
        stretches.append((p, end, length))
        p = end
    stretches += [(p, {k: np.full_like(v, np.nan) for k, v in p.items()}, 5), (p, p, 0)]
    together = check_replays(model=model, network=NET, stretches=stretches, X=X, Y=Y, rate=RATE)
    alone = [check_replay(model=model, network=NET, start=s, end=e, epochs=n, X=X, Y=Y, rate=RATE)
             for s, e, n in stretches]
    assert together[-2:] == [None, None] and alone[-2:] == [None, None]
    for (gap, allowed), (gap1, allowed1) in zip(together[:-2], alone[:-2]):
        assert gap == pytest.approx(gap1, rel=1e-6, abs=1e-12)
        assert allowed == pytest.approx(allowed1, rel=1e-6)
    assert together[2][0] > 1e-4 and all(gap < 1e-9 for i, (gap, _) in enumerate(together[:-2]) if i != 2)
