"""Verdicts of the grading core on student-like submissions with known mistakes."""
from __future__ import annotations

import nbformat
import pytest

from conftest import FAST, FILES, ROOT, grade_file
from grader import load_assignment
from grader.grading import grade_submission
from grader.reports.text import format_text
from grader.sandbox.submission import from_path
from grader.sandbox.worker import Limits
from grader.spec.assignment import builtin_names

CHECKS = ("init", "forward", "loss", "gradients", "update", "descent")

# file -> (status, error kind or None, checks that must fail, diagnosis tags that must be reported)
EXPECTED = {
    "passes_sum_convention.py": ("ok", None, set(), set()),
    "passes_half_sse.py": ("ok", None, set(), set()),
    "passes_mean.py": ("ok", None, set(), set()),
    "passes_reassign.py": ("ok", None, set(), set()),
    "passes_notebook_magics.ipynb": ("ok", None, set(), set()),
    "passes_with_top_level_error.py": ("ok", None, set(), set()),
    "fails_init_zero_weights.py": ("ok", None, {"init"}, {"symmetric-init"}),
    # Returning Z2 is the output layer without its activation: now diagnosed precisely.
    "fails_forward_returns_preactivation.py": ("ok", None, {"forward"}, {"wrong-activation"}),
    "fails_loss_sum.py": ("ok", None, {"loss"}, {"loss-mismatch"}),
    "fails_gradients_bias_averaged.py": ("ok", None, {"gradients"}, {"gradient-scale-inconsistent"}),
    "fails_update_fixed_lr.py": ("ok", None, {"update"}, {"ignores-learning-rate"}),
    "fails_descent_lr_decay.py": ("ok", None, {"descent"}, {"no-descent"}),
    "fails_backward_missing.py": ("ok", None, {"gradients", "update", "descent"}, {"missing-interface"}),
    # The mutant catalogue (tests/diagnosis/ has the other assignments).
    "passes_layer_loop.py": ("ok", None, set(), set()),
    "fails_forward_missing_bias_layer1.py": ("ok", None, {"forward", "gradients", "descent"},
                                             {"forward-missing-bias", "no-descent"}),
    "fails_forward_tanh_hidden.py": ("ok", None, {"forward", "gradients", "descent"}, {"wrong-activation", "no-descent"}),
    "fails_forward_sigmoid_sign_slip.py": ("ok", None, {"forward", "gradients", "descent"},
                                           {"forward-mismatch", "gradient-mismatch", "no-descent"}),
    "fails_gradients_sign_error.py": ("ok", None, {"gradients", "descent"}, {"gradient-sign", "no-descent"}),
    "fails_gradients_missing_bias_gradient.py": ("ok", None, {"gradients"}, {"missing-bias-gradient"}),
    "fails_gradients_cross_entropy.py": ("ok", None, {"gradients"}, {"cross-entropy-gradient"}),
    "fails_gradients_missing_derivative_layer1.py": ("ok", None, {"gradients", "descent"},
                                                     {"missing-activation-derivative", "no-descent"}),
    "fails_gradients_derivative_of_preactivation.py": ("ok", None, {"gradients", "descent"},
                                                       {"derivative-of-preactivation", "no-descent"}),
    "fails_gradients_transposed_layer1.py": ("ok", None, {"gradients", "update", "descent"},
                                             {"transposed-gradient", "exception"}),
    "fails_gradients_stale_weights.py": ("ok", None, {"gradients"}, {"stale-weights"}),
    "fails_gradients_wrong_layer_derivative.py": ("ok", None, {"gradients", "descent"},
                                                  {"gradient-mismatch", "no-descent"}),
    "fails_backward_name_error.py": ("ok", None, {"gradients", "update", "descent"}, {"exception"}),
    "error_syntax.py": ("error", "syntax-error", set(CHECKS), {"syntax-error"}),
    "error_syntax.ipynb": ("error", "syntax-error", set(CHECKS), {"syntax-error"}),
    "error_infinite_loop.py": ("error", "timeout", set(CHECKS), {"timeout"}),
    "error_os_exit.py": ("error", "crash", set(CHECKS), {"crash"}),
    "error_sys_exit.py": ("error", "crash", set(CHECKS), {"crash"}),
    # No SimpleNN class: detected by default (the strict template refuses it, test below).
    "passes_no_class_params_dict.py": ("ok", None, set(), set()),
}


