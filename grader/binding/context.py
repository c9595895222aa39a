"""What the style modules read while proposing bindings: the student's namespace, signatures and values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from grader.spec.assignment import Assignment, Interface
from grader.binding.names import Signature, parse_signature
from grader.binding.plan import Plan
from grader.binding.source import SourceIndex
from grader.binding.structure import detection_layers
from grader.errors import ProtocolError, SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker
from reference import Network

FATAL = ("crash", "timeout", "memory", "output-limit")


@dataclass
class Detection:
    """The submission as the detector sees it; style modules ask it for signatures and values."""

    worker: Worker
    assignment: Assignment
    namespace: list[dict[str, Any]]
    source: SourceIndex
    seed: int = 0
    notes: list[str] = field(default_factory=list)
    discovered: int = 0  # how many notes were written while the styles proposed candidates
    _values: dict[str, Any] = field(default_factory=dict)
    _inspect: Ref | None = None

    @property
    def interface(self) -> Interface:
        return self.assignment.interface

    @property
    def network(self) -> Network:
        return self.assignment.network

    @property
    def detect_layers(self) -> tuple[int, ...]:
        return detection_layers(self.network.layers)

    def entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.namespace if kind is None or e.get("kind") == kind]

    def entry(self, name: str) -> dict[str, Any] | None:
        return next((e for e in self.namespace if e.get("name") == name), None)

    def function(self, name: str) -> Signature | None:
        """The signature of a module-level function (None if there is no such function)."""
        entry = self.entry(name)
        if entry is None or entry.get("kind") != "function":
            return None
        return parse_signature(entry.get("signature")) or Signature()

    def functions(self) -> list[str]:
        return [e["name"] for e in self.entries("function")]

    def value(self, name: str) -> Any:
        """A global's value, decoded (arrays, lists, dicts); None when it cannot be read."""
        if name not in self._values:
            try:
                self._values[name] = self.worker.get(Ref.name(name))
            except SubmissionFailure as exc:
                if exc.kind in FATAL:
                    raise
                self._values[name] = None
        return self._values[name]

    def signature_of(self, ref: Ref) -> Signature | None:
        """The signature of any callable in the worker (a bound method: without ``self``)."""
        try:
            if self._inspect is None:
                self._inspect = self.worker.call(Ref.name("__import__"), "inspect", keep=True)
            handle = self.worker.call(self._inspect.attr("signature"), ref, keep=True)
            text = self.worker.call(Ref.name("str"), handle)
        except SubmissionFailure as exc:
            if exc.kind in FATAL:
                raise
            return None
        except ProtocolError:
            return None
        return parse_signature(text) if isinstance(text, str) else None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class Candidate:
    """A proposed binding: a plan whose forward can be probed, and how to complete it once chosen.

    ``sizes`` are the layer sizes to probe at: the student's first, then sizes where no matrix is
    square (when the student's code takes any). ``complete`` adds the step, update and loss calls
    once the forward's output is located; ``names`` are the names the forward returns (from the source).
    """

    plan: Plan
    sizes: list[tuple[int, ...]]
    complete: Callable[[Plan, tuple[Any, ...]], Plan]
    names: tuple[str | None, ...] | None = None
    finish: Callable[..., Plan] | None = None
    by_name: bool = True  # may be chosen by its names when no candidate's forward pass agrees
