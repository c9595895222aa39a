# Mistake: the output delta is (A3 - Y), the cross-entropy gradient, with the mean squared error loss; loop over the layers.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        sizes = [input_size, hidden1_size, hidden2_size, output_size]
        for l in (1, 2, 3):
            setattr(self, f"W{l}", np.random.randn(sizes[l - 1], sizes[l]))
            setattr(self, f"b{l}", np.zeros((1, sizes[l])))

    def forward(self, X):
        self.A = [X]
        for l in (1, 2, 3):
            self.A.append(sigmoid(self.A[-1] @ getattr(self, f"W{l}") + getattr(self, f"b{l}")))
        return self.A[-1]

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        delta = self.A[3] - Y
        updates = []
        for l in (3, 2, 1):
            updates.append((l, self.A[l - 1].T @ delta, delta.sum(axis=0, keepdims=True)))
            if l > 1:
                delta = (delta @ getattr(self, f"W{l}").T) * self.A[l - 1] * (1 - self.A[l - 1])
        for l, dW, db in updates:
            setattr(self, f"W{l}", getattr(self, f"W{l}") - self.lr * dW)
            setattr(self, f"b{l}", getattr(self, f"b{l}") - self.lr * db)