def test_every_fixture_has_an_expectation(two_layer_fixtures):
    assert set(two_layer_fixtures) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdict(two_layer_fixtures, name):
    status, kind, failing, tags = EXPECTED[name]
    result = two_layer_fixtures[name]
    assert result.status == status
    assert (result.error.kind if result.error else None) == kind
    failed = {c.id for c in result.checks if not c.passed}
    assert failed == failing, [c.message for c in result.checks if not c.passed]
    assert set(result.diagnoses) == tags
    assert [c.id for c in result.checks] == list(CHECKS)
    if status == "error":
        assert result.score == 0 and all(c.points == 0 for c in result.checks)
    assert result.score == sum(c.points for c in result.checks)


def test_syntax_error_reports_line(two_layer_fixtures):
    result = two_layer_fixtures["error_syntax.py"]
    expected_line = int(next(line.split(":")[1] for line in (FILES / "two_layer" / "error_syntax.py").read_text()
                             .splitlines() if line.startswith("# expected line:")))
    assert result.error.line == expected_line
    assert result.error.file == "error_syntax.py"


def test_notebook_syntax_error_reports_cell_and_line(two_layer_fixtures):
    error = two_layer_fixtures["error_syntax.ipynb"].error
    assert error.cell == 4 and error.line is not None  # the fourth cell on screen (a markdown cell first)


def test_top_level_exception_is_a_note_not_a_zero(two_layer_fixtures):
    result = two_layer_fixtures["passes_with_top_level_error.py"]
    assert result.score == result.max_score
    assert any("NameError" in w for w in result.warnings)


def test_missing_method_names_what_was_found(two_layer_fixtures):
    result = two_layer_fixtures["fails_backward_missing.py"]
    message = result.check("gradients").message
    assert "backward" in message and "forward" in message


def test_missing_class_lists_namespace_when_the_template_is_required():
    result = grade_submission(submission=from_path(FILES / "two_layer" / "passes_no_class_params_dict.py"),
                              assignment=load_assignment("two-layer").with_binding("spec"), limits=FAST)
    error = result.error
    assert error.kind == "missing-interface" and result.score == 0
    assert "SimpleNN" in error.message and "found:" in error.message and "--binding" in error.message


def test_default_binding_says_the_template_was_not_followed(two_layer_fixtures):
    free = two_layer_fixtures["passes_no_class_params_dict.py"].binding
    template = two_layer_fixtures["passes_mean.py"].binding
    assert free["summary"].startswith("detected, not the starter's class SimpleNN: ") and free["style"] == "dict"
    assert template["summary"].startswith("the starter's class SimpleNN")


def test_gradient_factor_is_reported(two_layer_fixtures):
    sse = two_layer_fixtures["passes_sum_convention.py"].check("gradients")
    mean = two_layer_fixtures["passes_mean.py"].check("gradients")
    # Sum of squared errors over 5 rows x 1 output: 5 x the gradient of the mean.
    assert sse.evidence["factor"] == pytest.approx(5.0, rel=1e-9)
    assert mean.evidence["factor"] == pytest.approx(1.0, rel=1e-9)
    assert "5 x" in sse.message


def test_captured_output_is_kept(two_layer_fixtures):
    result = two_layer_fixtures["passes_mean.py"]
    assert result.output.strip(), "the fixture prints while training"


def test_descent_reports_both_curves(two_layer_fixtures):
    evidence = two_layer_fixtures["passes_mean.py"].check("descent").evidence
    assert evidence["student_curve"]["loss"][-1] < evidence["student_curve"]["loss"][0]
    assert len(evidence["reference_curve"]["loss"]) > 10
    assert len(evidence["predictions"]) == 4


