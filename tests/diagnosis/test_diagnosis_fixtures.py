"""Student-like submissions for every built-in assignment: exactly the expected tags, stable across seeds.

Each fixture under tests/files/<assignment_dir>/ is named by its expected outcome; the two-layer ones are
listed in tests/test_grading.py, the others here. Correct solutions in several conventions get no tag at
all, on every seed.
"""
from __future__ import annotations

import pytest

from conftest import ASSIGNMENT_DIRS
from grader import load_assignment
from grader.checks.base import Reference
from grader.diagnosis import applicable_tags
from grader.reports.text import format_text
from test_grading import CHECKS
from test_grading import EXPECTED as TWO_LAYER

ALL = set(CHECKS)
FWD = {"forward", "gradients", "descent"}

# assignment -> file -> (status, error kind or None, checks that must fail, exactly the tags reported)
EXPECTED = {
    "three-layer": {
        "passes_mean.py": ("ok", None, set(), set()),
        "passes_half_sse_loop.py": ("ok", None, set(), set()),
        "passes_sse_reassign.py": ("ok", None, set(), set()),
        "passes_batch_mean_helpers.py": ("ok", None, set(), set()),
        "fails_init_zero_weights.py": ("ok", None, {"init"}, {"symmetric-init"}),
        "fails_forward_missing_bias_layer2.py": ("ok", None, FWD, {"forward-missing-bias", "no-descent"}),
        "fails_forward_relu_hidden.py": ("ok", None, FWD, {"wrong-activation", "no-descent"}),
        "fails_forward_skips_layer2_output.py": ("ok", None, FWD,
                                                 {"forward-mismatch", "gradient-mismatch", "no-descent"}),
        "fails_loss_sum.py": ("ok", None, {"loss"}, {"loss-mismatch"}),
        "fails_gradients_sign_error.py": ("ok", None, {"gradients", "descent"}, {"gradient-sign", "no-descent"}),
        "fails_gradients_bias_averaged.py": ("ok", None, {"gradients"}, {"gradient-scale-inconsistent"}),
        "fails_gradients_missing_bias_gradient_layer3.py": ("ok", None, {"gradients"}, {"missing-bias-gradient"}),
        "fails_gradients_cross_entropy.py": ("ok", None, {"gradients"}, {"cross-entropy-gradient"}),
        "fails_gradients_missing_derivative_layer2.py": ("ok", None, {"gradients"}, {"missing-activation-derivative"}),
        "fails_gradients_derivative_of_preactivation.py": ("ok", None, {"gradients", "descent"},
                                                           {"derivative-of-preactivation", "no-descent"}),
        "fails_gradients_transposed_layer2.py": ("ok", None, {"gradients"}, {"transposed-gradient"}),
        "fails_gradients_stale_weights.py": ("ok", None, {"gradients"}, {"stale-weights"}),
        "fails_gradients_untransposed_backprop.py": ("ok", None, {"gradients"}, {"gradient-mismatch"}),
        "fails_update_fixed_lr.py": ("ok", None, {"update"}, {"ignores-learning-rate"}),
        "fails_descent_lr_decay.py": ("ok", None, {"descent"}, {"no-descent"}),
        "error_syntax.py": ("error", "syntax-error", ALL, {"syntax-error"}),
        # Named ThreeLayerNet, not ThreeLayerNN, with only a forward method: bound by detection (the default),
        # so its forward pass earns its points and what is missing fails.
        "error_no_class.py": ("ok", None, {"loss", "gradients", "update", "descent"}, {"missing-interface"}),
    },
    "two-layer-bce": {
        "passes_mean.py": ("ok", None, set(), set()),
        "passes_sum.py": ("ok", None, set(), set()),
        "passes_unfused_chain_rule.py": ("ok", None, set(), set()),
        "fails_init_identical_units.py": ("ok", None, {"init"}, {"symmetric-init"}),
        "fails_forward_missing_bias_layer2.py": ("ok", None, {"forward", "gradients"}, {"forward-missing-bias"}),
        "fails_forward_relu_hidden.py": ("ok", None, FWD, {"wrong-activation", "no-descent"}),
        "fails_forward_sigmoid_sign_slip.py": ("ok", None, FWD, {"forward-mismatch", "gradient-mismatch", "no-descent"}),
        "fails_loss_mse.py": ("ok", None, {"loss"}, {"loss-mismatch"}),
        "fails_gradients_sign_error.py": ("ok", None, {"gradients", "descent"}, {"gradient-sign", "no-descent"}),
        "fails_gradients_bias_averaged.py": ("ok", None, {"gradients"}, {"gradient-scale-inconsistent"}),
        "fails_gradients_missing_bias_gradient_layer1.py": ("ok", None, {"gradients"}, {"missing-bias-gradient"}),
        "fails_gradients_missing_derivative_layer1.py": ("ok", None, {"gradients", "descent"},
                                                         {"missing-activation-derivative", "no-descent"}),
        "fails_gradients_derivative_of_preactivation.py": ("ok", None, {"gradients", "descent"},
                                                           {"derivative-of-preactivation", "no-descent"}),
        "fails_gradients_transposed_layer1.py": ("ok", None, {"gradients", "update", "descent"},
                                                 {"transposed-gradient", "exception"}),
        "fails_gradients_stale_weights.py": ("ok", None, {"gradients"}, {"stale-weights"}),
        "fails_gradients_mse_delta.py": ("ok", None, {"gradients"}, {"gradient-mismatch"}),
        "fails_update_lr_squared.py": ("ok", None, {"update"}, {"ignores-learning-rate"}),
        # SimpleNN whose step is train_step, not backward: it does not follow the template, so the default binding
        # detects train_step and grades it (correct); `--binding spec` would fail the missing backward.
        "error_missing_backward.py": ("ok", None, set(), set()),
    },
    "deep-relu-softmax": {
        "passes_mean.py": ("ok", None, set(), set()),
        "passes_sum_unrolled.py": ("ok", None, set(), set()),
        "passes_params_dict.py": ("ok", None, set(), set()),
        "fails_init_zero_weights.py": ("ok", None, {"init"}, {"symmetric-init"}),
        "fails_forward_missing_bias_all_layers.py": ("ok", None, FWD, {"forward-missing-bias", "no-descent"}),
        "fails_forward_sigmoid_hidden.py": ("ok", None, FWD, {"wrong-activation", "no-descent"}),
        "fails_forward_no_softmax.py": ("ok", None, {"forward"}, {"wrong-activation"}),
        "fails_forward_softmax_over_columns.py": ("ok", None, FWD,
                                                  {"forward-mismatch", "gradient-mismatch", "no-descent"}),
        "fails_loss_sum.py": ("ok", None, {"loss"}, {"loss-mismatch"}),
        "fails_gradients_sign_error.py": ("ok", None, {"gradients", "descent"}, {"gradient-sign", "no-descent"}),
        "fails_gradients_bias_averaged.py": ("ok", None, {"gradients"}, {"gradient-scale-inconsistent"}),
        "fails_gradients_missing_bias_gradient.py": ("ok", None, {"gradients"}, {"missing-bias-gradient"}),
        "fails_gradients_missing_derivative_all_hidden.py": ("ok", None, {"gradients", "descent"},
                                                             {"missing-activation-derivative", "no-descent"}),
        "fails_gradients_missing_derivative_layer2.py": ("ok", None, {"gradients"}, {"missing-activation-derivative"}),
        "fails_gradients_transposed_all_layers.py": ("ok", None, {"gradients", "update", "descent"},
                                                     {"transposed-gradient", "exception"}),
        "fails_gradients_stale_weights.py": ("ok", None, {"gradients"}, {"stale-weights"}),
        "fails_gradients_bias_sum_over_columns.py": ("ok", None, {"gradients", "update", "descent"},
                                                     {"gradient-mismatch", "no-descent"}),
        "fails_update_fixed_lr.py": ("ok", None, {"update"}, {"ignores-learning-rate"}),
        "error_syntax.py": ("error", "syntax-error", ALL, {"syntax-error"}),
    },
}

