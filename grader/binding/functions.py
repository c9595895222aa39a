"""The function styles: module-level functions that take the parameters as arguments.

Explicit parameters (``initialize_parameters(n_x, n_h, n_y)``, ``forward(X, W1, b1, W2, b2) -> (A1, A2)``,
``backward(X, Y, A1, A2, W2) -> (dW1, db1, dW2, db2)``, ``update_parameters(...)``), a parameter
dict (:mod:`grader.binding.dicts`) or weight and bias lists (:mod:`grader.binding.lists`): whatever
the forward function takes besides ``X`` is the state. The grader keeps that state in worker
handles, initialised from the student's initialiser or globals, and passes it to the student's
forward, backward and update functions, wired by parameter names (and the names the source
returns), then by position.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np

from grader.binding import dicts, lists
from grader.binding.base import LAYOUTS, Layout
from grader.binding.classes import constructor
from grader.binding.context import FATAL, Candidate, Detection
from grader.binding.names import (BACKWARD, FORWARD, INIT, LOSS, LR_NAME, UPDATE, X_NAME, Param, Signature,
                                  Source, first_present)
from grader.binding.pins import allowed_layouts, network_mappings, pinned_mappings
from grader.binding.plan import Call, LearningRate, Plan, Slot
from grader.binding.probe import Trial
from grader.binding.steps import finish, loss_call, make_call, result_pool, step_pool, update_options
from grader.binding.structure import Entry, Mapping, detection_layers, layer_hint, role_of
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker


def copy_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_value(v) for v in value)
    if isinstance(value, dict):
        return {k: copy_value(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, eq=False)
class HandleState:
    """The state in worker handles: copies of the student's initial values (zeros where there are none),
    also bound to the globals the student's functions may read (``aliases``)."""

    initial: tuple[tuple[str, Any], ...]
    aliases: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]:
        reference = plan.network.param_shapes()
        shapes = {s.name: s.to_student(np.zeros(reference[s.name]), plan.layout).shape for s in plan.slots}
        roots = {}
        for key, value in self.initial:
            roots[key] = worker.put(copy_value(value) if value is not None else _zeros(key, plan, shapes))
        worker.set_many([(Ref.name(name), roots[key]) for key, name in self.aliases], inplace=False)
        return roots

    def describe(self) -> str:
        return self.source


def _zeros(key: str, plan: Plan, shapes: dict[str, tuple[int, ...]]) -> Any:
    slots = [s for s in plan.slots if s.root == key]
    if len(slots) == 1 and not slots[0].path:
        return np.zeros(shapes[slots[0].name])
    if slots and isinstance(slots[0].path[0][1], int):
        return lists.zeros(slots, shapes)
    return dicts.zeros(slots, shapes)


@dataclass
class Root:
    """One argument of the forward function: state (an array, a dict or lists of them), or a global the
    student passes along (``forward(X, params, layers)``), which is passed by reference and not copied."""

    key: str
    kind: str = ""  # single, dict, list; global
    value: Any = None
    alias: str = ""
    role: str | None = None  # for lists: W or b

    @property
    def source(self) -> Source:
        return Source("global", self.key) if self.kind == "global" else Source("root", self.key)


def _init_sizes(signature: Signature, layers: Sequence[int]) -> tuple[list[Any], dict[str, Any]] | None:
    """The initialiser's arguments: the layer sizes, read like a constructor's."""
    state = constructor(signature, len(layers) - 1, "")
    if state is None:
        return None
    args = [state._value(a, layers, 0.5) for a in state.args]
    kwargs = {k: state._value(a, layers, 0.5) for k, a in state.kwargs if a[0] != "lr"}
    return args, kwargs


def _initialiser(det: Detection, roots: list[Root], exclude: str) -> str:
    """Fill the roots' initial values from the student's initialiser; returns its name, or ""."""
    iface = det.interface
    wanted = (iface.init,) if iface.pins("init") and iface.init else INIT
    for name in first_present(wanted, det.functions()):
        signature = det.function(name)
        arguments = _init_sizes(signature, det.network.layers) if signature is not None else None
        if name == exclude or arguments is None:
            continue
        try:
            result = det.worker.call(Ref.name(name), *arguments[0], **arguments[1])
        except SubmissionFailure as exc:
            if exc.kind in FATAL:
                raise
            det.note(f"{name}() raised {exc.message.strip().splitlines()[-1] if exc.message.strip() else exc.kind}")
            continue
        if _assign(result, roots, det.source.names(name)):
            return name
    return ""


