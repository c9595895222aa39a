# Biases created as integer arrays (np.zeros(..., dtype=int)); the update rebinds them to floats.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Net:
    def __init__(self, n_x, n_h, n_y, lr=0.5):
        np.random.seed(1)
        self.W1 = np.random.rand(n_x, n_h)
        self.b1 = np.zeros((1, n_h), dtype=int)
        self.W2 = np.random.rand(n_h, n_y)
        self.b2 = np.zeros((1, n_y), dtype=int)
        self.lr = lr

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def backward(self, X, Y):
        dZ2 = (self.A2 - Y) * self.A2 * (1 - self.A2)
        dZ1 = dZ2 @ self.W2.T * self.A1 * (1 - self.A1)
        self.W2 = self.W2 - self.lr * self.A1.T @ dZ2
        self.b2 = self.b2 - self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 = self.W1 - self.lr * X.T @ dZ1
        self.b1 = self.b1 - self.lr * dZ1.sum(axis=0, keepdims=True)