# The layers a diagnosis must name: (assignment, file) -> (tag, layers).
LAYERS = {
    ("two-layer", "fails_forward_missing_bias_layer1.py"): ("forward-missing-bias", [1]),
    ("two-layer", "fails_forward_tanh_hidden.py"): ("wrong-activation", [1]),
    ("two-layer", "fails_forward_returns_preactivation.py"): ("wrong-activation", [2]),
    ("two-layer", "fails_gradients_missing_derivative_layer1.py"): ("missing-activation-derivative", [1]),
    ("two-layer", "fails_gradients_derivative_of_preactivation.py"): ("derivative-of-preactivation", [1, 2]),
    ("two-layer", "fails_gradients_cross_entropy.py"): ("cross-entropy-gradient", [2]),
    ("two-layer", "fails_gradients_missing_bias_gradient.py"): ("missing-bias-gradient", [1, 2]),
    ("two-layer", "fails_gradients_transposed_layer1.py"): ("transposed-gradient", [1]),
    ("two-layer", "fails_gradients_stale_weights.py"): ("stale-weights", [2]),
    ("two-layer", "fails_gradients_bias_averaged.py"): ("gradient-scale-inconsistent", [1, 2]),
    ("three-layer", "fails_forward_missing_bias_layer2.py"): ("forward-missing-bias", [2]),
    ("three-layer", "fails_forward_relu_hidden.py"): ("wrong-activation", [1, 2]),
    ("three-layer", "fails_gradients_missing_derivative_layer2.py"): ("missing-activation-derivative", [2]),
    ("three-layer", "fails_gradients_missing_bias_gradient_layer3.py"): ("missing-bias-gradient", [3]),
    ("three-layer", "fails_gradients_transposed_layer2.py"): ("transposed-gradient", [2]),
    ("three-layer", "fails_gradients_stale_weights.py"): ("stale-weights", [2, 3]),
    ("three-layer", "fails_gradients_derivative_of_preactivation.py"): ("derivative-of-preactivation", [1, 2, 3]),
    ("two-layer-bce", "fails_forward_missing_bias_layer2.py"): ("forward-missing-bias", [2]),
    ("two-layer-bce", "fails_gradients_missing_bias_gradient_layer1.py"): ("missing-bias-gradient", [1]),
    ("two-layer-bce", "fails_gradients_derivative_of_preactivation.py"): ("derivative-of-preactivation", [1]),
    ("two-layer-bce", "fails_gradients_transposed_layer1.py"): ("transposed-gradient", [1]),
    ("deep-relu-softmax", "fails_forward_missing_bias_all_layers.py"): ("forward-missing-bias", [1, 2, 3]),
    ("deep-relu-softmax", "fails_forward_no_softmax.py"): ("wrong-activation", [3]),
    ("deep-relu-softmax", "fails_gradients_missing_derivative_layer2.py"): ("missing-activation-derivative", [2]),
    ("deep-relu-softmax", "fails_gradients_missing_derivative_all_hidden.py"): ("missing-activation-derivative", [1, 2]),
    ("deep-relu-softmax", "fails_gradients_transposed_all_layers.py"): ("transposed-gradient", [1, 2, 3]),
    ("deep-relu-softmax", "fails_gradients_stale_weights.py"): ("stale-weights", [2, 3]),
}

