"""The evidence of a check or a diagnosis as display blocks, showing whatever is present.

Evidence is a free-form dictionary that grows as the checks learn to say more,
so nothing here assumes a key exists: known keys get a label or a table of
their own, unknown ones are shown as plain values (or as JSON when nested).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from grader.spec.assignment import Tolerance

# Keys shown elsewhere on the mark sheet (the loss plot and the predictions table).
PLOTTED = frozenset({"student_curve", "reference_curve", "predictions"})

LABELS = {
    "factor": "Gradient factor (one for all parameters)",
    "gradient_factor": "Gradient factor the learning rate was divided by",
    "loss_ratio": "Your loss divided by the expected loss",
    "relative_error": "Relative error",
    "parameters": "Parameters affected",
    "layer": "Where in your network",
    "probe": "Seen on",
    "got": "Your value",
    "expected": "Expected value",
    "got_shape": "Shape of your array",
    "expected_shape": "Expected shape",
    "got_type": "Type of your value",
    "nonfinite": "Contains NaN or infinity",
    "lr_ratio": "Learning-rate ratio between the two steps",
    "change_ratio": "Ratio of the parameter changes",
    "epochs": "Epochs",
    "epoch_budget": "Most epochs allowed",
    "stopped_early": "Stopped once XOR was solved",
    "lr": "Learning rate",
    "initial_loss": "Loss at the start",
    "final_loss": "Your final loss",
    "reference_final_loss": "Reference's loss after as many epochs",
    "layers": "Where in your network",
    "checked_epochs": "Epochs whose step was checked against the gradient",
    "presented_rows": "XOR rows per epoch, shuffled (8: each row twice)",
    "replay_gap": "Largest gap between your run and a replay of its gradient steps",
    "per_sample_steps": "One step per row (per-sample updates)",
    "integrity": "Not a gradient step",
    "mismatched": "Entries off",
}

# Keys that name the grader's own workings (a mutant's key, a fit's residual): not shown to students.
INTERNAL = frozenset({"mutant", "residual", "variant", "reference_factor"})

Excerpter = Callable[..., "Excerpt | None"]


@dataclass(frozen=True)
class Fact:
    """A labelled value."""

    label: str
    value: str


@dataclass(frozen=True)
class Cell:
    """A table cell: its text and an optional CSS class (``pass``/``fail``/``num``)."""

    text: str
    css: str = ""


@dataclass(frozen=True)
class Line:
    """A numbered source line; ``current`` marks the line the error points at."""

    number: int
    text: str
    current: bool


@dataclass(frozen=True)
class Excerpt:
    """The student's code around a line (of a notebook cell when ``cell`` is set)."""

    lines: tuple[Line, ...]
    file: str | None
    cell: int | None
    line: int


@dataclass(frozen=True)
class Block:
    """One piece of evidence: ``facts``, a ``table``, preformatted ``text``, ``code``, raw ``data``, or
    ``more`` (facts of keys without a known label, shown collapsed)."""

    kind: str
    title: str = ""
    facts: tuple[Fact, ...] = ()
    columns: tuple[str, ...] = ()
    numeric: tuple[bool, ...] = ()
    rows: tuple[tuple[Cell, ...], ...] = ()
    text: str = ""
    note: str = ""
    excerpt: Excerpt | None = None


def fmt(value: Any) -> str:
    """A value as a short readable string: numbers to 4 significant digits, lists joined."""
    if value is None:
        return "not a number"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "infinity" if value > 0 else "-infinity"
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        if len(value) > 1 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return "(" + ", ".join(fmt(v) for v in value) + ")"  # a shape or an input row
        return ", ".join(fmt(v) for v in value)
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


ORDINALS = ("first", "second", "third", "fourth", "fifth")


def trial(index: int) -> str:
    """The grader's ``index``-th (from 0) random weights and inputs, as a student reads it."""
    nth = ORDINALS[index] if 0 <= index < len(ORDINALS) else f"#{index + 1}"
    return f"the grader's {nth} random weights and inputs"


def layers_text(value: Any) -> str:
    """``[1]`` as ``layer 1 (W1, b1: the first layer after the input)``; several as ``layers 1 and 2``."""
    layers = [value] if isinstance(value, int) else [v for v in value if isinstance(v, int)] \
        if isinstance(value, list) else []
    if not layers:
        return "every layer"
    names = ", ".join(f"W{k}, b{k}" for k in layers)
    if len(layers) == 1:
        return f"layer {layers[0]} ({names}; layer 1 is the first after the input)"
    return "layers " + ", ".join(str(k) for k in layers[:-1]) + f" and {layers[-1]} ({names})"


def parameter_name(key: str) -> str:
    """``W1@0`` (parameter W1 on the grader's first random weights and inputs) as ``W1``; others as
    ``W1 (second random weights and inputs)``."""
    match = re.fullmatch(r"(.+)@(\d+)", str(key))
    if not match:
        return str(key)
    index = int(match.group(2))
    return match.group(1) if index == 0 else f"{match.group(1)} ({trial(index).removeprefix('the grader')[3:]})"


def where(*, file: Any, cell: Any, line: Any) -> str:
    """``lab.ipynb, cell 3, line 5`` from whichever parts are known."""
    parts = [str(file)] if file else []
    if cell:
        parts.append(f"cell {cell}")
    if line:
        parts.append(f"line {line}")
    return ", ".join(parts)


