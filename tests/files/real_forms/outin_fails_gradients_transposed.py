# Weights stored (out, in); the first weight gradient is computed transposed (shapes only agree for square layers).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class TwoLayerNet:
    def __init__(self, input_dim, hidden_dim, output_dim, learning_rate=0.5):
        self.W1 = np.random.randn(hidden_dim, input_dim)
        self.b1 = np.zeros(hidden_dim)
        self.W2 = np.random.randn(output_dim, hidden_dim)
        self.b2 = np.zeros(output_dim)
        self.learning_rate = learning_rate

    def forward(self, x):
        self.a1 = sigmoid(x @ self.W1.T + self.b1)
        self.a2 = sigmoid(self.a1 @ self.W2.T + self.b2)
        return self.a2

    def backward(self, x, y):
        n = x.shape[0]
        d2 = 2 * (self.a2 - y) / n * self.a2 * (1 - self.a2)
        d1 = (d2 @ self.W2) * self.a1 * (1 - self.a1)
        self.W2 -= self.learning_rate * d2.T @ self.a1
        self.b2 -= self.learning_rate * d2.sum(axis=0)
        self.W1 -= self.learning_rate * x.T @ d1
        self.b1 -= self.learning_rate * d1.sum(axis=0)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
net = TwoLayerNet(2, 4, 1)
for _ in range(5000):
    net.forward(X)
    net.backward(X, y)
