"""Choosing the binding: candidates from every style, probed against the reference's forward pass.

1. A fully pinned template (the built-in specs) is bound as is: :class:`ClassBinding`.
2. Otherwise every style proposes candidates (class, functions/dict/lists, module globals; only the
   pinned style if ``style`` is pinned), best named first.
3. Candidates are probed in that order with the grader's random weights and inputs; the first whose
   forward output matches the reference on every probe is chosen. If none does, the first one is
   chosen ("by structure") and the checks fail honestly.
4. One trial step shows how the step works (updates in place, or returns gradients), and the binding
   is described for the result (``binding``: style, layout, names, gradients, update, summary).
"""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

from grader.spec.assignment import Assignment, Interface
from grader.binding import classes, functions, instances, online, precision, script, toplevel
from grader.binding.canonical import ClassBinding
from grader.binding.context import Candidate, Detection
from grader.binding.names import parse_signature
from grader.binding.plan import Plan, PlanBinding, path_text
from grader.binding.probe import PROBES, ProbeSet, Verdict, probe, probe_set, trial_step
from grader.binding.source import SourceIndex
from grader.binding.structure import DETECT_BATCH
from grader.errors import SubmissionFailure
from grader.sandbox.worker import Worker
from reference import Network

MAX_CANDIDATES = 24
STYLES = MappingProxyType({"class": (classes,), "functions": (functions,), "dict": (functions,),
                           "lists": (functions,), "globals": (toplevel, instances),
                           "script": (script.WEIGHT_ARRAYS, script.CONTAINERS),
                           "auto": (classes, script.WEIGHT_ARRAYS, functions, toplevel, instances, script.CONTAINERS)})
LOOKED_FOR = ("a class with a forward method (forward, feedforward, predict, ...) and parameter attributes; "
              "a forward function taking the parameters (W1, b1, ..., a params dict, or W and B lists) with "
              "backward and update functions; or module-level weights (W1, W2, ...) with forward(X) or a "
              "one-step train(X, y, lr); or a module-level loop (for epoch in range(...)) updating weight arrays")


class DetectionInterrupted(SubmissionFailure):
    """The worker died while probing; the binding chosen so far is kept (the session starts a new worker)."""

    def __init__(self, binding: PlanBinding, failure: SubmissionFailure) -> None:
        super().__init__(failure.kind, failure.message, line=failure.line, file=failure.file,
                         traceback=failure.traceback)
        self.binding = binding


def bind(*, worker: Worker, assignment: Assignment, namespace: list[dict[str, Any]], source: SourceIndex,
         seed: int = 0) -> ClassBinding | PlanBinding:
    """The binding of a loaded submission (SubmissionFailure ``missing-interface`` when there is none).

    A spec pinning the starter's class binds it as is when the submission has it (or when the spec or
    ``--binding spec`` requires it); otherwise the network is detected and the summary says so.
    """
    iface = assignment.interface
    if iface.template:
        if iface.binding == "spec" or follows_template(namespace, iface, len(assignment.network.layers)):
            return ClassBinding(assignment, namespace)
        detected = bind(worker=worker, assignment=assignment.unpinned(), namespace=namespace, source=source,
                        seed=seed)
        detected.summary = f"detected, not the starter's class {iface.class_name}: {detected.summary}"
        detected.description["template"] = f"class {iface.class_name} not followed: detected"
        return detected
    det = Detection(worker=worker, assignment=assignment, namespace=namespace, source=source, seed=seed)
    found: list[Candidate] = []
    for module in STYLES[assignment.interface.style]:
        found += [c for c in module.candidates(det) if _style_allowed(c.plan, assignment.interface.style)]
    if not found:
        raise nothing_bindable(det)
    det.discovered = len(det.notes)
    sets: dict[tuple[tuple[int, ...], bool], ProbeSet] = {}
    tolerance = assignment.tolerances["forward"]
    chosen: tuple[Candidate, Verdict] | None = None
    fallback: tuple[Candidate, Verdict] | None = None
    tried = 0
    for candidate in found[:MAX_CANDIDATES]:
        probes = [_set(sets, candidate.plan.network, layers, seed) for layers in candidate.sizes]
        verdict = probe(candidate.plan, worker, probes, tolerance=tolerance, names=candidate.names)
        tried += 1
        if verdict.fatal is not None:
            fallback = fallback or (candidate, verdict)  # the binding kept while a fresh worker starts
            binding = _build(det, *fallback, agreed=False, tried=tried, sets=sets, trial=False)
            raise DetectionInterrupted(binding, verdict.fatal)
        if verdict.agreed:
            chosen = (candidate, verdict)
            break
        if candidate.by_name and (fallback is None or (verdict.ran and not fallback[1].ran)):
            fallback = (candidate, verdict)
    if chosen is None and fallback is None:
        raise nothing_bindable(det)
    if chosen is None and fallback is not None and not fallback[1].ran:
        raise undrivable(det, *fallback, tried=tried)
    if chosen is None and fallback is not None and fallback[0].plan.style == "script" and fallback[1].output is None:
        reason = ("no array the loop writes has the shape of the whole batch's output: a loop that goes through "
                  "the samples one at a time, or keeps its output elsewhere")
        raise undrivable(det, fallback[0], replace(fallback[1], reason=reason), tried=tried)
    candidate, verdict = chosen or fallback  # type: ignore[misc]
    return _build(det, candidate, verdict, agreed=chosen is not None, tried=tried, sets=sets, trial=True)


