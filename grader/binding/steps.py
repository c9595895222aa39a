"""Wiring the step, the update and the loss of a chosen binding, and reading what one trial step does.

A trial step (forward, then the student's backward or one-step function, from
the grader's weights) shows whether the step updates the parameters itself or
returns the gradients, and in which container; the gradients are then read
from what it returns (:class:`~grader.binding.plan.GradientMap`), and applied
by the student's update function when there is one, else by the grader.
Nothing here compares values with the reference: that is the checks' job.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

from grader.binding.context import FATAL, Detection
from grader.binding.names import (LOSS, OUTPUT_NAME, UPDATE, Y_NAME, Pool, Signature, Source, call_arguments,
                                  first_present, same_name, strip_gradient, wire)
from grader.binding.plan import Call, GradientMap, LearningRate, Path, Plan, Slot
from grader.binding.probe import Trial, same
from grader.binding.source import Returned
from grader.errors import SubmissionFailure
from reference import Network


@dataclass(frozen=True)
class Option:
    """A function or method that may play a role, with its signature and what its source returns."""

    target: tuple[str, str]
    signature: Signature
    returned: Returned | None = None


def make_call(label: str, target: tuple[str, str], signature: Signature, pool: Pool) -> Call | None:
    """A call of ``target`` with every parameter wired from ``pool``; None when one cannot be."""
    wired = wire(signature, pool)
    if wired is None:
        return None
    positional, keywords = call_arguments(wired)
    return Call(label, target, tuple(s for _, s in positional), tuple((p.name, s) for p, s in keywords))


@dataclass(frozen=True)
class Results:
    """What an earlier call's result offers to the next call's parameters."""

    names: Mapping[str, Source]  # the names the source returns (a tuple's elements, a dict's keys)
    leftovers: tuple[Source, ...]  # a tuple's elements in order, to fill unnamed parameters
    whole: Source
    output: Source | None = None  # the forward output
    cache: Source | None = None  # the one other element of a (output, cache) pair


def result_pool(key: str, returned: Returned | None, structure: tuple[Any, ...], *, output: Path | None = None
                ) -> Results:
    """The names, output, cache and elements of an earlier call's result (``key``: forward, backward)."""
    names: dict[str, Source] = {}
    leftovers: list[Source] = []
    cache = None
    kind = structure[0] if structure else "array"
    if kind == "tuple":
        count = int(structure[1])
        labels = returned.names if returned and returned.kind == "tuple" and len(returned.names) == count else ()
        for i in range(count):
            source = Source("result", key, (("i", i),))
            leftovers.append(source)
            if labels and labels[i]:
                names[str(labels[i])] = source
        others = [s for s in leftovers if s.path != output]
        cache = others[0] if len(others) == 1 else None
    elif kind == "dict":
        for name in structure[1]:
            names[str(name)] = Source("result", key, (("i", name),))
    elif returned is not None and returned.kind == "single" and returned.names[0]:
        names[str(returned.names[0])] = Source("result", key, ())
    return Results(names, tuple(leftovers), Source("result", key, ()),
                   Source("result", key, output) if output is not None else None, cache)


def step_pool(state: Mapping[str, Source], forward: Results | None, *, epochs: bool = False) -> Pool:
    """What a step's parameters can be wired to: the state and the forward's results."""
    if forward is None:
        return Pool(state=state, results={}, epochs=epochs)
    return Pool(state=state, results=forward.names, output=forward.output, cache=forward.cache,
                leftovers=forward.leftovers, epochs=epochs)


def loss_call(det: Detection, *, methods: Mapping[str, Signature] | None = None) -> Call | None:
    """The student's loss: a method (``methods``: the instance's, under root ``self``) or a global function
    of two arguments; their order (targets or predictions first) is read from the parameter names."""
    iface = det.interface
    if iface.pins("loss") and not iface.loss:
        return None
    wanted = (iface.loss,) if iface.pins("loss") and iface.loss else LOSS
    options: list[tuple[tuple[str, str], Signature]] = []
    for name in first_present(wanted, (methods or {}).keys()):
        options.append((("self", name), (methods or {})[name]))
    for name in first_present(wanted, det.functions()):
        signature = det.function(name)
        if signature is not None:
            options.append((("", name), signature))
    for target, signature in options:
        params = [p for p in signature.params if p.kind in ("positional", "positional-only")]
        if len(params) < 2 or len(signature.required) > 2:
            continue
        first, second = params[0].name, params[1].name
        pred_first = (OUTPUT_NAME.match(first) or Y_NAME.match(second)) and not Y_NAME.match(first)
        args = (Source("Y_pred"), Source("Y")) if pred_first else (Source("Y"), Source("Y_pred"))
        return Call(target[1], target, args)
    return None


