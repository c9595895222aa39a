"""Real-world code forms, bound by what the code does: parameters wherever the objects keep them (layer
objects, lists of layers, private names), biases folded into the weights, weights stored (out, in),
per-sample steps, constructors with training settings, float32 and integer arrays, and instructor specs
of other architectures. Each form has a correct lab (full marks on forward and gradients) and one with a
known mistake (the check it must fail, with the tag the template class gets for the same bug), as .py
and as .ipynb (tests/files/real_forms/, named by form then outcome).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import FAST, FILES
from grader import load_assignment
from grader.grading import grade_paths
from grader.results import SubmissionResult

FORMS = FILES / "real_forms"
SPECS = FORMS / "specs"
TWO = "two-layer"
ALL = ("init", "forward", "loss", "gradients", "update", "descent")
NO_LOSS = ({"loss"}, {"missing-interface"})  # labs that define no loss function lose that check only

# stem -> (spec, failing checks, diagnosis tags, words the binding summary must contain)
EXPECTED: dict[str, tuple[str, set[str], set[str], tuple[str, ...]]] = {
    "layers_dense_correct": (TWO, *NO_LOSS, ("class Network", "layers[0].weights", "layers[2].bias")),
    "layers_dense_fails_gradients_sign": (TWO, {"loss", "gradients", "descent"},
                                          {"missing-interface", "gradient-sign", "no-descent"}, ("layers[2].weights",)),
    "layers_attr_correct": (TWO, *NO_LOSS, ("fc1.W", "fc2.b")),
    "layers_attr_fails_gradients_derivative": (TWO, {"loss", "gradients", "descent"},
                                               {"missing-interface", "missing-activation-derivative", "no-descent"},
                                               ("fc1.W",)),
    "layers_list_correct": (TWO, *NO_LOSS, ("layers[1].weight_matrix", "layers[0].bias_vector")),
    "layers_list_fails_gradients_stale": (TWO, {"loss", "gradients"}, {"missing-interface", "stale-weights"},
                                          ("layers[1].weight_matrix",)),
    "layers_module_correct": (TWO, *NO_LOSS, ("module-level globals", "hidden.W", "output.b")),
    "layers_module_fails_gradients_sign": (TWO, {"loss", "gradients", "descent"},
                                           {"missing-interface", "gradient-sign", "no-descent"}, ("hidden.W",)),
    "layers_neurons_correct": (TWO, *NO_LOSS, ("hidden[*].weights", "output[*].bias", "one object per unit")),
    "layers_neurons_fails_gradients_bias": (TWO, {"loss", "gradients"}, {"missing-interface", "missing-bias-gradient"},
                                            ("hidden[*].bias",)),
    "private_correct": (TWO, *NO_LOSS, ("_w_hidden", "_b_out")),
    "private_fails_gradients_bias": (TWO, {"loss", "gradients"}, {"missing-interface", "missing-bias-gradient"},
                                     ("_w_out",)),
    "outin_correct": (TWO, *NO_LOSS, ("W (out, in)",)),
    "outin_fails_gradients_transposed": (TWO, {"loss", "gradients", "update", "descent"},
                                         {"missing-interface", "transposed-gradient", "exception"}, ("W (out, in)",)),
    "ctor_defaults_correct": (TWO, *NO_LOSS, ("class XOR_MLP",)),
    "ctor_defaults_fails_gradients_derivative": (TWO, {"loss", "gradients", "descent"},
                                                 {"missing-interface", "derivative-of-preactivation", "no-descent"},
                                                 ("class XOR_MLP",)),
    "ctor_data_correct": (TWO, *NO_LOSS, ("class DataNet", "calls forward(), backward()")),
    "ctor_data_fails_gradients_stale": (TWO, {"loss", "gradients"}, {"missing-interface", "stale-weights"},
                                        ("class DataNet",)),
    "ctor_required_correct": (TWO, *NO_LOSS, ("weights_ih",)),
    "ctor_required_fails_update_hardcoded_rate": (TWO, {"loss", "update"},
                                                  {"missing-interface", "ignores-learning-rate"},
                                                  ("weights_ih",)),
    "float32_correct": (TWO, *NO_LOSS, ("class SimpleMLP",)),
    "float32_intbias_correct": (TWO, *NO_LOSS, ("class Net",)),
    "float32_computes_correct": (TWO, *NO_LOSS, ("class Float32Net",)),
    "float32_kept_correct": (TWO, *NO_LOSS, ("computes in float32",)),
    "float32_kept_fails_gradients_derivative": (TWO, {"loss", "gradients", "descent"},
                                                {"missing-interface", "missing-activation-derivative", "no-descent"},
                                                ("computes in float32",)),
    "float32_fails_gradients_preactivation": (TWO, {"loss", "gradients", "descent"},
                                              {"missing-interface", "derivative-of-preactivation", "no-descent"},
                                              ("class SimpleMLP",)),
    "bias_trick_correct": (TWO, *NO_LOSS, ("theta1 (first row)", "biases folded")),
    "bias_trick_fails_gradients_scale": (TWO, {"loss", "gradients"},
                                         {"missing-interface", "gradient-scale-inconsistent"}, ("biases folded",)),
    "bias_columns_correct": (TWO, *NO_LOSS, ("class ColumnBiasNet (row-major)",)),
    "bias_columns_fails_gradients_bias_mean": (TWO, {"loss", "gradients"},
                                               {"missing-interface", "gradient-scale-inconsistent"}, ("b1",)),
    "bias_inside_correct": (TWO, *NO_LOSS, ("W1 (last row)", "b2")),
    "bias_inside_fails_update_twice": (TWO, {"loss", "gradients"}, {"missing-interface", "gradient-scale-inconsistent"},
                                       ("W1 (last row)",)),
    "bias_online_outin_correct": (TWO, *NO_LOSS, ("weights[0] (first column)", "online", "W (out, in)")),
    "bias_online_outin_fails_gradients_sign": (TWO, {"loss", "gradients", "descent"},
                                               {"missing-interface", "gradient-sign", "no-descent"},
                                               ("weights[1] (first column)", "online")),
    "bias_scalar_fails_forward_shared": (TWO, {"loss", "forward", "gradients", "update"},
                                         {"missing-interface", "bad-init-shape"}, ("one number per layer",)),
    "update_fn_correct": (TWO, *NO_LOSS, ("update_parameters()", "gradients returned")),
    "update_fn_fails_update_hardcoded_rate": (TWO, {"loss", "update"},
                                              {"missing-interface", "ignores-learning-rate"},
                                              ("update_parameters()",)),
    "online_correct": (TWO, *NO_LOSS, ("online",)),
    "online_shuffled_correct": (TWO, *NO_LOSS, ("online", "sgd_epoch()")),
    "online_fails_gradients_derivative": (TWO, {"loss", "gradients", "descent"},
                                          {"missing-interface", "missing-activation-derivative", "no-descent"},
                                          ("online",)),
    "arch_tanh_layers_correct": ("tanh_identity_3in", *NO_LOSS, ("stack[0]._W", "stack[2]._b")),
    "arch_tanh_layers_fails_gradients_derivative": ("tanh_identity_3in", {"loss", "gradients"},
                                                    {"missing-interface", "missing-activation-derivative"},
                                                    ("stack[0]._W",)),
    "arch_softmax_outin_correct": ("relu_softmax", set(), set(), ("W (out, in)",)),
    "arch_softmax_outin_fails_gradients_derivative": ("relu_softmax", {"gradients", "descent"},
                                                      {"missing-activation-derivative", "no-descent"},
                                                      ("W (out, in)",)),
    "arch_nobias_list_correct": ("sigmoid_nobias", *NO_LOSS, ("net[0].w", "calls run()")),
    "arch_nobias_list_fails_gradients_derivative": ("sigmoid_nobias", {"loss", "gradients"},
                                                    {"missing-interface", "cross-entropy-gradient"}, ("net[1].w",)),
}


def _spec(name: str):
    return load_assignment(name).unpinned() if name == TWO else load_assignment(SPECS / f"{name}.toml")


@pytest.fixture(scope="session")
def real_forms() -> dict[tuple[str, str], SubmissionResult]:
    """Every fixture graded once as .py and as .ipynb with no flag but the spec's, keyed (stem, suffix)."""
    results: dict[tuple[str, str], SubmissionResult] = {}
    for spec in sorted({e[0] for e in EXPECTED.values()}):
        paths = [FORMS / f"{stem}{suffix}" for stem, e in EXPECTED.items() if e[0] == spec
                 for suffix in (".py", ".ipynb")]
        for result in grade_paths(paths=paths, assignment=_spec(spec), workers=2, limits=FAST):
            path = Path(result.submission)
            results[(path.stem, path.suffix)] = result
    return results


