"""Module-level objects holding the parameters: layer instances made at the top of a script
(``hidden = Dense(2, 4)``), used by module-level functions (``forward(X)``, ``train_step(X, y, lr)``).

The parameters are found inside those objects as anywhere else (:mod:`grader.binding.reach`); the
functions are the module-level style's (:mod:`grader.binding.toplevel`). A fresh state is each object as
a copy made in the worker right after loading (``copy.deepcopy``), bound again to its global, so one
state's training never leaks into the next; the grader then sets every parameter it compares.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from grader.binding import toplevel
from grader.binding.context import FATAL, Candidate, Detection
from grader.binding.names import BACKWARD, FORWARD, LOSS, UPDATE, Signature, first_present
from grader.binding.pins import allowed_layouts, network_mappings
from grader.binding.plan import Plan
from grader.binding.reach import distinct, reach_entries
from grader.binding.steps import make_call, step_pool
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Handle, Ref
from grader.sandbox.worker import Worker

MAX_OBJECTS = 12  # module-level objects looked into


@dataclass(frozen=True, eq=False)
class ObjectState:
    """Each global object replaced by a deep copy of its snapshot, taken in each worker before its first
    state is made (a replacement worker, after a crash, loads the submission again and is snapshot anew)."""

    names: tuple[str, ...]
    snapshots: dict[int, tuple[Ref, dict[str, Ref]]] = field(default_factory=dict)  # id(worker) -> copies

    def _snapshot(self, worker: Worker) -> tuple[Ref, dict[str, Ref]]:
        if id(worker) not in self.snapshots:
            copier = worker.call(Ref.name("__import__"), "copy", keep=True).attr("deepcopy")
            self.snapshots[id(worker)] = (copier, {n: worker.call(copier, Ref.name(n), keep=True) for n in self.names})
        return self.snapshots[id(worker)]

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None, plan: Plan) -> dict[str, Ref]:
        copier, snapshots = self._snapshot(worker)
        for name in self.names:
            worker.set(Ref.name(name), worker.call(copier, snapshots[name], keep=True), inplace=False)
        return {name: Ref.name(name) for name in self.names}

    def describe(self) -> str:
        return "copies of the module-level objects " + ", ".join(self.names)


def _objects(det: Detection) -> dict[str, Any]:
    """Module-level instances (values that stay in the worker), not classes, functions or modules."""
    out: dict[str, Any] = {}
    for entry in det.namespace:
        if entry.get("kind") == "value" and len(out) < MAX_OBJECTS:
            value = det.value(entry["name"])
            if isinstance(value, Handle):
                out[entry["name"]] = value
    return out


def candidates(det: Detection) -> list[Candidate]:
    """Candidates over the parameters inside module-level objects, with a forward(X) or a one-step function."""
    iface, network = det.interface, det.network
    if iface.pins("parameters"):
        return []
    objects = _objects(det)
    if not objects:
        return []
    functions = det.functions()
    forwards = [f for f in first_present((iface.forward,) if iface.pins("forward") else FORWARD, functions)
                if toplevel._only_x(det.function(f) or Signature())]
    skip = set(forwards) | set(LOSS) | set(UPDATE)
    steps = [f for f in first_present((iface.backward,) if iface.pins("backward") else BACKWARD, functions)
             if f not in skip]
    pool = step_pool({}, None, epochs=True)
    one_step = next((c for c in (make_call(f, ("", f), det.function(f) or Signature(), pool) for f in steps)
                     if c is not None), None)
    if not forwards and one_step is None:
        return []
    entries = reach_entries(det, objects, attributes=False)
    found = distinct(network_mappings(entries, network=network, layouts=allowed_layouts(iface)))
    if not found:
        return []
    states: dict[tuple[str, ...], ObjectState] = {}
    out = []
    for forward in forwards or [None]:
        for mapping in found:
            roots = tuple(dict.fromkeys(s.root for s in mapping.slots()))
            state = states.setdefault(roots, ObjectState(roots))
            try:
                state._snapshot(det.worker)
            except SubmissionFailure as exc:
                if exc.kind in FATAL:
                    raise
                det.note(f"module-level objects {', '.join(roots)} cannot be copied: {exc.message.strip()[-200:]}")
                continue
            out.append(toplevel.globals_candidate(det, mapping, network=network, state=state,
                                                  bias=mapping.has_biases, forward=forward, one_step=one_step,
                                                  steps=steps))
    return out
