"""The canonical binding: the class, attributes and methods named in the spec (the built-in assignments).

A :class:`ClassBinding` knows the names and conventions of the template;
each call of :meth:`ClassBinding.create` gives a fresh :class:`BoundNet` that
speaks the reference's row-major convention (``X`` is ``(N, in)``, ``W`` is
``(in, out)``, ``b`` is ``(1, out)``) whatever the student's layout is.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from grader.spec.assignment import Assignment, Interface
from grader.binding.base import PACE_EPOCHS, SLACK, Layout, SplitRun, missing, put_inputs, run_paced
from grader.errors import SubmissionFailure
from grader.sandbox.remote import Encoder, Ref
from grader.sandbox.worker import Worker, call_step


class BoundNet:
    """One instance of the student's network, in the reference's convention."""

    PACE_EPOCHS = PACE_EPOCHS
    SLACK = SLACK

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
        try:  # one request; a failure is read again one by one to say which parameter is missing
            values = self.worker.get_many([self.ref.attr(attr) for attr in self.iface.parameters])
            return {name: self.layout.from_student(v) for name, v in zip(self.binding.reference_names, values)}
        except SubmissionFailure as exc:
            if exc.kind != "exception":
                raise
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
        """Every parameter in one request (a set that fails names its attribute, as a single set would)."""
        self.worker.set_many([(self.ref.attr(attr), self.layout.to_student(params[ref_name]))
                              for ref_name, attr in zip(self.binding.reference_names, self.iface.parameters)])

    def set_lr(self, lr: float) -> None:
        self.worker.set(self.ref.attr(self.iface.learning_rate), float(lr), inplace=False)

    def forward(self, X: np.ndarray) -> Any:
        return self.layout.from_student(self.worker.call(self._method(self.iface.forward, "forward"),
                                                         self.layout.to_student(X)))

    def loss(self, Y: np.ndarray, Y_pred: np.ndarray) -> Any:
        return self.worker.call(self._method(self.iface.loss, "loss"),
                                self.layout.to_student(Y), self.layout.to_student(Y_pred))

    def step(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray] | None:
        """One training step: forward(X), then backward(X, Y), which updates the parameters.

        Returns the gradients the step reported (never: they are read off the update).
        """
        backward = self._method(self.iface.backward, "backward")
        self.forward(X)
        self.worker.call(backward, self.layout.to_student(X), self.layout.to_student(Y))
        return None

    def train(self, X: np.ndarray, Y: np.ndarray, *, epochs: int, run: SplitRun | None = None) -> np.ndarray:
        """``epochs`` steps run inside the worker; returns each epoch's forward output, (epochs, N, out).

        ``run``: the split run these epochs are a part of (see :class:`SplitRun`)."""
        forward = self._method(self.iface.forward, "forward")
        backward = self._method(self.iface.backward, "backward")
        x_ref, y_ref = put_inputs(self.worker, self.layout.to_student(X), self.layout.to_student(Y), run=run)
        encoder = Encoder()
        steps = [dict(call_step(encoder, forward, [x_ref], {}), record=[]),
                 call_step(encoder, backward, [x_ref, y_ref], {})]
        return self.layout.outputs_from_student(run_paced(self.worker, steps, encoder.blobs, epochs, run=run))


class ClassBinding:
    """The canonical binding: the class, attributes and methods named in the spec."""

    style = "class"
    update_mode = "step"  # backward() updates the parameters itself
    init_missing: str | None = None
    bias_column = False

    def __init__(self, assignment: Assignment, namespace: list[dict[str, Any]]) -> None:
        self.assignment = assignment
        self.interface: Interface = assignment.interface
        self.layout = Layout(column=self.interface.layout == "column")
        self.network = assignment.network
        self.reference_names = assignment.network.param_names()
        self.labels = dict(zip(self.reference_names, self.interface.parameters))
        classes = {e["name"]: e for e in namespace if e.get("kind") == "class"}
        entry = classes.get(self.interface.class_name)
        if entry is None:
            found = [f"{e['name']} ({e.get('kind')})" for e in namespace]
            raise SubmissionFailure(
                "missing-interface", f"class {self.interface.class_name} not found, and the spec requires the "
                f"starter's class (binding = \"spec\" or --binding spec); --binding auto finds the network in "
                f"the other forms students write (found: {', '.join(found) or 'nothing'})")
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
            "update": f"by {i.backward}()",
            "network": list(self.network.layers),
            "pinned": sorted(i.pinned),
            "summary": f"the starter's class {i.class_name} ({i.layout}-major), parameters {', '.join(i.parameters)}, "
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
