"""The engine behind every detected binding: a :class:`Plan` of calls over the student's state.

A plan says where each parameter lives (a :class:`Slot` under a root: an
instance, a global, or a value the grader keeps in a worker handle), which
function or method computes the forward pass, the loss and one training step,
and how the gradients and the learning rate are passed. :class:`PlanNet`
drives one fresh state with it, in the reference's row-major convention, with
the same interface as the canonical :class:`~grader.binding.canonical.BoundNet`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Sequence

import numpy as np

from grader.binding import folded
from grader.binding.base import Layout, SplitRun, missing, put_inputs, run_paced
from grader.binding.names import Source
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Encoder, Ref
from grader.sandbox.worker import Worker, call_step
from reference import Network

Path = tuple[tuple[str, Any], ...]


def follow(value: Any, path: Path) -> Any:
    """The part of a decoded value at ``path`` (items only); KeyError/IndexError/TypeError if absent."""
    for kind, key in path:
        if kind != "i":
            raise TypeError("only items can be followed in a decoded value")
        value = value[key]
    return value


def extend(ref: Ref, path: Path) -> Ref:
    return Ref(ref.root, ref.path + tuple(path))


def path_text(path: Path) -> str:
    return "".join(f".{key}" if kind == "a" else f"[{key!r}]" for kind, key in path)


@dataclass(frozen=True)
class Slot:
    """Where one reference parameter lives: ``root`` key plus a path; ``flat`` for a 1-D bias."""

    name: str
    label: str
    root: str
    path: Path = ()
    flat: bool = False
    rows: tuple[int | None, int | None] | None = None  # a part of a weight matrix: see :mod:`folded`
    shared: int = 0  # a bias that is one number for the layer's ``shared`` units
    parts: tuple[Path, ...] = ()  # one object per unit holds its row (weights) or number (bias): their paths
    turned: bool = False  # a bias kept as a column while samples are rows (or the other way round)

    @property
    def weight(self) -> bool:
        return self.name.startswith("W")

    def to_student(self, array: np.ndarray, layout: Layout) -> Any:
        if self.rows is not None:
            return array
        if self.shared:
            return shared_value(self, array)
        if self.flat:
            return np.array(array, dtype=np.float64).ravel()
        if self.turned:
            return np.ascontiguousarray(layout.to_student(array).T)
        return layout.weight_to_student(array) if self.weight else layout.to_student(array)

    def from_student(self, value: Any, layout: Layout) -> Any:
        """A value read from the student (a parameter or its gradient) in the reference's layout; a 1-D bias
        (or bias gradient) is a row."""
        if self.shared and isinstance(value, (float, int, np.ndarray)) and np.size(value) == 1:
            return np.full((1, self.shared), float(np.ravel(value)[0]))
        if not isinstance(value, np.ndarray):
            return value
        if self.rows is not None:
            return folded.part(value, self.rows, layout)
        if value.ndim == 1 and not self.weight:
            return value.reshape(1, -1)
        if value.ndim != 2:
            return value
        if self.turned:
            value = value.T
        return layout.weight_from_student(value) if self.weight else layout.from_student(value)


def shared_value(slot: Slot, array: np.ndarray) -> float:
    """The one number of a layer-wide bias; values that differ per unit cannot be set (``bad-init-shape``)."""
    values = np.ravel(np.asarray(array, dtype=np.float64))
    if values.size and np.ptp(values) > 0:
        raise SubmissionFailure("bad-init-shape", f"{slot.label} is one number shared by the whole layer: the "
                                f"assignment asks for one bias per unit ({slot.shared} for this layer), so the "
                                "grader's biases, which differ per unit, cannot be set")
    return float(values[0]) if values.size else 0.0


@dataclass(frozen=True)
class Call:
    """One call of the student's code: ``target`` is (root key, name) for a method, ("", name) for a global."""

    label: str
    target: tuple[str, str]
    args: tuple[Source, ...] = ()
    kwargs: tuple[tuple[str, Source], ...] = ()
    store: str | None = None  # a handle root the whole result replaces
    unpack: tuple[str | None, ...] = ()  # handle roots the result's elements replace (None: dropped)


