"""The descent check (grader/checks/descent.py): early stop at the first checkpoint where XOR is solved,
the whole budget with ``stop_when_solved = false``, and the evidence of both."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from conftest import FAST, FILES
from grader import load_assignment
from grader.spec.assignment import Assignment
from grader.checks import Reference
from grader.checks.descent import CURVE_POINTS, downsample, judge, student_curve
from grader.grading import grade_submission
from grader.results import SubmissionResult
from grader.sandbox.submission import from_path

SPEC = load_assignment("two-layer")
CORRECT = FILES / "two_layer" / "passes_mean.py"  # the gradient of the mean: the reference's own steps
SIGN_ERROR = FILES / "two_layer" / "fails_gradients_sign_error.py"
DIVERGES = FILES / "descent" / "passes_then_diverges.py"  # solved at epoch 300, NaN by epoch 2000


def spec(*, stop_when_solved: bool) -> Assignment:
    return replace(SPEC, training=replace(SPEC.training, stop_when_solved=stop_when_solved))


@pytest.fixture(scope="module")
def graded() -> dict[tuple[str, bool], SubmissionResult]:
    """Each submission graded with and without early stop, keyed (file name, stop_when_solved)."""
    return {(path.name, stop): grade_submission(submission=from_path(path), assignment=spec(stop_when_solved=stop),
                                                limits=FAST)
            for path in (CORRECT, SIGN_ERROR, DIVERGES) for stop in (True, False)}


def descent(graded: dict[tuple[str, bool], SubmissionResult], path: Path, *, stop: bool) -> tuple[bool, dict, str]:
    check = graded[(path.name, stop)].check("descent")
    return check.passed, check.evidence, check.message


def reference_losses() -> np.ndarray:
    return Reference(SPEC, 0).training.losses


def first_checkpoint_solved() -> int:
    """The first checkpoint at which the reference's own run meets the descent criterion."""
    losses, t = reference_losses(), SPEC.training
    return next(e for e in range(t.checkpoint, t.epochs + 1, t.checkpoint) if losses[e] <= t.max_loss_ratio * losses[0])


CHECKPOINT_AFTER_REFERENCE = first_checkpoint_solved()


# -- early stop ------------------------------------------------------------------------------------

def test_a_correct_solution_stops_at_the_first_checkpoint_where_xor_is_solved(graded):
    result = graded[(CORRECT.name, True)]
    assert result.score == result.max_score
    passed, evidence, message = descent(graded, CORRECT, stop=True)
    t = SPEC.training
    epochs = evidence["epochs"]
    assert passed and evidence["stopped_early"] is True and evidence["epoch_budget"] == t.epochs == 2000
    assert 0 < epochs < t.epochs and epochs % t.checkpoint == 0
    # The student takes the reference's steps: the first checkpoint at or after the reference's criterion
    # (for the mean squared error on XOR, a loss under 10% of the start means every prediction is right).
    losses = reference_losses()
    criterion = int(np.argmax(losses <= t.max_loss_ratio * losses[0]))
    assert epochs == math.ceil(criterion / t.checkpoint) * t.checkpoint
    assert evidence["reference_curve"] == downsample(losses[:epochs + 1])
    assert evidence["reference_curve"]["epoch"][-1] == evidence["student_curve"]["epoch"][-1] == epochs
    assert evidence["reference_final_loss"] == losses[epochs]
    assert evidence["student_curve"]["loss"][-1] == evidence["final_loss"]
    assert evidence["final_loss"] <= t.max_loss_ratio * evidence["initial_loss"]
    assert f"XOR solved after {epochs} of at most 2000 epochs at lr 2: loss " in message
    assert message.endswith("after as many epochs)")


def test_without_early_stop_the_whole_budget_runs(graded):
    passed, evidence, message = descent(graded, CORRECT, stop=False)
    losses = reference_losses()
    assert passed and evidence["epochs"] == evidence["epoch_budget"] == 2000 and evidence["stopped_early"] is False
    assert evidence["reference_curve"] == downsample(losses)
    assert evidence["student_curve"]["epoch"][-1] == 2000 and len(evidence["student_curve"]["epoch"]) == CURVE_POINTS
    assert evidence["reference_final_loss"] == losses[-1]
    assert message.startswith("XOR solved; 2000 epochs at lr 2: loss ")