def test_every_fixture_has_an_expectation_and_a_notebook():
    stems = {p.stem for p in FORMS.glob("*.py") if not p.name.startswith(("script_", "folder_", "imports_"))}
    assert stems == set(EXPECTED)
    assert all((FORMS / f"{stem}.ipynb").is_file() for stem in stems)
    prefixes = {stem.split("_")[0] for stem in stems}
    for prefix in prefixes:  # every form has a correct lab and a mistake, except the float32 variants
        outcomes = {"correct" if stem.endswith("_correct") else "fails" for stem in stems if stem.startswith(prefix)}
        assert outcomes == {"correct", "fails"}, prefix


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_verdict(real_forms, stem, suffix):
    _, failing, tags, words = EXPECTED[stem]
    result = real_forms[(stem, suffix)]
    assert result.status == "ok", result.error
    checks = {c.id: c for c in result.checks}
    assert {c.id for c in result.checks if not c.passed} == failing, [(c.id, c.message) for c in result.checks]
    assert {d.tag for c in result.checks for d in c.diagnoses} == tags
    summary = result.binding["summary"]
    assert result.binding["detection"]["agreed"], summary
    for word in words:
        assert word in summary, summary
    if stem.endswith("_correct"):  # full marks on the network's own checks, never a mistake tag
        for check in ("forward", "gradients"):
            assert checks[check].passed and checks[check].points == checks[check].max_points