def _assign(result: Any, roots: list[Root], names: Sequence[str | None] | None) -> bool:
    """Put an initialiser's result into the roots: a dict into the dict root (or by keys), a tuple by the
    names it returns, else in order."""
    if isinstance(result, dict):
        holders = [r for r in roots if dicts.looks_like(r.key)] or (roots if len(roots) == 1 else [])
        if holders:
            holders[0].value = result
            return True
        hits = [r for r in roots if r.key in result]
        for root in hits:
            root.value = result[root.key]
        return bool(hits)
    if isinstance(result, (tuple, list)) and result:
        if names and len(names) == len(result):
            hits = [(r, names.index(r.key)) for r in roots if r.key in names]
            if len(hits) == len(roots):
                for root, index in hits:
                    root.value = result[index]
                return True
        if len(result) == len(roots):
            for root, value in zip(roots, result):
                root.value = value
            return True
    return False


def _classify(det: Detection, roots: list[Root]) -> bool:
    """Each root's kind from its value (or name); globals of the same name give values the initialiser did not."""
    for root in roots:
        if root.value is None and det.entry(root.key) is not None:
            root.value = det.value(root.key)
            root.alias = root.key if root.value is not None else ""
        elif det.entry(root.key) is not None and det.entry(root.key).get("kind") in ("array", "list", "dict"):
            root.alias = root.key
        value = root.value
        if dicts.is_container(value) or (value is None and dicts.looks_like(root.key)):
            root.kind = "dict"
        elif lists.is_container(value) or (value is None and lists.looks_like(root.key) and len(roots) == 2):
            root.kind = "list"
            root.role = lists.role(root.key, value)
        elif isinstance(value, np.ndarray) or (value is None and role_of(root.key)):
            root.kind = "single"
        elif det.entry(root.key) is not None:
            root.kind, root.value, root.alias = "global", None, ""
        else:
            return False
    for root in roots:
        if root.value is None and root.kind == "dict":
            found = dicts.global_container(det)
            if found:
                root.alias, root.value = found[0], found[1]
        elif root.value is None and root.kind == "list" and root.role:
            found = lists.global_container(det, root.role)
            if found:
                root.alias, root.value = found[0], found[1]
    return True


def _entries(roots: list[Root]) -> list[Entry] | None:
    """The candidate parameter arrays of the roots; None when some root's contents are unknown."""
    out: list[Entry] = []
    for order, root in enumerate(roots):
        if root.value is None:
            return None
        if root.kind == "dict":
            out += dicts.entries(root.key, root.value)
        elif root.kind == "list":
            out += lists.entries(root.key, root.value, root.role or "W")
        elif isinstance(root.value, np.ndarray) and role_of(root.key):
            layer, last = layer_hint(root.key)
            out.append(Entry(root.key, root.key, (), tuple(root.value.shape), str(role_of(root.key)), layer, last,
                             order))
    return [replace(e, order=i) for i, e in enumerate(out)]


def _by_names(det: Detection, roots: list[Root]) -> list[Mapping]:
    """Mappings from names alone (no initial values): the reference's sizes, both layouts."""
    network = det.network
    slots: list[Slot] = []
    singles = [r for r in roots if r.kind == "single"]
    for kind in ("W", "b"):
        group = sorted((r for r in singles if role_of(r.key) == kind),
                       key=lambda r: (layer_hint(r.key)[0] or 99, roots.index(r)))
        slots += [Slot(f"{kind}{i}", r.key, r.key) for i, r in enumerate(group, start=1)]
    for root in roots:
        if root.kind == "dict":
            slots += dicts.default_slots(root.key, network.param_names())
        elif root.kind == "list":
            slots += lists.default_slots(root.key, root.role or "W", network.depth)
    names = set(network.param_names())
    if {s.name for s in slots} != names and {s.name for s in slots} != {n for n in names if n.startswith("W")}:
        return []
    entries = [Entry(s.label, s.root, s.path, (), s.name[0], int(s.name[1:])) for s in slots]
    weights = tuple(sorted((e for e in entries if e.role == "W"), key=lambda e: e.layer or 0))
    biases = tuple(sorted((e for e in entries if e.role == "b"), key=lambda e: e.layer or 0)) or None
    return [Mapping(Layout.named(name), weights, biases, network.layers, False, 0.0) for name in LAYOUTS]


def candidates(det: Detection) -> list[Candidate]:
    """Candidates for every forward-like function that takes the parameters (besides X)."""
    iface = det.interface
    out: list[Candidate] = []
    wanted = (iface.forward,) if iface.pins("forward") else FORWARD
    for name in first_present(wanted, det.functions()):
        signature = det.function(name)
        if signature is not None:
            out += _forward_candidates(det, name, signature)
    return out


def _state_params(signature: Signature) -> tuple[Param | None, list[Param]]:
    params = [p for p in signature.params if p.kind in ("positional", "positional-only", "keyword-only")]
    x = next((p for p in params if X_NAME.match(p.name)), None)
    state = [p for p in params if p is not x and not p.default]
    return x, state