@dataclass(frozen=True)
class GradientMap:
    """Where the step's result holds each parameter's gradient."""

    container: str  # tuple, list or dict
    paths: tuple[tuple[str, Path], ...]  # reference name -> path into the result
    labels: tuple[tuple[str, str], ...]  # reference name -> the student's name of the gradient

    def read(self, value: Any, slots: Sequence[Slot], layout: Layout) -> dict[str, Any]:
        by_name = {slot.name: slot for slot in slots}
        labels = dict(self.labels)
        out = {}
        for name, path in self.paths:
            try:
                got = follow(value, path)
            except (KeyError, IndexError, TypeError):
                raise SubmissionFailure("gradient-shape", f"the step returned no gradient {labels[name]} "
                                        f"for {by_name[name].label}") from None
            out[name] = by_name[name].from_student(got, layout)
        return out


@dataclass(frozen=True)
class LearningRate:
    """Where the learning rate goes: attributes or globals set by ``set_lr``; arguments are wired as ``lr``."""

    places: tuple[tuple[str, str, str], ...] = ()  # (attribute|global|argument|constructor, root key, name)

    def describe(self) -> str:
        if not self.places:
            return "none found (the step's own rate is used)"
        words = {"attribute": "attribute", "global": "global", "argument": "argument", "constructor": "keyword"}
        return ", ".join(f"{words[kind]} {name}" for kind, _, name in self.places)


class State(Protocol):
    """How a fresh state (the roots of the slots) is made in the worker."""

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Plan:
    """Everything a detected binding knows about the student's code."""

    style: str
    layout: Layout
    slots: tuple[Slot, ...]
    network: Network
    state: State
    forward: Call | None
    output: Path | None = ()  # where the output is in the forward's result
    step: Call | None = None  # backward, or a one-step train function
    step_output: Path | None = None  # where the output is in a one-step function's result
    update: Call | None = None
    update_mode: str = "step"  # step: the step updates; function: the student's update; grader: params - lr*g
    gradients: GradientMap | None = None  # set when the step returns the gradients
    loss: Call | None = None
    loss_order: str = "true-first"
    lr: LearningRate = LearningRate()
    bias_column: bool = False
    init_missing: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def forward_first(self) -> bool:
        """A step is preceded by a forward call (unless the step is a one-step function that returns the output)."""
        return self.forward is not None and self.step_output is None


