"""The ``descent`` check: the student's own forward/backward, driven on XOR, must solve it.

Training runs inside the worker, in segments of ``[training]`` :attr:`~grader.spec.assignment.Training.checkpoint`
epochs; after each, the verdict is computed here from the parameters the student's code holds, evaluated
by the reference (:func:`judge`), so nothing the worker reports decides it. The run stops at the first
checkpoint where XOR is solved (``stop_when_solved``), else it uses the whole budget of ``epochs``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from grader.binding import SplitRun
from grader.checks.base import Check, CheckContext, ProbeCase
from grader.checks.gradients import step_outcome
from grader.checks.compare import as_float_array, fit_common_factor
from grader.diagnosis.engine import Faults, gradients
from grader.checks.integrity import REPEATS, Audit, StepModel, checked_epochs, presented_xor
from grader.errors import SubmissionFailure
from grader.results import CheckResult, Diagnosis
from reference import Network

CURVE_POINTS = 200


def right_rows(outputs: np.ndarray, Y: np.ndarray, one_hot: bool) -> np.ndarray:
    """Which rows are predicted on the right side (of 0.5, or the argmax for one-hot targets)."""
    if one_hot:
        return np.argmax(outputs, axis=1) == np.argmax(Y, axis=1)
    return np.all((outputs > 0.5) == (Y > 0.5), axis=1)


def solved(outputs: np.ndarray, Y: np.ndarray, one_hot: bool) -> bool:
    """Every XOR prediction on the right side."""
    return bool(np.all(right_rows(outputs, Y, one_hot)))


def curve_epochs(length: int, *, points: int = CURVE_POINTS) -> np.ndarray:
    """The indices :func:`downsample` keeps of a curve of ``length`` values: at most ``points``, first and last."""
    return np.unique(np.linspace(0, length - 1, num=min(points, length)).round().astype(int))


def downsample(curve: np.ndarray, points: int = CURVE_POINTS) -> dict[str, list[float]]:
    """At most ``points`` (epoch, loss) pairs, always keeping the first and last."""
    idx = curve_epochs(len(curve), points=points)
    return {"epoch": [int(i) for i in idx], "loss": [float(curve[i]) for i in idx]}


@dataclass(frozen=True)
class Judgement:
    """The reference's view of the student's parameters after some epochs."""

    predictions: np.ndarray
    end: float
    solved: bool
    dropped: bool
    right: int = 0

    @property
    def passed(self) -> bool:
        return self.solved and self.dropped

    @property
    def wrong(self) -> int:
        """How many of the rows are predicted on the wrong side."""
        return len(self.predictions) - self.right


def judge(params: Mapping[str, Any], *, network: Network, X: np.ndarray, Y: np.ndarray, start: float,
          one_hot: bool, max_loss_ratio: float) -> Judgement | None:
    """The verdict on ``params`` (XOR solved, loss at most ``max_loss_ratio`` x ``start``), or None when
    they are missing, misshapen or not finite."""
    arrays = {k: as_float_array(v) for k, v in params.items()}
    shapes = network.param_shapes()
    if any(v is None or v.shape != shapes[k] or not np.all(np.isfinite(v)) for k, v in arrays.items()):
        return None
    predictions = network.predict(arrays, X)
    end = network.loss_of(predictions, Y)
    right = right_rows(predictions, Y, one_hot)
    return Judgement(predictions=predictions, end=end, solved=bool(np.all(right)), right=int(np.sum(right)),
                     dropped=end <= max_loss_ratio * start)


def stacked_outputs(parts: list[Any], *, Y: np.ndarray) -> np.ndarray | None:
    """The per-epoch outputs of every segment as one finite ``(epochs, N, out)`` array, or None."""
    arrays = [as_float_array(p) for p in parts]
    if not all(a is not None and a.ndim == 3 and a.shape[1:] == Y.shape for a in arrays):
        return None
    out = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
    return out if np.all(np.isfinite(out)) else None


def student_curve(outputs: np.ndarray, *, network: Network, Y: np.ndarray, end: float) -> dict[str, list[float]]:
    """:func:`downsample` of the loss per epoch (the output of each epoch's forward, then ``end``), with
    the loss computed at the kept epochs only."""
    idx = curve_epochs(len(outputs) + 1)
    return {"epoch": [int(i) for i in idx],
            "loss": [float(network.loss_of(outputs[i], Y)) if i < len(outputs) else float(end) for i in idx]}


def xor_factor(ctx: CheckContext, *, X: np.ndarray, Y: np.ndarray) -> float | None:
    """The student's gradient factor on XOR itself (as the run presents it), from one step at the descent's
    initial weights.

    A convention that sums over rows scales with the batch, so the factor of the probes (another batch
    size) would not give the reference's rate on XOR. The step is compared with the computation the
    gradients check found (the reference's, or the mistake it named). None when the step fits no single
    positive factor within the gradients tolerance (the probes' factor is used).
    """
    ref = ctx.reference
    params = ref.initial_params
    output = ref.network.predict(params, X)
    lr = ctx.assignment.probe.lr
    faults = ctx.facts.get("gradient_faults") or Faults()
    try:
        with np.errstate(all="ignore"):
            expected = gradients(ref.network, params, X, Y, lr=lr * ctx.facts.get("gradient_factor", 1.0),
                                 faults=faults)
    except ValueError:
        expected = ref.network.gradients(params, X, Y)
    case = ProbeCase(params=params, X=X, Y=Y, Y_pred=output, output=output, loss=ref.network.loss_of(output, Y),
                     gradients=expected)
    try:
        change, returned = step_outcome(ctx, case, lr)
    except SubmissionFailure as exc:
        if exc.kind in ("exception", "gradient-shape"):
            return None  # the training run meets the same problem and reports it
        raise
    got = returned if returned is not None else {name: delta / lr for name, delta in change.items()}
    fit = fit_common_factor(got=got, expected=case.gradients)
    return fit.factor if fit.factor > 0 and fit.ok(ctx.assignment.tolerances["gradients"]) else None


class DescentCheck(Check):
    id = "descent"
    title = "Gradient descent on XOR"

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        a, ref = ctx.assignment, ctx.reference
        t = a.training
        net_spec = ref.network
        X, Y = ref.xor  # the verdict's four rows
        rng = np.random.default_rng([ref.seed, t.seed, 13])
        model = StepModel(ctx.facts.get("gradient_faults"))
        TX, TY = presented_xor(X, Y, rng=rng, repeats=REPEATS if model.scale_free else 1)  # what the code trains on
        factor = xor_factor(ctx, X=TX, Y=TY) or ctx.facts.get("gradient_factor", 1.0)
        lr = t.lr / factor
        net = ctx.network(lr=lr)
        net.set_params(ref.initial_params)
        start = net_spec.loss_value(ref.initial_params, X, Y)
        split = SplitRun(t.epochs)
        audit = Audit(model=model, network=net_spec, X=TX, Y=TY, lr=lr,
                      factor=factor, tolerance=a.tolerances["gradients"],
                      checked=checked_epochs(rng=rng, epochs=t.epochs))
        parts: list[Any] = []
        held = net.params()
        while True:
            look = min(split.done + t.checkpoint, t.epochs)  # the next look at the verdict
            while split.done < look:
                if split.done in audit.checked:
                    parts.append(net.train(TX, TY, epochs=1, run=split))
                    after = net.params()
                    audit.step(before=held, after=after, epoch=split.done - 1)
                else:
                    count = min([e for e in audit.checked if e > split.done] + [look]) - split.done
                    parts.append(net.train(TX, TY, epochs=count, run=split))
                    after = net.params()
                    audit.replay(start=held, end=after, epochs=count, epoch=split.done)
                held = after
            verdict = judge(held, network=net_spec, X=X, Y=Y, start=start, one_hot=a.one_hot,
                            max_loss_ratio=t.max_loss_ratio)
            if split.done >= t.epochs or (verdict is not None and verdict.passed):
                break
        if verdict is not None and verdict.passed:
            audit.settle()
        epochs = split.done
        ref_curve = ref.training.losses
        evidence: dict[str, Any] = {"epochs": epochs, "epoch_budget": t.epochs, "stopped_early": epochs < t.epochs,
                                    "lr": lr, "gradient_factor": factor,
                                    "reference_curve": downsample(ref_curve[:epochs + 1]), **audit.to_dict()}
        if verdict is None:
            message = "after training, the parameters are missing, misshapen or not finite (NaN/inf)"
            return CheckResult.failure(self.id, max_points, message, Diagnosis("no-descent", message), **evidence)
        end, ref_end = verdict.end, float(ref_curve[epochs])
        outputs = stacked_outputs(parts, Y=TY)
        if outputs is not None:
            evidence["student_curve"] = student_curve(outputs, network=net_spec, Y=TY, end=end)
        evidence.update({
            "initial_loss": start, "final_loss": end, "reference_final_loss": ref_end,
            "predictions": [{"input": x.tolist(), "target": y.tolist(), "prediction": p.tolist()}
                            for x, y, p in zip(X, Y, verdict.predictions)],
        })
        if verdict.passed and evidence["stopped_early"] and not audit.failure:
            return CheckResult.success(self.id, max_points, (
                f"XOR solved after {epochs} of at most {t.epochs} epochs at lr {lr:.4g}: loss {start:.4g} -> "
                f"{end:.4g} (reference {ref_end:.4g} after as many epochs)"), **evidence)
        summary = f"{epochs} epochs at lr {lr:.4g}: loss {start:.4g} -> {end:.4g} (reference {ref_end:.4g})"
        if verdict.passed and not audit.failure:
            return CheckResult.success(self.id, max_points, f"XOR solved; {summary}", **evidence)
        if verdict.passed:
            message = (f"XOR is solved, but not by gradient descent: {audit.failure}; {summary}")
            return CheckResult.failure(self.id, max_points, message, Diagnosis("not-gradient-descent", message),
                                       **evidence)
        message = f"training does not solve XOR: {shortfall(verdict, start=start, ratio=t.max_loss_ratio)}; {summary}"
        cause = likely_cause(verdict, start=start, facts=ctx.facts, audit=audit.failure)
        if cause:
            message += f". {cause}"
        reference = judge(ref.training.params, network=net_spec, X=X, Y=Y, start=float(ref_curve[0]),
                          one_hot=a.one_hot, max_loss_ratio=t.max_loss_ratio)
        if reference is None or not reference.passed:
            message += (f" (the reference network of your sizes {list(net_spec.layers)} does not solve it either "
                        "from the same start: try more hidden units)")
        return CheckResult.failure(self.id, max_points, message, Diagnosis("no-descent", message), **evidence)


def shortfall(verdict: Judgement, *, start: float, ratio: float) -> str:
    """What the verdict's table shows, in words that agree with it: the loss rose, or fell too little; how
    many predictions are wrong."""
    wrong, rows, share = verdict.wrong, len(verdict.predictions), verdict.end / start
    if verdict.end > start:
        loss = f"the loss rose instead of falling (to {share:.0%} of its start)"
    elif not verdict.dropped:
        loss = f"the loss did not fall enough: it fell only to {share:.0%} of its start (it needs {ratio:.0%} or less)"
    else:
        loss = f"the loss fell to {share:.0%} of its start"
    if not wrong:
        return f"every XOR prediction is on the right side, but {loss}"
    side = f"{wrong} of the {rows} XOR predictions {'is' if wrong == 1 else 'are'} on the wrong side"
    return f"{loss}, but {side}" if verdict.dropped else f"{side}, and {loss}"


def likely_cause(verdict: Judgement, *, start: float, facts: Mapping[str, Any], audit: str) -> str:
    """One sentence on where to look, from what the earlier checks and the run's checked steps found."""
    faults = facts.get("gradient_faults")
    if faults is not None and faults.sign:
        return "Your steps go up the gradient (see the gradients check): fix the sign of the update"
    if audit:
        return f"Training did not take gradient steps: {audit}"
    if (faults is not None and faults != Faults()) or facts.get("gradients_ok") is False:
        return "Training follows your gradients, which the gradients check found wrong: fix those first"
    if verdict.end > start:
        return "Each step makes the loss grow: check the sign of the update and the learning rate it uses"
    return ""
