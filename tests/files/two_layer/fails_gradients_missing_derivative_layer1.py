# Mistake: the hidden layer's error is dZ2 @ W2.T without the sigmoid derivative A1 * (1 - A1) (mean convention, cache dict).
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))
        self.cache = {}

    def forward(self, X):
        A1 = sigmoid(X @ self.W1 + self.b1)
        A2 = sigmoid(A1 @ self.W2 + self.b2)
        self.cache = {"A1": A1, "A2": A2}
        return A2

    def loss(self, Y, Y_pred):
        return float(np.mean((Y_pred - Y) ** 2))

    def backward(self, X, Y):
        A1, A2 = self.cache["A1"], self.cache["A2"]
        dA2 = 2 * (A2 - Y) / Y.size
        dZ2 = dA2 * A2 * (1 - A2)
        dZ1 = dZ2 @ self.W2.T
        self.W2 = self.W2 - self.lr * A1.T @ dZ2
        self.b2 = self.b2 - self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 = self.W1 - self.lr * X.T @ dZ1
        self.b1 = self.b1 - self.lr * dZ1.sum(axis=0, keepdims=True)
