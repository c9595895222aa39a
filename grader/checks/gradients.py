"""The ``gradients`` and ``update`` checks: what one training step does to the parameters.

The student's gradients are read off the update, ``(before - after) / lr``,
and must equal the reference's gradients of the assignment's loss times one
positive factor common to every parameter (the convention: mean, sum or
0.5*sum of squared errors are all right). A failure is diagnosed by
:mod:`grader.diagnosis` (which mistake, on which layer, with evidence); a
shape error at the assignment's sizes is retried on square hidden layers,
where a transposed weight gradient runs and can be recognised.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from grader.checks.base import Check, CheckContext, ProbeCase
from grader.checks.compare import as_float_array, describe_type, fit_common_factor, times_in_words
from grader.diagnosis import Finding, Observation, diagnose_gradients, diagnose_transposed
from grader.diagnosis.engine import Faults
from grader.diagnosis.matching import keyed
from grader.errors import SubmissionFailure
from grader.results import CheckResult, Diagnosis


def _checked(ctx: CheckContext, arrays: dict[str, Any], expected: dict[str, np.ndarray], what: str
             ) -> dict[str, np.ndarray]:
    """Float arrays of the expected shapes (SubmissionFailure ``gradient-shape`` naming the first that is not)."""
    out = {}
    for name, reference in expected.items():
        value = arrays.get(name)
        arr = as_float_array(value)
        if arr is None or arr.shape != reference.shape:
            got = describe_type(value) if arr is None else f"shape {arr.shape}"
            raise SubmissionFailure("gradient-shape", f"{what.format(label=ctx.labels.get(name, name))} is {got}, "
                                    f"expected shape {reference.shape}")
        out[name] = arr
    return out


def step_outcome(ctx: CheckContext, case: ProbeCase, lr: float, sizes: Sequence[int] | None = None,
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """``before - after`` of every parameter after one step from the probe's weights at rate ``lr``, and the
    gradients the step returned (None when they are read off the update)."""
    net = ctx.network(lr=lr, sizes=sizes)
    net.set_params(case.params)
    returned = net.step(case.X, case.Y)
    grads = None if returned is None else _checked(ctx, returned, case.params,
                                                     "the gradient of {label} returned by the step")
    after = _checked(ctx, net.params(), case.params, "after backward(), {label}")
    return {name: before - after[name] for name, before in case.params.items()}, grads


def step_change(ctx: CheckContext, case: ProbeCase, lr: float, sizes: Sequence[int] | None = None,
                ) -> dict[str, np.ndarray]:
    """``before - after`` of every parameter after one step from the probe's weights at rate ``lr``."""
    return step_outcome(ctx, case, lr, sizes)[0]


def observe(ctx: CheckContext, cases: Sequence[ProbeCase], sizes: Sequence[int] | None = None,
            ) -> tuple[list[Observation], dict[str, np.ndarray]]:
    """The student's gradients on every probe: returned by the step, else ``(before - after) / lr``;
    and the reference's, keyed ``name@probe``."""
    lr = ctx.assignment.probe.lr
    observations, expected = [], {}
    for index, case in enumerate(cases):
        change, returned = step_outcome(ctx, case, lr, sizes)
        got = returned if returned is not None else {name: delta / lr for name, delta in change.items()}
        observations.append(Observation(params=case.params, X=case.X, Y=case.Y, got=got))
        expected.update({f"{name}@{index}": g for name, g in case.gradients.items()})
    return observations, expected


def _per_sample(ctx: CheckContext) -> bool:
    return bool(getattr(ctx.binding, "per_sample", False))


def _cases(ctx: CheckContext) -> list[ProbeCase]:
    """The probes; for a step that updates once per row (online), their first rows, where its change is
    one gradient and the reference's gradient is of that row."""
    cases = ctx.reference.probes
    if not _per_sample(ctx):
        return list(cases)
    network = ctx.reference.network
    return [replace(c, X=c.X[:1], Y=c.Y[:1], gradients=network.gradients(c.params, c.X[:1], c.Y[:1]))
            for c in cases]


def _by_param(values: dict[str, float]) -> dict[str, float]:
    """The worst value of each parameter over the probes."""
    out: dict[str, float] = {}
    for key, value in values.items():
        name = key.split("@")[0]
        out[name] = max(out.get(name, value), value)
    return out


