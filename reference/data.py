"""The XOR data set."""

from __future__ import annotations

import numpy as np
from numpy import ndarray


def xor(*, one_hot: bool = False) -> tuple[ndarray, ndarray]:
    """Return X (4, 2) and Y (4, 1), or Y one-hot (4, 2) with column k meaning class k."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=np.float64)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], dtype=np.float64)
    if one_hot:
        return X, np.hstack([1.0 - y, y])
    return X, y
