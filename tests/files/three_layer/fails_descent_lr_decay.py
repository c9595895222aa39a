# Mistake: backward halves self.lr after every step ("decay"), so training stalls long before XOR is solved; the gradients are right.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden1_size)
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = np.random.randn(hidden1_size, hidden2_size)
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = np.random.randn(hidden2_size, output_size)
        self.b3 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        d3 = 2 * (self.A3 - Y) / Y.size * self.A3 * (1 - self.A3)
        d2 = (d3 @ self.W3.T) * self.A2 * (1 - self.A2)
        d1 = (d2 @ self.W2.T) * self.A1 * (1 - self.A1)
        self.W3 -= self.lr * self.A2.T @ d3
        self.b3 -= self.lr * d3.sum(axis=0, keepdims=True)
        self.W2 -= self.lr * self.A1.T @ d2
        self.b2 -= self.lr * d2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ d1
        self.b1 -= self.lr * d1.sum(axis=0, keepdims=True)
        self.lr *= 0.5