EXAMPLES = {
    "alice_correct.ipynb": set(),
    "bob_mean_convention.py": set(),
    "carol_sign_error.py": {"gradient-sign", "no-descent"},
    "dave_missing_derivative.ipynb": {"missing-activation-derivative", "no-descent"},
    "erin_stale_weights.py": {"stale-weights"},
    "frank_zero_init.ipynb": {"symmetric-init"},
    "grace_syntax_error.py": {"syntax-error"},
}

GENERIC_TAGS = {"forward-mismatch", "gradient-mismatch", "loss-mismatch", "ignores-learning-rate", "symmetric-init",
                "no-descent"}


def fixture_name(assignment: str) -> str:
    return f"{ASSIGNMENT_DIRS[assignment]}_fixtures"


def expectations(assignment: str) -> dict[str, tuple]:
    return TWO_LAYER if assignment == "two-layer" else EXPECTED[assignment]


@pytest.mark.parametrize("assignment", sorted(EXPECTED))
def test_every_fixture_has_an_expectation(request, assignment):
    assert set(request.getfixturevalue(fixture_name(assignment))) == set(EXPECTED[assignment])


@pytest.mark.parametrize(("assignment", "name"), [(a, n) for a in sorted(EXPECTED) for n in sorted(EXPECTED[a])])
def test_fixture_verdict(request, assignment, name):
    status, kind, failing, tags = EXPECTED[assignment][name]
    result = request.getfixturevalue(fixture_name(assignment))[name]
    assert result.status == status
    assert (result.error.kind if result.error else None) == kind
    failed = {c.id for c in result.checks if not c.passed}
    assert failed == failing, [c.message for c in result.checks if not c.passed]
    assert set(result.diagnoses) == tags, [c.message for c in result.checks if not c.passed]
    assert result.score == sum(c.points for c in result.checks)


@pytest.mark.parametrize("assignment", sorted(ASSIGNMENT_DIRS))
def test_every_applicable_tag_has_a_fixture(assignment):
    """One fixture per catalogue tag that applies to the assignment (square sizes included), and the generic ones."""
    spec = load_assignment(assignment)
    square = Reference(spec, 0).square
    applicable = set(applicable_tags(spec.network)) | (set(applicable_tags(square.network)) if square else set())
    covered = {tag for *_, tags in expectations(assignment).values() for tag in tags}
    assert applicable | GENERIC_TAGS <= covered, (applicable | GENERIC_TAGS) - covered


@pytest.mark.parametrize(("assignment", "name"), sorted(LAYERS))
def test_diagnosis_names_the_layers(request, assignment, name):
    tag, layers = LAYERS[(assignment, name)]
    result = request.getfixturevalue(fixture_name(assignment))[name]
    found = [d for c in result.checks for d in c.diagnoses if d.tag == tag]
    assert found and all(d.evidence["layers"] == layers for d in found)
    if len(layers) == 1:
        assert all(d.evidence["layer"] == layers[0] for d in found)
        assert all(f"layer {layers[0]}" in d.message for d in found)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", sorted(ASSIGNMENT_DIRS))
