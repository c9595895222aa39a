"""Activation functions, each with its forward and backward pass side by side."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np
from numpy import ndarray


@dataclass(frozen=True)
class Activation:
    """An elementwise (or row-wise) nonlinearity.

    ``forward(z) -> a`` and ``backward(z, a, grad_a) -> grad_z``. A row is the last axis, so a stack of
    ``(N, out)`` blocks (leading axes first) is handled block by block.
    """

    name: str
    forward: Callable[[ndarray], ndarray]
    backward: Callable[[ndarray, ndarray, ndarray], ndarray]


# sigmoid: written via tanh so it never overflows for large |z|
def _sigmoid(z: ndarray) -> ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sigmoid_backward(z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    return grad_a * a * (1.0 - a)


# tanh
def _tanh(z: ndarray) -> ndarray:
    return np.tanh(z)


def _tanh_backward(z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    return grad_a * (1.0 - a * a)


# relu: derivative taken as 0 at z <= 0
def _relu(z: ndarray) -> ndarray:
    return np.maximum(z, 0.0)


def _relu_backward(z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    return grad_a * (z > 0.0)


# identity
def _identity(z: ndarray) -> ndarray:
    return np.array(z, dtype=np.float64, copy=True)


def _identity_backward(z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    return np.array(grad_a, dtype=np.float64, copy=True)


# softmax: row-wise (along the last axis), max-subtracted for stability
def _softmax(z: ndarray) -> ndarray:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _softmax_backward(z: ndarray, a: ndarray, grad_a: ndarray) -> ndarray:
    """Full Jacobian-vector product: J^T g with J = diag(a) - a a^T per row."""
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {
        "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_backward),
        "tanh": Activation("tanh", _tanh, _tanh_backward),
        "relu": Activation("relu", _relu, _relu_backward),
        "identity": Activation("identity", _identity, _identity_backward),
        "softmax": Activation("softmax", _softmax, _softmax_backward),
    }
)
