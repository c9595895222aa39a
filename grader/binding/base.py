"""What every binding shares: the layout conversion, the missing-interface failure and paced training runs."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.errors import SubmissionFailure
from grader.sandbox import Worker

PACE_EPOCHS = 20  # epochs of the first, timed part of a training run
SLACK = 20.0  # the rest may take this many times the first part's pace


def missing(what: str, found: list[str]) -> SubmissionFailure:
    listing = ", ".join(found) if found else "nothing"
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


def run_paced(worker: Worker, steps: list[dict[str, Any]], blobs: list[bytes], epochs: int) -> Any:
    """Run ``epochs`` repetitions of ``steps``: a short first run times one epoch, and the rest gets a
    deadline in proportion (``SLACK`` x that pace), so an endless loop costs seconds, not minutes.

    Returns the records of the first step that records (stacked over epochs), or None.
    """
    limits = worker.limits
    first = min(epochs, PACE_EPOCHS)
    started = time.monotonic()
    index = next((i for i, s in enumerate(steps) if s.get("record") is not None), 0)
    head = worker.program(steps, blobs, repeat=first, timeout=limits.request_timeout)[index]
    if first == epochs:
        return head
    pace = (time.monotonic() - started) / first
    budget = min(limits.program_timeout, max(limits.request_timeout, SLACK * pace * (epochs - first)))
    tail = worker.program(steps, blobs, repeat=epochs - first, timeout=budget)[index]
    if isinstance(head, np.ndarray) and isinstance(tail, np.ndarray) and head.shape[1:] == tail.shape[1:]:
        return np.concatenate([head, tail])
    return None
