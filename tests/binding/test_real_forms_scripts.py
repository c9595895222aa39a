"""Labs as learners write them, graded with no flag: top-level training scripts (.py and notebooks), student
folders of several modules, and imports of packages the grading machine lacks.

Fixtures live in tests/files/real_forms/ (script_*, folder_*, imports_*), named by expected outcome; every
.py script is also graded as a notebook made from it (one cell per block separated by two blank lines).
"""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import FAST, FILES, ROOT
from grader import load_assignment
from grader.errors import SpecError
from grader.binding.loops import find_loops, loss_source, step_source
from grader.grading import grade_paths, grade_submission
from grader.results import SubmissionResult
from grader.reports.text import format_text
from grader.sandbox.submission import from_path, pick_entry

REAL = FILES / "real_forms"
PREFIXES = ("script_", "folder_", "imports_")
ALL = {"init", "forward", "loss", "gradients", "update", "descent"}

# name -> (status, error kind, failing checks, diagnosis tags that must be reported, binding style)
EXPECTED = {
    "script_loop_correct.py": ("ok", None, set(), set(), "script"),
    "script_loop_fails_gradients_sign.py": ("ok", None, {"gradients", "descent"}, {"gradient-sign", "no-descent"},
                                            "script"),
    "script_loop_fails_update_literal_rate.py": ("ok", None, {"update"}, {"ignores-learning-rate"}, "script"),
    "script_while_no_functions_correct.py": ("ok", None, set(), set(), "script"),
    "script_while_no_functions_fails_gradients_stale_weights.py": ("ok", None, {"gradients"}, {"stale-weights"},
                                                                   "script"),
    "script_cells_correct.ipynb": ("ok", None, set(), set(), "script"),
    "script_cells_fails_gradients_missing_derivative.ipynb":
        ("ok", None, {"gradients", "descent"}, {"missing-activation-derivative", "no-descent"}, "script"),
    # Functions for the passes, the update inline in the loop: the loop is the step, so its update is judged.
    "script_functions_loop_correct.py": ("ok", None, set(), set(), "script"),
    "script_functions_loop_fails_update_sign_layer1.py":
        ("ok", None, {"gradients", "descent"}, {"gradient-scale-inconsistent", "no-descent"}, "script"),
    "script_loop_error_not_drivable.py": ("error", "missing-interface", ALL, {"missing-interface"}, None),
    "folder_modules_correct": ("ok", None, set(), set(), "class"),
    "folder_modules_fails_gradients_missing_derivative":
        ("ok", None, {"gradients", "descent"}, {"missing-activation-derivative", "no-descent"}, "class"),
    "folder_package_correct": ("ok", None, set(), set(), "class"),
    "folder_notebooks_correct": ("ok", None, set(), set(), "script"),
    "imports_plots_metrics_correct.py": ("ok", None, set(), set(), "class"),
    "imports_cupy_fails_forward_needs_cupy.py": ("error", "exception", ALL, {"exception"}, None),
}


def mine() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.name.startswith(PREFIXES))


def as_notebook(source: str) -> nbformat.NotebookNode:
    """The script as a notebook: its first comment as markdown, then one code cell per block."""
    blocks = [b.strip("\n") for b in source.split("\n\n\n") if b.strip()]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source.splitlines()[0].lstrip("# "))]
                                    + [nbformat.v4.new_code_cell(b) for b in blocks])


@pytest.fixture(scope="session")
def real_forms(tmp_path_factory) -> dict[str, SubmissionResult]:
    """Every fixture of these forms graded once with the built-in two-layer spec and no flag, plus the .py
    scripts as notebooks (keyed ``name.py.ipynb``)."""
    klass = tmp_path_factory.mktemp("real_forms_class")  # one class folder: each file or folder is a student
    for path in mine():
        if path.is_dir():
            shutil.copytree(path, klass / path.name)
            continue
        shutil.copy(path, klass / path.name)
        if path.suffix == ".py":
            nbformat.write(as_notebook(path.read_text()), klass / f"{path.name}.ipynb")
    results = grade_paths(paths=[klass], assignment=load_assignment("two-layer"), workers=2, limits=FAST)
    return {Path(r.submission).name: r for r in results}


def test_every_fixture_has_an_expectation():
    assert {p.name for p in mine()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED) + sorted(f"{n}.ipynb" for n in EXPECTED if n.endswith(".py")))
def test_verdict(real_forms, name):
    status, kind, failing, tags, style = EXPECTED[name.removesuffix(".ipynb") if name.endswith(".py.ipynb") else name]
    result = real_forms[name]
    assert result.status == status, result.error
    assert (result.error.kind if result.error else None) == kind
    failed = {c.id for c in result.checks if not c.passed}
    assert failed == failing, [c.message for c in result.checks if not c.passed]
    assert tags <= set(result.diagnoses), result.diagnoses
    if status == "ok":
        assert result.binding["style"] == style
        assert result.binding["summary"].startswith("detected, not the starter's class SimpleNN: ")
        assert f"bound to: {result.binding['summary']}" in format_text(result)
    if not failing:
        assert result.score == result.max_score