def _last_line(exc: SubmissionFailure) -> str:
    """The last line of the student's error message (``ValueError: ...``)."""
    return exc.message.strip().splitlines()[-1] if exc.message.strip() else exc.kind


def _where(exc: SubmissionFailure) -> str:
    """The student's error in one line, with its line (and cell) when known."""
    match = re.match(r"^<cell (\d+)>$", exc.file or "")
    place = (f"cell {match.group(1)}, " if match else "") + (f"line {exc.line}" if exc.line else "")
    return f"{_last_line(exc)} at {place}" if place else _last_line(exc)


class GradientsCheck(Check):
    """The update must be the gradient of the assignment's loss times one positive factor.

    A failure is diagnosed against the mutants (:mod:`grader.diagnosis`).
    When backward() raises at the assignment's sizes (a transposed gradient
    of a matrix that is not square does), the square probes tell whether a
    transposed gradient explains it.
    """

    id = "gradients"
    title = "Gradients"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["gradients"]
        labels = ctx.labels
        lr = ctx.assignment.probe.lr
        try:
            observations, expected = observe(ctx, _cases(ctx))
        except SubmissionFailure as exc:
            if exc.kind not in ("exception", "gradient-shape"):
                raise
            finding = self._transposed(ctx, exc, labels)
            if finding is not None:
                return CheckResult.failure(self.id, max_points, finding.message, *finding.diagnoses,
                                           **finding.evidence)
            if exc.kind != "gradient-shape":
                raise
            return CheckResult.failure(self.id, max_points, exc.message, Diagnosis("gradient-mismatch", exc.message))
        got = keyed(observations)
        fit = fit_common_factor(got=got, expected=expected)
        ctx.facts["gradients_ok"] = fit.ok(tol)
        evidence: dict[str, Any] = {"factor": fit.factor, "relative_errors": _by_param(fit.errors),
                                    "factors": {k: v for k, v in fit.per_name.items() if k.endswith("@0")}}
        if fit.ok(tol):
            ctx.facts["gradient_factor"] = fit.factor
            ctx.facts["gradient_faults"] = Faults()  # the reference's own computation
            return CheckResult.success(self.id, max_points, self._factor_text(fit.factor) + (
                " (checked one row at a time: your step updates once per row)" if _per_sample(ctx) else ""),
                **evidence)
        finding = diagnose_gradients(network=ctx.reference.network, observations=observations, expected=expected,
                                     lr=lr, tolerance=tol, labels=labels)
        if finding.faults is not None:
            ctx.facts["gradient_faults"] = finding.faults
        if finding.factor is not None and finding.factor > 0:
            ctx.facts["gradient_factor"] = finding.factor
        elif fit.factor > 0:
            ctx.facts["gradient_factor"] = fit.factor
        return CheckResult.failure(self.id, max_points, finding.message, *finding.diagnoses, **evidence)

    @staticmethod
    def _transposed(ctx: CheckContext, exc: SubmissionFailure, labels: dict[str, str]) -> Finding | None:
        """A transposed-gradient diagnosis from the square probes, when they explain the failure.

        Only a shape error can come from a transposed gradient of a matrix that is not square: a
        parameter of the wrong shape, or a ValueError (broadcasting or matrix product) in backward().
        """
        square = ctx.reference.square
        shape_error = exc.kind == "gradient-shape" or _last_line(exc).startswith("ValueError")
        if square is None or not shape_error:
            return None
        try:
            observations, expected = observe(ctx, square.cases, square.network.layers)
        except SubmissionFailure as other:
            if other.kind in ("crash", "timeout", "memory"):
                raise  # the worker is gone: the grading session must restart it
            return None
        finding = diagnose_transposed(network=square.network, observations=observations, expected=expected,
                                      lr=ctx.assignment.probe.lr, tolerance=ctx.assignment.tolerances["gradients"],
                                      labels=labels, failure=_where(exc))
        if finding is None or not exc.traceback:
            return finding
        return replace(finding, diagnoses=tuple(replace(d, evidence={**d.evidence, "traceback": exc.traceback})
                                                for d in finding.diagnoses))

    @staticmethod
    def _factor_text(factor: float) -> str:
        if abs(factor - 1) < 1e-9:
            return "gradients match the gradient of the assignment's loss"
        return (f"gradients match: they are {factor:.4g} x the gradient of the assignment's loss "
                f"(so each step is as if the learning rate were {times_in_words(factor=factor)})")


