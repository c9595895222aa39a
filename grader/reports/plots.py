"""Geometry of the inline SVG charts: the loss curves of a mark sheet and the class's score histogram.

Only numbers and labels are computed here; the markup is in the templates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

# The loss plot: a viewBox of WIDTH x HEIGHT with the axes inside the margins.
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 80, 160, 16, 48
LABEL_GAP = 14  # the smallest vertical distance between two end-of-line labels


@dataclass(frozen=True)
class Tick:
    """An axis tick: where it is (in SVG units) and its label."""

    position: float
    label: str


@dataclass(frozen=True)
class Curve:
    """One loss curve as an SVG ``points`` string, with its last value and where to label it."""

    points: str
    count: int
    first: float | None
    last: float | None
    end_x: float
    end_y: float
    label_y: float


@dataclass(frozen=True)
class LossPlot:
    """The student's and the reference's loss per epoch on a log scale."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    x_max: int
    student: Curve | None
    reference: Curve | None


def _finite_positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _decade_label(power: int) -> str:
    return f"{10.0 ** power:g}" if power >= -3 else f"1e{power}"


def nice_step(span: float, target: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``target`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def _curve_data(curve: Any) -> tuple[list[float], list[float]] | None:
    if not isinstance(curve, dict):
        return None
    epochs, losses = curve.get("epoch"), curve.get("loss")
    if not isinstance(epochs, list) or not isinstance(losses, list) or not epochs:
        return None
    return epochs, losses


def loss_plot(evidence: dict[str, Any]) -> LossPlot | None:
    """The plot of the ``descent`` evidence, or None when it holds no finite positive loss."""
    curves = {name: _curve_data(evidence.get(f"{name}_curve")) for name in ("student", "reference")}
    curves = {k: v for k, v in curves.items() if v is not None}
    values = [v for _, losses in curves.values() for v in losses if _finite_positive(v)]
    if not values:
        return None
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    hi = hi if hi > lo else lo + 1
    x_max = max(int(max(e for e in epochs if isinstance(e, (int, float)))) for epochs, _ in curves.values()) or 1
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(epoch: float) -> float:
        return LEFT + inner_w * epoch / x_max

    def y_of(loss: float) -> float:
        return TOP + inner_h * (1 - (math.log10(loss) - lo) / (hi - lo))

    def build(name: str) -> Curve | None:
        if name not in curves:
            return None
        epochs, losses = curves[name]
        pairs = [(e, v) for e, v in zip(epochs, losses) if isinstance(e, (int, float)) and _finite_positive(v)]
        if not pairs:
            return None
        points = " ".join(f"{x_of(e):.1f},{y_of(v):.1f}" for e, v in pairs)
        first = losses[0] if _finite_positive(losses[0]) else None
        last = losses[-1] if _finite_positive(losses[-1]) else None
        end_e, end_v = pairs[-1]
        return Curve(points=points, count=len(pairs), first=first, last=last, end_x=x_of(end_e), end_y=y_of(end_v),
                     label_y=y_of(end_v))

    student, reference = build("student"), build("reference")
    student, reference = _separate_labels(student, reference)
    step = nice_step(x_max)
    x_ticks = tuple(Tick(x_of(e), f"{e:g}") for e in _range(0, x_max, step))
    y_ticks = tuple(Tick(y_of(10.0 ** p), _decade_label(p)) for p in range(lo, hi + 1))
    return LossPlot(width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=HEIGHT - BOTTOM,
                    x_ticks=x_ticks, y_ticks=y_ticks, x_max=x_max, student=student, reference=reference)


def _range(start: float, stop: float, step: float) -> list[float]:
    count = int(math.floor((stop - start) / step + 1e-9))
    return [start + i * step for i in range(count + 1)]


def _separate_labels(a: Curve | None, b: Curve | None) -> tuple[Curve | None, Curve | None]:
    """Move the end labels of two curves apart when they would overlap."""
    if a is None or b is None or abs(a.label_y - b.label_y) >= LABEL_GAP:
        return a, b
    middle = (a.label_y + b.label_y) / 2
    upper, lower = middle - LABEL_GAP / 2, middle + LABEL_GAP / 2
    shift = max(lower - (HEIGHT - BOTTOM), 0) - max(TOP + 4 - upper, 0)  # keep both inside the plot
    upper, lower = upper - shift, lower - shift
    a_up = a.label_y <= b.label_y
    return (_with_label(a, upper if a_up else lower), _with_label(b, lower if a_up else upper))


def _with_label(curve: Curve, y: float) -> Curve:
    return Curve(points=curve.points, count=curve.count, first=curve.first, last=curve.last, end_x=curve.end_x,
                 end_y=curve.end_y, label_y=y)


# -- the class's score histogram -------------------------------------------------------------------

H_WIDTH, H_HEIGHT = 640, 220
H_LEFT, H_RIGHT, H_TOP, H_BOTTOM = 48, 16, 24, 44


@dataclass(frozen=True)
class Bar:
    """One bin of the histogram: its label, how many scores fell in it, and its rectangle."""

    label: str
    low: float
    high: float
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    """Scores binned from 0 to the maximum."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    bars: tuple[Bar, ...]
    y_ticks: tuple[Tick, ...]
    total: int

    @property
    def busiest(self) -> int:
        return max((b.count for b in self.bars), default=0)


def score_bins(*, max_score: float) -> list[tuple[float, float, str]]:
    """(low, high, label) bins: one per point up to 20 points, else ten equal bins; the last includes the max."""
    if max_score <= 0:
        return [(0.0, 0.0, "0")]
    if max_score <= 20 and float(max_score).is_integer():
        return [(float(k), float(k + 1), f"{k}") for k in range(int(max_score) + 1)]
    width = max_score / 10
    return [(i * width, (i + 1) * width, f"{i * width:g}–{(i + 1) * width:g}") for i in range(10)]


def score_histogram(*, scores: Sequence[float], max_score: float) -> Histogram:
    """The histogram of ``scores`` (points out of ``max_score``)."""
    bins = score_bins(max_score=max_score)
    counts = [0] * len(bins)
    for score in scores:
        index = next((i for i, (low, high, _) in enumerate(bins) if low <= score < high), len(bins) - 1)
        counts[index] += 1
    busiest = max(counts, default=0) or 1
    inner_w, inner_h = H_WIDTH - H_LEFT - H_RIGHT, H_HEIGHT - H_TOP - H_BOTTOM
    slot = inner_w / len(bins)
    bars = []
    for (low, high, label), count in zip(bins, counts):
        height = inner_h * count / busiest
        x = H_LEFT + slot * len(bars) + slot * 0.1
        bars.append(Bar(label=label, low=low, high=high, count=count, x=x, y=H_TOP + inner_h - height,
                        width=slot * 0.8, height=height))
    step = max(1, int(nice_step(busiest, target=4)))
    y_ticks = tuple(Tick(H_TOP + inner_h * (1 - n / busiest), str(n)) for n in range(0, busiest + 1, step))
    return Histogram(width=H_WIDTH, height=H_HEIGHT, left=H_LEFT, right=H_WIDTH - H_RIGHT, top=H_TOP,
                     bottom=H_HEIGHT - H_BOTTOM, bars=tuple(bars), y_ticks=y_ticks, total=len(scores))
