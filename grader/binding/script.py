"""The script style: module-level weights trained by a top-level loop, with no function to call.

The loop body (read with ``ast``, :mod:`grader.binding.loops`) becomes a step function
defined in the student's namespace: it runs the body once on the grader's inputs and
learning rate, and returns the arrays the body writes (the output among them, found by
probing like any forward pass). The parameters are the arrays one iteration reads and
then changes; the inputs and targets are the arrays it only reads with the data's shape;
the rate is the number it reads under a learning-rate name. A fresh state re-runs the
module-level statements that set the parameters before the loop (the student's
initialisation), or else restores the values the submission had after loading.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np

from grader.binding.context import FATAL, Candidate, Detection
from grader.binding.functions import copy_value
from grader.binding.loops import (INIT, LOSS, STEP, Loop, derived, find_loops, init_source, loss_source,
                                  quiet_source, step_source)
from grader.binding.names import LR_NAME, X_NAME, Y_NAME, Source
from grader.binding.plan import Call, LearningRate, Plan
from grader.binding.pins import network_mappings, parameter_mappings
from grader.binding.probe import Trial
from grader.binding.steps import finish
from grader.binding.structure import (Entry, describe_entries, detection_layers, entries_of, layer_hint,
                                      role_of)
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker

MAX_LOOPS = 3


@dataclass(frozen=True, eq=False)
class ScriptState:
    """Defines the step (and initialiser, loss) functions in the student's namespace, then sets the
    parameters to the student's initialisation."""

    code: str
    initial: tuple[tuple[str, Any], ...]
    has_init: bool

    def namespace(self, worker: Worker) -> Ref:
        """The student's module namespace (``__main__``, as the worker and a kernel run it)."""
        sys_ref = worker.call(Ref.name("__import__"), "sys", keep=True)
        return Ref(sys_ref.root, (("a", "modules"), ("i", "__main__"), ("a", "__dict__")))

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]:
        worker.call(Ref.name("exec"), self.code, self.namespace(worker))
        initialised = False
        if self.has_init:
            try:
                worker.call(Ref.name(INIT))
                initialised = True
            except SubmissionFailure as exc:
                if exc.kind in FATAL:
                    raise
        if not initialised:
            worker.set_many([(Ref.name(name), copy_value(value)) for name, value in self.initial], inplace=False)
        return {name: Ref.name(name) for name, _ in self.initial}

    def describe(self) -> str:
        names = ", ".join(name for name, _ in self.initial)
        return f"globals {names}, " + ("set by the statements before the loop" if self.has_init
                                       else "reset to their values after loading")


def _array(det: Detection, name: str) -> np.ndarray | None:
    entry = det.entry(name)
    if entry is None or entry.get("kind") != "array":
        return None
    value = det.value(name)
    return value if isinstance(value, np.ndarray) else None


def _entries(det: Detection, names: Sequence[str]) -> tuple[list[Entry], dict[str, Any]]:
    """The arrays the loop carries over as parameter entries: the role its name says, else by shape."""
    entries: list[Entry] = []
    values: dict[str, Any] = {}
    for name in names:
        entry = det.entry(name) or {}
        if entry.get("kind") in ("list", "dict"):  # weights = [W1, W2], params = {'W1': ...}
            value = det.value(name)
            found = entries_of({name: value}, attributes=False)
            if found:
                entries += [replace(e, order=len(entries) + i) for i, e in enumerate(found)]
                values[name] = value
            continue
        value = _array(det, name)
        if value is None or value.ndim not in (1, 2) or value.dtype.kind not in "fiu":
            continue
        role = role_of(name) or ("W" if value.ndim == 2 and min(value.shape) > 1 or name[:1] in "wWvV" else "b")
        layer, last = layer_hint(name)
        entries.append(Entry(name, name, (), tuple(value.shape), role, layer, last, len(entries)))
        values[name] = value
    return entries, values


def _data(det: Detection, loop: Loop, n_in: int, n_out: int) -> tuple[str, str, bool, bool] | None:
    """(X name, Y name, samples in columns, Y is 1-D): the arrays the loop reads with the data's shape."""
    changed = loop.stored | loop.mutated
    read = [n for n in loop.inputs if _array(det, n) is not None]
    if not read:  # the body reads no array itself: its functions read the data from globals
        read = [e["name"] for e in det.entries("array")]
    arrays = {n: a for n in read if (a := _array(det, n)) is not None and n not in changed}
    for x_name, x in sorted(arrays.items(), key=lambda kv: (not X_NAME.match(kv[0]), kv[0] not in loop.inputs)):
        if x.ndim != 2 or n_in not in x.shape:
            continue
        for column in ((False, True) if x.shape[1] == n_in else (True,)):
            samples = x.shape[1] if column else x.shape[0]
            for y_name, y in sorted(arrays.items(), key=lambda kv: (not Y_NAME.match(kv[0]),
                                                                     kv[0] not in loop.inputs)):
                if y_name == x_name:
                    continue
                if y.ndim == 1 and n_out == 1 and y.shape[0] == samples:
                    return x_name, y_name, column, True
                if y.ndim == 2 and y.shape == ((n_out, samples) if column else (samples, n_out)):
                    return x_name, y_name, column, False
    return None


