"""The engine on a stack of networks: every member gets what a call with its own parameters gets.

The descent check's replays step many stretches at once through parameters with a leading axis; the
gradient checks call the engine with plain parameters. Both must compute the same thing, for every
activation, loss and fault.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from grader.diagnosis.engine import Faults, forward, gradients
from reference import ACTIVATIONS, LOSSES, Network

K = 5  # members of the stack
RTOL = 1e-12

# every kind of fault, on a network with a square hidden weight (W2) so that it can be transposed
FAULTS = {
    "none": Faults(),
    "sign": Faults(sign=True),
    "stale": Faults(stale=frozenset({2, 3})),
    "bias_batch_power": Faults(bias_batch_power=((1, 1), (3, -1))),
    "frozen_bias": Faults(frozen_bias=frozenset({2})),
    "transposed": Faults(transposed=frozenset({2})),
    "derivative_at_z": Faults(derivative_at=((1, "z"),)),
    "derivative_at_sigma_of_a": Faults(derivative_at=((2, "sigma-of-a"),)),
    "skip_derivative": Faults(skip_derivative=frozenset({1, 3})),
    "cross_entropy_delta": Faults(cross_entropy_delta=True),
    "no_bias": Faults(no_bias=frozenset({1, 3})),
    "activation": Faults(activations=((1, "tanh"), (3, "identity"))),
    "several": Faults(sign=True, stale=frozenset({2}), transposed=frozenset({2}), no_bias=frozenset({1})),
}


def _stack(members: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.stack([m[k] for m in members]) for k in members[0]}


def _case(network: Network, seed: int) -> tuple[list[dict[str, np.ndarray]], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    members = [network.init(rng, bias_scale=0.5) for _ in range(K)]
    X = rng.standard_normal((6, network.layers[0]))
    Y = rng.random((6, network.layers[-1]))
    if network.output == "softmax":  # one-hot targets, as the softmax losses expect
        Y = np.eye(network.layers[-1])[rng.integers(network.layers[-1], size=6)]
    return members, X, Y


def _close(got: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-300)


@pytest.mark.parametrize(("hidden", "output", "loss"),
                         list(itertools.product(ACTIVATIONS, ACTIVATIONS, LOSSES)))
def test_a_stack_matches_one_call_per_member(hidden, output, loss):
    network = Network((3, 4, 4, 2), hidden=hidden, output=output, loss=loss)
    members, X, Y = _case(network, seed=len(hidden) * 7 + len(output) + len(loss))
    stacked = _stack(members)
    for name, faults in FAULTS.items():
        with np.errstate(all="ignore"):
            trace = forward(network, stacked, X, faults)
            grads = gradients(network, stacked, X, Y, lr=0.7, faults=faults)
            for k, params in enumerate(members):
                alone = forward(network, params, X, faults)
                for got, expected in zip(trace.activations, alone.activations):
                    _close(got[k], expected)
                single = gradients(network, params, X, Y, lr=0.7, faults=faults)
                assert set(grads) == set(single), name
                for key, expected in single.items():
                    assert grads[key].shape == (K, *expected.shape), (name, key)
                    _close(grads[key][k], expected)


def test_a_stack_without_biases_and_with_one_row():
    """Per-sample steps stack one-row batches: the sizes are those of a member's own (1, out) block."""
    network = Network((2, 3, 3, 1), bias=False, loss="bce")
    members, X, Y = _case(network, seed=3)
    for faults in (Faults(), FAULTS["transposed"], FAULTS["cross_entropy_delta"], FAULTS["bias_batch_power"]):
        grads = gradients(network, _stack(members), X[2:3], Y[2:3], lr=0.5, faults=faults)
        for k, params in enumerate(members):
            for key, expected in gradients(network, params, X[2:3], Y[2:3], lr=0.5, faults=faults).items():
                _close(grads[key][k], expected)


def test_a_stacked_transposed_gradient_still_needs_a_square_weight():
    network = Network((3, 4, 2))
    members, X, Y = _case(network, seed=4)
    with pytest.raises(ValueError, match="not square"):
        gradients(network, _stack(members), X, Y, lr=0.5, faults=Faults(transposed=frozenset({1})))
