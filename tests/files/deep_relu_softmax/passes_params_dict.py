# Correct (no mistake): helper functions on a dict of gradients, keyed like the attributes; mean over rows.
import numpy as np


def relu(z):
    return np.maximum(0, z)


def relu_grad(z):
    return (z > 0).astype(float)


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


class DeepNN:
    def __init__(self, layer_sizes, lr=0.1):
        self.layer_sizes = layer_sizes
        self.lr = lr
        self.n_layers = len(layer_sizes) - 1
        for i in range(self.n_layers):
            self.__dict__[f"W{i + 1}"] = np.random.randn(layer_sizes[i], layer_sizes[i + 1]) * 0.3
            self.__dict__[f"b{i + 1}"] = np.full((1, layer_sizes[i + 1]), 0.01)

    def forward(self, X):
        self.cache = {"a0": X}
        a = X
        for i in range(1, self.n_layers + 1):
            z = a @ self.__dict__[f"W{i}"] + self.__dict__[f"b{i}"]
            a = softmax(z) if i == self.n_layers else relu(z)
            self.cache[f"z{i}"], self.cache[f"a{i}"] = z, a
        return a

    def loss(self, Y, Y_pred):
        return -np.sum(Y * np.log(Y_pred + 1e-12)) / Y.shape[0]

    def gradients(self, Y):
        L, N = self.n_layers, Y.shape[0]
        grads = {}
        dz = (self.cache[f"a{L}"] - Y) / N
        for i in range(L, 0, -1):
            grads[f"W{i}"] = self.cache[f"a{i - 1}"].T @ dz
            grads[f"b{i}"] = dz.sum(axis=0, keepdims=True)
            if i > 1:
                dz = (dz @ self.__dict__[f"W{i}"].T) * relu_grad(self.cache[f"z{i - 1}"])
        return grads

    def backward(self, X, Y):
        for name, g in self.gradients(Y).items():
            self.__dict__[name] -= self.lr * g
