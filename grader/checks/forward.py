"""The ``forward`` and ``loss`` checks: outputs and loss values on the grader's inputs.

A failed forward check is diagnosed against the forward mutants (a bias left
out, another activation) with :func:`grader.diagnosis.diagnose_forward`.
"""
from __future__ import annotations

from grader.checks.base import Check, CheckContext
from grader.checks.compare import Comparison, as_float_array, compare_array, compare_scalar
from grader.diagnosis import Observation, diagnose_forward
from grader.results import CheckResult, Diagnosis


class ForwardCheck(Check):
    id = "forward"
    title = "Forward pass"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        tol = ctx.assignment.tolerances["forward"]
        observations: list[Observation] = []
        failed: tuple[int, Comparison] | None = None
        shaped = True
        for index, case in enumerate(ctx.reference.probes):
            net = ctx.network()
            net.set_params(case.params)
            got = net.forward(case.X)
            result = compare_array(name="forward(X)", got=got, expected=case.output, tolerance=tol)
            if not result.ok and failed is None:
                failed = (index, result)
            arr = as_float_array(got)
            shaped = shaped and arr is not None and arr.shape == case.output.shape
            if shaped:
                observations.append(Observation(params=case.params, X=case.X, Y=case.Y, got={"output": arr}))
        if failed is None:
            return CheckResult.success(self.id, max_points,
                                       f"outputs match on {len(ctx.reference.probes)} random weight sets and "
                                       f"inputs (rtol {tol.rtol:g}, atol {tol.atol:g})")
        index, result = failed
        if not shaped or "nonfinite" in result.evidence:
            evidence = {"probe": index, **result.evidence}
            return CheckResult.failure(self.id, max_points, result.message,
                                       Diagnosis("forward-mismatch", result.message, evidence), **evidence)
        finding = diagnose_forward(network=ctx.reference.network, observations=observations,
                                   expected=[case.output for case in ctx.reference.probes], tolerance=tol,
                                   labels=ctx.labels, summary=result.message)
        return CheckResult.failure(self.id, max_points, finding.message, *finding.diagnoses, **finding.evidence)


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
                if "got" in evidence and case.loss != 0:
                    evidence["loss_ratio"] = evidence["got"] / case.loss  # e.g. 5 for a sum over 5 rows
                return CheckResult.failure(self.id, max_points, result.message,
                                           Diagnosis("loss-mismatch", result.message, evidence), **evidence)
        return CheckResult.success(self.id, max_points, f"loss values match (rtol {tol.rtol:g})")
