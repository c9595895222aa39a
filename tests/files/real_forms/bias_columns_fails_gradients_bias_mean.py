# Biases kept as column vectors; the hidden bias gradient is averaged over the rows, unlike the others.
import numpy as np


class ColumnBiasNet:
    def __init__(self, n_x, n_h, n_y, learning_rate=0.5):
        self.W1 = np.random.randn(n_x, n_h) * 0.5
        self.b1 = np.zeros((n_h, 1))
        self.W2 = np.random.randn(n_h, n_y) * 0.5
        self.b2 = np.zeros((n_y, 1))
        self.learning_rate = learning_rate

    def forward(self, X):
        self.A1 = np.tanh((X @ self.W1 + self.b1.T) / 2) * 0.5 + 0.5
        self.A2 = 1 / (1 + np.exp(-(self.A1 @ self.W2 + self.b2.T)))
        return self.A2

    def backward(self, X, Y):
        dZ2 = (self.A2 - Y) * self.A2 * (1 - self.A2)
        dZ1 = dZ2 @ self.W2.T * self.A1 * (1 - self.A1)
        self.W2 -= self.learning_rate * self.A1.T @ dZ2
        self.b2 -= self.learning_rate * dZ2.sum(axis=0, keepdims=True).T
        self.W1 -= self.learning_rate * X.T @ dZ1
        self.b1 -= self.learning_rate * dZ1.mean(axis=0, keepdims=True).T
