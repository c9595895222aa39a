"""The ``gradients`` and ``update`` checks: what one training step does to the parameters.

The student's gradients are read off the update, ``(before - after) / lr``,
and must equal the reference's gradients of the assignment's loss times one
positive factor common to every parameter (the convention: mean, sum or
0.5*sum of squared errors are all right).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.base import Check, CheckContext, ProbeCase
from grader.compare import as_float_array, describe_type, fit_common_factor, worst_entries
from grader.errors import SubmissionFailure
from grader.results import CheckResult, Diagnosis


def step_change(ctx: CheckContext, case: ProbeCase, lr: float) -> dict[str, np.ndarray]:
    """``before - after`` of every parameter after one step from the probe's weights at rate ``lr``."""
    net = ctx.network(lr=lr)
    net.set_params(case.params)
    net.step(case.X, case.Y)
    after = net.params()
    change = {}
    for name, before in case.params.items():
        arr = as_float_array(after[name])
        if arr is None or arr.shape != before.shape:
            got = describe_type(after[name]) if arr is None else f"shape {arr.shape}"
            label = ctx.assignment.interface.parameters[ctx.binding.reference_names.index(name)]
            raise SubmissionFailure("gradient-shape", f"after backward(), {label} is {got}, "
                                    f"expected shape {before.shape}")
        change[name] = before - arr
    return change


def measured_gradients(ctx: CheckContext) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Student and reference gradients over every probe, keyed ``name@probe``."""
    lr = ctx.assignment.probe.lr
    got, expected = {}, {}
    for index, case in enumerate(ctx.reference.probes):
        for name, delta in step_change(ctx, case, lr).items():
            got[f"{name}@{index}"] = delta / lr
            expected[f"{name}@{index}"] = case.gradients[name]
    return got, expected


def _by_param(values: dict[str, float]) -> dict[str, float]:
    """The worst value of each parameter over the probes."""
    out: dict[str, float] = {}
    for key, value in values.items():
        name = key.split("@")[0]
        out[name] = max(out.get(name, value), value)
    return out


class GradientsCheck(Check):
    id = "gradients"
    title = "Gradients"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["gradients"]
        try:
            got, expected = measured_gradients(ctx)
        except SubmissionFailure as exc:
            if exc.kind != "gradient-shape":
                raise
            return CheckResult.failure(self.id, max_points, exc.message, Diagnosis("gradient-mismatch", exc.message))
        fit = fit_common_factor(got=got, expected=expected)
        labels = dict(zip(ctx.binding.reference_names, ctx.assignment.interface.parameters))
        errors = _by_param(fit.errors)
        evidence: dict[str, Any] = {"factor": fit.factor, "relative_errors": errors,
                                    "factors": {k: v for k, v in fit.per_name.items() if k.endswith("@0")}}
        if fit.ok(tol):
            ctx.facts["gradient_factor"] = fit.factor
            return CheckResult.success(self.id, max_points, self._factor_text(fit.factor), **evidence)
        diagnosis = self.diagnose(fit, got, expected, labels, tol)
        if fit.factor > 0:
            ctx.facts["gradient_factor"] = fit.factor
        return CheckResult.failure(self.id, max_points, diagnosis.message, diagnosis, **evidence)

    @staticmethod
    def _factor_text(factor: float) -> str:
        if abs(factor - 1) < 1e-9:
            return "gradients match the gradient of the assignment's loss"
        return (f"gradients match: they are {factor:.4g} x the gradient of the assignment's loss "
                f"(equivalent to a learning rate {factor:.4g} x larger)")

    def diagnose(self, fit, got, expected, labels, tol) -> Diagnosis:
        if not any(np.any(g) for g in got.values()):
            return Diagnosis("gradient-mismatch", "backward() did not change any parameter")
        frozen = sorted({k.split("@")[0] for k, g in got.items() if not np.any(g) and np.any(expected[k])})
        if frozen and all(name.startswith("b") for name in frozen):
            text = ", ".join(labels[n] for n in frozen)
            return Diagnosis("missing-bias-gradient", f"{text} did not change in a training step",
                             {"parameters": [labels[n] for n in frozen]})
        alone = _by_param(fit.alone)
        signs = {k: v for k, v in fit.per_name.items()}
        if all(e <= tol.rtol for e in alone.values()):
            if all(v < 0 for v in signs.values()):
                return Diagnosis("gradient-sign", f"every parameter moved up the gradient (factor {fit.factor:.3g}): "
                                 "the update increases the loss", {"factor": fit.factor})
            factors = {labels[k.split("@")[0]]: round(v, 6) for k, v in signs.items() if k.endswith("@0")}
            listing = ", ".join(f"{k}: {v:g}" for k, v in factors.items())
            return Diagnosis("gradient-scale-inconsistent",
                             f"each parameter's gradient is right up to a factor, but the factors differ ({listing})",
                             {"factors": factors})
        wrong = [n for n, e in _by_param(fit.errors).items() if e > tol.rtol]
        worst_key = max((k for k in fit.errors if k.split("@")[0] in wrong), key=lambda k: fit.errors[k])
        factor = fit.factor if fit.factor > 0 else 1.0
        entries = worst_entries(got[worst_key], factor * expected[worst_key])
        text = ", ".join(f"{labels[n]} (relative error {_by_param(fit.errors)[n]:.2g})" for n in wrong)
        return Diagnosis("gradient-mismatch", f"wrong gradients for {text}",
                         {"parameters": [labels[n] for n in wrong], "worst": entries, "array": labels[worst_key.split('@')[0]]})


class UpdateCheck(Check):
    """A step at ``RATIO`` x the learning rate must change the parameters ``RATIO`` x as much.

    The tolerance is on that ratio (default 1%): ignoring the rate gives 1, a
    squared rate 100, while a correct step gives 10 to rounding error.
    """

    id = "update"
    title = "Parameter update"
    RATIO = 10.0

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["update"]
        case = ctx.reference.probes[0]
        lr = ctx.assignment.probe.lr
        try:
            big = step_change(ctx, case, lr)
            small = step_change(ctx, case, lr / self.RATIO)
        except SubmissionFailure as exc:
            if exc.kind != "gradient-shape":
                raise
            return CheckResult.failure(self.id, max_points, exc.message, Diagnosis("gradient-mismatch", exc.message))
        got = np.concatenate([v.ravel() for v in big.values()])
        base = np.concatenate([v.ravel() for v in small.values()])
        if not np.any(got) or not np.any(base):
            return CheckResult.failure(self.id, max_points, "backward() did not change any parameter",
                                       Diagnosis("gradient-mismatch", "backward() did not change any parameter"))
        ratio = float(np.dot(got, base) / np.dot(base, base))
        error = abs(ratio - self.RATIO) / self.RATIO
        evidence = {"lr_ratio": self.RATIO, "change_ratio": ratio, "relative_error": error}
        if error <= tol.rtol:
            return CheckResult.success(self.id, max_points, f"the step scales with the learning rate "
                                       f"({self.RATIO:g} x the rate gives {ratio:.4g} x the change)", **evidence)
        message = (f"with a learning rate {self.RATIO:g} x larger the parameters changed {ratio:.4g} x as much, "
                   f"not {self.RATIO:g} x")
        return CheckResult.failure(self.id, max_points, message, Diagnosis("ignores-learning-rate", message, evidence),
                                   **evidence)