def follows_template(namespace: list[dict[str, Any]], iface: Interface, layers: int) -> bool:
    """The submission defines the starter's class with its forward and backward methods, and a constructor
    the template's call (the sizes, one argument each or one list) can be made to."""
    entry = next((e for e in namespace if e.get("kind") == "class" and e.get("name") == iface.class_name), None)
    if entry is None or not {iface.forward, iface.backward} <= set(entry.get("methods", [])):
        return False
    signature = parse_signature(entry.get("signature"))
    if signature is None:
        return True
    positional = [p for p in signature.params if p.kind in ("positional", "positional-only")]
    takes = len(positional) + (99 if any(p.kind == "var-positional" for p in signature.params) else 0)
    needed = 1 if iface.constructor == "list" else layers
    required = [p for p in signature.required if p.kind != "keyword-only" or p.name == iface.learning_rate]
    return takes >= needed and len(required) <= needed and not [p for p in signature.required
                                                                 if p.kind == "keyword-only"]


def _rate_argument(plan: Plan) -> bool:
    step = plan.step
    return step is not None and any(s.kind == "lr" for s in (*step.args, *(s for _, s in step.kwargs)))


def _style_allowed(plan: Plan, style: str) -> bool:
    return style in ("auto", "class", "globals", "script") or plan.style == style


def _set(sets: dict, network: Network, layers: tuple[int, ...], seed: int) -> ProbeSet:
    key = (tuple(layers), network.bias)
    if key not in sets:
        sets[key] = probe_set(replace(network, layers=tuple(layers)), seed=seed, batch=DETECT_BATCH)
    return sets[key]


def _build(det: Detection, candidate: Candidate, verdict: Verdict, *, agreed: bool, tried: int, sets: dict,
           trial: bool) -> PlanBinding:
    plan = candidate.plan
    if plan.forward is not None:
        plan = replace(plan, output=verdict.output)
    else:
        plan = replace(plan, step_output=verdict.output)
    plan = candidate.complete(plan, verdict.structure)
    plan = replace(plan, details={**plan.details, "available": _available(det, plan)})
    if agreed:  # why other candidates (its layer classes, other styles) were not bound is no news
        del det.notes[:det.discovered]
    if not agreed:
        det.note("no candidate's forward pass matched the reference on the grader's probes: bound by names, "
                 "the checks show what differs")
    if trial and plan.step is not None and candidate.finish is not None:
        try:
            plan = _tried(det, candidate, plan, sets)
            if agreed:
                pset = _set(sets, plan.network, plan.network.layers, det.seed)
                plan = precision.marked(det, online.marked(det, plan, pset), pset)
        except SubmissionFailure as exc:  # the step hung or killed the worker: keep the plan as it is
            raise DetectionInterrupted(_binding(det, plan, agreed, tried), exc) from None
    return _binding(det, plan, agreed, tried)


def _tried(det: Detection, candidate: Candidate, plan: Plan, sets: dict) -> Plan:
    """The plan finished from a trial step (at the sizes no matrix is square, if the code takes them)."""
    assert candidate.finish is not None
    for layers in reversed(candidate.sizes):
        pset = _set(sets, plan.network, layers, det.seed)
        result = trial_step(plan, det.worker, pset)
        if result.error is None or layers == candidate.sizes[0]:
            other = trial_step(plan, det.worker, pset, lr=0.25) if _rate_argument(plan) else None
            return candidate.finish(plan, result, other)
    return plan


