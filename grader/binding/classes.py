"""The class style: a class whose instances hold the parameters and whose methods run the network.

Seen as ``NeuralNetwork(input_size, hidden_size, output_size)`` with column-major
``W1 (H, in)``, ``forward(X)`` and ``backward(X, y, learning_rate)`` updating in
place; neighbours: other method names (``feedforward``, ``predict``,
``backprop``, ``train_step``), parameters in lists or dicts (``self.W[0]``,
``self.params['W1']``), a backward that returns gradients with an ``update``
method, sizes fixed in the constructor.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np

from grader.binding.context import FATAL, Candidate, Detection
from grader.binding.names import (BACKWARD, EPOCHS_NAME, FORWARD, HIDDEN_SIZE, INIT, INPUT_SIZE, LOSS, LR_NAME,
                                  OUTPUT_SIZE, SIZES_NAME, UPDATE, Signature, Source, first_present, parse_signature)
from grader.binding.pins import allowed_layouts, network_mappings, parameter_mappings
from grader.binding.plan import Call, LearningRate, Plan
from grader.binding.probe import Trial
from grader.binding.steps import finish, loss_call, make_call, result_pool, step_pool, update_options
from grader.binding.reach import distinct, reach_entries
from grader.binding.structure import Entry, Mapping, describe_entries
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker

Arg = tuple[str, Any]  # ("size", index) | ("sizes", None) | ("lr", None) | ("const", value) | ("data", "X"|"Y")
SEED_NAME = re.compile(r"^(?:seed|random_?seed|random_?state|rng_?seed|np_?seed)$", re.IGNORECASE)
SETTINGS_EPOCHS = 100  # given to a constructor that requires an epoch count
DATA_X = re.compile(r"^(?:x|x_?train|x_?data|train_?x|features)$", re.IGNORECASE)  # a constructor's data
DATA_Y = re.compile(r"^(?:y|y_?train|train_?y|labels|targets?|t)$", re.IGNORECASE)


@dataclass(frozen=True)
class ClassState:
    """A fresh instance from the student's constructor (with the sizes it takes, and the rate if it takes one)."""

    class_name: str
    args: tuple[Arg, ...] = ()
    kwargs: tuple[tuple[str, Arg], ...] = ()

    @staticmethod
    def _value(arg: Arg, layers: Sequence[int], lr: float) -> Any:
        kind, index = arg
        if kind == "size":
            return int(layers[index])
        if kind == "sizes":
            return [int(n) for n in layers]
        if kind == "const":
            return index
        if kind == "data":  # the training data a constructor wants (to read the sizes from): XOR-like rows
            rows = np.arange(4)[:, None]
            return ((rows >> np.arange(int(layers[0 if index == "X" else -1]))) & 1).astype(np.float64)
        return float(lr)

    def instance(self, worker: Worker, *, lr: float, layers: Sequence[int]) -> Ref:
        args = [self._value(a, layers, lr) for a in self.args]
        kwargs = {k: self._value(a, layers, lr) for k, a in self.kwargs}
        return worker.call(Ref.name(self.class_name), *args, keep=True, **kwargs)

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]:
        return {"self": self.instance(worker, lr=lr, layers=plan.network.layers if sizes is None else sizes)}

    @property
    def takes_sizes(self) -> bool:
        return any(kind in ("size", "sizes", "data") for kind, _ in (*self.args, *(a for _, a in self.kwargs)))

    def describe(self) -> str:
        return f"{self.class_name}(...)"


def constructor(signature: Signature, depth: int, class_name: str, *, pinned: str | None = None
                ) -> ClassState | None:
    """How to call the constructor: sizes by role (input, hidden..., output) or one list, and the rate;
    None when it has a required argument of another kind. Required arguments with other names count as
    the sizes in order when there are exactly as many as layer sizes, or when the spec pins ``constructor``
    ("sizes": one argument per size; "list": one list)."""
    args: list[Arg] = []
    kwargs: list[tuple[str, Arg]] = []
    sizes: list[tuple[str, str, bool]] = []  # (name, role, by keyword)
    positional = True
    for param in signature.params:
        if param.kind in ("var-positional", "var-keyword"):
            continue
        keyword = param.kind == "keyword-only" or not positional
        if LR_NAME.match(param.name):
            kwargs.append((param.name, ("lr", None)))
            positional = False
        elif not param.default and (DATA_X.match(param.name) or DATA_Y.match(param.name)):
            arg = ("data", "X" if DATA_X.match(param.name) else "Y")
            (kwargs.append((param.name, arg)) if keyword else args.append(arg))
        elif not param.default and (EPOCHS_NAME.match(param.name) or SEED_NAME.match(param.name)):
            # training settings the grader never uses through the instance: a few epochs, seed 0
            kwargs.append((param.name, ("const", SETTINGS_EPOCHS if EPOCHS_NAME.match(param.name) else 0)))
            positional = False
        elif pinned == "list" and not param.default and not args and not sizes:
            args.append(("sizes", None))
        elif SIZES_NAME.match(param.name) and pinned != "sizes":
            (kwargs.append((param.name, ("sizes", None))) if keyword else args.append(("sizes", None)))
        elif INPUT_SIZE.match(param.name) or OUTPUT_SIZE.match(param.name) or HIDDEN_SIZE.match(param.name) or \
                (pinned == "sizes" and not param.default):
            role = "in" if INPUT_SIZE.match(param.name) else "out" if OUTPUT_SIZE.match(param.name) else "hidden"
            sizes.append((param.name, role, keyword))
        elif param.default:
            positional = False
        else:
            sizes.append((param.name, "", keyword))  # unknown: a size only if all of them are sizes
    roles = [role for _, role, _ in sizes]
    if "" in roles and (len(sizes) != depth + 1 or args):
        return None
    if len(sizes) == depth + 1 and roles != ["in"] + ["hidden"] * (depth - 1) + ["out"]:
        roles = ["in"] + ["hidden"] * (depth - 1) + ["out"]  # by position
    if roles.count("in") > 1 or roles.count("out") > 1 or roles.count("hidden") > depth - 1:
        return None
    hidden = 0
    for (name, _, keyword), role in zip(sizes, roles):
        hidden += role == "hidden"
        arg: Arg = ("size", 0 if role == "in" else -1 if role == "out" else hidden)
        (kwargs.append((name, arg)) if keyword else args.append(arg))
    return ClassState(class_name, tuple(args), tuple(kwargs))


