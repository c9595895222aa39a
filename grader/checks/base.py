"""What every check shares: the context it runs in and the base class."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from grader.spec.assignment import Assignment
from grader.binding import Binding, BoundNet, PlanNet
from grader.checks.cache import training_run
from grader.results import CheckResult
from grader.sandbox.worker import Worker
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
    """The reference's answers for one assignment and seed, computed in the grader's process.

    ``network`` is the network the student's code is compared with: the assignment's, or the same
    kind of network at the student's own sizes (:meth:`for_binding`); ``bias_column`` appends a
    constant-1 column to the XOR inputs of the training run (a bias-less network with one more input).
    """

    def __init__(self, assignment: Assignment, seed: int, *, network: Network | None = None,
                 bias_column: bool = False) -> None:
        self.assignment = assignment
        self.seed = seed
        self.network = network or assignment.network
        self.bias_column = bias_column

    def for_binding(self, binding: Binding) -> Reference:
        """This reference, or one of the binding's network when the student's sizes differ."""
        if binding.network == self.network and binding.bias_column == self.bias_column:
            return self
        return Reference(self.assignment, self.seed, network=binding.network, bias_column=binding.bias_column)

    @cached_property
    def probes(self) -> list[ProbeCase]:
        return _probe_cases(self.assignment, self.network, np.random.default_rng(self.seed))

    @cached_property
    def square(self) -> SquareProbes | None:
        """Probes at :func:`square_layers` sizes, or None when those are the network's own sizes."""
        net = self.network
        layers = square_layers(net)
        if layers == net.layers:
            return None
        square = replace(net, layers=layers)
        return SquareProbes(network=square,
                            cases=_probe_cases(self.assignment, square, np.random.default_rng([self.seed, 1])))

    @cached_property
    def xor(self) -> tuple[np.ndarray, np.ndarray]:
        X, Y = xor(one_hot=self.assignment.one_hot)
        if self.bias_column:
            X = np.hstack([X, np.ones((X.shape[0], 1))])
        return X, Y

    @cached_property
    def initial_params(self) -> dict[str, np.ndarray]:
        t = self.assignment.training
        return self.network.init(np.random.default_rng(t.seed), scale=t.scale, bias_scale=t.bias_scale)

    @cached_property
    def training(self) -> TrainingRun:
        """The reference's own run from :attr:`initial_params` (kept between runs: :mod:`grader.checks.cache`)."""
        X, Y = self.xor
        t = self.assignment.training
        return training_run(assignment=self.assignment, network=self.network, bias_column=self.bias_column,
                            compute=lambda: self.network.train(self.initial_params, X, Y, lr=t.lr, epochs=t.epochs))


@dataclass
class CheckContext:
    """What a check may use: the assignment, the reference answers and the student's network."""

    assignment: Assignment
    reference: Reference
    worker: Worker
    binding: Binding
    facts: dict[str, Any] = field(default_factory=dict)  # what one check learnt for the later ones

    @property
    def labels(self) -> dict[str, str]:
        """The student's name of each reference parameter."""
        return dict(self.binding.labels)

    def network(self, *, lr: float | None = None, sizes: Sequence[int] | None = None) -> BoundNet | PlanNet:
        """A fresh instance of the student's network (at other layer ``sizes`` than the spec's if given)."""
        return self.binding.create(self.worker, lr=self.assignment.probe.lr if lr is None else lr, sizes=sizes)


class Check:
    """A check earns ``max_points`` when the student's code behaves like the reference."""

    id: str = ""
    title: str = ""

    def run(self, ctx: CheckContext, max_points: float) -> CheckResult:
        raise NotImplementedError
