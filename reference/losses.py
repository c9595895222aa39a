"""Loss functions (mean convention) and the output-layer delta dL/dz.

The gradients divide by the size of the trailing ``(N, out)`` block, not of the whole array: a stack of
predictions (leading axes first) gets each block's own mean-convention gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np
from numpy import ndarray

from .activations import Activation

_CLIP = 1e-15


@dataclass(frozen=True)
class Loss:
    """A scalar loss: ``value(y_pred, y) -> float`` and ``grad(y_pred, y) = dL/dy_pred``."""

    name: str
    value: Callable[[ndarray, ndarray], float]
    grad: Callable[[ndarray, ndarray], ndarray]


# mse: mean over all N*out entries
def _mse(y_pred: ndarray, y: ndarray) -> float:
    return float(np.mean((y_pred - y) ** 2))


def block_entries(a: ndarray) -> int:
    """N * out: the entries of one ``(N, out)`` block."""
    return a.shape[-2] * a.shape[-1]


def _mse_grad(y_pred: ndarray, y: ndarray) -> ndarray:
    return 2.0 * (y_pred - y) / block_entries(y_pred)


# bce: mean over all entries; clipping only inside the log
def _bce(p: ndarray, y: ndarray) -> float:
    pc = np.clip(p, _CLIP, 1.0 - _CLIP)
    return float(-np.mean(y * np.log(pc) + (1.0 - y) * np.log(1.0 - pc)))


def _bce_grad(p: ndarray, y: ndarray) -> ndarray:
    return (p - y) / (p * (1.0 - p)) / block_entries(p)


# softmax cross-entropy: y one-hot (N, classes), mean over rows
def _softmax_ce(p: ndarray, y: ndarray) -> float:
    return float(-np.mean(np.sum(y * np.log(np.clip(p, _CLIP, None)), axis=1)))


def _softmax_ce_grad(p: ndarray, y: ndarray) -> ndarray:
    return -y / p / p.shape[-2]


LOSSES: Mapping[str, Loss] = MappingProxyType(
    {
        "mse": Loss("mse", _mse, _mse_grad),
        "bce": Loss("bce", _bce, _bce_grad),
        "softmax_ce": Loss("softmax_ce", _softmax_ce, _softmax_ce_grad),
    }
)


def output_delta(*, activation: Activation, loss: Loss, z: ndarray, a: ndarray, y: ndarray) -> ndarray:
    """dL/dz at the output layer.

    Uses the exact fused forms for (sigmoid, bce) and (softmax, softmax_ce);
    otherwise chains ``activation.backward(z, a, loss.grad(a, y))``.
    """
    if activation.name == "sigmoid" and loss.name == "bce":
        return (a - y) / block_entries(a)
    if activation.name == "softmax" and loss.name == "softmax_ce":
        return (a - y) / a.shape[-2]
    return activation.backward(z, a, loss.grad(a, y))