class UpdateCheck(Check):
    """A step at ``RATIO`` x the learning rate must change the parameters ``RATIO`` x as much.

    The tolerance is on that ratio (default 1%): ignoring the rate gives 1, a
    squared rate 100, while a correct step gives 10 to rounding error. The two
    steps are small (the probe rate divided by ``RATIO**3`` and ``RATIO**4``):
    an update ``lr * G(lr)`` whose gradient also depends on the rate (stale
    weights: the error goes back through the already updated matrix) scales
    by ``RATIO`` in the limit of small steps; at these steps it deviates by
    under 0.1% on the built-in assignments' probes (float64 rounding of the
    changes stays below 1e-8), so the 1% tolerance separates it from an
    update that ignores the rate.
    """

    id = "update"
    title = "Parameter update"
    RATIO = 10.0

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["update"]
        if ctx.binding.update_mode == "grader":
            return CheckResult.success(self.id, max_points, "not applicable: your step returns the gradients and "
                                       "there is no update function, so the grader applies params - lr * "
                                       "gradients itself", applicable=False)
        case = ctx.reference.probes[0]
        lr = ctx.assignment.probe.lr / self.RATIO**3
        try:
            big, grads = step_outcome(ctx, case, lr)
            small = step_change(ctx, case, lr / self.RATIO)
        except SubmissionFailure as exc:
            if exc.kind != "gradient-shape":
                raise
            return CheckResult.failure(self.id, max_points, exc.message, Diagnosis("gradient-mismatch", exc.message))
        got = np.concatenate([v.ravel() for v in big.values()])
        base = np.concatenate([v.ravel() for v in small.values()])
        if not (np.all(np.isfinite(got)) and np.all(np.isfinite(base))):
            message = "backward() made some parameters NaN or infinite"
            return CheckResult.failure(self.id, max_points, message, Diagnosis("gradient-mismatch", message))
        if not np.any(got) or not np.any(base):
            return CheckResult.failure(self.id, max_points, "backward() did not change any parameter",
                                       Diagnosis("gradient-mismatch", "backward() did not change any parameter"))
        ratio = float(np.dot(got, base) / np.dot(base, base))
        error = abs(ratio - self.RATIO) / self.RATIO
        evidence: dict[str, Any] = {"lr_ratio": self.RATIO, "change_ratio": ratio, "relative_error": error}
        if error > tol.rtol:
            message = (f"with a learning rate {self.RATIO:g} times larger, the parameters changed "
                       f"{times_in_words(factor=ratio, what='much')}, not {self.RATIO:g} times as much")
            return CheckResult.failure(self.id, max_points, message,
                                       Diagnosis("ignores-learning-rate", message, evidence), **evidence)
        if grads is not None:
            applied = self._applied(big, grads, lr)
            evidence["update_error"] = applied
            if applied > tol.rtol:
                name = self._name(ctx)
                message = (f"{name}() does not apply param - lr * gradient with the gradients your step returns "
                           f"(relative error {applied:.3g})")
                return CheckResult.failure(self.id, max_points, message,
                                           Diagnosis("update-mismatch", message, evidence), **evidence)
        return CheckResult.success(self.id, max_points, f"the step scales with the learning rate "
                                   f"({self.RATIO:g} x the rate gives {ratio:.4g} x the change)", **evidence)

    @staticmethod
    def _applied(change: dict[str, np.ndarray], grads: dict[str, np.ndarray], lr: float) -> float:
        """The largest relative error of ``before - after`` against ``lr * gradient`` over the parameters."""
        worst = 0.0
        for name, delta in change.items():
            expected = lr * grads[name]
            scale = max(float(np.max(np.abs(expected), initial=0.0)), float(np.max(np.abs(delta), initial=0.0)))
            if scale > 0:
                worst = max(worst, float(np.max(np.abs(delta - expected))) / scale)
        return worst

    @staticmethod
    def _name(ctx: CheckContext) -> str:
        described = ctx.binding.describe()
        names = described.get("functions") or described.get("methods") or {}
        return str(names.get("update", "the update"))
