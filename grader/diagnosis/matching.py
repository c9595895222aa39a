"""Matching what the student's code produced against the mutants, on the grader's probes.

Forward outputs match a mutant when every entry is within the forward
check's tolerance (``|got - expected| <= atol + rtol * |expected|``): outputs
have no free scale. Gradients match a mutant under the gradient check's own
rule: one common positive factor ``c`` (least squares over every parameter
and probe, :func:`~grader.checks.compare.fit_common_factor`) with each array's
relative error against ``c * mutant`` at most the check's ``rtol``.

Mutants whose gradients depend on the step (stale weights) are evaluated at
the step the student's update really took, ``lr * c``: ``c`` is first fitted
on the layers the stale update cannot reach (the output side of the stale
matrix), then the mutant is recomputed at that step and fitted as a whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from numpy import ndarray

from grader.spec.assignment import Tolerance
from grader.checks.compare import fit_common_factor
from grader.diagnosis.engine import forward, gradients
from grader.diagnosis.mutants import FORWARD_TAGS, Hypothesis, Mutant, mutants_for, pairs, singles
from reference import Network


@dataclass(frozen=True)
class Observation:
    """What the student's code produced on one probe: ``got`` maps names to arrays.

    For the forward check ``got`` is ``{"output": forward(X)}``; for the
    gradient check it holds every parameter's ``(before - after) / lr``.
    """

    params: Mapping[str, ndarray]
    X: ndarray
    Y: ndarray
    got: Mapping[str, ndarray]


@dataclass(frozen=True)
class Match:
    """The simplest hypothesis that reproduces the student's arrays, and how well."""

    hypothesis: Hypothesis
    factor: float
    residual: float
    step: float

    @property
    def mutants(self) -> tuple[Mutant, ...]:
        return self.hypothesis.mutants


def keyed(observations: Sequence[Observation]) -> dict[str, ndarray]:
    """Every observed array, keyed ``name@probe``."""
    return {f"{name}@{i}": np.asarray(value, dtype=np.float64)
            for i, obs in enumerate(observations) for name, value in obs.got.items()}


def layer_of(key: str) -> int:
    """The layer of a ``W2@0``-style key."""
    return int(key.split("@")[0][1:])


def _expected_gradients(network: Network, observations: Sequence[Observation], h: Hypothesis,
                        step: float) -> dict[str, ndarray]:
    out = {}
    for i, obs in enumerate(observations):
        for name, g in gradients(network, obs.params, obs.X, obs.Y, lr=step, faults=h.faults).items():
            out[f"{name}@{i}"] = g
    return out


def hypothesis_gradients(
    *, network: Network, observations: Sequence[Observation], got: Mapping[str, ndarray], h: Hypothesis, lr: float
) -> tuple[dict[str, ndarray], float] | None:
    """The hypothesis' gradients keyed like ``got``, and the step they were computed at (None: not applicable).

    A step-dependent hypothesis is computed at ``lr * c``, with ``c`` fitted on
    the parameters its stale update cannot reach.
    """
    with np.errstate(all="ignore"):
        try:
            expected = _expected_gradients(network, observations, h, lr)
        except ValueError:
            return None
        step = lr
        if h.faults.step_dependent:
            top = max(h.faults.stale)
            anchor = [k for k in expected if layer_of(k) >= top]
            c = fit_common_factor(got={k: got[k] for k in anchor}, expected={k: expected[k] for k in anchor}).factor
            if not (np.isfinite(c) and c > 0):
                return None
            step = lr * c
            expected = _expected_gradients(network, observations, h, step)
    if not all(np.all(np.isfinite(v)) for v in expected.values()):
        return None
    return expected, step


def _hopeless(got: ndarray, expected: ndarray, rtol: float) -> bool:
    """A quick necessary test: no array can be within ``rtol`` if the whole is not (same common factor)."""
    den = float(expected @ expected)
    if den <= 0:
        return True
    c = float(got @ expected) / den
    scale = max(float(np.max(np.abs(c * expected), initial=0.0)), float(np.max(np.abs(got), initial=0.0)), 1e-12)
    return c <= 0 or float(np.max(np.abs(got - c * expected), initial=0.0)) / scale > rtol


def _hypotheses(network: Network, *, forward_only: bool, require: str | None) -> Iterable[Hypothesis]:
    mutants = tuple(m for m in mutants_for(network) if not forward_only or m.tag in FORWARD_TAGS)
    for pool in (singles(mutants), pairs(mutants)):
        for h in pool:
            if require is None or require in h.tags:
                yield h


def match_gradients(
    *,
    network: Network,
    observations: Sequence[Observation],
    lr: float,
    tolerance: Tolerance,
    require: str | None = None,
) -> Match | None:
    """The simplest mutant (or pair) whose gradients the student's update reproduces, if any.

    ``lr`` is the learning rate the grader set for the step; ``require``
    keeps only hypotheses that include that tag.
    """
    got = keyed(observations)
    if not all(np.all(np.isfinite(v)) for v in got.values()):
        return None
    keys = list(got)
    flat = np.concatenate([got[k].ravel() for k in keys])
    for h in _hypotheses(network, forward_only=False, require=require):
        result = hypothesis_gradients(network=network, observations=observations, got=got, h=h, lr=lr)
        if result is None:
            continue
        expected, step = result
        if _hopeless(flat, np.concatenate([expected[k].ravel() for k in keys]), tolerance.rtol):
            continue
        fit = fit_common_factor(got=got, expected=expected)
        if fit.ok(tolerance):
            return Match(hypothesis=h, factor=fit.factor, residual=max(fit.errors.values(), default=0.0), step=step)
    return None


def _close(got: ndarray, expected: ndarray, tolerance: Tolerance) -> bool:
    return got.shape == expected.shape and bool(
        np.all(np.abs(got - expected) <= tolerance.atol + tolerance.rtol * np.abs(expected)))


def match_forward(
    *, network: Network, observations: Sequence[Observation], tolerance: Tolerance
) -> Match | None:
    """The simplest forward mutant (or pair) whose outputs equal the student's on every probe, if any."""
    got = [np.asarray(obs.got["output"], dtype=np.float64) for obs in observations]
    if not all(np.all(np.isfinite(g)) for g in got):
        return None
    with np.errstate(all="ignore"):
        for h in _hypotheses(network, forward_only=True, require=None):
            outputs = [forward(network, obs.params, obs.X, h.faults).output for obs in observations]
            if all(_close(g, e, tolerance) for g, e in zip(got, outputs)):
                residual = max(float(np.max(np.abs(g - e), initial=0.0)) for g, e in zip(got, outputs))
                return Match(hypothesis=h, factor=1.0, residual=residual, step=0.0)
    return None