def _forward_candidates(det: Detection, name: str, signature: Signature) -> list[Candidate]:
    iface, network = det.interface, det.network
    x, params = _state_params(signature)
    if x is None or not params:
        return []
    if any(p.name == "self" for p in params):
        return []
    arguments = [Root(p.name) for p in params]
    init = _initialiser(det, arguments, exclude=name)
    if not _classify(det, arguments):
        det.note(f"{name}{signature.text()}: cannot tell what {', '.join(r.key for r in arguments if not r.kind)} "
                 "is")
        return []
    roots = [r for r in arguments if r.kind != "global"]
    if not roots:
        return []
    layouts = allowed_layouts(iface)
    entries = _entries(roots)
    if iface.pins("parameters"):
        found = pinned_mappings(iface, network, {r.key: r.value for r in roots}, attributes=False,
                                layers=network.layers)
    elif entries is not None:
        found = network_mappings(entries, network=network, layouts=layouts) or _by_names(det, roots)
    else:
        found = [m for m in _by_names(det, roots) if m.layout.name in layouts]
    if not found:
        det.note(f"{name}{signature.text()}: its parameters could not be read as {', '.join(network.param_names())}")
        return []
    style = "dict" if any(r.kind == "dict" for r in roots) else "lists" if any(r.kind == "list" for r in roots) \
        else "functions"
    source = f"{init}()" if init else ("globals " + ", ".join(r.alias for r in roots if r.alias)
                                        if any(r.alias for r in roots) else "")
    state = HandleState(tuple((r.key, r.value) for r in roots), tuple((r.key, r.alias) for r in roots if r.alias),
                        source)
    forward = make_call(name, ("", name), signature, step_pool({r.key: r.source for r in arguments}, None))
    if forward is None:
        return []
    out = []
    for mapping in found:
        net = replace(network, layers=mapping.layers, bias=mapping.has_biases)
        plan = Plan(style=style, layout=mapping.layout, slots=mapping.slots(), network=net, state=state,
                    forward=forward, output=None, bias_column=mapping.bias_column,
                    init_missing=None if source else "no initialiser function or global parameters found "
                    f"(looked for {', '.join(INIT[:5])}, ...)",
                    names={"forward": name, **({"init": init} if init else {})})
        detect = detection_layers(net.layers)
        sizes = [net.layers] + ([detect] if detect != net.layers else [])
        out.append(Candidate(plan, sizes, _completer(det, name, arguments, init), det.source.names(name),
                             _finisher(det, arguments)))
    return out


def _completer(det: Detection, forward: str, arguments: list[Root], init: str
               ) -> Callable[[Plan, tuple[Any, ...]], Plan]:
    state = {r.key: r.source for r in arguments}

    def complete(plan: Plan, structure: tuple[Any, ...]) -> Plan:
        iface = det.interface
        pool = step_pool(state, result_pool("forward", det.source.returned(forward), structure, output=plan.output),
                         epochs=True)
        wanted = (iface.backward,) if iface.pins("backward") else BACKWARD
        skip = {forward, init, *LOSS, *UPDATE} if not iface.pins("backward") else {forward}
        step = None
        for name in first_present(wanted, det.functions()):
            signature = det.function(name)
            if name in skip or signature is None:
                continue
            call = make_call(name, ("", name), signature, pool)
            if call is not None and any(s.kind in ("root", "result") for s in (*call.args, *(s for _, s in call.kwargs))):
                step = call
                break
        return with_step(plan, det, step)
    return complete


def with_step(plan: Plan, det: Detection, step: Call | None) -> Plan:
    """``plan`` completed with the one-step call found, where its learning rate lives, and the loss."""
    places = list(global_rates(det))
    if step is not None and any(s.kind == "lr" for s in (*step.args, *(s for _, s in step.kwargs))):
        places.append(("argument", "", f"of {step.label}()"))
    names = {**plan.names, **({"backward": step.label} if step else {})}
    loss = loss_call(det)
    if loss is not None:
        names["loss"] = loss.label
    return replace(plan, step=step, loss=loss, lr=LearningRate(tuple(places)), names=names)


def global_rates(det: Detection) -> list[tuple[str, str, str]]:
    """Module-level numbers named like a learning rate (set by ``set_lr`` so the student's code reads them)."""
    return [("global", "", e["name"]) for e in det.entries("value")
            if LR_NAME.match(e["name"]) and e.get("type") in ("float", "int")]


def _finisher(det: Detection, arguments: list[Root]) -> Callable[..., Plan]:
    def finish_plan(plan: Plan, trial: Trial, other: Trial | None = None) -> Plan:
        step = plan.step.label if plan.step else ""
        updates = update_options(det, None, exclude=step)
        return finish(det, plan, trial, network=trial.network, step_names=det.source.returned(step) if step else None,
                      updates=updates, state={r.key: r.source for r in arguments},
                      handle_roots=[r.key for r in arguments if r.kind != "global"], other_rate=other)

    return finish_plan


__all__ = ["HandleState", "candidates", "copy_value", "global_rates"]
