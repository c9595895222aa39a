"""The checks' messages say what happened: the descent never contradicts its table, a gradient factor in words
says which way, the descent's rate is explained in the terminal report, the plateau of a symmetric start is
the assignment's own loss, and evidence labels are in the student's terms.

Each test grades a student-like submission with a known mistake (or convention) and reads its messages.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FAST, FILES
from grader import load_assignment
from grader.checks.compare import times_in_words
from grader.grading import grade_paths
from grader.reports.evidence import evidence_blocks
from grader.reports.text import check_feedback, format_text
from grader.results import SubmissionResult

CASES = {
    "two-layer": [FILES / "two_layer" / n for n in ("fails_gradients_sign_error.py",
                                                    "fails_gradients_missing_derivative_layer1.py",
                                                    "fails_init_zero_weights.py", "passes_mean.py",
                                                    "fails_update_fixed_lr.py", "fails_loss_sum.py")]
    + [FILES / "descent" / n for n in ("passes_half_mean_gradient.py", "fails_gradients_per_sample_steps.py")],
    "two-layer-bce": [FILES / "two_layer_bce" / "fails_init_identical_units.py"],
    "three-layer": [FILES / "three_layer" / "fails_forward_skips_layer2_output.py"],
}


@pytest.fixture(scope="module")
def graded() -> dict[str, SubmissionResult]:
    out = {}
    for assignment, paths in CASES.items():
        for r in grade_paths(paths=paths, assignment=load_assignment(assignment), workers=2, limits=FAST):
            out[Path(r.submission).name] = r
    return out


def test_a_sign_error_says_the_loss_rose_and_points_at_the_sign(graded):
    check = graded["fails_gradients_sign_error.py"].check("descent")
    start, end = check.evidence["initial_loss"], check.evidence["final_loss"]
    assert end > start and not check.passed
    assert f"the loss rose instead of falling (to {end / start:.0%} of its start)" in check.message
    assert "fell only" not in check.message
    assert "fix the sign of the update" in check.message
    assert "If the loss rose, the steps go up the gradient: look at the sign" in check_feedback(check)


def test_a_rising_loss_from_a_wrong_forward_pass_points_at_the_earlier_checks_not_the_sign(graded):
    check = graded["fails_forward_skips_layer2_output.py"].check("descent")
    assert check.evidence["final_loss"] > check.evidence["initial_loss"]
    assert "the loss rose instead of falling" in check.message and "sign" not in check.message
    assert check.message.endswith("which the gradients check found wrong: fix those first")


def test_right_predictions_with_too_little_descent_say_the_loss_did_not_fall_enough(graded):
    check = graded["fails_gradients_missing_derivative_layer1.py"].check("descent")
    rows = check.evidence["predictions"]
    assert all((r["prediction"][0] > 0.5) == (r["target"][0] > 0.5) for r in rows)  # the table: all right
    share = check.evidence["final_loss"] / check.evidence["initial_loss"]
    assert 0.1 < share < 1
    assert check.message.startswith("training does not solve XOR: every XOR prediction is on the right side, but "
                                    f"the loss did not fall enough: it fell only to {share:.0%} of its start "
                                    "(it needs 10% or less)")
    assert "wrong side" not in check.message
    assert "which the gradients check found wrong: fix those first" in check.message


@pytest.mark.parametrize(("factor", "words"), [(2.5, "2.5 times larger"), (0.5, "half as large"),
                                               (0.25, "a quarter as large"), (4, "4 times larger"),
                                               (0.3, "0.3 times as large")])
def test_factor_words(factor, words):
    assert times_in_words(factor=factor) == words


def test_a_half_gradient_is_put_as_half_as_large_and_the_rate_explained_in_the_text_report(graded):
    result = graded["passes_half_mean_gradient.py"]
    assert result.score == result.max_score
    gradients = result.check("gradients")
    assert gradients.evidence["factor"] == pytest.approx(0.5)
    assert "as if the learning rate were half as large" in gradients.message and "x larger" not in gradients.message
    text = format_text(result)
    assert ("The grader trained at learning rate 4, not your own lr: the assignment's rate 2 divided by your "
            "gradient factor on the training data, 0.5 (there your gradients are half as large as the gradient of "
            "the assignment's loss;") in text and "so your convention is not penalised." in text
    assert "half as large as the gradient" in check_feedback(result.check("descent"))


def test_a_factor_above_one_is_put_as_times_larger(graded):
    result = graded["fails_init_zero_weights.py"]  # a sum over the 5 rows of the grader's batches
    factor = result.check("gradients").evidence["factor"]
    assert factor == pytest.approx(2.5)
    assert "as if the learning rate were 2.5 times larger" in result.check("gradients").message
    on_xor = result.check("descent").evidence["gradient_factor"]  # the sum grows with XOR's rows, as presented
    assert on_xor > 1 and f"(there your gradients are {on_xor:.4g} times larger than the gradient" in format_text(result)
    assert "it can differ from the gradients check's" in format_text(result)  # 2.5 there, more on XOR's rows


def test_the_same_rate_as_the_assignment_is_explained_too(graded):
    text = format_text(graded["passes_mean.py"])
    assert "The grader trains every network at the assignment's learning rate 2, whatever lr your code sets" in text


def test_an_update_that_ignores_the_rate_says_how_much_it_changed(graded):
    check = graded["fails_update_fixed_lr.py"].check("update")
    assert check.message.startswith("with a learning rate 10 times larger, the parameters changed ")
    assert check.message.endswith("not 10 times as much") and " x " not in check.message


def test_the_plateau_of_a_symmetric_start_is_the_assignments_loss(graded):
    mse = graded["fails_init_zero_weights.py"].check("init")
    assert "the loss would stall near 0.25, the mean squared error when every prediction is 0.5" in mse.message
    assert "0.6931" not in format_text(graded["fails_init_zero_weights.py"])
    bce = graded["fails_init_identical_units.py"].check("init")
    assert "the loss would stall near 0.6931, the binary cross-entropy when every prediction is 0.5" in bce.message


def _facts(diagnosis) -> dict[str, str]:
    return {f.label: f.value for b in evidence_blocks(diagnosis.evidence) for f in b.facts}


def test_evidence_labels_are_in_the_students_terms(graded):
    check = graded["fails_gradients_missing_derivative_layer1.py"].check("gradients")
    facts = _facts(check.diagnoses[0])
    assert facts["Where in your network"] == "layer 1 (W1, b1; layer 1 is the first after the input)"
    assert facts["Seen on"].startswith("the grader's ") and facts["Seen on"].endswith(" random weights and inputs")
    assert not {"Layers", "Layer", "Grader's random input set", "Mutant", "Residual", "Reference factor"} & set(facts)
    assert not any(v.startswith("#") for v in facts.values())


def test_a_loss_off_by_a_factor_is_not_called_a_gradient_factor(graded):
    check = graded["fails_loss_sum.py"].check("loss")
    facts = _facts(check.diagnoses[0])
    assert float(facts["Your loss divided by the expected loss"]) > 1
    assert not any("Gradient factor" in label for label in facts)
    assert facts["Seen on"] == "the grader's first random weights and inputs"


def test_per_sample_steps_are_the_students_own_descent(graded):
    result = graded["fails_gradients_per_sample_steps.py"]
    assert [c.id for c in result.checks if not c.passed] == ["gradients"]
    descent = result.check("descent")
    assert descent.evidence["per_sample_steps"] is True and descent.evidence["replay_gap"] <= 1e-6
