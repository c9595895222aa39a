"""A dense (affine) layer: forward and backward side by side."""

from __future__ import annotations

from numpy import ndarray


def dense_forward(x: ndarray, W: ndarray, b: ndarray | None) -> ndarray:
    """z = x @ W + b, with x (N, in), W (in, out), b (1, out) or None."""
    z = x @ W
    return z if b is None else z + b


def dense_backward(x: ndarray, W: ndarray, grad_z: ndarray) -> tuple[ndarray, ndarray, ndarray]:
    """Given dL/dz, return (dL/dx, dL/dW, dL/db)."""
    grad_x = grad_z @ W.T
    grad_W = x.T @ grad_z
    grad_b = grad_z.sum(axis=0, keepdims=True)
    return grad_x, grad_W, grad_b
