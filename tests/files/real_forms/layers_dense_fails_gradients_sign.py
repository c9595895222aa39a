# Keras-like layers, with the error taken the wrong way round (target minus output).
import numpy as np


class Dense:
    def __init__(self, n_in, n_out, rng):
        self.weights = rng.uniform(-1, 1, size=(n_in, n_out))
        self.bias = np.zeros((1, n_out))

    def forward(self, x):
        self.x = x
        return x @ self.weights + self.bias

    def backward(self, grad, lr):
        grad_in = grad @ self.weights.T
        self.weights -= lr * self.x.T @ grad
        self.bias -= lr * grad.sum(axis=0, keepdims=True)
        return grad_in


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, grad, lr):
        return grad * self.out * (1 - self.out)


class Network:
    def __init__(self, n_in, n_hidden, n_out, seed=1):
        rng = np.random.default_rng(seed)
        self.layers = [Dense(n_in, n_hidden, rng), Sigmoid(), Dense(n_hidden, n_out, rng), Sigmoid()]

    def predict(self, X):
        out = X
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def fit(self, X, y, epochs=5000, learning_rate=0.5):
        for _ in range(epochs):
            out = self.predict(X)
            grad = 2 * (y - out) / len(X)
            for layer in reversed(self.layers):
                grad = layer.backward(grad, learning_rate)
        return out


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    net = Network(2, 4, 1)
    net.fit(X, y, epochs=10000, learning_rate=1.0)
    print(net.predict(X).round(3))
