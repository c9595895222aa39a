"""The module-level style: weights are globals (``W1, W2, W3``, with or without biases, or lists and dicts
of them) and functions use them through ``global``: a ``forward(X)`` and/or a one-step
``train(X, y, lr)`` that does forward, backward and update and returns the output.

A fresh state sets the globals back to copies of their values after loading. Without a
forward function the forward pass is the one-step function at learning rate 0 (the parameters
are restored after it). Sizes are the student's; a first layer with one more input than the
assignment and no biases means a constant-1 input column (added to the XOR inputs for training).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

from grader.binding.context import Candidate, Detection
from grader.binding.functions import copy_value, with_step
from grader.binding.names import BACKWARD, FORWARD, LOSS, UPDATE, X_NAME, Signature, Source, first_present
from grader.binding.pins import parameter_mappings
from grader.binding.plan import Call, Plan
from grader.binding.probe import Trial
from grader.binding.steps import finish, make_call, result_pool, step_pool, update_options
from grader.binding.structure import describe_entries, detection_layers, role_of
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker


@dataclass(frozen=True, eq=False)
class GlobalState:
    """Sets the student's parameter globals back to copies of their initial values."""

    initial: tuple[tuple[str, Any], ...]

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]:
        worker.set_many([(Ref.name(name), copy_value(value)) for name, value in self.initial], inplace=False)
        return {name: Ref.name(name) for name, _ in self.initial}

    def describe(self) -> str:
        return "globals " + ", ".join(name for name, _ in self.initial)


def _values(det: Detection) -> dict[str, Any]:
    """Values of the globals that may hold parameters: weight/bias-like arrays, lists and dicts."""
    out: dict[str, Any] = {}
    for entry in det.namespace:
        kind, name = entry.get("kind"), entry["name"]
        if kind == "array" and role_of(name) or kind == "list" and role_of(name) or \
                kind == "dict" and any(role_of(str(k)) for k in entry.get("keys", [])):
            value = det.value(name)
            if value is not None:
                out[name] = value
    return out


def _only_x(signature: Signature) -> bool:
    required = signature.required
    return len(required) == 1 and bool(X_NAME.match(required[0].name) or required[0].name in ("a", "inp"))


def candidates(det: Detection) -> list[Candidate]:
    """Candidates over the module's parameter globals, with a forward(X) or a one-step function."""
    iface, network = det.interface, det.network
    functions = det.functions()
    forwards = [f for f in first_present((iface.forward,) if iface.pins("forward") else FORWARD, functions)
                if _only_x(det.function(f) or Signature())]
    skip = set(forwards) | set(LOSS) | set(UPDATE)
    steps = [f for f in first_present((iface.backward,) if iface.pins("backward") else BACKWARD, functions)
             if f not in skip]
    pool = step_pool({}, None, epochs=True)
    one_steps = [make_call(f, ("", f), det.function(f) or Signature(), pool) for f in steps]
    one_step = next((c for c in one_steps if c is not None), None)
    if not forwards and one_step is None:
        return []
    values = _values(det)
    found, entries = parameter_mappings(iface, network, values, attributes=False, layers=network.layers)
    if not found:
        det.note(f"module-level functions {', '.join(forwards + steps[:3])}: no global weight arrays whose "
                 f"shapes chain from {network.layers[0]} inputs to {network.layers[-1]} outputs "
                 f"({describe_entries(entries)})")
        return []
    out = []
    for forward in forwards or [None]:
        for mapping in found:
            roots = list(dict.fromkeys(s.root for s in mapping.slots()))
            state = GlobalState(tuple((r, values.get(r)) for r in roots))
            out.append(globals_candidate(det, mapping, network=network, state=state, bias=mapping.biases is not None,
                                         forward=forward, one_step=one_step, steps=steps))
    return out


def globals_candidate(det: Detection, mapping: Any, *, network: Any, state: Any, bias: bool, forward: str | None,
                      one_step: Call | None, steps: list[str]) -> Candidate:
    """The candidate of module-level parameters in ``state`` (globals, or module-level objects) bound by
    ``mapping``, driven by the module function ``forward`` or, without one, by the one-step function."""
    net = replace(network, layers=mapping.layers, bias=bias)
    plan = Plan(style="globals", layout=mapping.layout, slots=mapping.slots(), network=net, state=state,
                forward=Call(forward, ("", forward), (Source("X"),)) if forward else None, output=None,
                step=None if forward else one_step, step_output=None, bias_column=mapping.bias_column,
                names={"forward": forward} if forward else {"backward": one_step.label if one_step else ""})
    detect = detection_layers(net.layers)
    sizes = [net.layers] + ([detect] if detect != net.layers else [])
    return Candidate(plan, sizes, _completer(det, forward, steps), det.source.names(forward or ""), _finisher(det))


def _completer(det: Detection, forward: str | None, steps: list[str]) -> Callable[[Plan, tuple[Any, ...]], Plan]:
    def complete(plan: Plan, structure: tuple[Any, ...]) -> Plan:
        step = plan.step
        if forward is not None:
            pool = step_pool({}, result_pool("forward", det.source.returned(forward), structure, output=plan.output),
                             epochs=True)
            step = next((c for c in (make_call(f, ("", f), det.function(f) or Signature(), pool) for f in steps)
                         if c is not None), None)
        return with_step(plan, det, step)
    return complete


def _finisher(det: Detection) -> Callable[..., Plan]:
    def finish_plan(plan: Plan, trial: Trial, other: Trial | None = None) -> Plan:
        step = plan.step.label if plan.step else ""
        return finish(det, plan, trial, network=trial.network, step_names=det.source.returned(step) if step else None,
                      updates=update_options(det, None, exclude=step), state={}, handle_roots=(), other_rate=other)

    return finish_plan
