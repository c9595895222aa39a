"""The ``descent`` check: the student's own forward/backward, driven on XOR, must solve it.

Training runs inside the worker (one request for all epochs); the verdict is
computed here from the parameters the student's code ends with, evaluated by
the reference, so nothing the worker reports decides it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.base import Check, CheckContext
from grader.compare import as_float_array
from grader.results import CheckResult, Diagnosis

CURVE_POINTS = 200


def solved(outputs: np.ndarray, Y: np.ndarray, one_hot: bool) -> bool:
    """Every XOR prediction on the right side (0.5, or the argmax for one-hot targets)."""
    if one_hot:
        return bool(np.all(np.argmax(outputs, axis=1) == np.argmax(Y, axis=1)))
    return bool(np.all((outputs > 0.5) == (Y > 0.5)))


def downsample(curve: np.ndarray, points: int = CURVE_POINTS) -> dict[str, list[float]]:
    """At most ``points`` (epoch, loss) pairs, always keeping the first and last."""
    idx = np.unique(np.linspace(0, len(curve) - 1, num=min(points, len(curve))).round().astype(int))
    return {"epoch": [int(i) for i in idx], "loss": [float(curve[i]) for i in idx]}


class DescentCheck(Check):
    id = "descent"
    title = "Gradient descent on XOR"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        a, ref = ctx.assignment, ctx.reference
        net_spec = ref.network
        X, Y = ref.xor
        factor = ctx.facts.get("gradient_factor", 1.0)
        lr = a.training.lr / factor
        net = ctx.network(lr=lr)
        net.set_params(ref.initial_params)
        outputs = net.train(X, Y, epochs=a.training.epochs)
        final = net.params()
        arrays = {k: as_float_array(v) for k, v in final.items()}
        shapes = net_spec.param_shapes()
        evidence: dict[str, Any] = {"epochs": a.training.epochs, "lr": lr, "gradient_factor": factor}
        ref_curve = ref.training.losses
        evidence["reference_curve"] = downsample(ref_curve)
        out = as_float_array(outputs)
        if out is not None and out.ndim == 3 and out.shape[1:] == Y.shape and np.all(np.isfinite(out)):
            curve = np.array([net_spec.loss_of(o, Y) for o in out])
        else:
            curve = None
        if any(v is None or v.shape != shapes[k] or not np.all(np.isfinite(v)) for k, v in arrays.items()):
            message = "after training, the parameters are missing, misshapen or not finite (NaN/inf)"
            return CheckResult.failure(self.id, max_points, message, Diagnosis("no-descent", message), **evidence)
        predictions = net_spec.predict(arrays, X)
        start = net_spec.loss_value(ref.initial_params, X, Y)
        end = net_spec.loss_of(predictions, Y)
        if curve is not None:
            evidence["student_curve"] = downsample(np.append(curve, end))
        evidence.update({
            "initial_loss": start, "final_loss": end, "reference_final_loss": float(ref_curve[-1]),
            "predictions": [{"input": x.tolist(), "target": y.tolist(), "prediction": p.tolist()}
                            for x, y, p in zip(X, Y, predictions)],
        })
        ok_solved = solved(predictions, Y, a.one_hot)
        ok_drop = end <= a.training.max_loss_ratio * start
        summary = (f"{a.training.epochs} epochs at lr {lr:.4g}: loss {start:.4g} -> {end:.4g} "
                   f"(reference {ref_curve[-1]:.4g})")
        if ok_solved and ok_drop:
            return CheckResult.success(self.id, max_points, f"XOR solved; {summary}", **evidence)
        reasons = []
        if not ok_drop:
            reasons.append(f"the loss fell only to {end / start:.0%} of its start "
                           f"(needs {a.training.max_loss_ratio:.0%} or less)")
        if not ok_solved:
            reasons.append("some XOR predictions are on the wrong side")
        message = f"training does not solve XOR: {'; '.join(reasons)}; {summary}"
        reference_solved = solved(net_spec.predict(ref.training.params, X), Y, a.one_hot) and \
            ref_curve[-1] <= a.training.max_loss_ratio * ref_curve[0]
        if not reference_solved:
            message += (f" (the reference network of your sizes {list(net_spec.layers)} does not solve it either "
                        "from the same start: try more hidden units)")
        return CheckResult.failure(self.id, max_points, message, Diagnosis("no-descent", message), **evidence)