def worst_table(entries: Iterable[Any], *, array: Any = None, scale: float | None = None) -> Block | None:
    """The entries furthest off: index, got, expected, their difference and relative difference."""
    entries = [e for e in entries if isinstance(e, Mapping)]
    if not entries:
        return None
    name = str(array) if array else "entry"
    extra = [k for k in dict.fromkeys(k for e in entries for k in e) if k not in ("index", "got", "expected")]
    columns = ("Entry", "Yours", "Expected", "Difference", "Relative difference",
               *("Layer" if k == "layer" else _label(k) for k in extra))
    rows = []
    for e in entries:
        index = e.get("index")
        label = f"{name}[{', '.join(str(i) for i in index)}]" if isinstance(index, list) else name
        got, expected = _number(e.get("got")), _number(e.get("expected"))
        diff = rel = "–"
        if got is not None and expected is not None:
            diff = fmt(got - expected)
            rel = fmt(abs(got - expected) / max(abs(got), abs(expected), 1e-300))
        rows.append((Cell(label), Cell(fmt(e.get("got")), "num"), Cell(fmt(e.get("expected")), "num"),
                     Cell(diff, "num"), Cell(rel, "num"), *(Cell(fmt(e.get(k))) for k in extra)))
    note = ""
    if scale is not None and scale > 0 and abs(scale - 1) > 1e-9:
        note = (f"Expected values are the reference's gradients times {fmt(scale)}, the factor that fits your "
                "gradients best, so a different convention (sum or mean) is not counted as an error.")
    return Block(kind="table", title=f"Entries of {name} furthest from the expected values", columns=columns,
                 numeric=(False, True, True, True, True, *(False for _ in extra)), rows=tuple(rows), note=note)


def _per_parameter(values: Mapping[str, Any], *, title: str, column: str,
                   tolerance: float | None = None) -> Block:
    columns: tuple[str, ...] = ("Parameter", column)
    rows = []
    for key, value in values.items():
        cells = [Cell(parameter_name(key)), Cell(fmt(value), "num")]
        number = _number(value)
        if tolerance is not None:
            ok = number is not None and number <= tolerance
            cells.append(Cell("✔ within tolerance" if ok else "✘ off", "pass" if ok else "fail"))
        rows.append(tuple(cells))
    if tolerance is not None:
        columns += (f"Verdict (tolerance {fmt(tolerance)})",)
    return Block(kind="table", title=title, columns=columns, numeric=(False, True, False)[:len(columns)],
                 rows=tuple(rows))


def _mapping_table(key: str, value: Mapping[str, Any]) -> Block:
    return Block(kind="table", title=_label(key), columns=("Name", "Value"), numeric=(False, True),
                 rows=tuple((Cell(parameter_name(k)), Cell(fmt(v), "num")) for k, v in value.items()))


def evidence_blocks(
    evidence: Mapping[str, Any] | None,
    *,
    tolerance: Tolerance | None = None,
    scale: float | None = None,
    skip: Iterable[str] = (),
    excerpt: Excerpter | None = None,
) -> list[Block]:
    """Display blocks for ``evidence``: facts first, then tables, code and text, in the evidence's order.

    ``tolerance`` adds a verdict to per-parameter errors; ``scale`` is the gradient factor the expected
    values of ``worst`` entries were multiplied by; ``excerpt(file=, cell=, line=)`` returns the
    student's code around a location.
    """
    if not evidence:
        return []
    ev = dict(evidence)
    for key in (*PLOTTED, *skip):
        ev.pop(key, None)
    facts: list[Fact] = []
    extra: list[Fact] = []
    blocks: list[Block] = []
    file, cell, line = ev.pop("file", None), ev.pop("cell", None), ev.pop("line", None)
    if file or line:
        facts.append(Fact("Where", where(file=file, cell=cell, line=line)))
        code = excerpt(file=file, cell=cell, line=line) if excerpt and line else None
        if code is not None:
            blocks.append(Block(kind="code", title="Your code there", excerpt=code))
    array = ev.pop("array", None)
    if "mismatched" in ev and "size" in ev:
        facts.append(Fact("Entries off", f"{fmt(ev.pop('mismatched'))} of {fmt(ev.pop('size'))}"))
    traceback = ev.pop("traceback", None)
    for key, value in ev.items():
        if key == "worst" and isinstance(value, list):
            table = worst_table(value, array=array, scale=scale)
            if table:
                blocks.append(table)
        elif key == "relative_errors" and isinstance(value, Mapping):
            blocks.append(_per_parameter(value, title="Relative error per parameter", column="Relative error",
                                         tolerance=tolerance.rtol if tolerance else None))
        elif key == "factors" and isinstance(value, Mapping):
            blocks.append(_per_parameter(value, title="Each parameter's own gradient factor", column="Factor"))
        elif key == "probe" and isinstance(value, int) and not isinstance(value, bool):
            facts.append(Fact(_label(key), trial(value)))
        elif key in ("layer", "layers"):
            if "layers" in ev and key == "layer":
                continue  # one fact for both
            facts.append(Fact(_label(key), layers_text(value)))
        elif key in INTERNAL:
            continue
        elif key == "relative_error" and tolerance is not None and _number(value) is not None:
            facts.append(Fact(_label(key), f"{fmt(value)} (tolerance {fmt(tolerance.rtol)})"))
        elif _scalar(value) or (isinstance(value, list) and all(_scalar(v) for v in value)):
            (facts if key in LABELS else extra).append(Fact(_label(key), fmt(value)))
        elif isinstance(value, Mapping) and all(_scalar(v) for v in value.values()):
            blocks.append(_mapping_table(key, value))
        else:
            blocks.append(Block(kind="data", title=_label(key), text=json.dumps(value, indent=1, default=str)))
    if array is not None and not any(b.title.startswith("Entries of") for b in blocks):
        facts.append(Fact("Array", fmt(array)))
    if extra:
        blocks.append(Block(kind="more", title="More details", facts=tuple(extra)))
    if traceback:
        blocks.append(Block(kind="text", title="Traceback", text=str(traceback)))
    return ([Block(kind="facts", facts=tuple(facts))] if facts else []) + blocks
