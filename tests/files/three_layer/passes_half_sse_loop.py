# Correct (no mistake): loops over the three layers with getattr/setattr; gradient of 0.5 * sum of squared errors.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.L = 3
        sizes = [input_size, hidden1_size, hidden2_size, output_size]
        for l in range(1, self.L + 1):
            setattr(self, f"W{l}", np.random.uniform(-1, 1, (sizes[l - 1], sizes[l])))
            setattr(self, f"b{l}", np.zeros((1, sizes[l])))

    def forward(self, X):
        self.acts = [X]
        for l in range(1, self.L + 1):
            self.acts.append(sigmoid(self.acts[-1] @ getattr(self, f"W{l}") + getattr(self, f"b{l}")))
        return self.acts[-1]

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        out = self.acts[-1]
        delta = (out - Y) * out * (1 - out)
        grads = {}
        for l in range(self.L, 0, -1):
            grads[f"W{l}"] = self.acts[l - 1].T @ delta
            grads[f"b{l}"] = delta.sum(axis=0, keepdims=True)
            if l > 1:
                a = self.acts[l - 1]
                delta = (delta @ getattr(self, f"W{l}").T) * a * (1 - a)
        for name, g in grads.items():
            setattr(self, name, getattr(self, name) - self.lr * g)