def _arrays(value: Any, names: Sequence[str | None] | None, depth: int = 0, path: Path = (), label: str = ""
            ) -> list[tuple[Path, str, tuple[int, ...]]]:
    """(path, name, shape) of the arrays in a step's result, two levels deep."""
    if isinstance(value, np.ndarray):
        return [(path, label, value.shape)]
    found: list[tuple[Path, str, tuple[int, ...]]] = []
    if depth >= 2:
        return found
    if isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            name = (names[i] or "") if depth == 0 and names and len(names) == len(value) else f"{label}[{i}]"
            found += _arrays(item, None, depth + 1, path + (("i", i),), name or f"[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += _arrays(item, None, depth + 1, path + (("i", key),), f"{label}{key}" if depth == 0
                             else f"{label}[{key!r}]")
    return found


def _fits(shape: tuple[int, ...], expected: tuple[int, ...]) -> bool:
    if shape == expected:
        return True
    vector = [n for n in expected if n != 1]
    return len(vector) <= 1 and [n for n in shape if n != 1] == vector and len(shape) <= 2


def _slot_shapes(plan: Plan, network: Network) -> dict[str, tuple[int, ...]]:
    shapes = network.param_shapes()
    return {s.name: s.to_student(np.zeros(shapes[s.name]), plan.layout).shape for s in plan.slots}


def _tail(label: str) -> str:
    for mark in ("['", '["'):
        if mark in label:
            return label.rsplit(mark, 1)[1].rstrip("']\"")
    return label.rsplit(".", 1)[-1]


def gradient_map(value: Any, plan: Plan, network: Network, names: Sequence[str | None] | None
                 ) -> GradientMap | None:
    """Which array of the step's result is which parameter's gradient: by shape when every shape is its
    own, else by name (``dW1``, ``grads['db1']``), else in the parameters' order; None if none fits."""
    arrays = _arrays(value, names)
    slots = list(plan.slots)
    shapes = _slot_shapes(plan, network)
    if len(arrays) < len(slots):
        return None
    container = "dict" if isinstance(value, dict) else "list" if isinstance(value, list) else "tuple"
    chosen = _by_shape(arrays, slots, shapes) or _by_name(arrays, slots, shapes) or _by_order(arrays, slots, shapes)
    if chosen is None:
        return None
    return GradientMap(container, tuple((s.name, chosen[s.name][0]) for s in slots),
                       tuple((s.name, chosen[s.name][1] or f"[{i}]") for i, s in enumerate(slots)))


def _by_shape(arrays: list, slots: list[Slot], shapes: dict) -> dict | None:
    out = {}
    for slot in slots:
        fits = [a for a in arrays if _fits(a[2], shapes[slot.name])]
        if len(fits) != 1:
            return None
        out[slot.name] = fits[0][:2]
    return out if len({v[0] for v in out.values()}) == len(slots) else None


def _by_name(arrays: list, slots: list[Slot], shapes: dict) -> dict | None:
    out = {}
    for slot in slots:
        fits = [a for a in arrays if a[1] and _fits(a[2], shapes[slot.name])
                and any(same_name(strip_gradient(a[1]), n) for n in (slot.name, _tail(slot.label)))]
        if len(fits) != 1:
            return None
        out[slot.name] = fits[0][:2]
    return out if len({v[0] for v in out.values()}) == len(slots) else None


def _by_order(arrays: list, slots: list[Slot], shapes: dict) -> dict | None:
    if len(arrays) != len(slots):
        return None
    weights = [s for s in slots if s.name.startswith("W")]
    biases = [s for s in slots if s.name.startswith("b")]
    orders = [slots, list(itertools.chain(*zip(reversed(weights), reversed(biases)))) or list(reversed(weights)),
              weights + biases, list(reversed(weights)) + list(reversed(biases))]
    for order in orders:
        if len(order) == len(arrays) and all(_fits(a[2], shapes[s.name]) for a, s in zip(arrays, order)):
            return {s.name: a[:2] for a, s in zip(arrays, order)}
    return None