class PlanNet:
    """One fresh state of the student's network, driven by a plan, in the reference's convention."""

    def __init__(self, binding: PlanBinding, worker: Worker, roots: dict[str, Ref]) -> None:
        self.binding = binding
        self.plan = binding.plan
        self.worker = worker
        self.roots = roots
        self.layout = self.plan.layout
        self.lr = 0.0
        self.results = {"forward": worker.new_handle(), "backward": worker.new_handle(),
                        "scratch": worker.new_handle()}

    # -- parameters -----------------------------------------------------
    def ref(self, slot: Slot) -> Ref:
        return extend(self.roots[slot.root], slot.path)

    def refs(self, slot: Slot) -> list[Ref]:
        """Where a slot's value is: one place, or one per unit."""
        return [extend(self.roots[slot.root], part) for part in slot.parts] if slot.parts else [self.ref(slot)]

    def _slot_value(self, slot: Slot, values: Sequence[Any]) -> Any:
        return slot.from_student(np.array(values, dtype=np.float64) if slot.parts else values[0], self.layout)

    def params(self) -> dict[str, Any]:
        """The student's parameters under the reference's names (missing ones raise)."""
        try:  # one request; a failure is read again one by one to say which parameter is missing
            refs = [self.refs(slot) for slot in self.plan.slots]
            values = iter(self.worker.get_many([r for group in refs for r in group]))
            return {slot.name: self._slot_value(slot, [next(values) for _ in group])
                    for slot, group in zip(self.plan.slots, refs)}
        except SubmissionFailure as exc:
            if exc.kind != "exception":
                raise
        except (TypeError, ValueError):  # units that are not numbers: read one by one below
            pass
        out = {}
        for slot in self.plan.slots:
            try:
                value = self._slot_value(slot, [self.worker.get(r) for r in self.refs(slot)])
            except SubmissionFailure as exc:
                if exc.kind == "exception" and exc.message.startswith(("AttributeError", "KeyError", "IndexError")):
                    raise missing(f"parameter {slot.label}", [s.label for s in self.plan.slots if s != slot]) from None
                raise
            out[slot.name] = value
        return out

    def set_params(self, params: Mapping[str, np.ndarray]) -> None:
        """Every parameter (each unit's part, each folded array) in one request, in the order they were set
        one by one."""
        items: list[tuple[Ref, Any]] = []
        for slot in self.plan.slots:
            if slot.parts:  # a row (or a number) into each unit's object
                value = slot.to_student(params[slot.name], self.layout)
                items += [(ref, unit.copy() if isinstance(unit, np.ndarray) else float(unit))
                          for ref, unit in zip(self.refs(slot), value)]
            elif slot.rows is None:
                items.append((self.ref(slot), slot.to_student(params[slot.name], self.layout)))
        items += [(ref, folded.joined(parts, params, self.layout))
                  for ref, parts in folded.grouped(self.plan.slots, self.ref)]
        self.worker.set_many(items)

    def set_lr(self, lr: float) -> None:
        self.lr = float(lr)
        places = [self.roots[root].attr(name) if kind == "attribute" else Ref.name(name)
                  for kind, root, name in self.plan.lr.places if kind in ("attribute", "global")]
        self.worker.set_many([(ref, float(lr)) for ref in places], inplace=False)

    # -- calls ----------------------------------------------------------
    def _value(self, source: Source, X: Any, Y: Any, *, lr: float, Y_pred: Any = None) -> Any:
        kind = source.kind
        if kind == "X":
            return X
        if kind == "Y":
            return Y
        if kind == "Y_pred":
            return Y_pred
        if kind == "lr":
            return float(lr)
        if kind == "const":
            return source.value
        if kind == "root":
            return extend(self.roots[source.key], source.path)
        if kind == "global":
            return Ref.name(source.key)
        if kind == "result":
            return extend(Ref.handle(self.results[source.key]), source.path)
        raise ValueError(f"unknown argument source {kind}")

    def _target(self, call: Call) -> Ref:
        root, name = call.target
        return self.roots[root].attr(name) if root else Ref.name(name)

    def _arguments(self, call: Call, X: Any, Y: Any, *, lr: float, Y_pred: Any = None
                   ) -> tuple[list[Any], dict[str, Any]]:
        args = [self._value(s, X, Y, lr=lr, Y_pred=Y_pred) for s in call.args]
        kwargs = {k: self._value(s, X, Y, lr=lr, Y_pred=Y_pred) for k, s in call.kwargs}
        return args, kwargs

    def _step_of(self, encoder: Encoder, call: Call, X: Any, Y: Any, *, lr: float, result: str | None = None,
                 record: Path | None = None) -> dict[str, Any]:
        args, kwargs = self._arguments(call, X, Y, lr=lr)
        step = call_step(encoder, self._target(call), args, kwargs)
        if call.store:
            step["store"] = self.roots[call.store].root[1]
        elif result:
            step["store"] = self.results[result]
        if call.unpack:
            step["unpack"] = [self.roots[k].root[1] if k else self.results["scratch"] for k in call.unpack]
        if record is not None:
            step["record"] = [list(s) for s in record]
        return step

    def _training_steps(self, encoder: Encoder, X: Any, Y: Any, *, record: bool) -> list[dict[str, Any]]:
        """forward (when the step needs it), the step, and the update: one epoch."""
        plan = self.plan
        if plan.step is None:
            raise missing("a backward or training-step function (backward, backprop, train_step, ...)",
                          self.available())
        steps = []
        if plan.forward_first:
            assert plan.forward is not None
            steps.append(self._step_of(encoder, plan.forward, X, Y, lr=self.lr, result="forward",
                                       record=plan.output if record else None))
        steps.append(self._step_of(encoder, plan.step, X, Y, lr=self.lr, result="backward",
                                   record=plan.step_output if record and not plan.forward_first else None))
        if plan.update_mode == "function" and plan.update is not None:
            steps.append(self._step_of(encoder, plan.update, X, Y, lr=self.lr))
        elif plan.update_mode == "grader" and plan.gradients is not None:
            steps += self._grader_update(encoder)
        return steps

    def _grader_update(self, encoder: Encoder) -> list[dict[str, Any]]:
        """``param -= lr * grad`` in place, for a student whose step returns gradients and who has no update."""
        assert self.plan.gradients is not None
        slots = {slot.name: slot for slot in self.plan.slots}
        scratch = Ref.handle(self.results["scratch"])
        steps = []
        for name, path in self.plan.gradients.paths:
            grad = extend(Ref.handle(self.results["backward"]), path)
            steps.append(dict(call_step(encoder, grad.attr("__mul__"), [float(self.lr)], {}),
                              store=self.results["scratch"]))
            steps.append(call_step(encoder, self.ref(slots[name]).attr("__isub__"), [scratch], {}))
        return steps

    def available(self) -> list[str]:
        """The student's functions (or methods) the detection saw, for missing-interface messages."""
        return list(self.plan.details.get("available", sorted(self.plan.names.values())))

    # -- the interface the checks use -------------------------------------
    def forward(self, X: np.ndarray) -> Any:
        plan = self.plan
        Xs = self.layout.to_student(X)
        if plan.forward is not None:
            args, kwargs = self._arguments(plan.forward, Xs, None, lr=self.lr)
            result = self.worker.call(self._target(plan.forward), *args, **kwargs)
            return self._output(result, plan.output)
        if plan.step is not None and plan.step_output is not None:
            saved = self.params()
            out_size = plan.network.layers[-1]
            Y0 = self.layout.to_student(np.zeros((X.shape[0], out_size)))
            args, kwargs = self._arguments(plan.step, Xs, Y0, lr=0.0)
            try:
                result = self.worker.call(self._target(plan.step), *args, **kwargs)
            finally:
                self.set_params(saved)
            return self._output(result, plan.step_output)
        raise missing("a forward function (forward, feedforward, predict, ...)", self.available())

    def _output(self, result: Any, path: Path | None) -> Any:
        try:
            value = follow(result, path or ())
        except (KeyError, IndexError, TypeError):
            value = result
        return self.layout.from_student(value)

    def loss(self, Y: np.ndarray, Y_pred: np.ndarray) -> Any:
        if self.plan.loss is None:
            raise missing("a loss function (loss, compute_loss, mse, cost, cross_entropy, ...)", self.available())
        Ys, Ps = self.layout.to_student(Y), self.layout.to_student(Y_pred)
        args = [self._value(s, None, Ys, lr=self.lr, Y_pred=Ps) for s in self.plan.loss.args]
        kwargs = {k: self._value(s, None, Ys, lr=self.lr, Y_pred=Ps) for k, s in self.plan.loss.kwargs}
        return self.worker.call(self._target(self.plan.loss), *args, **kwargs)

    def step(self, X: np.ndarray, Y: np.ndarray) -> dict[str, Any] | None:
        """One training step; returns the gradients when the student's step returns them, else None."""
        encoder = Encoder()
        steps = self._training_steps(encoder, self.layout.to_student(X), self.layout.to_student(Y), record=False)
        self.worker.program(steps, encoder.blobs, repeat=1, timeout=self.worker.limits.request_timeout)
        if self.plan.gradients is None:
            return None
        value = self.worker.get(Ref.handle(self.results["backward"]))
        return self.plan.gradients.read(value, self.plan.slots, self.layout)

    def train(self, X: np.ndarray, Y: np.ndarray, *, epochs: int, run: SplitRun | None = None) -> Any:
        """``epochs`` steps run inside the worker; returns each epoch's output, (epochs, N, out), or None.

        ``run``: the split run these epochs are a part of (see :class:`SplitRun`)."""
        x_ref, y_ref = put_inputs(self.worker, self.layout.to_student(X), self.layout.to_student(Y), run=run)
        encoder = Encoder()
        steps = self._training_steps(encoder, x_ref, y_ref, record=True)
        if not any(s.get("record") is not None for s in steps):
            run_paced(self.worker, steps, encoder.blobs, epochs, run=run)
            return None
        return self.layout.outputs_from_student(run_paced(self.worker, steps, encoder.blobs, epochs, run=run))


