"""Descent integrity (grader/checks/integrity.py): the descent run must be the student's own gradient descent.

Attacks that recognise XOR and write a hand-made solution fail the descent check; every correct solution
the project holds (fixtures, examples, the assignments' solutions) keeps full marks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import FAST, FILES, ROOT
from grader import load_assignment
from grader.checks import Reference
from grader.checks.integrity import (Audit, StepModel, check_replay, check_step, checked_epochs,
                                     presented_xor)
from grader.diagnosis.engine import Faults
from grader.grading import grade_paths, grade_submission
from grader.results import SubmissionResult
from grader.sandbox.submission import from_path
from reference import xor

SPEC = load_assignment("two-layer")
NET = SPEC.network
TOL = SPEC.tolerances["gradients"]
ATTACKS = FILES / "descent"


# -- presentation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_presented_xor_misses_the_table_and_keeps_the_mean_step(seed):
    X, Y = xor()
    TX, TY = presented_xor(X, Y, rng=np.random.default_rng(seed))
    assert TX.shape == (8, 2) and not np.array_equal(TX[:4], X)
    assert sorted(map(tuple, TX.tolist())) == sorted(map(tuple, np.repeat(X, 2, axis=0).tolist()))
    params = Reference(SPEC, 0).initial_params
    assert NET.loss_value(params, TX, TY) == pytest.approx(NET.loss_value(params, X, Y), rel=1e-12)
    four, eight = NET.gradients(params, X, Y), NET.gradients(params, TX, TY)
    assert all(np.allclose(four[k], eight[k], rtol=1e-12, atol=1e-15) for k in four)


@pytest.mark.parametrize("seed", range(20))
def test_four_rows_are_never_in_the_tables_order(seed):
    X, Y = xor()
    TX, TY = presented_xor(X, Y, rng=np.random.default_rng(seed), repeats=1)
    assert TX.shape == (4, 2) and not np.array_equal(TX, X)
    assert sorted(map(tuple, np.hstack([TX, TY]).tolist())) == sorted(map(tuple, np.hstack([X, Y]).tolist()))


def test_checked_epochs_include_the_first_and_do_not_depend_on_early_stop():
    a = checked_epochs(rng=np.random.default_rng([0, 0, 13]), epochs=2000)
    b = checked_epochs(rng=np.random.default_rng([0, 0, 13]), epochs=2000)
    assert a == b and 0 in a and len(a) > 3 and all(0 <= e < 2000 for e in a)


# -- one step, the replay ---------------------------------------------------------------------------

def _setup():
    X, Y = presented_xor(*xor(), rng=np.random.default_rng(0))
    return Reference(SPEC, 0).initial_params, X, Y


def test_a_gradient_step_at_any_convention_passes_and_a_jump_fails():
    params, X, Y = _setup()
    grads = NET.gradients(params, X, Y)
    options = dict(model=StepModel(Faults()), network=NET, before=params, X=X, Y=Y, epoch=0, tolerance=TOL)
    for factor in (1.0, 8.0, 0.5):  # mean, sum over the 8 rows, half
        lr = 2.0 / factor
        after = {k: v - lr * factor * grads[k] for k, v in params.items()}
        result = check_step(after=after, lr=lr, factor=factor, **options)
        assert result.ok and result.factor == pytest.approx(factor, rel=1e-9)
    jump = {k: np.where(np.arange(v.size).reshape(v.shape) % 2, 20.0, -10.0) for k, v in params.items()}
    result = check_step(after=jump, lr=2.0, factor=1.0, **options)
    assert not result.ok and "learning rate times the gradient" in result.reason
    doubled = {k: v - 4.0 * grads[k] for k, v in params.items()}  # the rate changed since the first step
    result = check_step(after=doubled, lr=2.0, factor=1.0, **options)
    assert not result.ok and "2 times the step of the first epoch" in result.reason


def test_a_wrong_but_honest_gradient_is_held_to_its_own_computation():
    params, X, Y = _setup()
    sign = Faults(sign=True)
    from grader.diagnosis.engine import gradients
    g = gradients(NET, params, X, Y, lr=2.0, faults=sign)
    after = {k: v - 2.0 * g[k] for k, v in params.items()}
    common = dict(network=NET, before=params, after=after, X=X, Y=Y, lr=2.0, factor=1.0, epoch=0, tolerance=TOL)
    assert check_step(model=StepModel(sign), **common).ok
    assert not check_step(model=StepModel(Faults()), **common).ok


def test_per_sample_steps_are_recognised_and_replayed():
    params, X, Y = _setup()
    online = StepModel(Faults(), online=True)
    audit = Audit(model=StepModel(Faults()), network=NET, X=X, Y=Y, lr=0.5, factor=1.0, tolerance=TOL,
                  checked=frozenset([0]))
    one = {k: v - online.step(NET, params, X, Y, rate=0.5)[k] for k, v in params.items()}
    audit.step(before=params, after=one, epoch=0)
    assert audit.model.online and not audit.failure and audit.to_dict()["per_sample_steps"] is True
    later = one
    for _ in range(30):
        later = {k: v - online.step(NET, later, X, Y, rate=0.5)[k] for k, v in later.items()}
    audit.replay(start=one, end=later, epochs=30, epoch=31)
    audit.settle()
    assert not audit.failure and audit.replayed and audit.worst_replay < 1e-9
    jumped = {k: v + 1.0 for k, v in later.items()}
    audit.replay(start=later, end=jumped, epochs=30, epoch=61)
    audit.settle()
    assert audit.failure.startswith("between epochs 31 and 61, the parameters did not follow gradient steps")


def test_a_replay_finds_a_jump_between_checked_epochs():
    params, X, Y = _setup()
    model = StepModel(Faults())
    honest = params
    for _ in range(20):
        honest = {k: v - model.step(NET, honest, X, Y, rate=2.0)[k] for k, v in honest.items()}
    gap, allowed = check_replay(model=model, network=NET, start=params, end=honest, X=X, Y=Y, rate=2.0, epochs=20)
    assert gap < 1e-9 and allowed < 1e-3
    nudged = {k: v + (0.05 if k == "W2" else 0.0) for k, v in honest.items()}
    gap, allowed = check_replay(model=model, network=NET, start=params, end=nudged, X=X, Y=Y, rate=2.0, epochs=20)
    assert gap > 1e-2 > allowed


# -- attacks: real submissions ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def attacks() -> dict[str, SubmissionResult]:
    results = grade_paths(paths=[ATTACKS / name for name in ("fails_descent_hand_made_solution.py",
                                                             "fails_descent_jump_once.py",
                                                             "fails_descent_table_lookup.py")],
                          assignment=SPEC, workers=2, limits=FAST)
    return {Path(r.submission).name: r for r in results}


@pytest.mark.parametrize("name", ["fails_descent_hand_made_solution.py", "fails_descent_jump_once.py"])
def test_a_hand_made_solution_written_by_backward_fails_descent(attacks, name):
    """Both pass every other check (honest steps on the grader's random data) and end with XOR solved."""
    result = attacks[name]
    check = result.check("descent")
    assert [c.id for c in result.checks if not c.passed] == ["descent"]
    assert result.score == result.max_score - SPEC.points["descent"]
    assert result.diagnoses == ["not-gradient-descent"]
    assert check.message.startswith("XOR is solved, but not by gradient descent: ")
    assert check.evidence["final_loss"] < 1e-6  # the hand-made solution is there
    if name == "fails_descent_hand_made_solution.py":
        assert "at epoch 1, the parameters did not change by the learning rate times the gradient" in check.message
    else:  # the jump happens between two checked steps: the replay sees it
        assert "did not follow gradient steps" in check.message


def test_a_lookup_of_the_four_row_table_never_fires(attacks):
    """The run never shows the table as it is usually written, so this backward never writes its solution and
    takes no step: the verdict of a backward that does nothing."""
    result = attacks["fails_descent_table_lookup.py"]
    check = result.check("descent")
    assert not check.passed and result.diagnoses[-1] == "no-descent"
    assert check.evidence["final_loss"] == pytest.approx(check.evidence["initial_loss"])


# -- no correct solution loses a point ----------------------------------------------------------------

def _correct_files() -> list[tuple[Path, str]]:
    """Every correct solution the project holds, with the assignment it is graded against."""
    dirs = {"two_layer": "two-layer", "three_layer": "three-layer", "two_layer_bce": "two-layer-bce",
            "deep_relu_softmax": "deep-relu-softmax", "descent": "two-layer", "kernel": "two-layer"}
    found = [(p, dirs[p.parent.name]) for folder in dirs for p in sorted((FILES / folder).glob("passes_*"))]
    found += [(p, {"two_layer": "two-layer", "three_layer": "three-layer"}[p.parent.name])
              for p in sorted((FILES / "freestyle").glob("*/*/passes_*.py")) if p.parent.parent.name != "pinned"]
    found += [(ROOT / "submissions" / "examples" / n, "two-layer")
              for n in ("alice_correct.ipynb", "bob_mean_convention.py")]
    found += [(p, p.parent.name) for p in sorted((ROOT / "assignments").glob("*/solution.*"))]
    return found


CORRECT = _correct_files()


def test_the_list_of_correct_solutions_is_complete():
    assert len(CORRECT) >= 40 and len({p.parent.name for p, _ in CORRECT if p.parent.parent.name == "assignments"}) == 4


@pytest.mark.parametrize(("path", "assignment"), CORRECT, ids=lambda v: str(v).split("/work/")[-1][-60:])
def test_no_correct_solution_loses_a_point(path, assignment):
    spec = load_assignment(assignment)
    if path.parent.parent.name in ("class", "dict", "functions", "globals", "lists"):
        spec = spec.unpinned()
    result = grade_submission(submission=from_path(path), assignment=spec, limits=FAST)
    assert result.score == result.max_score, [c.message for c in result.checks if not c.passed]
    check = result.check("descent")
    assert "integrity" not in check.evidence and check.evidence["checked_epochs"][0] == 1
    assert check.evidence.get("replay_gap", 0.0) <= 1e-6
