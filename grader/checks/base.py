"""What every check shares: the context it runs in and the base class."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Sequence

import numpy as np

from grader.assignment import Assignment
from grader.binding import BoundNet, ClassBinding
from grader.results import CheckResult
from grader.sandbox import Worker
from reference import Network, TrainingRun, xor


@dataclass(frozen=True)
class ProbeCase:
    """One set of grader-chosen weights and inputs, with the reference's answers."""

    params: dict[str, np.ndarray]
    X: np.ndarray
    Y: np.ndarray
    Y_pred: np.ndarray
    output: np.ndarray
    loss: float
    gradients: dict[str, np.ndarray]


def _targets(rng: np.random.Generator, rows: int, cols: int, one_hot: bool) -> np.ndarray:
    if one_hot:
        return np.eye(cols)[rng.integers(0, cols, size=rows)]
    Y = rng.integers(0, 2, size=(rows, cols)).astype(np.float64)
    Y[0], Y[1] = 0.0, 1.0  # both classes present
    return Y


def _predictions(rng: np.random.Generator, rows: int, cols: int, one_hot: bool) -> np.ndarray:
    if one_hot:
        raw = rng.uniform(0.1, 1.0, size=(rows, cols))
        return raw / raw.sum(axis=1, keepdims=True)
    return rng.uniform(0.05, 0.95, size=(rows, cols))


def square_layers(network: Network) -> tuple[int, ...]:
    """The network's sizes with every hidden layer as wide as the input, so hidden weight matrices are square."""
    return (network.layers[0],) * network.depth + (network.layers[-1],)


def _probe_cases(assignment: Assignment, net: Network, rng: np.random.Generator) -> list[ProbeCase]:
    cases = []
    for _ in range(assignment.probe.count):
        params = net.init(rng, scale=1.0, bias_scale=0.5)
        X = rng.normal(size=(assignment.probe.batch, net.layers[0]))
        Y = _targets(rng, assignment.probe.batch, net.layers[-1], assignment.one_hot)
        Y_pred = _predictions(rng, assignment.probe.batch, net.layers[-1], assignment.one_hot)
        cases.append(ProbeCase(params=params, X=X, Y=Y, Y_pred=Y_pred, output=net.predict(params, X),
                               loss=net.loss_of(Y_pred, Y), gradients=net.gradients(params, X, Y)))
    return cases


@dataclass(frozen=True)
class SquareProbes:
    """Probes on the same kind of network with square hidden weight matrices (to see a transposed gradient)."""

    network: Network
    cases: list[ProbeCase]


class Reference:
    """The reference's answers for one assignment and seed, computed in the grader's process."""

    def __init__(self, assignment: Assignment, seed: int) -> None:
        self.assignment = assignment
        self.seed = seed

    @cached_property
    def probes(self) -> list[ProbeCase]:
        return _probe_cases(self.assignment, self.assignment.network, np.random.default_rng(self.seed))

    @cached_property
    def square(self) -> SquareProbes | None:
        """Probes at :func:`square_layers` sizes, or None when those are the assignment's own sizes."""
        net = self.assignment.network
        layers = square_layers(net)
        if layers == net.layers:
            return None
        square = replace(net, layers=layers)
        return SquareProbes(network=square,
                            cases=_probe_cases(self.assignment, square, np.random.default_rng([self.seed, 1])))

    @cached_property
    def xor(self) -> tuple[np.ndarray, np.ndarray]:
        return xor(one_hot=self.assignment.one_hot)

    @cached_property
    def initial_params(self) -> dict[str, np.ndarray]:
        t = self.assignment.training
        return self.assignment.network.init(np.random.default_rng(t.seed), scale=t.scale, bias_scale=t.bias_scale)

    @cached_property
    def training(self) -> TrainingRun:
        X, Y = self.xor
        t = self.assignment.training
        return self.assignment.network.train(self.initial_params, X, Y, lr=t.lr, epochs=t.epochs)


@dataclass
class CheckContext:
    """What a check may use: the assignment, the reference answers and the student's network."""

    assignment: Assignment
    reference: Reference
    worker: Worker
    binding: ClassBinding
    facts: dict[str, float] = field(default_factory=dict)

    def network(self, *, lr: float | None = None, sizes: Sequence[int] | None = None) -> BoundNet:
        """A fresh instance of the student's network (at other layer ``sizes`` than the spec's if given)."""
        return self.binding.create(self.worker, lr=self.assignment.probe.lr if lr is None else lr, sizes=sizes)


class Check:
    """A check earns ``max_points`` when the student's code behaves like the reference."""

    id: str = ""
    title: str = ""

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        raise NotImplementedError
