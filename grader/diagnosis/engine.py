"""The computation every mutant is a variant of: the reference's forward and backward pass, with faults.

:class:`Faults` lists departures from the reference computation (an empty
``Faults()`` *is* the reference computation); :func:`forward` and
:func:`gradients` run the reference's building blocks (``dense_forward``,
the activations and losses of :mod:`reference`) with those faults applied.
Both are pure functions of their arguments and run in the grader's process.

The parameters may carry leading stack axes, e.g. ``W1`` of shape ``(K, in, out)``: the K networks then
run on the same rows at once, each with its own result (a replay of many stretches of epochs costs about
as many numpy calls as one). Every formula works on the trailing ``(N, out)`` block, so an un-stacked
call computes exactly what it always did.

Layers are numbered from 1 (``W1``, ``b1``) to ``network.depth``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np
from numpy import ndarray

from reference import ACTIVATIONS, LOSSES, Network, Trace
from reference.activations import Activation
from reference.layers import dense_forward
from reference.losses import block_entries

# Where a sigmoid/tanh derivative formula is evaluated by mistake:
#   "z":          the formula in terms of the activation applied to the pre-activation, Z*(1-Z)
#   "sigma-of-a": the formula in terms of the pre-activation applied to the activation, s(A)*(1-s(A))
DERIVATIVE_PLACES = ("z", "sigma-of-a")


@dataclass(frozen=True)
class Faults:
    """Departures from the reference computation, each naming the layers it affects.

    Pairs ``(layer, value)`` are kept as sorted tuples so that a ``Faults`` is
    hashable and two equal sets of faults compare equal.
    """

    no_bias: frozenset[int] = frozenset()                 # forward: z = a @ W, without b
    activations: tuple[tuple[int, str], ...] = ()         # forward: another activation on a layer
    sign: bool = False                                    # every gradient negated
    bias_batch_power: tuple[tuple[int, int], ...] = ()    # bias gradient times N**p (N = batch rows)
    frozen_bias: frozenset[int] = frozenset()             # bias gradient zero
    cross_entropy_delta: bool = False                     # output delta (A - Y) under a squared error
    skip_derivative: frozenset[int] = frozenset()         # activation derivative left out
    derivative_at: tuple[tuple[int, str], ...] = ()       # derivative formula at the wrong place
    transposed: frozenset[int] = frozenset()              # weight gradient transposed (square W only)
    stale: frozenset[int] = frozenset()                   # error sent back through the updated W

    @property
    def touches_forward(self) -> bool:
        """The forward pass itself differs from the reference."""
        return bool(self.no_bias or self.activations)

    @property
    def step_dependent(self) -> bool:
        """The gradients depend on the step size (the update happens before backprop ends)."""
        return bool(self.stale)

    def merge(self, other: Faults) -> Faults | None:
        """Both sets of faults at once, or None when they contradict each other on a layer."""
        values: dict[str, object] = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, bool):
                values[f.name] = mine or theirs
            elif isinstance(mine, frozenset):
                values[f.name] = mine | theirs
            else:
                joined = dict(mine)
                for layer, value in theirs:
                    if joined.get(layer, value) != value:
                        return None
                    joined[layer] = value
                values[f.name] = tuple(sorted(joined.items()))
        return Faults(**values)  # type: ignore[arg-type]


def assigned_activation(network: Network, layer: int) -> str:
    """The activation the assignment asks for on ``layer``."""
    return network.output if layer == network.depth else network.hidden


def fused_output(network: Network) -> bool:
    """The output delta is the fused form (A - Y) scaled: sigmoid with BCE, softmax with softmax CE."""
    return (network.output, network.loss) in (("sigmoid", "bce"), ("softmax", "softmax_ce"))


def _activations(network: Network, faults: Faults) -> dict[int, Activation]:
    """The activation actually used on every layer (a fault may replace the assigned one), looked up once
    per pass rather than once per layer and direction."""
    chosen = dict(faults.activations)
    return {layer: ACTIVATIONS[chosen.get(layer, assigned_activation(network, layer))]
            for layer in range(1, network.depth + 1)}


def forward(network: Network, params: Mapping[str, ndarray], X: ndarray, faults: Faults = Faults()) -> Trace:
    """The forward pass with ``faults``: inputs, pre-activations and activations of every layer."""
    return _forward(network, params, X, faults, _activations(network, faults))


def _forward(network: Network, params: Mapping[str, ndarray], X: ndarray, faults: Faults,
             acts_of: Mapping[int, Activation]) -> Trace:
    a = np.asarray(X, dtype=np.float64)
    inputs, zs, acts = [], [], []
    for layer in range(1, network.depth + 1):
        W = np.asarray(params[f"W{layer}"], dtype=np.float64)
        b = params[f"b{layer}"] if network.bias and layer not in faults.no_bias else None
        z = dense_forward(a, W, None if b is None else np.asarray(b, dtype=np.float64))
        inputs.append(a)
        zs.append(z)
        a = acts_of[layer].forward(z)
        acts.append(a)
    return Trace(inputs=inputs, zs=zs, activations=acts)


def _derivative(act: Activation, faults: Faults, layer: int, z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    """dL/dz of ``layer`` (whose activation is ``act``) from dL/da, with that layer's derivative faults."""
    if layer in faults.skip_derivative:
        return grad_a
    place = dict(faults.derivative_at).get(layer)
    if place == "z":
        return act.backward(z, z, grad_a)
    if place == "sigma-of-a":
        return act.backward(a, act.forward(a), grad_a)
    return act.backward(z, a, grad_a)