@pytest.mark.parametrize("assignment", builtin_names())
@pytest.mark.parametrize("suffix", [".py", ".ipynb"])
def test_builtin_solution_full_marks(assignment, suffix):
    result = grade_file(ROOT / "assignments" / assignment / f"solution{suffix}", assignment)
    assert result.status == "ok", result.error
    assert result.score == result.max_score, [c.message for c in result.checks if not c.passed]
    assert result.diagnoses == []


@pytest.mark.parametrize("assignment", builtin_names())
def test_starter_runs_but_earns_nothing_it_did_not_do(assignment):
    result = grade_file(ROOT / "assignments" / assignment / "starter.ipynb", assignment)
    assert result.status == "ok"
    # The stubs raise NotImplementedError: forward, loss, gradients, update and descent fail.
    for check in ("forward", "loss", "gradients", "update", "descent"):
        assert not result.check(check).passed
        assert "exception" in {d.tag for d in result.check(check).diagnoses}


def test_a_failure_of_the_grader_is_retried_once_and_noted(monkeypatch):
    import grader.grading as grading

    real = grading.run_check
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("transient grader fault")
        return real(*args, **kwargs)

    monkeypatch.setattr(grading, "run_check", flaky)
    result = grade_file(FILES / "two_layer" / "passes_mean.py")
    assert result.error is None and result.score == result.max_score
    assert any("transient grader fault" in w for w in result.warnings)


def test_a_grader_failure_that_persists_is_reported_as_internal(monkeypatch):
    import grader.grading as grading

    def broken(*args, **kwargs):
        raise RuntimeError("grader bug")

    monkeypatch.setattr(grading, "run_check", broken)
    result = grade_file(FILES / "two_layer" / "passes_mean.py")
    assert result.status == "error" and result.error.kind == "internal" and result.error.source == "grader"
    assert "grader bug" in result.error.traceback and result.score == 0


# -- where an endless loop was stuck ---------------------------------------------------------------------

SHORT = Limits(load_timeout=2.0, request_timeout=2.0)


def test_an_endless_top_level_loop_names_its_line(two_layer_fixtures):
    error = two_layer_fixtures["error_infinite_loop.py"].error
    loop_lines = {n for n, text in enumerate((FILES / "two_layer" / "error_infinite_loop.py").read_text()
                                             .splitlines(), start=1) if text.startswith(("while True", "    pass"))}
    assert error.kind == "timeout" and error.file == "error_infinite_loop.py"
    assert error.line in loop_lines, error
    assert f"it was still running line {error.line}" in error.message
    assert f"(error_infinite_loop.py, line {error.line})" in format_text(two_layer_fixtures["error_infinite_loop.py"])


def test_a_method_that_never_returns_names_its_line_and_function(tmp_path):
    source = (FILES / "two_layer" / "passes_mean.py").read_text().split("\n\nX = np.array")[0]
    path = tmp_path / "spins.py"
    path.write_text(source.replace("    def forward(self, X):\n",
                                   "    def forward(self, X):\n        while X is not None:\n            X = X\n", 1) + "\n")
    line = path.read_text().splitlines().index("            X = X") + 1
    result = grade_file(path, limits=SHORT)
    forward = result.check("forward")
    assert forward.diagnoses[0].tag == "timeout"
    assert forward.evidence["line"] in (line - 1, line)
    assert f"in forward() (spins.py, line {forward.evidence['line']})" in forward.message


def test_a_notebook_stuck_at_load_names_the_cell_as_the_student_counts_it(tmp_path):
    cells = [nbformat.v4.new_markdown_cell("# XOR lab"), nbformat.v4.new_code_cell("import numpy as np"),
             nbformat.v4.new_markdown_cell("## Training"),
             nbformat.v4.new_code_cell("epoch = 0\nwhile True:\n    epoch += 1")]
    path = tmp_path / "lab.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    result = grade_file(path, limits=SHORT)
    assert result.error.kind == "timeout"
    assert (result.error.file, result.error.cell) == ("lab.ipynb", 4), "the fourth cell on screen"
    assert result.error.line in (2, 3)
    assert f"(lab.ipynb, cell 4, line {result.error.line})" in format_text(result)