def finish(det: Detection, plan: Plan, trial: Trial, *, network: Network, step_names: Returned | None,
           updates: Sequence[Option], state: Mapping[str, Source], handle_roots: Sequence[str],
           other_rate: Trial | None = None) -> Plan:
    """The plan's update and gradients, from what the trial step did.

    ``other_rate`` is the same trial at another learning rate: a result that depends on the rate holds
    updated parameters (put back into the state), not gradients.
    """
    if trial.error is not None:
        last = trial.error.message.strip().splitlines()[-1] if trial.error.message.strip() else trial.error.kind
        det.note(f"a trial step raised {last}")
        return replace(plan, update_mode="step")
    if trial.changed:
        return replace(plan, update_mode="step")
    if other_rate is not None and other_rate.error is None and not same(trial.result, other_rate.result):
        return _returns_parameters(det, plan, trial, step_names, handle_roots)
    names = step_names.names if step_names and step_names.kind in ("tuple", "dict") else None
    grads = gradient_map(trial.result, plan, network, names)
    if grads is None:
        return replace(plan, update_mode="step")
    plan = replace(plan, gradients=grads)
    if det.interface.pins("update") and not det.interface.update:
        return replace(plan, update_mode="grader")
    structure = ("dict", tuple(trial.result)) if isinstance(trial.result, dict) else \
        ("tuple", len(trial.result)) if isinstance(trial.result, (tuple, list)) else ("array",)
    returned = result_pool("backward", step_names, structure)
    pool = Pool(state=state, results=returned.names, grads=returned.whole, leftovers=returned.leftovers)
    for option in updates:
        call = make_call(option.target[1], option.target, option.signature, pool)
        if call is None:
            continue
        call = _with_results(det, plan, trial, call, handle_roots, option.returned)
        places = plan.lr.places
        if any(s.kind == "lr" for s in (*call.args, *(s for _, s in call.kwargs))):
            places += (("argument", "", f"of {call.label}()"),)
        return replace(plan, update=call, update_mode="function", lr=LearningRate(places),
                       names={**plan.names, "update": call.label})
    return replace(plan, update_mode="grader")


def _returns_parameters(det: Detection, plan: Plan, trial: Trial, step_names: Returned | None,
                        handle_roots: Sequence[str]) -> Plan:
    """A step that returns the updated parameters: they replace the state's handle roots."""
    assert plan.step is not None
    roots = list(dict.fromkeys(s.root for s in plan.slots))
    result = trial.result
    if roots and all(r in handle_roots for r in roots):
        if len(roots) == 1 and isinstance(result, dict):
            return replace(plan, step=replace(plan.step, store=roots[0]), update_mode="step")
        if isinstance(result, (tuple, list)):
            order = _root_order(len(result), roots, step_names)
            if order is not None:
                return replace(plan, step=replace(plan.step, unpack=tuple(order)), update_mode="step")
    det.note(f"{plan.step.label}() returns updated parameters the grader could not put back into them")
    return replace(plan, update_mode="step")


def update_options(det: Detection, methods: Mapping[str, Signature] | None, *, class_name: str = "",
                   exclude: str = "") -> list[Option]:
    """Update functions to try (the pinned one only, if pinned): the instance's methods, then global functions."""
    iface = det.interface
    wanted = (iface.update,) if iface.pins("update") and iface.update else UPDATE
    options = [Option(("self", n), (methods or {})[n], det.source.returned(f"{class_name}.{n}"))
               for n in first_present(wanted, (methods or {}).keys()) if n != exclude]
    for name in first_present(wanted, det.functions()):
        signature = det.function(name)
        if signature is not None and name != exclude:
            options.append(Option(("", name), signature, det.source.returned(name)))
    return options


def _with_results(det: Detection, plan: Plan, trial: Trial, call: Call, handle_roots: Sequence[str],
                  returned: Returned | None) -> Call:
    """Where an update that returns the new parameters puts them: the grader's handle roots it replaces
    (a dict of parameters, the arrays or lists in the order or under the names it returns them)."""
    net = trial.net
    if net is None or not handle_roots:
        return call
    try:
        before = net.params()
        args, kwargs = net._arguments(call, None, None, lr=0.5)
        result = det.worker.call(net._target(call), *args, **kwargs)
        after = net.params()
    except SubmissionFailure as exc:
        if exc.kind in FATAL:
            raise
        return call
    if result is None:
        return call
    roots = list(dict.fromkeys(s.root for s in plan.slots))
    if any(r not in handle_roots for r in roots):
        return call
    if len(roots) == 1 and isinstance(result, dict):
        return replace(call, store=roots[0])
    if isinstance(result, (tuple, list)):
        order = _root_order(len(result), roots, returned)
        if order is not None:
            return replace(call, unpack=tuple(order))
    changed = any(not (isinstance(after[k], np.ndarray) and np.array_equal(after[k], v)) for k, v in before.items())
    if not changed:
        det.note(f"{call.label}() returned values the grader could not put back into the parameters")
    return call


def _root_order(count: int, roots: list[str], returned: Returned | None) -> list[str | None] | None:
    """The root each element of an update's result replaces: by the names it returns, else in order."""
    names = returned.names if returned and returned.kind == "tuple" and len(returned.names) == count else None
    if names:
        order = [next((r for r in roots if n and same_name(r, n)), None) for n in names]
        if set(roots) <= set(order):
            return order
    if count == len(roots):
        return list(roots)
    return None