def _output_delta(network: Network, faults: Faults, act: Activation, trace: Trace, Y: ndarray) -> ndarray:
    """dL/dz at the output layer (the reference's formulas, or the faulty ones); sizes are those of one
    network's ``(N, out)`` block."""
    z, a = trace.zs[-1], trace.activations[-1]
    if faults.cross_entropy_delta:
        return (a - Y) / block_entries(a)
    if fused_output(network):
        # the fused form; a student who changed the output activation keeps it
        return (a - Y) / (block_entries(a) if network.loss == "bce" else a.shape[-2])
    return _derivative(act, faults, network.depth, z, a, LOSSES[network.loss].grad(a, Y))


def gradients(
    network: Network,
    params: Mapping[str, ndarray],
    X: ndarray,
    Y: ndarray,
    *,
    lr: float,
    faults: Faults = Faults(),
) -> dict[str, ndarray]:
    """The gradients a backward pass with ``faults`` applies, i.e. ``(before - after) / lr``.

    ``lr`` is the step the update uses; only stale-weight faults depend on it
    (the error goes back through ``W - lr * dW``). Raises ValueError for a
    transposed gradient of a matrix that is not square.
    """
    Y = np.asarray(Y, dtype=np.float64)
    acts = _activations(network, faults)
    trace = _forward(network, params, X, faults, acts)
    rows = trace.inputs[0].shape[-2]
    sign = -1.0 if faults.sign else 1.0
    powers = dict(faults.bias_batch_power)
    delta = _output_delta(network, faults, acts[network.depth], trace, Y)
    grads: dict[str, ndarray] = {}
    with np.errstate(all="ignore"):
        for layer in range(network.depth, 0, -1):
            gW = trace.inputs[layer - 1].swapaxes(-1, -2) @ delta
            if layer in faults.transposed:
                if gW.shape[-2] != gW.shape[-1]:
                    raise ValueError(f"W{layer} is not square: its gradient cannot be transposed in place")
                gW = gW.swapaxes(-1, -2)
            grads[f"W{layer}"] = sign * gW
            if network.bias:
                gb = (np.zeros(delta.shape[:-2] + (1, delta.shape[-1])) if layer in faults.frozen_bias
                      else delta.sum(axis=-2, keepdims=True))
                grads[f"b{layer}"] = sign * gb * float(rows) ** powers.get(layer, 0)
            if layer > 1:
                W = np.asarray(params[f"W{layer}"], dtype=np.float64)
                if layer in faults.stale:
                    W = W - lr * grads[f"W{layer}"]
                delta = _derivative(acts[layer - 1], faults, layer - 1, trace.zs[layer - 2],
                                    trace.activations[layer - 2], delta @ W.swapaxes(-1, -2))
    return {name: grads[name] for name in network.param_names()}
