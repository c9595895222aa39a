# Mistake: every weight starts at zero, so the hidden units of each layer stay identical; the rest is correct (mean convention).
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.zeros((input_size, hidden1_size))
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = np.zeros((hidden1_size, hidden2_size))
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = np.zeros((hidden2_size, output_size))
        self.b3 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dZ3 = 2 * (self.A3 - Y) / Y.size * self.A3 * (1 - self.A3)
        dZ2 = (dZ3 @ self.W3.T) * self.A2 * (1 - self.A2)
        dZ1 = (dZ2 @ self.W2.T) * self.A1 * (1 - self.A1)
        self.W3 -= self.lr * self.A2.T @ dZ3
        self.b3 -= self.lr * dZ3.sum(axis=0, keepdims=True)
        self.W2 -= self.lr * self.A1.T @ dZ2
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ dZ1
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