def _rate(attributes: dict[str, Any], state: ClassState, det: Detection) -> tuple[tuple[str, str, str], ...]:
    pinned = det.interface.learning_rate if det.interface.pins("learning_rate") else None
    places = [("attribute", "self", name) for name, value in attributes.items()
              if isinstance(name, str) and isinstance(value, (float, int)) and not isinstance(value, bool)
              and (name == pinned or (pinned is None and LR_NAME.match(name)))]
    if pinned is not None and not places:
        places.append(("attribute", "self", pinned))
    places += [("constructor", "", k) for k, (kind, _) in state.kwargs if kind == "lr"]
    return tuple(places)


def _classes(det: Detection) -> list[dict[str, Any]]:
    iface = det.interface
    classes = det.entries("class")
    if iface.pins("class"):
        return [c for c in classes if c["name"] == iface.class_name]
    return sorted(classes, key=lambda c: c["name"] != iface.class_name)


def candidates(det: Detection) -> list[Candidate]:
    """One candidate per parameter mapping and forward method of every class with a forward-like method."""
    found: list[Candidate] = []
    for entry in _classes(det):
        found += _class_candidates(det, entry)
    return found


def _instance(det: Detection, state: ClassState, layers: Sequence[int]) -> tuple[Ref, dict[str, Any]] | None:
    try:
        ref = state.instance(det.worker, lr=0.5, layers=layers)
        attributes = det.worker.call(Ref.name("vars"), ref)
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        last = exc.message.strip().splitlines()[-1] if exc.message.strip() else exc.kind
        det.note(f"class {state.class_name}: the constructor raised {last}")
        return None
    return ref, attributes if isinstance(attributes, dict) else {}


def _class_candidates(det: Detection, entry: dict[str, Any]) -> list[Candidate]:
    iface, network = det.interface, det.network
    name = entry["name"]
    methods = list(entry.get("methods", []))
    forwards = first_present((iface.forward,) if iface.pins("forward") else FORWARD, methods)
    named = len(forwards)
    if not iface.pins("forward"):  # any other public method may be the forward pass: the probes decide
        roles = {n.lower() for n in (*BACKWARD, *UPDATE, *LOSS, *INIT)}
        forwards += [m for m in methods if not m.startswith("_") and m.lower() not in roles and m not in forwards]
    if not forwards:
        det.note(f"class {name} has no forward method (looked for {', '.join(FORWARD[:7])}, ...; "
                 f"it has {', '.join(m for m in methods if m != '__init__') or 'no methods'})")
        return []
    signature = parse_signature(entry.get("signature")) or Signature()
    state = constructor(signature, network.depth, name,
                        pinned=iface.constructor if iface.pins("constructor") else None)
    if state is None:
        det.note(f"class {name}: cannot call its constructor {entry.get('signature')} (unknown required arguments)")
        return []
    probe_layers = det.detect_layers if state.takes_sizes else network.layers
    made = _instance(det, state, probe_layers)
    if made is None:
        return []
    instance, attributes = made
    layouts = allowed_layouts(iface)
    found, entries = _mappings(det, attributes, probe_layers, layouts)
    if not found:
        det.note(f"class {name}: no weight arrays whose shapes chain from {network.layers[0]} inputs to "
                 f"{network.layers[-1]} outputs among its attributes ({describe_entries(entries)})")
        return []
    students: dict[tuple[int, ...], tuple[int, ...]] = {}
    wanted = tuple(forwards) + FORWARD + BACKWARD + UPDATE + LOSS + tuple(
        n for n in (iface.backward, iface.update, iface.loss) if n)
    signatures = {m: det.signature_of(instance.attr(m)) or Signature() for m in first_present(wanted, methods)}
    rate = _rate(attributes, state, det)
    out = []
    for index, forward in enumerate(forwards):
        if len(signatures.get(forward, Signature()).required) != 1:
            if index < named:
                det.note(f"{name}.{forward} does not take one argument X")
            continue
        for mapping in found:
            if mapping.layers not in students:
                students[mapping.layers] = _student_layers(det, state, mapping, probe_layers, layouts)
            net = replace(network, layers=students[mapping.layers], bias=mapping.has_biases)
            plan = Plan(style="class", layout=mapping.layout, slots=mapping.slots(), network=net, state=state,
                        forward=Call(forward, ("self", forward), (Source("X"),)), output=None,
                        lr=LearningRate(rate), bias_column=mapping.bias_column,
                        names={"class": name, "forward": forward})
            sizes = [net.layers] + ([tuple(probe_layers)] if tuple(probe_layers) != net.layers else [])
            out.append(Candidate(plan, sizes, _completer(det, name, forward, signatures),
                                 det.source.names(f"{name}.{forward}"), _finisher(det, name, signatures),
                                 by_name=index < named))
    return out


