"""Code that computes in float32 itself: found by what its arrays are, and compared at float32's precision.

The grader always sends float64 values (a float32 array of the student's is replaced, never rounded
into), so a float32 result can only come from the student's own casts: ``X.astype(np.float32)`` in
the forward pass, or parameters cast back to float32 after each update. Such code is right to about
1e-7 relative per operation, and its updates are rounded to float32's spacing, so the float64
tolerances would call correct code wrong. The binding says so, and the checks widen their tolerances
to :data:`FLOAT32` (still far below the 1e-3 relative errors of the known mistakes' gradients).
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

from grader.binding.context import FATAL, Detection
from grader.binding.plan import Plan, PlanBinding
from grader.binding.probe import ProbeSet, representable
from grader.errors import ProtocolError, SubmissionFailure
from grader.sandbox.remote import Ref
from grader.spec.assignment import Tolerance

# Per check: float32's spacing is 1.2e-7; outputs carry a few roundings, gradients read off an update
# carry the rounding of the updated parameters (~1e-7 of a weight) over a change of ~1e-2 of it, and the
# update check's smallest steps change a weight by ~1e-6, where float32 rounding is a few per cent.
FLOAT32 = MappingProxyType({
    "forward": Tolerance(rtol=1e-5, atol=1e-7),
    "loss": Tolerance(rtol=1e-5, atol=1e-7),
    "gradients": Tolerance(rtol=1e-4, atol=1e-7),
    "update": Tolerance(rtol=0.1, atol=0.0),
})
NOTE = ("your code computes in float32 ({where}): outputs, gradients and updates are compared at float32's "
        "precision (forward rtol 1e-5, gradients rtol 1e-4)")


def float32_places(det: Detection, plan: Plan, pset: ProbeSet) -> list[str]:
    """Where the student's own code produces float32: the forward's output, parameters after a step."""
    binding = PlanBinding(plan, summary="", description={})
    params, X, _ = pset.cases[0]
    n_out = pset.network.layers[-1]
    places = []
    try:
        net = binding.create(det.worker, lr=0.5, sizes=pset.network.layers)
        net.set_params(representable(plan, params))
        Xs = net.layout.to_student(X)
        if plan.forward is not None:
            args, kwargs = net._arguments(plan.forward, Xs, None, lr=0.5)
            output = det.worker.call(net._target(plan.forward), *args, keep=True, **kwargs)
            if _dtype(det, extend_output(output, plan)) == "float32":
                places.append(f"the output of {plan.forward.label}()")
        if plan.step is not None:
            Y = (X[:, :n_out] > 0).astype(float)
            net.step(X, Y)
            kept = [s.label for s in plan.slots if not s.parts and _dtype(det, net.ref(s)) == "float32"]
            if kept:
                places.append("parameters " + ", ".join(dict.fromkeys(kept)) + " after a step")
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
    return places


def extend_output(ref: Ref, plan: Plan) -> Ref:
    return Ref(ref.root, ref.path + tuple(plan.output or ()))


def _dtype(det: Detection, ref: Ref) -> str:
    try:
        value = det.worker.call(Ref.name("str"), ref.attr("dtype"))
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        return ""
    except ProtocolError:
        return ""
    return value if isinstance(value, str) else ""


def marked(det: Detection, plan: Plan, pset: ProbeSet) -> Plan:
    """``plan`` with ``details['precision']`` "float32" when the student's code computes in float32."""
    places = float32_places(det, plan, pset)
    if not places:
        return plan
    det.note(NOTE.format(where="; ".join(places)))
    return _with(plan, precision="float32")


def _with(plan: Plan, **details: Any) -> Plan:
    return replace(plan, details={**plan.details, **details})


def tolerances(binding: Any, tolerances: Any) -> dict[str, Tolerance]:
    """The tolerances to grade ``binding`` with: the assignment's, widened to float32's where its code
    computes in float32."""
    out = dict(tolerances)
    if getattr(binding, "precision", "float64") != "float32":
        return out
    for check, wide in FLOAT32.items():
        if check in out:
            out[check] = Tolerance(rtol=max(out[check].rtol, wide.rtol), atol=max(out[check].atol, wide.atol))
    return out
