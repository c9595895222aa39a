"""The ``forward`` and ``loss`` checks: outputs and loss values on the grader's inputs."""
from __future__ import annotations

from grader.checks.base import Check, CheckContext
from grader.compare import compare_array, compare_scalar
from grader.results import CheckResult, Diagnosis


class ForwardCheck(Check):
    id = "forward"
    title = "Forward pass"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["forward"]
        for index, case in enumerate(ctx.reference.probes):
            net = ctx.network()
            net.set_params(case.params)
            got = net.forward(case.X)
            result = compare_array(name="forward(X)", got=got, expected=case.output, tolerance=tol)
            if not result.ok:
                evidence = {"probe": index, **result.evidence}
                return CheckResult.failure(self.id, max_points, result.message,
                                           Diagnosis("forward-mismatch", result.message, evidence), **evidence)
        return CheckResult.success(self.id, max_points,
                                   f"outputs match on {len(ctx.reference.probes)} random weight sets and inputs "
                                   f"(rtol {tol.rtol:g}, atol {tol.atol:g})")


class LossCheck(Check):
    id = "loss"
    title = "Loss"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["loss"]
        for index, case in enumerate(ctx.reference.probes):
            net = ctx.network()
            got = net.loss(case.Y, case.Y_pred)
            result = compare_scalar(name="loss(Y, Y_pred)", got=got, expected=case.loss, tolerance=tol)
            if not result.ok:
                evidence = {"probe": index, **result.evidence}
                return CheckResult.failure(self.id, max_points, result.message,
                                           Diagnosis("loss-mismatch", result.message, evidence), **evidence)
        return CheckResult.success(self.id, max_points, f"loss values match (rtol {tol.rtol:g})")