def test_online_step_is_said_to_be_per_sample(real_forms):
    binding = real_forms[("online_correct", ".py")].binding
    assert binding["per_sample"] is True
    assert any("once per row" in note for note in binding["notes"])
    gradients = next(c for c in real_forms[("online_correct", ".py")].checks if c.id == "gradients")
    assert "one row at a time" in gradients.message
    for stem in ("layers_dense_correct", "private_correct", "bias_trick_correct"):  # batch steps are not
        assert "per_sample" not in real_forms[(stem, ".py")].binding


def test_integer_and_float32_arrays_take_the_graders_float64_values(real_forms):
    """The probes' weights reach the student's code whole: an integer bias array is replaced, not
    truncated to zeros, and a float32 array does not round the probes to float32."""
    for stem in ("float32_intbias_correct", "float32_correct"):
        gradients = next(c for c in real_forms[(stem, ".py")].checks if c.id == "gradients")
        assert gradients.passed
        assert max(gradients.evidence["relative_errors"].values()) < 1e-9, gradients.evidence


def test_folded_biases_read_as_the_references_weights_and_biases():
    from grader.binding.base import Layout
    from grader.binding.folded import joined
    from grader.binding.plan import Slot

    layout = Layout.named("column")  # the student's theta is (out, in + 1), the bias its first column
    theta = np.arange(12.0).reshape(3, 4)
    W = Slot("W1", "theta", "self", rows=(1, None))
    b = Slot("b1", "theta (first row)", "self", rows=(0, 1))
    params = {"W1": W.from_student(theta, layout), "b1": b.from_student(theta, layout)}
    assert params["W1"].shape == (3, 3) and params["b1"].shape == (1, 3)
    np.testing.assert_array_equal(params["b1"], theta[:, :1].T)
    np.testing.assert_array_equal(joined([W, b], params, layout), theta)


def test_a_bias_shared_by_a_layer_is_bound_and_named(real_forms):
    result = real_forms[("bias_scalar_fails_forward_shared", ".py")]
    forward = next(c for c in result.checks if c.id == "forward")
    assert "b_hidden is one number shared by the whole layer" in forward.message
    assert "one bias per unit" in forward.message
    assert next(c for c in result.checks if c.id == "descent").passed  # it does learn XOR from zero biases


def test_code_that_computes_in_float32_is_compared_at_float32_precision(real_forms):
    """Casting back to float32 after each update rounds the change read off it by ~1e-5: float64
    tolerances would call it a gradient mismatch; float32's still name the missing derivative."""
    kept = real_forms[("float32_kept_correct", ".py")]
    assert kept.binding["precision"] == "float32"
    assert any("computes in float32" in note and "W1" in note for note in kept.binding["notes"])
    for stem in ("float32_correct", "float32_intbias_correct", "layers_dense_correct"):  # float64 when given float64
        assert "precision" not in real_forms[(stem, ".py")].binding
