"""Binding: how the grader drives a student's network through the worker.

A :class:`Binding` knows the names and conventions of the student's code;
each call of :meth:`Binding.create` gives a fresh :class:`BoundNet` that
speaks the reference's row-major convention (``X`` is ``(N, in)``, ``W`` is
``(in, out)``, ``b`` is ``(1, out)``) whatever the student's layout is.
This module holds the canonical binding of the assignment's interface: a
class with parameter attributes and ``forward``/``loss``/``backward`` methods.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from grader.assignment import Assignment, Interface
from grader.errors import SubmissionFailure
from grader.remote import Encoder, Ref
from grader.sandbox import Worker, call_step


def missing(what: str, found: list[str]) -> SubmissionFailure:
    listing = ", ".join(found) if found else "nothing"
    return SubmissionFailure("missing-interface", f"{what} not found (found: {listing})")


@dataclass(frozen=True)
class Layout:
    """Conversion between the reference's row-major arrays and the student's."""

    column: bool = False

    def to_student(self, array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(array.T) if self.column else array

    def from_student(self, array: Any) -> Any:
        return array.T if self.column and isinstance(array, np.ndarray) else array


class BoundNet:
    """One instance of the student's network, in the reference's convention."""

    PACE_EPOCHS = 20  # epochs of the first, timed part of a training run
    SLACK = 20.0  # the rest may take this many times the first part's pace

    def __init__(self, binding: ClassBinding, worker: Worker, ref: Ref) -> None:
        self.binding = binding
        self.worker = worker
        self.ref = ref
        self.iface = binding.interface
        self.layout = binding.layout

    def _method(self, name: str | None, role: str) -> Ref:
        if not name or name not in self.binding.methods:
            raise missing(f"method {self.iface.class_name}.{name or role} ({role})", self.binding.methods)
        return self.ref.attr(name)

    def params(self) -> dict[str, Any]:
        """The student's parameters under the reference's names (missing ones raise)."""
        out = {}
        for ref_name, attr in zip(self.binding.reference_names, self.iface.parameters):
            try:
                value = self.worker.get(self.ref.attr(attr))
            except SubmissionFailure as exc:
                if exc.kind == "exception" and "AttributeError" in exc.message:
                    raise missing(f"attribute {self.iface.class_name}.{attr}", self.attributes()) from None
                raise
            out[ref_name] = self.layout.from_student(value)
        return out

    def attributes(self) -> list[str]:
        value = self.worker.call(Ref.name("vars"), self.ref)
        return sorted(value) if isinstance(value, dict) else []

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        for ref_name, attr in zip(self.binding.reference_names, self.iface.parameters):
            self.worker.set(self.ref.attr(attr), self.layout.to_student(params[ref_name]))

    def set_lr(self, lr: float) -> None:
        self.worker.set(self.ref.attr(self.iface.learning_rate), float(lr), inplace=False)

    def forward(self, X: np.ndarray) -> Any:
        return self.layout.from_student(self.worker.call(self._method(self.iface.forward, "forward"),
                                                         self.layout.to_student(X)))

    def loss(self, Y: np.ndarray, Y_pred: np.ndarray) -> Any:
        return self.worker.call(self._method(self.iface.loss, "loss"),
                                self.layout.to_student(Y), self.layout.to_student(Y_pred))

    def step(self, X: np.ndarray, Y: np.ndarray) -> None:
        """One training step: forward(X), then backward(X, Y), which updates the parameters."""
        backward = self._method(self.iface.backward, "backward")
        self.forward(X)
        self.worker.call(backward, self.layout.to_student(X), self.layout.to_student(Y))

    def train(self, X: np.ndarray, Y: np.ndarray, *, epochs: int) -> np.ndarray:
        """``epochs`` steps run inside the worker; returns each epoch's forward output, (epochs, N, out)."""
        forward = self._method(self.iface.forward, "forward")
        backward = self._method(self.iface.backward, "backward")
        x_ref = self.worker.put(self.layout.to_student(X))
        y_ref = self.worker.put(self.layout.to_student(Y))
        encoder = Encoder()
        steps = [dict(call_step(encoder, forward, [x_ref], {}), record=[]),
                 call_step(encoder, backward, [x_ref, y_ref], {})]
        outputs = self._run_program(steps, encoder.blobs, epochs)
        if self.layout.column and isinstance(outputs, np.ndarray) and outputs.ndim == 3:
            outputs = outputs.transpose(0, 2, 1)
        return outputs


    def _run_program(self, steps: list[dict[str, Any]], blobs: list[bytes], epochs: int) -> Any:
        """Run ``epochs`` repetitions: a short first run times one epoch, and the rest gets a
        deadline in proportion (``SLACK`` x that pace), so an endless loop costs seconds, not minutes."""
        limits = self.worker.limits
        first = min(epochs, self.PACE_EPOCHS)
        started = time.monotonic()
        head = self.worker.program(steps, blobs, repeat=first, timeout=limits.request_timeout)[0]
        if first == epochs:
            return head
        pace = (time.monotonic() - started) / first
        budget = min(limits.program_timeout, max(limits.request_timeout, self.SLACK * pace * (epochs - first)))
        tail = self.worker.program(steps, blobs, repeat=epochs - first, timeout=budget)[0]
        if isinstance(head, np.ndarray) and isinstance(tail, np.ndarray) and head.shape[1:] == tail.shape[1:]:
            return np.concatenate([head, tail])
        return None


class ClassBinding:
    """The canonical binding: the class, attributes and methods named in the spec."""

    style = "class"

    def __init__(self, assignment: Assignment, namespace: list[dict[str, Any]]) -> None:
        self.assignment = assignment
        self.interface: Interface = assignment.interface
        self.layout = Layout(column=self.interface.layout == "column")
        self.reference_names = assignment.network.param_names()
        classes = {e["name"]: e for e in namespace if e.get("kind") == "class"}
        entry = classes.get(self.interface.class_name)
        if entry is None:
            found = [f"{e['name']} ({e.get('kind')})" for e in namespace]
            raise missing(f"class {self.interface.class_name}", found)
        self.methods: list[str] = list(entry.get("methods", []))
        signature = entry.get("signature") or ""
        self.lr_in_constructor = f"{self.interface.learning_rate}" in signature or "**" in signature

    def describe(self) -> dict[str, Any]:
        i = self.interface
        return {
            "style": self.style,
            "layout": i.layout,
            "class": i.class_name,
            "parameters": dict(zip(self.reference_names, i.parameters)),
            "methods": {"forward": i.forward, "loss": i.loss, "backward": i.backward},
            "learning_rate": i.learning_rate,
            "gradients": "inferred from the update: (before - after) / lr",
            "summary": f"class {i.class_name} ({i.layout}-major), parameters {', '.join(i.parameters)}, "
                       f"gradients read from the update of {i.backward}()",
        }

    def create(self, worker: Worker, *, lr: float, sizes: Sequence[int] | None = None) -> BoundNet:
        """A fresh instance built by the student's constructor (``sizes``: other layer sizes than the spec's)."""
        layers = [int(n) for n in (self.assignment.network.layers if sizes is None else sizes)]
        args: list[Any] = [layers] if self.interface.constructor == "list" else layers
        kwargs = {self.interface.learning_rate: float(lr)} if self.lr_in_constructor else {}
        net = BoundNet(self, worker, worker.call(Ref.name(self.interface.class_name), *args, keep=True, **kwargs))
        net.set_lr(lr)
        return net
