"""Finite-difference gradient checking."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray

if TYPE_CHECKING:
    from .network import Network


def numerical_gradients(
    network: Network, params: dict[str, ndarray], X: ndarray, Y: ndarray, *, eps: float = 1e-6
) -> dict[str, ndarray]:
    """Central differences (L(p+eps) - L(p-eps)) / (2 eps) of network.loss_value, entry by entry."""
    work = {k: np.array(v, dtype=np.float64, copy=True) for k, v in params.items()}
    grads: dict[str, ndarray] = {}
    for name, p in work.items():
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            plus = network.loss_value(work, X, Y)
            p[idx] = old - eps
            minus = network.loss_value(work, X, Y)
            p[idx] = old
            g[idx] = (plus - minus) / (2.0 * eps)
        grads[name] = g
    return grads


def relative_error(a: ndarray, b: ndarray) -> float:
    """max|a - b| / max(max|a|, max|b|, 1e-12).

    The worst absolute difference, scaled by the largest magnitude in either
    array, so tiny entries don't blow the ratio up; the 1e-12 floor keeps
    the result finite when both arrays are (near) zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = max(float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)
    return diff / scale