class PlanBinding:
    """A detected (or pinned) binding: creates :class:`PlanNet` states and describes itself."""

    def __init__(self, plan: Plan, *, summary: str, description: Mapping[str, Any]) -> None:
        self.plan = plan
        self.style = plan.style
        self.layout = plan.layout
        self.network = plan.network
        self.bias_column = plan.bias_column
        self.update_mode = plan.update_mode
        self.init_missing = plan.init_missing
        self.per_sample = bool(plan.details.get("per_sample"))  # the step updates once per row (online)
        self.precision = str(plan.details.get("precision", "float64"))  # float32: the student's code casts
        order = {name: i for i, name in enumerate(plan.network.param_names())}
        slots = sorted(plan.slots, key=lambda s: order.get(s.name, len(order)))
        self.reference_names = [s.name for s in slots]
        self.labels = {s.name: s.label for s in slots}
        self.summary = summary
        self.description = dict(description)

    def describe(self) -> dict[str, Any]:
        return {**self.description, "summary": self.summary}

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None = None) -> PlanNet:
        """A fresh state (``sizes``: other layer sizes than the student's; the grader then sets every parameter)."""
        roots = self.plan.state.create(worker, lr=lr, sizes=sizes, plan=self.plan)
        net = PlanNet(self, worker, roots)
        net.set_lr(lr)
        return net
