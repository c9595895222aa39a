"""Binding: how the grader drives a student's network through the worker.

Every binding gives fresh network states (:meth:`create`) that speak the
reference's row-major convention (``X`` is ``(N, in)``, ``W`` is ``(in, out)``,
``b`` is ``(1, out)``) whatever the student's layout is, with ``params()``,
``set_params()``, ``set_lr()``, ``forward(X)``, ``loss(Y, Y_pred)``,
``step(X, Y)`` and ``train(X, Y, epochs=...)`` (``run=`` when a run is split over several calls).

- :mod:`~grader.binding.canonical`: the template's class, as the spec names it (:class:`ClassBinding`).
- :mod:`~grader.binding.detect`: free-style code: candidates from the styles below, probed against
  the reference's forward pass (:func:`bind`).
- Styles: :mod:`~grader.binding.classes` (class methods), :mod:`~grader.binding.functions` (functions
  with explicit parameters; with :mod:`~grader.binding.dicts` a parameter dict and
  :mod:`~grader.binding.lists` weight/bias lists), :mod:`~grader.binding.toplevel` (module-level
  globals with a one-step train function).
- The engine they share: :mod:`~grader.binding.plan`; names: :mod:`~grader.binding.names`; shapes:
  :mod:`~grader.binding.structure`; probing: :mod:`~grader.binding.probe`; steps and gradients:
  :mod:`~grader.binding.steps`.
"""
from __future__ import annotations

from grader.binding.base import Layout, SplitRun, missing
from grader.binding.canonical import BoundNet, ClassBinding
from grader.binding.detect import DetectionInterrupted, bind
from grader.binding.plan import PlanBinding, PlanNet
from grader.binding.source import SourceIndex

Binding = ClassBinding | PlanBinding

__all__ = ["Binding", "BoundNet", "ClassBinding", "DetectionInterrupted", "Layout", "PlanBinding",
           "PlanNet", "SourceIndex", "SplitRun", "bind", "missing"]