def _rate(det: Detection, loop: Loop) -> str | None:
    numbers = {e["name"] for e in det.entries("value") if e.get("type") in ("float", "int")}
    found = [n for n in loop.inputs if n in numbers and LR_NAME.match(n)]
    if not found:
        found = [n for n in numbers if LR_NAME.match(n)]
    return found[0] if found else None


@dataclass(frozen=True)
class ScriptStyle:
    """The script candidates over weight arrays (tried before the function styles: the loop's inline update
    is then judged), or over parameter containers (dicts, lists: tried after them)."""

    containers: bool

    def candidates(self, det: Detection) -> list[Candidate]:
        return [c for c in candidates(det)
                if any(s.path for s in c.plan.slots) == self.containers]


WEIGHT_ARRAYS = ScriptStyle(containers=False)
CONTAINERS = ScriptStyle(containers=True)


def candidates(det: Detection) -> list[Candidate]:
    """Candidates over each module-level loop that carries weight arrays from one iteration to the next."""
    loops = [lp for lp in find_loops(det.source.units, filename=det.source.filename) if lp.carried]
    network = det.network
    out: list[Candidate] = []
    for loop in loops[-MAX_LOOPS:]:
        data = _data(det, loop, network.layers[0], network.layers[-1])
        entries, values = _entries(det, loop.carried)
        if not entries:
            continue
        if data is None:
            det.note(f"{loop.where} updates {', '.join(e.label for e in entries)} but reads no input and target "
                     f"arrays of the data's shape ({network.layers[0]} inputs, {network.layers[-1]} outputs): "
                     "a module-level script whose loop can't be driven")
            continue
        x_name, y_name, column, y_flat = data
        iface = det.interface
        if iface.pins("parameters"):
            found, _ = parameter_mappings(iface, network, values, attributes=False, layers=network.layers)
        else:
            found = network_mappings(entries, network=network, layouts=("column", "column-in-out") if column
                                     else ("row", "row-out-in"))
        if not found:
            det.note(f"{loop.where}: the arrays it updates ({describe_entries(entries)}) do not chain from "
                     f"{network.layers[0]} inputs to {network.layers[-1]} outputs: a module-level script whose "
                     "loop can't be driven")
            continue
        lr_name = _rate(det, loop)
        returned = [n for n in sorted(loop.stored | loop.mutated) if _array(det, n) is not None]
        for mapping in found:
            roots = list(dict.fromkeys(s.root for s in mapping.slots()))
            setup = derived(loop, data=(x_name, y_name), parameters=roots)
            code = "\n\n".join([quiet_source(), step_source(loop, x_name=x_name, y_name=y_name, lr_name=lr_name,
                                                            y_flat=y_flat, returned=returned, setup=setup)])
            init = init_source(loop, roots)
            state = ScriptState("\n\n".join([code, init or ""]), tuple((r, values.get(r)) for r in roots),
                                init is not None)
            net = replace(network, layers=mapping.layers, bias=mapping.biases is not None)
            args = (Source("X"), Source("Y")) + ((Source("lr"),) if lr_name else ())
            step = Call(loop.where, ("", STEP), args)
            places = (("global", "", lr_name),) if lr_name else ()
            plan = Plan(style="script", layout=mapping.layout, slots=mapping.slots(), network=net, state=state,
                        forward=None, output=None, step=step, step_output=None, bias_column=mapping.bias_column,
                        lr=LearningRate(places), names={"loop": loop.where},
                        details={"inputs": f"{x_name}, {y_name}", "rate": lr_name or ""})
            detect = detection_layers(net.layers)
            sizes = [net.layers] + ([detect] if detect != net.layers else [])
            loss = {"y_name": y_name, "y_flat": y_flat, "setup": setup, "x_name": x_name, "column": column}
            out.append(Candidate(plan, sizes, _completer(loop, loss), tuple(returned), _finisher(det)))
    return out


def _completer(loop: Loop, data: dict[str, Any]) -> Callable[[Plan, tuple[Any, ...]], Plan]:
    def complete(plan: Plan, structure: tuple[Any, ...]) -> Plan:
        """The loss as the loop computes it, once the output's name is known."""
        output = plan.step_output
        if not output or output[0][0] != "i":
            return plan
        plan = replace(plan, names={**plan.names, "output": str(output[0][1])})
        source = loss_source(loop, output=str(output[0][1]), **data)
        if source is None:
            return plan
        state = plan.state
        assert isinstance(state, ScriptState)
        state = replace(state, code=f"{state.code}\n\n{source}")
        loss = Call(f"the loss computed in {loop.where}", ("", LOSS), (Source("Y"), Source("Y_pred")))
        return replace(plan, state=state, loss=loss, names={**plan.names, "loss": loss.label})
    return complete


def _finisher(det: Detection) -> Callable[..., Plan]:
    def finish_plan(plan: Plan, trial: Trial, other: Trial | None = None) -> Plan:
        return finish(det, plan, trial, network=trial.network, step_names=None, updates=(), state={},
                      handle_roots=(), other_rate=other)
    return finish_plan
