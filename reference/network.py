"""A fully connected network: forward pass, backprop, gradient descent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from .activations import ACTIVATIONS, Activation
from .layers import dense_backward, dense_forward
from .losses import LOSSES, Loss, output_delta

Params = dict[str, ndarray]


def _f64(x: object) -> ndarray:
    return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True)
class Trace:
    """Everything the forward pass saw, layer by layer (index 0 = first layer)."""

    inputs: list[ndarray]  # activation entering each layer; inputs[0] is X
    zs: list[ndarray]  # pre-activations
    activations: list[ndarray]  # outputs of each layer

    @property
    def output(self) -> ndarray:
        """The network's prediction (last activation)."""
        return self.activations[-1]


@dataclass(frozen=True)
class TrainingRun:
    """Final params and the loss before each step plus the final loss (length epochs + 1)."""

    params: Params
    losses: ndarray


@dataclass(frozen=True)
class Network:
    """Layer sizes plus activation/loss names, e.g. Network((2, 4, 1))."""

    layers: tuple[int, ...]
    hidden: str = "sigmoid"
    output: str = "sigmoid"
    loss: str = "mse"
    bias: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(int(n) for n in self.layers))
        if len(self.layers) < 2:
            raise ValueError(f"need at least 2 layer sizes, got {self.layers}")
        if any(n < 1 for n in self.layers):
            raise ValueError(f"layer sizes must be positive, got {self.layers}")
        for kind, name in (("hidden", self.hidden), ("output", self.output)):
            if name not in ACTIVATIONS:
                raise ValueError(f"unknown {kind} activation {name!r}; choose from {sorted(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose from {sorted(LOSSES)}")

    # ---- parameters -------------------------------------------------------

    @property
    def depth(self) -> int:
        """Number of weight layers."""
        return len(self.layers) - 1

    def param_names(self) -> list[str]:
        """["W1", "b1", "W2", "b2", ...] in layer order (no b's without bias)."""
        names: list[str] = []
        for i in range(1, self.depth + 1):
            names.append(f"W{i}")
            if self.bias:
                names.append(f"b{i}")
        return names

    def param_shapes(self) -> dict[str, tuple[int, int]]:
        """W{i}: (layers[i-1], layers[i]); b{i}: (1, layers[i])."""
        shapes: dict[str, tuple[int, int]] = {}
        for i in range(1, self.depth + 1):
            shapes[f"W{i}"] = (self.layers[i - 1], self.layers[i])
            if self.bias:
                shapes[f"b{i}"] = (1, self.layers[i])
        return shapes

    def init(self, rng: np.random.Generator, *, scale: float | None = None, bias_scale: float = 0.0) -> Params:
        """Random params: W ~ N(0,1) * scale (default sqrt(1/fan_in), sqrt(2/fan_in) for relu hidden).

        Biases are N(0,1) * bias_scale (exact zeros when bias_scale == 0). A normal
        block is drawn for every parameter in param_names() order either way, so the
        weights for a given rng do not depend on bias_scale.
        """
        gain = 2.0 if self.hidden == "relu" else 1.0
        params: Params = {}
        for name, shape in self.param_shapes().items():
            noise = rng.standard_normal(shape)
            if name.startswith("W"):
                s = scale if scale is not None else np.sqrt(gain / shape[0])
                params[name] = noise * float(s)
            elif bias_scale == 0.0:
                params[name] = np.zeros(shape, dtype=np.float64)
            else:
                params[name] = noise * float(bias_scale)
        return params

    # ---- forward ----------------------------------------------------------

    def _activation(self, layer: int) -> Activation:
        return ACTIVATIONS[self.output if layer == self.depth else self.hidden]

    def _loss(self) -> Loss:
        return LOSSES[self.loss]

    def forward(self, params: Params, X: ndarray) -> Trace:
        """Run every layer, recording inputs, pre-activations and activations."""
        a = _f64(X)
        inputs: list[ndarray] = []
        zs: list[ndarray] = []
        acts: list[ndarray] = []
        for i in range(1, self.depth + 1):
            W = _f64(params[f"W{i}"])
            b = _f64(params[f"b{i}"]) if self.bias else None
            z = dense_forward(a, W, b)
            inputs.append(a)
            zs.append(z)
            a = self._activation(i).forward(z)
            acts.append(a)
        return Trace(inputs=inputs, zs=zs, activations=acts)

    def predict(self, params: Params, X: ndarray) -> ndarray:
        """The network's output for X."""
        return self.forward(params, X).output

    def loss_of(self, y_pred: ndarray, Y: ndarray) -> float:
        """Loss of given predictions against targets."""
        return self._loss().value(_f64(y_pred), _f64(Y))

    def loss_value(self, params: Params, X: ndarray, Y: ndarray) -> float:
        """Loss of the network's predictions on X against Y."""
        return self.loss_of(self.predict(params, X), Y)

    # ---- backward ---------------------------------------------------------

    def gradients(self, params: Params, X: ndarray, Y: ndarray) -> Params:
        """Analytic dL/dparam for every parameter, via backprop."""
        trace = self.forward(params, X)
        Y = _f64(Y)
        L = self.depth
        grad_z = output_delta(
            activation=self._activation(L), loss=self._loss(), z=trace.zs[-1], a=trace.output, y=Y
        )
        grads: Params = {}
        for i in range(L, 0, -1):
            W = _f64(params[f"W{i}"])
            grad_x, grads[f"W{i}"], grad_b = dense_backward(trace.inputs[i - 1], W, grad_z)
            if self.bias:
                grads[f"b{i}"] = grad_b
            if i > 1:
                grad_z = self._activation(i - 1).backward(trace.zs[i - 2], trace.activations[i - 2], grad_x)
        return {name: grads[name] for name in self.param_names()}

    # ---- training ---------------------------------------------------------

    def step(self, params: Params, grads: Params, lr: float) -> Params:
        """One gradient-descent step: a new dict p - lr * g (inputs untouched)."""
        return {k: _f64(params[k]) - lr * _f64(grads[k]) for k in params}

    def train(self, params: Params, X: ndarray, Y: ndarray, *, lr: float, epochs: int) -> TrainingRun:
        """Full-batch gradient descent for `epochs` steps."""
        X, Y = _f64(X), _f64(Y)
        p = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
        losses = np.empty(epochs + 1, dtype=np.float64)
        for epoch in range(epochs):
            losses[epoch] = self.loss_value(p, X, Y)
            p = self.step(p, self.gradients(p, X, Y), lr)
        losses[epochs] = self.loss_value(p, X, Y)
        return TrainingRun(params=p, losses=losses)
