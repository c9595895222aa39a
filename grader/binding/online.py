"""Per-sample (online) steps: code whose step walks through the rows and updates after each one.

Such a step is correct backpropagation, but its change over a batch is not the batch gradient:
it is the row-by-row updates. It is recognised from the student's code alone, without the
reference: one step on two rows leaves the parameters where one step per row leaves them, in one
order or the other (code that shuffles its rows). The gradients check then observes the step on one row at a time, where the student's
gradient and the reference's are the same thing, so a correct lab passes and a mistake in it is
named as in full-batch code.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from grader.binding.context import FATAL, Detection
from grader.binding.plan import Plan, PlanBinding
from grader.binding.probe import ProbeSet, representable
from grader.errors import SubmissionFailure

RTOL = 1e-9  # float64 arithmetic in a different order stays well below this
LR = 0.5  # large enough that a batch step and row-by-row steps differ by far more than RTOL
NOTE = ("the step updates the parameters once per row (online gradient descent): gradients are checked one "
        "row at a time, where they must equal the assignment's gradient")


def per_sample(det: Detection, plan: Plan, pset: ProbeSet) -> bool:
    """Does one step on two rows do what one step per row does, in either order (code that shuffles its
    rows)? False when either cannot be run."""
    if plan.step is None or plan.gradients is not None or plan.update_mode != "step":
        return False
    params, X, _ = pset.cases[0]
    params = representable(plan, params)
    X = X[:2]
    n_out = pset.network.layers[-1]
    Y = np.eye(n_out)[[0, n_out - 1]] if n_out > 1 else np.array([[0.0], [1.0]])
    binding = PlanBinding(plan, summary="", description={})
    try:
        batch = binding.create(det.worker, lr=LR, sizes=pset.network.layers)
        batch.set_params(params)
        batch.step(X, Y)
        together = batch.params()
        orders = []
        for order in ((0, 1), (1, 0)):
            rows = binding.create(det.worker, lr=LR, sizes=pset.network.layers)
            rows.set_params(params)
            for i in order:
                rows.step(X[i:i + 1], Y[i:i + 1])
            orders.append(rows.params())
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        return False
    return any(_same(together, apart, params) for apart in orders)


def _same(together: dict, apart: dict, params: dict) -> bool:
    """The same parameters after both ways, and moved from where they started."""
    moved = False
    for name, before in params.items():
        a, b = together.get(name), apart.get(name)
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape == before.shape):
            return False
        if not np.allclose(a, b, rtol=RTOL, atol=RTOL * float(np.max(np.abs(before), initial=1.0))):
            return False
        moved = moved or not np.array_equal(a, before)
    return moved


def marked(det: Detection, plan: Plan, pset: ProbeSet) -> Plan:
    """``plan`` with ``details['per_sample']`` set when its step is per sample (and a note saying so)."""
    if not per_sample(det, plan, pset):
        return plan
    det.note(NOTE)
    return replace(plan, details={**plan.details, "per_sample": True})