def test_verdicts_are_the_same_on_other_seeds(request, reseeded_fixtures, assignment):
    """Other probes (EXTRA_SEEDS), same verdict and tags for every check but descent (its training has its own seed).

    Correct solutions get no tag on any seed; each mistake is named the same way on every seed.
    """
    first = request.getfixturevalue(fixture_name(assignment))
    names = [n for (a, n) in reseeded_fixtures if a == assignment]
    assert names and set(names) == {n for n in first if n.startswith(("passes", "fails"))}
    for name in names:
        for seed, checks in reseeded_fixtures[(assignment, name)].items():
            for check in checks:
                before = first[name].check(check.id)
                assert (check.passed, [d.tag for d in check.diagnoses]) == \
                       (before.passed, [d.tag for d in before.diagnoses]), (name, seed, check.id, check.message)
            if name.startswith("passes"):
                assert all(c.passed and not c.diagnoses for c in checks), (name, seed)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_get_the_precise_tags(example_results, name):
    assert set(example_results[name].diagnoses) == EXAMPLES[name]


def test_dave_is_told_which_layer_misses_its_derivative(example_results):
    check = example_results["dave_missing_derivative.ipynb"].check("gradients")
    (diagnosis,) = check.diagnoses
    assert "layer 1 is missing its activation derivative" in check.message
    assert diagnosis.evidence["layer"] == 1
    assert diagnosis.evidence["factor"] == pytest.approx(0.5)  # 0.5 * SSE averaged over the batch
    assert diagnosis.evidence["worst"][0].keys() == {"index", "got", "expected"}
    assert set(diagnosis.evidence["relative_errors"]) == {"W1", "b1", "W2", "b2"}
    text = format_text(example_results["dave_missing_derivative.ipynb"])
    assert "[missing-activation-derivative]" in text and "hint:" in text


def test_erin_is_told_which_matrix_was_stale(example_results):
    (diagnosis,) = example_results["erin_stale_weights.py"].check("gradients").diagnoses
    assert diagnosis.evidence["layer"] == 2 and "W2" in diagnosis.message
    assert diagnosis.evidence["factor"] == pytest.approx(2.5)  # gradient of 0.5 * SSE over 5 rows
    assert example_results["erin_stale_weights.py"].check("update").passed


def test_transposed_gradient_shows_the_error_and_the_square_sizes(two_layer_fixtures):
    check = two_layer_fixtures["fails_gradients_transposed_layer1.py"].check("gradients")
    (diagnosis,) = check.diagnoses
    assert diagnosis.evidence["sizes"] == [2, 2, 1]
    assert "line 32" in diagnosis.evidence["failure"] and "ValueError" in check.message
    assert "W1" in check.message


def test_unexplained_gradients_say_which_parameters_are_wrong(three_layer_fixtures):
    check = three_layer_fixtures["fails_gradients_untransposed_backprop.py"].check("gradients")
    (diagnosis,) = check.diagnoses
    evidence = diagnosis.evidence
    assert evidence["parameters"] == ["W1", "b1"]
    assert evidence["right"] == ["W2", "b2", "W3", "b3"] and evidence["factor"] == pytest.approx(1.0)
    assert evidence["relative_errors"]["W1"] > 0.1 and evidence["relative_errors"]["W3"] < 1e-9
    assert evidence["array"] in ("W1", "b1") and evidence["worst"]
    assert "W1" in check.message and "right up to the factor 1" in check.message


def test_unexplained_forward_says_which_outputs_are_off(deep_relu_softmax_fixtures):
    check = deep_relu_softmax_fixtures["fails_forward_softmax_over_columns.py"].check("forward")
    (diagnosis,) = check.diagnoses
    evidence = diagnosis.evidence
    assert evidence["mismatched"] > 0 and evidence["outputs"] and evidence["relative_error"] > 0.1
    assert {"factor", "worst", "probe"} <= evidence.keys()
    assert evidence["worst"][0]["got"] != pytest.approx(evidence["worst"][0]["expected"])


def test_matched_forward_mistake_keeps_the_comparison(three_layer_fixtures):
    check = three_layer_fixtures["fails_forward_missing_bias_layer2.py"].check("forward")
    (diagnosis,) = check.diagnoses
    assert check.message.startswith("layer 2 leaves out the bias (b2)")
    assert "forward(X) differs" in check.message
    assert diagnosis.evidence["mutant"] == "forward-missing-bias@2" and diagnosis.evidence["worst"]
