"""Free-style submissions (issue 4): the five forms of the seed write-ups and their neighbours, bound by
detection, graded with the verdicts they deserve, as .py files and as notebooks made from them.

Files live in tests/files/freestyle/<form>/<net>/, named by expected outcome; every .py of the five forms is
also graded as a notebook (one cell per top-level block, made in a session fixture).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import pytest

from conftest import ASSIGNMENT_DIRS, FAST, FILES
from grader import load_assignment
from grader.grading import Session, grade_paths, run_check
from grader.checks import Reference
from grader.results import SubmissionResult
from grader.sandbox.submission import from_path
from grader.reports.text import format_text

FREESTYLE = FILES / "freestyle"
FORMS = ("class", "functions", "dict", "lists", "globals")
NETS = {"two_layer": "two-layer", "three_layer": "three-layer"}
ALL = {"init", "forward", "loss", "gradients", "update", "descent"}

# (form, net, file) -> (failing checks, diagnosis tags, style, layout)
EXPECTED = {
    ("class", "two_layer", "passes_column_backward_lr.py"): (set(), set(), "class", "column"),
    ("class", "two_layer", "passes_feedforward_backprop_update.py"): (set(), set(), "class", "row"),
    ("class", "two_layer", "passes_square_lists_train_step.py"): (set(), set(), "class", "column-in-out"),
    ("class", "two_layer", "fails_gradients_cross_entropy_delta.py"):
        ({"gradients"}, {"cross-entropy-gradient"}, "class", "column"),
    ("class", "two_layer", "fails_update_adds_gradients.py"):
        ({"update", "descent"}, {"update-mismatch", "no-descent"}, "class", "row"),
    ("class", "two_layer", "fails_loss_missing_predict_backprop.py"): ({"loss"}, {"missing-interface"}, "class", "row"),
    ("class", "two_layer", "fails_forward_square_weight_not_transposed.py"):
        ({"forward", "loss", "gradients", "descent"}, {"forward-mismatch", "missing-interface", "gradient-mismatch",
                                                      "no-descent"}, "class", "column-in-out"),
    ("class", "three_layer", "passes_sizes_list_train_step.py"): (set(), set(), "class", "row"),
    ("class", "three_layer", "fails_gradients_missing_derivative_layer2.py"):
        ({"gradients"}, {"missing-activation-derivative"}, "class", "row"),
    ("functions", "two_layer", "passes_column_tuple_gradients.py"): (set(), set(), "functions", "column"),
    ("functions", "two_layer", "passes_list_gradients_functional_update.py"): (set(), set(), "functions", "row"),
    ("functions", "two_layer", "fails_gradients_missing_derivative_layer1.py"):
        ({"gradients", "descent"}, {"missing-activation-derivative", "no-descent"}, "functions", "column"),
    ("functions", "two_layer", "fails_forward_tanh_hidden.py"):
        ({"forward", "gradients"}, {"wrong-activation", "gradient-mismatch"}, "functions", "row"),
    ("functions", "three_layer", "passes_row_explicit_three_layer.py"): (set(), set(), "functions", "row"),
    ("functions", "three_layer", "fails_gradients_sign_error.py"):
        ({"gradients", "descent"}, {"gradient-sign", "no-descent"}, "functions", "row"),
    ("dict", "two_layer", "passes_dict_grader_update.py"): (set(), set(), "dict", "row"),
    ("dict", "two_layer", "passes_dict_update_function.py"): (set(), set(), "dict", "row"),
    ("dict", "two_layer", "fails_gradients_bias_never_updated.py"):
        ({"gradients"}, {"missing-bias-gradient"}, "dict", "row"),
    ("dict", "three_layer", "passes_dict_any_depth.py"): (set(), set(), "dict", "row"),
    ("dict", "three_layer", "fails_gradients_stale_weights.py"): ({"gradients"}, {"stale-weights"}, "dict", "row"),
    ("lists", "two_layer", "passes_lists_in_place.py"): (set(), set(), "lists", "row"),
    ("lists", "two_layer", "fails_forward_relu_hidden.py"):
        ({"forward", "gradients", "descent"}, {"wrong-activation", "no-descent"}, "lists", "row"),
    ("lists", "three_layer", "passes_lists_square_fixed_sizes.py"): (set(), set(), "lists", "row"),
    ("lists", "three_layer", "fails_gradients_stale_weights.py"): ({"gradients"}, {"stale-weights"}, "lists", "row"),
    ("globals", "two_layer", "passes_globals_forward_backward.py"): (set(), set(), "globals", "row"),
    ("globals", "two_layer", "fails_gradients_b1_never_updated.py"):
        ({"gradients"}, {"missing-bias-gradient"}, "globals", "row"),
    ("globals", "three_layer", "passes_bias_column_one_step.py"): (set(), set(), "globals", "row"),
    ("globals", "three_layer", "fails_gradients_sign_layer3.py"):
        ({"gradients", "descent"}, {"gradient-scale-inconsistent", "no-descent"}, "globals", "row"),
}


def as_notebook(source: str) -> nbformat.NotebookNode:
    """A notebook of the module: its header comment as markdown, then one code cell per top-level block."""
    lines = source.splitlines()
    header = [line[2:] for line in lines if line.startswith("# ")][:3]
    body = "\n".join(lines[len([line for line in lines[:3] if line.startswith("#")]):])
    cells = [nbformat.v4.new_markdown_cell("\n".join(header))]
    cells += [nbformat.v4.new_code_cell(block.strip("\n")) for block in body.split("\n\n\n") if block.strip()]
    return nbformat.v4.new_notebook(cells=cells)


def key_of(path: Path) -> tuple[str, str, str]:
    """(form, net, name as a .py) of a graded file, wherever it was graded from."""
    return path.parent.parent.name, path.parent.name, path.stem + ".py"


@pytest.fixture(scope="session")
def freestyle(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str, str], SubmissionResult]:
    """Every free-style fixture graded once, as .py and as .ipynb, keyed (form, net, file, suffix)."""
    notebooks = tmp_path_factory.mktemp("freestyle-notebooks")
    results: dict[tuple[str, str, str, str], SubmissionResult] = {}
    for net, name in NETS.items():
        folders = [FREESTYLE / form / net for form in FORMS if (FREESTYLE / form / net).is_dir()]
        for folder in folders:
            target = notebooks / folder.parent.name / net
            target.mkdir(parents=True)
            for path in folder.glob("*.py"):
                nbformat.write(as_notebook(path.read_text(encoding="utf-8")), target / f"{path.stem}.ipynb")
        extra = [FREESTYLE / group / net for group in ("nothing", "pinned") if (FREESTYLE / group / net).is_dir()]
        paths = folders + [notebooks / f.parent.name / net for f in folders] + extra
        for result in grade_paths(paths=paths, assignment=load_assignment(name).unpinned(), workers=2, limits=FAST):
            path = Path(result.submission)
            results[(*key_of(path), path.suffix)] = result
    pinned = load_assignment(FREESTYLE / "pinned" / "spec.toml")
    for result in grade_paths(paths=[FREESTYLE / "pinned" / "two_layer"], assignment=pinned, workers=2, limits=FAST):
        results[(*key_of(Path(result.submission)), "pinned")] = result
    return results


def test_every_fixture_has_an_expectation():
    found = {key_of(p) for form in FORMS for p in (FREESTYLE / form).glob("*/*.py")}
    assert found == set(EXPECTED)


def test_each_form_has_a_correct_and_a_wrong_submission_for_both_nets():
    for form in FORMS:
        for net in NETS:
            names = [name for (f, n, name) in EXPECTED if (f, n) == (form, net)]
            assert any(n.startswith("passes") for n in names) and any(n.startswith("fails") for n in names), (form, net)


@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: "/".join(k))
def test_verdict(freestyle, key, suffix):
    failing, tags, style, layout = EXPECTED[key]
    result = freestyle[(*key, suffix)]
    assert result.status == "ok", result.error
    failed = {c.id for c in result.checks if not c.passed}
    assert failed == failing, [c.message for c in result.checks if not c.passed]
    assert set(result.diagnoses) == tags
    assert (result.binding["style"], result.binding["layout"]) == (style, layout), result.binding["summary"]
    assert result.score == sum(c.points for c in result.checks)
    if not failing:
        assert result.score == result.max_score


def test_passing_submissions_agree_with_the_reference_when_bound(freestyle):
    """Every correct file was chosen by its forward agreeing on the probes, never by names alone."""
    for key, (failing, *_rest) in EXPECTED.items():
        if "forward" not in failing:
            assert freestyle[(*key, ".py")].binding["detection"]["agreed"] is True, key


def test_a_wrong_forward_is_bound_by_names_and_fails(freestyle):
    """No candidate binding (layout, mapping) makes a wrong forward pass agree: it is bound by structure, and the
    forward check fails, also for a 2x2 matrix that any layout can multiply."""
    for key, (failing, *_rest) in EXPECTED.items():
        if "forward" in failing:
            result = freestyle[(*key, ".py")]
            assert result.binding["detection"]["agreed"] is False
            assert "bound by names" in result.binding["summary"]


def test_square_wrong_forward_fails_on_other_seeds():
    """Other grading seeds (other probes), same verdict for the 2x2 square mistake."""
    path = FREESTYLE / "class" / "two_layer" / "fails_forward_square_weight_not_transposed.py"
    spec = load_assignment("two-layer").unpinned()
    for seed in (1, 2):
        session = Session(from_path(path), spec, FAST, seed=seed)
        try:
            session.open()
            check = run_check("forward", 2.0, session, session.reference(Reference(spec, seed)))
        finally:
            session.close()
        assert not check.passed
        assert session.binding is not None and session.binding.describe()["detection"]["agreed"] is False


def test_binding_says_how_gradients_and_updates_were_read(freestyle):
    def binding(form: str, name: str, net: str = "two_layer") -> dict:
        return freestyle[(form, net, name, ".py")].binding

    in_place = binding("class", "passes_column_backward_lr.py")
    assert in_place["gradients"].startswith("inferred from the update of backward()")
    assert in_place["learning_rate"] == "argument of backward()"
    tuple_grads = binding("functions", "passes_column_tuple_gradients.py")
    assert tuple_grads["gradients"] == "returned by backward() as a tuple (dW1, db1, dW2, db2)"
    assert tuple_grads["update"] == "by update_parameters()"
    assert tuple_grads["functions"]["init"] == "initialize_parameters"
    assert "returned by backward() as a dict" in binding("dict", "passes_dict_grader_update.py")["gradients"]
    assert binding("dict", "passes_dict_grader_update.py")["update"].startswith("by the grader")
    assert "as a list" in binding("functions", "passes_list_gradients_functional_update.py")["gradients"]
    assert binding("class", "passes_feedforward_backprop_update.py")["parameters"]["W1"] == "weights_input_hidden"
    assert binding("lists", "passes_lists_in_place.py")["parameters"] == {"W1": "W[0]", "b1": "B[0]", "W2": "W[1]",
                                                                          "b2": "B[1]"}
    column = binding("globals", "passes_bias_column_one_step.py", "three_layer")
    assert column["network"] == [3, 4, 4, 1] and column["bias"] is False and column["bias_column"] is True
    assert "constant-1 input column" in column["summary"]


def test_update_check_does_not_apply_when_the_grader_applies_the_update(freestyle):
    update = freestyle[("dict", "two_layer", "passes_dict_grader_update.py", ".py")].check("update")
    assert update.passed and update.evidence["applicable"] is False
    assert update.message.startswith("not applicable")


def test_sizes_fixed_by_the_student_are_graded_at_those_sizes(freestyle):
    square = freestyle[("class", "two_layer", "passes_square_lists_train_step.py", ".py")]
    assert square.binding["network"] == [2, 2, 1]
    lists = freestyle[("lists", "three_layer", "passes_lists_square_fixed_sizes.py", ".py")]
    assert lists.binding["network"] == [2, 2, 2, 1]
    descent = lists.check("descent").evidence
    assert len(descent["predictions"]) == 4 and len(descent["predictions"][0]["input"]) == 2


def test_the_one_line_binding_is_in_the_text_report(freestyle):
    result = freestyle[("functions", "two_layer", "passes_column_tuple_gradients.py", ".py")]
    assert f"bound to: {result.binding['summary']}" in format_text(result)
    assert "\n" not in result.binding["summary"]


def test_nothing_bindable_lists_what_was_looked_for_and_found(freestyle):
    error = freestyle[("nothing", "two_layer", "error_nothing_bindable.py", ".py")].error
    assert error.kind == "missing-interface"
    assert "Tried: a class with a forward method" in error.message
    assert "Your code defines: X (array 4x2), Y (array 4x1), sigmoid (function (z))." in error.message
    assert "--binding spec" in error.message and "[interface]" in error.message


def test_methods_at_module_level_are_named_as_an_indentation_problem(freestyle):
    result = freestyle[("nothing", "two_layer", "error_methods_outside_class.py", ".py")]
    assert result.status == "error" and result.error.kind == "missing-interface"
    assert all(c.points == 0 for c in result.checks)
    assert ("forward is defined at module level, not inside class NeuralNetwork: check the indentation"
            in result.error.message)
    assert "backward is defined at module level" in result.error.message


def test_pinned_binding_wins(freestyle):
    good = freestyle[("pinned", "two_layer", "passes_pinned_names.py", "pinned")]
    assert good.score == good.max_score, [c.message for c in good.checks if not c.passed]
    assert good.binding["methods"] == {"forward": "think", "backward": "learn"}
    assert good.binding["parameters"] == {"W1": "U", "b1": "c", "W2": "V", "b2": "d"}
    assert "forward" in good.binding["pinned"]
    wrong = freestyle[("pinned", "two_layer", "fails_forward_pinned_think_uses_tanh.py", "pinned")]
    assert "wrong-activation" in {d.tag for d in wrong.check("forward").diagnoses}
    assert "as pinned by the spec" in wrong.binding["summary"]


def test_unguessable_names_are_found_by_what_the_methods_do_without_the_pins(freestyle):
    """think(X) is the forward pass because its output matches the reference's; learn(X, Y) takes the
    targets and changes the parameters: no name list needed."""
    result = freestyle[("pinned", "two_layer", "passes_pinned_names.py", ".py")]
    assert result.status == "ok", result.error
    assert "calls think(), learn()" in result.binding["summary"]
    assert result.binding["detection"]["agreed"]
    assert {c.id for c in result.checks if not c.passed} == {"loss"}  # it has no loss function


def test_builtin_specs_stay_pinned_to_the_template():
    for name in NETS.values():
        spec = load_assignment(name)
        assert spec.interface.template
        assert not spec.unpinned().interface.template
        assert dataclasses.replace(spec.unpinned(), interface=spec.interface) == spec


@pytest.fixture(scope="session")
def detected_template_fixtures() -> dict[tuple[str, str], SubmissionResult]:
    """The template fixtures of the two nets (passes_*, fails_*), graded with nothing pinned."""
    results = {}
    for name in NETS.values():
        files = sorted(p for p in (FILES / ASSIGNMENT_DIRS[name]).iterdir() if p.name.startswith(("passes", "fails")))
        for result in grade_paths(paths=files, assignment=load_assignment(name).unpinned(), workers=2, limits=FAST):
            results[(name, Path(result.submission).name)] = result
    return results


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NETS.values()))
def test_detection_gives_every_template_fixture_its_template_verdict(request, detected_template_fixtures, name):
    """Every known mistake of the mutant catalogue, bound by detection instead of the template's names, gets
    the same verdict and diagnoses: no binding makes a wrong implementation pass, correct ones still pass."""
    pinned = request.getfixturevalue(f"{ASSIGNMENT_DIRS[name]}_fixtures")
    compared = [file for (net, file) in detected_template_fixtures if net == name]
    assert len(compared) > 15
    for file in compared:
        want, got = pinned[file], detected_template_fixtures[(name, file)]
        if not want.binding.get("summary", "").startswith("the starter's class"):
            continue  # does not follow the template (no SimpleNN class): detected in both runs
        assert got.binding["style"] == "class" and got.binding["class"] == want.binding["class"], file
        assert {c.id: c.passed for c in got.checks} == {c.id: c.passed for c in want.checks}, file
        assert got.diagnoses == want.diagnoses, file
