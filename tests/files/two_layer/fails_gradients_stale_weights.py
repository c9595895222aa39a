# Mistake: a helper updates W2 in place before the error is sent back through it, so the hidden layer sees the new W2 (sum of squared errors).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def layer_step(W, b, a_in, delta, lr):
    W -= lr * a_in.T @ delta
    b -= lr * delta.sum(axis=0, keepdims=True)


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
        delta2 = 2 * (self.A2 - Y) * self.A2 * (1 - self.A2)
        layer_step(self.W2, self.b2, self.A1, delta2, self.lr)
        delta1 = (delta2 @ self.W2.T) * self.A1 * (1 - self.A1)
        layer_step(self.W1, self.b1, X, delta1, self.lr)