def test_solved_then_diverging_passes_with_early_stop_and_fails_without(graded):
    """Early stop judges the first checkpoint where XOR is solved: what the code does later is not seen."""
    passed, evidence, message = descent(graded, DIVERGES, stop=True)
    assert passed and evidence["stopped_early"] is True
    assert evidence["epochs"] == descent(graded, CORRECT, stop=True)[1]["epochs"]  # correct steps up to epoch 300
    passed, evidence, message = descent(graded, DIVERGES, stop=False)
    assert not passed and evidence["epochs"] == 2000 and evidence["stopped_early"] is False
    assert message == "after training, the parameters are missing, misshapen or not finite (NaN/inf)"
    early, full = graded[(DIVERGES.name, True)], graded[(DIVERGES.name, False)]
    assert full.diagnoses == ["no-descent"] and early.diagnoses == []
    assert early.score - full.score == SPEC.points["descent"]


def test_a_sign_error_fails_after_the_whole_budget(graded):
    for stop in (True, False):
        passed, evidence, message = descent(graded, SIGN_ERROR, stop=stop)
        assert not passed and evidence["epochs"] == evidence["epoch_budget"] == 2000
        assert evidence["stopped_early"] is False
        assert message.startswith("training does not solve XOR: ") and "; 2000 epochs at lr 2: " in message
        assert evidence["reference_final_loss"] == reference_losses()[-1]
    assert graded[(SIGN_ERROR.name, True)].checks == graded[(SIGN_ERROR.name, False)].checks


@pytest.mark.parametrize("name", ["passes_sum_convention.py", "passes_half_sse.py", "passes_mean.py"])
def test_any_gradient_convention_trains_at_the_references_rate_on_xor(name):
    """The factor is measured on XOR itself: a sum over the rows scales with the batch (5 rows in the
    probes, 4 in XOR), so with the probes' factor a sum convention would train at 4/5 of the rate."""
    result = grade_submission(submission=from_path(FILES / "two_layer" / name), assignment=SPEC, limits=FAST)
    check = result.check("descent")
    curve, losses = check.evidence["student_curve"], reference_losses()
    assert check.passed and check.evidence["lr"] * check.evidence["gradient_factor"] == pytest.approx(SPEC.training.lr)
    assert np.allclose(curve["loss"], losses[curve["epoch"]], rtol=1e-9, atol=0.0)  # the reference's own steps
    assert check.evidence["epochs"] == CHECKPOINT_AFTER_REFERENCE


# -- the verdict and the curve ---------------------------------------------------------------------

def test_judge_passes_the_references_trained_parameters_only():
    ref = Reference(SPEC, 0)
    X, Y = ref.xor
    start = float(ref.training.losses[0])
    options = dict(network=SPEC.network, X=X, Y=Y, start=start, one_hot=False, max_loss_ratio=0.1)
    trained = judge(ref.training.params, **options)
    assert trained is not None and trained.passed and trained.end == pytest.approx(ref.training.losses[-1])
    initial = judge(ref.initial_params, **options)
    assert initial is not None and not initial.passed and initial.end == pytest.approx(start)
    assert judge({**ref.initial_params, "W1": np.full((2, 4), np.nan)}, **options) is None
    assert judge({**ref.initial_params, "W1": np.zeros((4, 2))}, **options) is None
    assert judge({**ref.initial_params, "b1": "not an array"}, **options) is None


@pytest.mark.parametrize("epochs", [1, 50, 199, 2000])
def test_student_curve_is_the_downsampled_loss_per_epoch(epochs):
    """The loss is computed at the kept epochs only, with the values and epochs of the full curve."""
    X, Y = Reference(SPEC, 0).xor
    outputs = np.random.default_rng(epochs).uniform(0.05, 0.95, size=(epochs, *Y.shape))
    every_epoch = np.append([SPEC.network.loss_of(o, Y) for o in outputs], 0.01)
    curve = student_curve(outputs, network=SPEC.network, Y=Y, end=0.01)
    assert curve == downsample(every_epoch)
    assert curve["epoch"][0] == 0 and curve["epoch"][-1] == epochs and curve["loss"][-1] == 0.01
    assert len(curve["epoch"]) == min(CURVE_POINTS, epochs + 1)
