# Correct (no mistake): updates by reassigning attributes (self.W1 = self.W1 - ...) and caches forward values in a dict attribute.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        rng = np.random.default_rng()
        self.W1 = rng.normal(0.0, 1.0, size=(input_size, hidden_size))
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = rng.normal(0.0, 1.0, size=(hidden_size, output_size))
        self.b2 = np.zeros((1, output_size))
        self.cache = {}

    def forward(self, X):
        Z1 = X @ self.W1 + self.b1
        A1 = sigmoid(Z1)
        Z2 = A1 @ self.W2 + self.b2
        A2 = sigmoid(Z2)
        self.cache = {"X": X, "A1": A1, "A2": A2}
        return A2

    def loss(self, Y, Y_pred):
        return float(np.mean((Y_pred - Y) ** 2))

    def backward(self, X, Y):
        A1, A2 = self.cache["A1"], self.cache["A2"]
        n = X.shape[0]
        dZ2 = (A2 - Y) * A2 * (1 - A2) / n
        dW2 = A1.T @ dZ2
        db2 = dZ2.sum(axis=0, keepdims=True)
        dZ1 = (dZ2 @ self.W2.T) * A1 * (1 - A1)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0, keepdims=True)
        self.W1 = self.W1 - self.lr * dW1
        self.b1 = self.b1 - self.lr * db1
        self.W2 = self.W2 - self.lr * dW2
        self.b2 = self.b2 - self.lr * db2


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    net = SimpleNN(2, 4, 1, lr=2.0)
    for _ in range(3000):
        net.forward(X)
        net.backward(X, Y)
    print(net.forward(X).round(3).ravel())