def test_no_correct_lab_is_tagged_with_a_mistake(real_forms):
    for name, result in real_forms.items():
        if "_correct" in name:
            assert result.score == result.max_score and not result.diagnoses, (name, result.diagnoses)


def test_the_script_summary_names_the_weights_the_loop_and_the_data(real_forms):
    cells = real_forms["script_cells_correct.ipynb"].binding
    assert cells["summary"].endswith("module-level weights W1, b1, W2, b2 (column-major) trained by the loop in "
                                     "cell 6, output A2, data X, Y, learning rate alpha")  # as on screen, markdown counted
    script = real_forms["script_loop_correct.py"].binding
    assert "trained by the loop at line 25 of script_loop_correct.py" in script["summary"]
    assert "set by the statements before the loop" in script["state"]


def test_a_loop_that_cannot_be_driven_says_so(real_forms):
    error = real_forms["script_loop_error_not_drivable.py"].error
    assert "a module-level script whose loop can't be driven" in error.message
    assert "reads no input and target arrays" in error.message
    assert "W1 (array 2x4)" in error.message and "--binding spec" in error.message


def test_missing_plot_and_metric_packages_are_inert_and_said(real_forms):
    result = real_forms["imports_plots_metrics_correct.py"]
    said = " ".join(result.warnings)
    for package in ("seaborn", "sklearn", "mlxtend", "tensorboardX"):
        assert f"{package} is not installed where labs are graded: an inert stand-in replaced it" in said


def test_a_network_computing_with_a_missing_package_fails_naming_it(real_forms):
    result = real_forms["imports_cupy_fails_forward_needs_cupy.py"]
    assert "No module named 'cupy'" in result.error.message and "write that part with NumPy" in result.error.message
    notebook = real_forms["imports_cupy_fails_forward_needs_cupy.py.ipynb"]
    assert "No module named 'cupy'" in notebook.error.message and notebook.error.cell is not None


def test_the_spec_can_require_the_template(tmp_path):
    spec = (ROOT / "assignments" / "two-layer" / "spec.toml").read_text()
    strict = tmp_path / "strict.toml"
    strict.write_text(spec.replace('[interface]\n', '[interface]\nbinding = "spec"\n'))
    assert load_assignment(str(strict)).interface.binding == "spec"
    assert load_assignment("two-layer").interface.binding == "auto"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(spec.replace('[interface]\n', '[interface]\nbinding = "sometimes"\n'))
    with pytest.raises(SpecError, match="binding must be one of auto, spec, detect"):
        load_assignment(str(wrong))


@pytest.mark.parametrize("folder, entry", [("folder_modules_correct", "run_xor.py"),
                                           ("folder_package_correct", "train.py"),
                                           ("folder_notebooks_correct", "xor_backprop.ipynb")])
def test_the_file_defining_the_network_is_chosen_not_the_first_name(folder, entry):
    chosen, notes = pick_entry(REAL / folder)
    assert chosen is not None and chosen.name == entry
    assert f"graded {entry}: its code and the modules it imports look most like the network" in notes[0]


def test_the_template_is_still_bound_as_is_and_said():
    result = grade_submission(submission=from_path(FILES / "two_layer" / "passes_mean.py"),
                              assignment=load_assignment("two-layer"), limits=FAST)
    assert result.binding["summary"].startswith("the starter's class SimpleNN") and result.score == result.max_score


def test_binding_spec_keeps_the_strict_template():
    result = grade_submission(submission=from_path(REAL / "script_loop_correct.py"),
                              assignment=load_assignment("two-layer").with_binding("spec"), limits=FAST)
    assert result.error.kind == "missing-interface" and "--binding auto" in result.error.message


def test_the_step_function_runs_the_body_once_with_the_graders_data():
    loop = find_loops([((REAL / "script_loop_correct.py").read_text(), None)], filename="lab.py")[-1]
    assert set(loop.carried) == {"W1", "b1", "W2", "b2"} and "X" in loop.inputs and "lr" in loop.inputs
    source = step_source(loop, x_name="X", y_name="y", lr_name="lr", y_flat=False, returned=["predicted"])
    tree = ast.parse(source)
    step = tree.body[0]
    assert isinstance(step, ast.FunctionDef) and [a.arg for a in step.args.args][-1] == "print"
    assert "global" in source and "W1" in source.split("global", 1)[1].splitlines()[0]
    loss = loss_source(loop, output="predicted", y_name="y")
    assert loss is not None and "np.mean((y - predicted) ** 2)" in loss
