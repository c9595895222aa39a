# Mistake: only the weights are updated (the update loop lists W1 and W2); b1 and b2 never change.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.random.randn(1, hidden_size)
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.random.randn(1, output_size)

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        d2 = (self.A2 - Y) * self.A2 * (1 - self.A2)
        d1 = (d2 @ self.W2.T) * self.A1 * (1 - self.A1)
        for p, g in zip([self.W1, self.W2], [X.T @ d1, self.A1.T @ d2]):
            p -= self.lr * g
