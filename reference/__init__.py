"""Reference (oracle) implementation of small NumPy networks trained on XOR."""

from __future__ import annotations

from .activations import ACTIVATIONS
from .data import xor
from .gradcheck import numerical_gradients, relative_error
from .losses import LOSSES
from .network import Network, Trace, TrainingRun
from .presets import PRESETS, XOR_TRAINING, preset

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Network",
    "PRESETS",
    "Trace",
    "TrainingRun",
    "XOR_TRAINING",
    "numerical_gradients",
    "preset",
    "relative_error",
    "xor",
]
