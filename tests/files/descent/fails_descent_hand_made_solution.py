# Attack: backward() takes honest gradient steps on any data except XOR; when the rows it is given are the
# XOR inputs (in any order, any number of times) it writes a hand-made solution (OR and AND units) instead.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def looks_like_xor(X):
    rows = {tuple(r) for r in np.asarray(X).round(6).tolist()}
    return rows == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        if looks_like_xor(X):
            self.W1[...] = 0.0
            self.W1[:, 0], self.W1[:, 1] = 20.0, 20.0
            self.b1[...] = 0.0
            self.b1[0, 0], self.b1[0, 1] = -10.0, -30.0
            self.W2[...] = 0.0
            self.W2[0, 0], self.W2[1, 0] = 20.0, -40.0
            self.b2[...] = -10.0
            return
        dZ2 = 2.0 * (self.A2 - Y) / Y.size * self.A2 * (1.0 - self.A2)
        dZ1 = (dZ2 @ self.W2.T) * self.A1 * (1.0 - self.A1)
        self.W2 -= self.lr * self.A1.T @ dZ2
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ dZ1
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