def _binding(det: Detection, plan: Plan, agreed: bool, tried: int) -> PlanBinding:
    pinned = bool(det.interface.pinned & {"class", "forward", "parameters"})
    return PlanBinding(plan, summary=summary(plan, agreed, pinned=pinned),
                       description=describe(plan, det, agreed=agreed, tried=tried))


def _available(det: Detection, plan: Plan) -> list[str]:
    if plan.style == "class":
        entry = det.entry(plan.names.get("class", "")) or {}
        methods = [f"{entry.get('name')}.{m}" for m in entry.get("methods", []) if not m.startswith("_")]
        return methods + det.functions()
    return det.functions()


LAYOUT_TEXT = MappingProxyType({"row": "row-major", "column": "column-major",
                                "row-out-in": "row-major, W (out, in)", "column-in-out": "column-major, W (in, out)"})


def _gradients_text(plan: Plan) -> str:
    if plan.gradients is None and plan.style == "script" and plan.step:
        return f"inferred from the update of one pass through {plan.step.label}: (before - after) / lr"
    if plan.gradients is None:
        step = plan.step.label if plan.step else "the step"
        return f"inferred from the update of {step}(): (before - after) / lr"
    labels = ", ".join(label for _, label in plan.gradients.labels)
    return f"returned by {plan.step.label if plan.step else 'the step'}() as a {plan.gradients.container} ({labels})"


def _update_text(plan: Plan) -> str:
    if plan.update_mode == "function" and plan.update is not None:
        return f"by {plan.update.label}()"
    if plan.style == "script" and plan.step:
        return f"by {plan.step.label}"
    if plan.update_mode == "grader":
        return "by the grader: params - lr * gradients (no update function found: the update check does not apply)"
    return f"by {plan.step.label}()" if plan.step else "none found"


def summary(plan: Plan, agreed: bool, *, pinned: bool = False) -> str:
    """The binding in one line, for the mark sheet and the text report."""
    if plan.style == "script":
        return _script_summary(plan, agreed)
    owner = f"class {plan.names['class']}" if plan.style == "class" else {
        "functions": "functions", "dict": "functions on a parameter dict", "lists": "functions on weight/bias lists",
        "globals": "module-level globals"}[plan.style]
    parts = [f"{owner} ({LAYOUT_TEXT[plan.layout.name]})", f"parameters {', '.join(s.label for s in plan.slots)}"]
    calls = [f"{plan.names[k]}()" for k in ("forward", "backward", "update") if plan.names.get(k)]
    if calls:
        parts.append("calls " + ", ".join(calls))
    parts.append("gradients " + ("returned" if plan.gradients else "read from the update")
                 + (", applied by the grader" if plan.update_mode == "grader" else "")
                 + (", one row at a time (online updates)" if plan.details.get("per_sample") else ""))
    if plan.bias_column:
        parts.append("constant-1 input column, no biases")
    if plan.details.get("precision") == "float32":
        parts.append("computes in float32 (compared at float32's precision)")
    if any(s.parts for s in plan.slots):
        parts.append("layers kept as one object per unit")
    shared = [s.label for s in plan.slots if s.shared]
    if shared:
        parts.append(f"biases {', '.join(shared)} are one number per layer (the assignment asks for one per unit)")
    folded = next((s.label for s in plan.slots if s.rows is not None and not s.weight), None)
    if folded:
        parts.append(f"biases folded into the weight matrices ({folded.rsplit('(', 1)[-1].rstrip(')')} of each)")
    if not agreed:
        parts.append("as pinned by the spec (its forward pass does not match the reference)" if pinned
                     else "bound by names (no forward pass matched the reference)")
    return ", ".join(parts)


def _script_summary(plan: Plan, agreed: bool) -> str:
    """A script's binding: its weights, the loop that trains them, and where its output and data are."""
    parts = [f"module-level weights {', '.join(s.label for s in plan.slots)} ({LAYOUT_TEXT[plan.layout.name]}) "
             f"trained by {plan.names.get('loop', 'a top-level loop')}"]
    if plan.names.get("output"):
        parts.append(f"output {plan.names['output']}")
    if plan.details.get("inputs"):
        parts.append(f"data {plan.details['inputs']}")
    parts.append(f"learning rate {plan.details['rate']}" if plan.details.get("rate")
                 else "no learning-rate variable (the loop's own rate is used)")
    if plan.bias_column:
        parts.append("constant-1 input column, no biases")
    if not agreed:
        parts.append("bound by names (no forward pass matched the reference)")
    return ", ".join(parts)


