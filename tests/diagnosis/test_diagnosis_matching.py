"""Matching observed arrays against the mutants, in the grader's process, on the grader's own probes.

The tolerances are the checks' own (rtol 1e-6 on the gradients after one common positive factor, rtol 1e-6 /
atol 1e-9 element-wise on the outputs). Both directions are proven here: every mutant is recovered from its
own output at any factor, and the reference itself (at any factor) is never matched, on many seeds.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader import load_assignment
from grader.spec.assignment import builtin_names
from grader.checks.base import Reference
from grader.diagnosis import Faults, Observation, match_forward, match_gradients, mutants_for
from grader.diagnosis.engine import gradients

FACTORS = (0.2, 2.5)


def _probe_sets(name: str, seed: int):
    assignment = load_assignment(name)
    reference = Reference(assignment, seed)
    yield assignment.network, reference.probes
    if reference.square is not None:
        yield reference.square.network, reference.square.cases


def _observe(network, cases, faults: Faults, *, lr: float, factor: float, noise: float = 0.0, seed: int = 0):
    """What a student with ``faults`` and gradient convention ``factor`` would show the gradient check."""
    rng = np.random.default_rng(seed)
    out = []
    for case in cases:
        g = gradients(network, case.params, case.X, case.Y, lr=lr * factor, faults=faults)
        got = {k: factor * v * (1 + noise * rng.standard_normal(v.shape)) for k, v in g.items()}
        out.append(Observation(params=case.params, X=case.X, Y=case.Y, got=got))
    return out


def _identifiable(network, cases, mutant, lr: float) -> bool:
    """The mutant changes some gradient (a dead ReLU output can make every gradient zero on a probe set)."""
    return any(np.any(g) for case in cases
               for g in mutant.gradients(network, case.params, case.X, case.Y, lr).values())


@pytest.mark.parametrize("name", builtin_names())
def test_every_mutant_is_recovered_at_any_factor(name):
    assignment = load_assignment(name)
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    for seed in range(2):
        for network, cases in _probe_sets(name, seed):
            for mutant in mutants_for(network):
                if not _identifiable(network, cases, mutant, lr):
                    continue
                for factor in FACTORS:
                    observed = _observe(network, cases, mutant.faults, lr=lr, factor=factor)
                    match = match_gradients(network=network, observations=observed, lr=lr, tolerance=tol)
                    assert match is not None, (seed, network.layers, mutant.key, factor)
                    found = match.mutants[0]
                    # Equal on these probes: the same mistake on the same layers (relu and no activation coincide
                    # at the output when every output pre-activation is positive).
                    assert len(match.mutants) == 1 and (found.tag, found.layers) == (mutant.tag, mutant.layers), \
                        (seed, network.layers, mutant.key, match.hypothesis.key)
                    assert match.factor == pytest.approx(factor, rel=1e-9)


@pytest.mark.parametrize("name", builtin_names())
def test_the_reference_is_never_matched(name):
    """No false alarm: the correct gradients, in any convention, match no mutant and no pair (10 seeds)."""
    assignment = load_assignment(name)
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    for seed in range(10):
        cases = Reference(assignment, seed).probes
        for factor in (1.0, 5.0):
            observed = _observe(assignment.network, cases, Faults(), lr=lr, factor=factor)
            assert match_gradients(network=assignment.network, observations=observed, lr=lr, tolerance=tol) is None
        outputs = [Observation(params=c.params, X=c.X, Y=c.Y, got={"output": c.output}) for c in cases]
        assert match_forward(network=assignment.network, observations=outputs,
                             tolerance=assignment.tolerances["forward"]) is None


@pytest.mark.parametrize("name", builtin_names())
def test_matching_respects_the_tolerance(name):
    """Noise 1000 x below the tolerance still matches; noise 100 x above it matches nothing."""
    assignment = load_assignment(name)
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    network, cases = assignment.network, Reference(assignment, 3).probes
    mutant = next(m for m in mutants_for(network) if m.tag == "missing-activation-derivative")
    close = _observe(network, cases, mutant.faults, lr=lr, factor=2.5, noise=tol.rtol / 1000, seed=1)
    far = _observe(network, cases, mutant.faults, lr=lr, factor=2.5, noise=tol.rtol * 100, seed=1)
    assert match_gradients(network=network, observations=close, lr=lr, tolerance=tol).hypothesis.key == mutant.key
    assert match_gradients(network=network, observations=far, lr=lr, tolerance=tol) is None


def test_stale_weights_are_evaluated_at_the_students_own_step():
    """A sum-convention student (factor 5) updates W2 by 5 x lr x dW2: the mutant must use that step."""
    assignment = load_assignment("two-layer")
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    network, cases = assignment.network, Reference(assignment, 0).probes
    stale = Faults(stale=frozenset({2}))
    match = match_gradients(network=network, observations=_observe(network, cases, stale, lr=lr, factor=5.0),
                            lr=lr, tolerance=tol)
    assert match.hypothesis.key == "stale-weights@2"
    assert match.step == pytest.approx(5.0 * lr, rel=1e-9)
    # Evaluated at the probe rate alone it would not fit: the step matters.
    wrong_step = _observe(network, cases, stale, lr=lr, factor=1.0)
    scaled = [Observation(o.params, o.X, o.Y, {k: 5.0 * v for k, v in o.got.items()}) for o in wrong_step]
    found = match_gradients(network=network, observations=scaled, lr=lr, tolerance=tol)
    assert found is None or found.hypothesis.key != "stale-weights@2"


@pytest.mark.parametrize(("name", "keys"), [
    ("two-layer", ("gradient-sign", "missing-activation-derivative@1")),
    ("two-layer", ("cross-entropy-gradient@2", "missing-activation-derivative@1")),
    ("three-layer", ("gradient-scale-inconsistent@1,2,3:bias-mean", "stale-weights@2,3")),
    ("deep-relu-softmax", ("missing-bias-gradient@1,2,3", "forward-missing-bias@1,2,3")),
])
def test_two_mistakes_at_once_are_recovered_as_a_pair(name, keys):
    assignment = load_assignment(name)
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    network, cases = assignment.network, Reference(assignment, 0).probes
    chosen = [m for m in mutants_for(network) if m.key in keys]
    faults = chosen[0].faults.merge(chosen[1].faults)
    match = match_gradients(network=network, observations=_observe(network, cases, faults, lr=lr, factor=2.5),
                            lr=lr, tolerance=tol)
    assert match is not None and {m.key for m in match.mutants} == set(keys)


def test_require_keeps_only_hypotheses_with_that_tag():
    assignment = load_assignment("two-layer")
    reference = Reference(assignment, 0)
    lr, tol = assignment.probe.lr, assignment.tolerances["gradients"]
    network, cases = reference.square.network, reference.square.cases
    sign = _observe(network, cases, Faults(sign=True), lr=lr, factor=1.0)
    assert match_gradients(network=network, observations=sign, lr=lr, tolerance=tol).hypothesis.key == "gradient-sign"
    assert match_gradients(network=network, observations=sign, lr=lr, tolerance=tol,
                           require="transposed-gradient") is None
    both = _observe(network, cases, Faults(sign=True, transposed=frozenset({1})), lr=lr, factor=1.0)
    found = match_gradients(network=network, observations=both, lr=lr, tolerance=tol, require="transposed-gradient")
    assert {m.tag for m in found.mutants} == {"gradient-sign", "transposed-gradient"}


@pytest.mark.parametrize("name", builtin_names())
def test_forward_mutants_are_recovered_exactly_and_only_exactly(name):
    assignment = load_assignment(name)
    tol = assignment.tolerances["forward"]
    network, cases = assignment.network, Reference(assignment, 1).probes
    for mutant in (m for m in mutants_for(network) if m.faults.touches_forward):
        outputs = [Observation(c.params, c.X, c.Y, {"output": mutant.outputs(network, c.params, c.X)}) for c in cases]
        match = match_forward(network=network, observations=outputs, tolerance=tol)
        assert match is not None and (match.mutants[0].tag, match.mutants[0].layers) == (mutant.tag, mutant.layers)
        scaled = [Observation(o.params, o.X, o.Y, {"output": 1.01 * o.got["output"]}) for o in outputs]
        assert match_forward(network=network, observations=scaled, tolerance=tol) is None, mutant.key
