# Mistake for the gradients check, honest descent: backward() steps once per row (per-sample gradient
# descent), so one call is not lr x the batch gradient; training still solves XOR with its own steps.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


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
        for i in range(X.shape[0]):
            x, y = X[i:i + 1], Y[i:i + 1]
            a1 = sigmoid(x @ self.W1 + self.b1)
            a2 = sigmoid(a1 @ self.W2 + self.b2)
            d2 = 2.0 * (a2 - y) / y.size * a2 * (1.0 - a2)
            d1 = (d2 @ self.W2.T) * a1 * (1.0 - a1)
            self.W2 -= self.lr * a1.T @ d2
            self.b2 -= self.lr * d2
            self.W1 -= self.lr * x.T @ d1
            self.b1 -= self.lr * d1