def describe(plan: Plan, det: Detection, *, agreed: bool, tried: int) -> dict[str, Any]:
    """The ``binding`` object of the result."""
    out: dict[str, Any] = {"style": plan.style, "layout": plan.layout.name}
    if plan.style == "class":
        out["class"] = plan.names.get("class")
    out.update({
        "parameters": {s.name: s.label for s in plan.slots},
        "methods" if plan.style == "class" else "functions": {k: v for k, v in plan.names.items() if k != "class"},
        "learning_rate": plan.lr.describe() if plan.update_mode != "grader" or plan.lr.places
        else "used by the grader's update",
        "gradients": _gradients_text(plan),
        "update": _update_text(plan),
        "network": list(plan.network.layers),
        "bias": plan.network.bias,
        "bias_column": plan.bias_column,
        "state": plan.state.describe(),
        "output": path_text(plan.output or ()) if plan.forward is not None else path_text(plan.step_output or ()),
        "detection": {"agreed": agreed, "candidates": tried, "probes": PROBES},
        "pinned": sorted(det.interface.pinned),
    })
    if plan.details.get("per_sample"):
        out["per_sample"] = True
    if plan.details.get("precision"):
        out["precision"] = plan.details["precision"]
    if plan.init_missing:
        out["init"] = plan.init_missing
    if det.notes:
        out["notes"] = det.notes[:8]
    return out


PIN_HINT = ("An instructor can name its parts in the assignment spec's [interface] (docs/assignments.md), or "
            "require the starter's class with --binding spec.")


def undrivable(det: Detection, candidate: Candidate, verdict: Verdict, *, tried: int) -> SubmissionFailure:
    """missing-interface when every form found raised on the grader's inputs at the student's own sizes: the
    grader's guesses failed, so no check may blame the student for them."""
    closest = summary(candidate.plan, False).replace(", bound by names (no forward pass matched the reference)", "")
    notes = f" Also: {'; '.join(det.notes[:4])}." if det.notes else ""
    script = "a module-level script whose loop can't be driven: " if candidate.plan.style == "script" else ""
    return SubmissionFailure(
        "missing-interface", f"{script}the grader could not drive your network: {tried} way(s) of binding it were tried "
        f"and none gave a forward output on the grader's inputs. Closest: {closest}; rejected because "
        f"{verdict.reason}.{notes} Your code defines: {', '.join(_found(det)) or 'nothing'}. This is the "
        f"grader's failure to bind, not a verdict on your code. {PIN_HINT}")


def _found(det: Detection) -> list[str]:
    found = []
    for entry in det.namespace[:40]:
        kind = entry.get("kind")
        if kind == "class":
            methods = [m for m in entry.get("methods", []) if m != "__init__"]
            found.append(f"{entry['name']} (class: {', '.join(methods) or 'no methods'})")
        elif kind == "function":
            found.append(f"{entry['name']} (function {entry.get('signature') or '(...)'})")
        elif kind == "array":
            found.append(f"{entry['name']} (array {'x'.join(map(str, entry.get('shape', [])))})")
        elif kind in ("list", "tuple", "dict"):
            found.append(f"{entry['name']} ({kind} of {entry.get('length', '?')})")
    return found


def nothing_bindable(det: Detection) -> SubmissionFailure:
    """missing-interface, with what was looked for, what the namespace has, what came closest and why it
    was rejected, and indentation hints."""
    hints = indentation_hints(det.namespace)
    found = _found(det)
    iface = det.interface
    if iface.pins("class"):
        exists = any(e.get("name") == iface.class_name for e in det.entries("class"))
        head = f"class {iface.class_name} {'could not be bound' if exists else 'not found'}"
    else:
        head = "no network to grade"
    message = f"{head}{': ' + '; '.join(hints) if hints else ''}. Tried: {LOOKED_FOR}. " \
              f"Your code defines: {', '.join(found) or 'nothing'}."
    if det.notes:
        message += f" Closest, and why it was rejected: {'; '.join(det.notes)}."
    message += f" {PIN_HINT}"
    return SubmissionFailure("missing-interface", message)


def indentation_hints(namespace: list[dict[str, Any]]) -> list[str]:
    """Module-level functions whose first parameter is ``self``: methods that lost their indentation."""
    hints = []
    last_class = None
    for entry in namespace:
        if entry.get("kind") == "class":
            last_class = entry["name"]
        elif entry.get("kind") == "function" and last_class is not None:
            signature = parse_signature(entry.get("signature"))
            if signature is not None and signature.params and signature.params[0].name == "self":
                hints.append(f"{entry['name']} is defined at module level, not inside class {last_class}: "
                             "check the indentation")
    return hints