def _mappings(det: Detection, attributes: dict[str, Any], layers: Sequence[int], layouts: Sequence[str]
              ) -> tuple[list[Mapping], list[Entry]]:
    """The parameter mappings of an instance: pinned, else its weight-named arrays and every other array
    reachable from its attributes (layer objects, lists of them, private names), chained by shape."""
    iface, network = det.interface, det.network
    found, entries = parameter_mappings(iface, network, attributes, attributes=True, layers=layers)
    if iface.pins("parameters"):
        return found, entries
    extra = reach_entries(det, attributes, attributes=True, known=entries)
    if not extra:
        return found, entries
    everything = entries + extra
    return distinct(network_mappings(everything, network=network, layouts=layouts)), everything


def _student_layers(det: Detection, state: ClassState, mapping: Mapping, probe_layers: Sequence[int],
                    layouts: Sequence[str]) -> tuple[int, ...]:
    """The sizes graded instances have: the assignment's when the constructor builds what it is told,
    else what it builds at the assignment's sizes (sizes fixed in the code)."""
    network = det.network
    if not state.takes_sizes:
        return mapping.layers
    if mapping.layers == tuple(probe_layers):
        return network.layers
    made = _instance(det, state, network.layers)
    if made is None:
        return mapping.layers
    again, _ = _mappings(det, made[1], network.layers, layouts)
    return again[0].layers if again else mapping.layers


def _completer(det: Detection, name: str, forward: str, signatures: dict[str, Signature]
               ) -> Callable[[Plan, tuple[Any, ...]], Plan]:
    def complete(plan: Plan, structure: tuple[Any, ...]) -> Plan:
        iface = det.interface
        pool = step_pool({}, result_pool("forward", det.source.returned(f"{name}.{forward}"), structure,
                                         output=plan.output), epochs=True)
        wanted = (iface.backward,) if iface.pins("backward") else BACKWARD
        step = None
        for method in first_present(wanted, signatures.keys()):
            if method != forward:
                step = make_call(method, ("self", method), signatures[method], pool)
                if step is not None:
                    break
        if step is None and not iface.pins("backward"):
            step = _unnamed_step(signatures, forward, pool)
        places = plan.lr.places
        if step is not None and any(s.kind == "lr" for s in (*step.args, *(s for _, s in step.kwargs))):
            places += (("argument", "", f"of {step.label}()"),)
        names = {**plan.names, **({"backward": step.label} if step else {})}
        loss = loss_call(det, methods=signatures)
        if loss is not None:
            names["loss"] = loss.label
        return replace(plan, step=step, loss=loss, lr=LearningRate(places), names=names)
    return complete


def _unnamed_step(signatures: dict[str, Signature], forward: str, pool: Any) -> Call | None:
    """A method of another name that takes the targets (``learn(X, Y)``): the trial step then shows
    whether it trains."""
    roles = {n.lower() for n in (*FORWARD, *UPDATE, *LOSS, *INIT)}
    for method, signature in signatures.items():
        if method == forward or method.startswith("_") or method.lower() in roles:
            continue
        call = make_call(method, ("self", method), signature, pool)
        if call is not None and any(s.kind == "Y" for s in (*call.args, *(s for _, s in call.kwargs))):
            return call
    return None


def _finisher(det: Detection, name: str, signatures: dict[str, Signature]) -> Callable[..., Plan]:
    def finish_plan(plan: Plan, trial: Trial, other: Trial | None = None) -> Plan:
        step = plan.step.label if plan.step else ""
        returned = det.source.returned(f"{name}.{step}") if step else None
        updates = update_options(det, signatures, class_name=name, exclude=step)
        return finish(det, plan, trial, network=trial.network, step_names=returned, updates=updates, state={},
                      handle_roots=(), other_rate=other)

    return finish_plan
