# Mistake: a missing colon after the for statement makes the whole file unreadable.
# expected line: 12
import numpy as np


class DeepNN:
    def __init__(self, layer_sizes, lr=0.1):
        self.sizes = list(layer_sizes)
        self.lr = lr

    def forward(self, X):
        a = X
        for l in range(1, len(self.sizes))
            a = np.maximum(0, a @ getattr(self, f"W{l}") + getattr(self, f"b{l}"))
        return a
