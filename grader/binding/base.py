"""What every binding shares: the layout conversion, the missing-interface failure and paced training runs."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.errors import SubmissionFailure
from grader.sandbox.remote import Ref
from grader.sandbox.worker import Worker

PACE_EPOCHS = 20  # epochs of the first, timed part of a training run
SLACK = 20.0  # the rest may take this many times the first part's pace
MIN_TIMEOUT = 1e-3  # a later part of a split run whose budget is spent still makes a (failing) request


def missing(what: str, found: list[str]) -> SubmissionFailure:
    """missing-interface: ``what`` is not there; ``found`` lists what is. A name that ``what`` itself names is
    said to be present but unusable, never simply "found"."""
    asked = set(re.findall(r"[\w.\[\]'\"]+", what))
    listing = ", ".join(f"{f} (present, but it could not be used as this)" if f in asked or f.rsplit(".", 1)[-1]
                        in asked else f for f in found) if found else "nothing"
    return SubmissionFailure("missing-interface", f"{what} not found (found: {listing})")


LAYOUTS = ("row", "column", "row-out-in", "column-in-out")


@dataclass(frozen=True)
class Layout:
    """Conversion between the reference's row-major arrays and the student's.

    ``column``: samples are columns (``X (in, N)``, ``b (out, 1)``). Weights follow: ``W (in, out)``
    in rows, ``W (out, in)`` in columns, unless ``mixed`` (``X @ W.T`` with ``W (out, in)``, or
    ``W.T @ X`` with ``W (in, out)``).
    """

    column: bool = False
    mixed: bool = False

    @classmethod
    def named(cls, name: str) -> Layout:
        return cls(column=name.startswith("column"), mixed=name in ("row-out-in", "column-in-out"))

    @property
    def name(self) -> str:
        return LAYOUTS[int(self.column) + 2 * int(self.mixed)]

    @property
    def weights_transposed(self) -> bool:
        return self.column != self.mixed

    def to_student(self, array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(array.T) if self.column else array

    def from_student(self, array: Any) -> Any:
        return array.T if self.column and isinstance(array, np.ndarray) else array

    def weight_to_student(self, array: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(array.T) if self.weights_transposed else array

    def weight_from_student(self, array: Any) -> Any:
        return array.T if self.weights_transposed and isinstance(array, np.ndarray) else array

    def outputs_from_student(self, outputs: Any) -> Any:
        """Stacked per-epoch outputs ``(epochs, out, N)`` of a column-major student as ``(epochs, N, out)``."""
        if self.column and isinstance(outputs, np.ndarray) and outputs.ndim == 3:
            return outputs.transpose(0, 2, 1)
        return outputs


@dataclass
class SplitRun:
    """One training run of ``epochs`` epochs on the same ``X`` and ``Y``, split over several ``train`` calls.

    Split or not, the run behaves as one call: its first ``PACE_EPOCHS`` epochs share the request timeout,
    every later epoch shares one budget of ``SLACK`` x their pace (at most the program timeout), and ``X``
    and ``Y`` are put in the worker once (``inputs``), so a forward that changes them in place sees its
    change in the later parts too.
    """

    epochs: int
    done: int = 0
    head_time: float = 0.0
    tail_budget: float = 0.0
    tail_time: float = 0.0
    inputs: tuple[Ref, Ref] | None = None

    @property
    def head(self) -> int:
        """Epochs of the timed part."""
        return min(self.epochs, PACE_EPOCHS)


def put_inputs(worker: Worker, X: np.ndarray, Y: np.ndarray, *, run: SplitRun | None) -> tuple[Ref, Ref]:
    """``X`` and ``Y`` (the student's layout) in the worker, put by the first part of a split ``run`` only."""
    if run is not None and run.inputs is not None:
        return run.inputs
    inputs = (worker.put(X), worker.put(Y))
    if run is not None:
        run.inputs = inputs
    return inputs


def run_paced(worker: Worker, steps: list[dict[str, Any]], blobs: list[bytes], epochs: int, *,
              run: SplitRun | None = None) -> Any:
    """Run ``epochs`` repetitions of ``steps``: a short first run times one epoch, and the rest gets a
    deadline in proportion (``SLACK`` x that pace), so an endless loop costs seconds, not minutes.

    ``run``: the split run this call is a part of (the same :class:`SplitRun` for every part); without
    it the call is a whole run. Returns the records of the first step that records (stacked
    over epochs), or None.
    """
    run = SplitRun(epochs) if run is None else run
    if run.done + epochs > run.epochs:
        raise ValueError(f"{epochs} more epochs exceed the run's {run.epochs} ({run.done} done)")
    limits = worker.limits
    index = next((i for i, s in enumerate(steps) if s.get("record") is not None), 0)
    parts = []
    first = min(epochs, max(run.head - run.done, 0))
    if first:
        started = time.monotonic()
        parts.append(_part(worker, steps, blobs, repeat=first, index=index, whole=limits.request_timeout,
                           spent=run.head_time, later=run.done > 0))
        run.head_time += time.monotonic() - started
        run.done += first
        if run.done == run.head < run.epochs:
            rate = run.head_time / run.head
            run.tail_budget = min(limits.program_timeout,
                                  max(limits.request_timeout, SLACK * rate * (run.epochs - run.head)))
    rest = epochs - first
    if rest:
        started = time.monotonic()
        parts.append(_part(worker, steps, blobs, repeat=rest, index=index, whole=run.tail_budget,
                           spent=run.tail_time, later=run.done > run.head))
        run.tail_time += time.monotonic() - started
        run.done += rest
    return _stacked(parts)


def _part(worker: Worker, steps: list[dict[str, Any]], blobs: list[bytes], *, repeat: int, index: int,
          whole: float, spent: float, later: bool) -> Any:
    """One program call with what is left of a time budget of ``whole`` seconds, ``spent`` already used
    (by the earlier calls of the same phase when ``later``)."""
    try:
        return worker.program(steps, blobs, repeat=repeat, timeout=max(whole - spent, MIN_TIMEOUT))[index]
    except SubmissionFailure as exc:
        if exc.kind != "timeout" or not later:
            raise
        # A later part of a split run: name the whole budget, as the one call of an unsplit run would
        # (the words of Worker.request's timeout).
        raise SubmissionFailure("timeout", f"no answer within {whole:g} s "
                                "(an endless loop, or far too much work?)") from None


def _stacked(parts: list[Any]) -> Any:
    """The records of the parts of a run, one array over all their epochs (None if they do not stack)."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, np.ndarray) for p in parts) and len({p.shape[1:] for p in parts}) == 1:
        return np.concatenate(parts)
    return None
