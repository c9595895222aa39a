"""Geometry of the inline SVG charts (grader/reports/plots.py)."""
from __future__ import annotations

import math

import pytest

from grader.reports.plots import (BOTTOM, HEIGHT, LABEL_GAP, LEFT, RIGHT, TOP, WIDTH, loss_plot, nice_step,
                                  score_bins, score_histogram)


def points(curve) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in curve.points.split()]


@pytest.mark.parametrize("span, step", [(2000, 500), (100, 50), (7, 2), (1, 0.5), (0, 1.0)])
def test_nice_step(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_loss_plot_maps_epochs_and_log_losses_into_the_axes():
    evidence = {"student_curve": {"epoch": [0, 1000, 2000], "loss": [0.5, 0.05, 0.002]},
                "reference_curve": {"epoch": [0, 1000, 2000], "loss": [0.5, 0.01, 0.0008]}}
    plot = loss_plot(evidence)
    assert [t.label for t in plot.y_ticks] == ["1e-4", "0.001", "0.01", "0.1", "1"]
    assert [t.label for t in plot.x_ticks] == ["0", "500", "1000", "1500", "2000"]
    student = points(plot.student)
    assert student[0][0] == LEFT and student[-1][0] == WIDTH - RIGHT
    assert all(TOP <= y <= HEIGHT - BOTTOM for _, y in student + points(plot.reference))
    assert student[0][1] < student[1][1] < student[2][1]  # lower loss, lower on the page (larger y)
    # one decade is the same height everywhere on a log scale
    decades = [t.position for t in plot.y_ticks]
    assert len({round(b - a, 6) for a, b in zip(decades, decades[1:])}) == 1
    y_of_001 = plot.y_ticks[[t.label for t in plot.y_ticks].index("0.01")].position
    assert student[1][1] == pytest.approx(y_of_001 - (math.log10(0.05) + 2) * (decades[0] - decades[1]), abs=0.1)
    assert plot.student.last == 0.002 and plot.reference.first == 0.5


def test_end_labels_of_curves_ending_together_do_not_overlap():
    same = {"epoch": [0, 10], "loss": [0.4, 0.001]}
    plot = loss_plot({"student_curve": same, "reference_curve": same})
    assert plot.student.end_y == plot.reference.end_y
    assert plot.reference.label_y - plot.student.label_y >= LABEL_GAP - 1e-9
    assert TOP <= plot.student.label_y and plot.reference.label_y <= HEIGHT - BOTTOM


def test_loss_plot_skips_what_it_cannot_draw():
    assert loss_plot({}) is None
    assert loss_plot({"student_curve": {"epoch": [0, 1], "loss": [None, float("nan")]}}) is None
    assert loss_plot({"student_curve": "not a curve", "reference_curve": {"epoch": [], "loss": []}}) is None
    only_reference = loss_plot({"student_curve": {"epoch": [0], "loss": [-1.0]},
                                "reference_curve": {"epoch": [0, 5], "loss": [0.3, 0.3]}})
    assert only_reference.student is None and len(points(only_reference.reference)) == 2
    assert [t.label for t in only_reference.y_ticks] == ["0.1", "1"]  # a flat curve still gets one decade


def test_score_bins():
    assert [b[2] for b in score_bins(max_score=10)] == [str(k) for k in range(11)]
    hundred = score_bins(max_score=100)
    assert len(hundred) == 10 and hundred[0][2] == "0–10" and hundred[-1][:2] == (90, 100)
    assert len(score_bins(max_score=7.5)) == 10
    assert score_bins(max_score=0) == [(0.0, 0.0, "0")]


def test_histogram_counts_and_bar_heights():
    histogram = score_histogram(scores=[10, 10, 5, 0, 9.5], max_score=10)
    counts = {b.label: b.count for b in histogram.bars}
    assert counts["10"] == 2 and counts["5"] == 1 and counts["0"] == 1 and counts["9"] == 1
    assert sum(counts.values()) == histogram.total == 5 and histogram.busiest == 2
    tallest = max(b.height for b in histogram.bars)
    for bar in histogram.bars:
        assert bar.height == pytest.approx(tallest * bar.count / 2)
    assert score_histogram(scores=[100], max_score=100).bars[-1].count == 1  # the maximum is in the last bin
    assert score_histogram(scores=[], max_score=10).total == 0
