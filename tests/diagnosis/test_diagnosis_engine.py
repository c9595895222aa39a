"""The faulty reference computation: no faults is the reference; each fault changes what its check sees."""
from __future__ import annotations

import numpy as np
import pytest

from grader import load_assignment
from grader.spec.assignment import builtin_names
from grader.checks.base import Reference
from grader.checks.gradients import UpdateCheck
from grader.checks.compare import fit_common_factor
from grader.diagnosis import Faults, mutants_for
from grader.diagnosis.engine import forward, gradients

SEEDS = range(6)


def probe_sets(name: str, seed: int):
    """(network, probe cases) for the assignment's sizes and the square sizes."""
    assignment = load_assignment(name)
    reference = Reference(assignment, seed)
    yield assignment.network, reference.probes
    if reference.square is not None:
        yield reference.square.network, reference.square.cases


@pytest.mark.parametrize("name", builtin_names())
def test_no_faults_is_the_reference(name):
    for seed in SEEDS:
        for network, cases in probe_sets(name, seed):
            for case in cases:
                np.testing.assert_allclose(forward(network, case.params, case.X).output, case.output,
                                           rtol=1e-12, atol=1e-15)
                got = gradients(network, case.params, case.X, case.Y, lr=0.5)
                for key, expected in case.gradients.items():
                    np.testing.assert_allclose(got[key], expected, rtol=1e-12, atol=1e-15)


MARGIN = 100  # every mutant stays this many tolerances away from the reference


@pytest.mark.parametrize("name", builtin_names())
def test_every_mutant_fails_its_check_by_a_wide_margin_on_every_seed(name):
    """A forward mutant's outputs, or a backward mutant's gradients (at their best factor), are off by more than
    MARGIN x the check's tolerance: a correct submission cannot match a mutant, and each mutant always fails."""
    assignment = load_assignment(name)
    forward_tol, gradient_tol = assignment.tolerances["forward"], assignment.tolerances["gradients"]
    lr = assignment.probe.lr
    for seed in SEEDS:
        for network, cases in probe_sets(name, seed):
            for mutant in mutants_for(network):
                if mutant.faults.touches_forward:
                    assert any(np.any(np.abs(mutant.outputs(network, c.params, c.X) - c.output)
                                      > MARGIN * (forward_tol.atol + forward_tol.rtol * np.abs(c.output)))
                               for c in cases), (seed, network.layers, mutant.key)
                else:
                    got = {f"{k}@{i}": g for i, c in enumerate(cases)
                           for k, g in mutant.gradients(network, c.params, c.X, c.Y, lr).items()}
                    expected = {f"{k}@{i}": g for i, c in enumerate(cases) for k, g in c.gradients.items()}
                    fit = fit_common_factor(got=got, expected=expected)
                    assert fit.factor <= 0 or max(fit.errors.values()) > MARGIN * gradient_tol.rtol, \
                        (seed, network.layers, mutant.key)


def test_only_stale_weights_depend_on_the_step():
    network = load_assignment("three-layer").network
    case = Reference(load_assignment("three-layer"), 0).probes[0]
    for mutant in mutants_for(network):
        a = mutant.gradients(network, case.params, case.X, case.Y, 0.5)
        b = mutant.gradients(network, case.params, case.X, case.Y, 1.5)
        same = all(np.array_equal(a[k], b[k]) for k in a)
        assert same != mutant.faults.step_dependent, mutant.key
        assert mutant.faults.step_dependent == (mutant.tag == "stale-weights")


def test_stale_weights_scale_with_the_rate_at_the_update_checks_steps():
    """The update check's steps are small enough for a stale update to scale by RATIO within 0.1% (tolerance 1%)."""
    worst = 0.0
    for name in builtin_names():
        assignment = load_assignment(name)
        network = assignment.network
        stale = Faults(stale=frozenset(range(2, network.depth + 1)))
        big = assignment.probe.lr / UpdateCheck.RATIO**3
        for seed in range(10):
            case = Reference(assignment, seed).probes[0]
            for factor in (1.0, 5.0):  # the student's own convention (e.g. a sum over 5 rows)
                changes = [step * factor * np.concatenate([g.ravel() for g in gradients(
                    network, case.params, case.X, case.Y, lr=step * factor, faults=stale).values()])
                           for step in (big, big / UpdateCheck.RATIO)]
                ratio = float(changes[0] @ changes[1] / (changes[1] @ changes[1]))
                worst = max(worst, abs(ratio - UpdateCheck.RATIO) / UpdateCheck.RATIO)
    assert worst < 1e-3


def test_transposing_a_non_square_gradient_is_not_applicable():
    network = load_assignment("two-layer").network
    case = Reference(load_assignment("two-layer"), 0).probes[0]
    with pytest.raises(ValueError, match="not square"):
        gradients(network, case.params, case.X, case.Y, lr=0.5, faults=Faults(transposed=frozenset({1})))


def test_merge_unites_faults_and_refuses_contradictions():
    a = Faults(sign=True, skip_derivative=frozenset({1}), activations=((1, "tanh"),))
    b = Faults(stale=frozenset({2}), activations=((2, "relu"),))
    merged = a.merge(b)
    assert merged == Faults(sign=True, skip_derivative=frozenset({1}), stale=frozenset({2}),
                            activations=((1, "tanh"), (2, "relu")))
    assert a.merge(Faults(activations=((1, "relu"),))) is None
    assert a.merge(Faults()) == a


def test_mutants_do_not_modify_their_inputs():
    network = load_assignment("deep-relu-softmax").network
    case = Reference(load_assignment("deep-relu-softmax"), 0).probes[0]
    before = {k: v.copy() for k, v in case.params.items()}
    for mutant in mutants_for(network):
        first = mutant.gradients(network, case.params, case.X, case.Y, 0.1)
        again = mutant.gradients(network, case.params, case.X, case.Y, 0.1)
        assert all(np.array_equal(first[k], again[k]) for k in first)
    assert all(np.array_equal(before[k], case.params[k]) for k in before)
