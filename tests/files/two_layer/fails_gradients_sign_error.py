# Mistake: the output error is written (Y - A2) instead of (A2 - Y) and the update still subtracts, so every step climbs the loss.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.acts = [X]
        a = X
        for k in (1, 2):
            a = sigmoid(a @ getattr(self, f"W{k}") + getattr(self, f"b{k}"))
            self.acts.append(a)
        return a

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        out = self.acts[-1]
        delta = 2 * (Y - out) / Y.size * out * (1 - out)
        grads = {}
        for k in (2, 1):
            grads[f"W{k}"] = self.acts[k - 1].T @ delta
            grads[f"b{k}"] = delta.sum(axis=0, keepdims=True)
            if k > 1:
                a = self.acts[k - 1]
                delta = (delta @ getattr(self, f"W{k}").T) * a * (1 - a)
        for name, g in grads.items():
            setattr(self, name, getattr(self, name) - self.lr * g)
