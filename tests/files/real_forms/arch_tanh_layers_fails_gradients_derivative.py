# Layer classes, tanh hidden; the Tanh layer passes the gradient through without its derivative.
import numpy as np


class Linear:
    def __init__(self, n_in, n_out):
        self._W = np.random.randn(n_in, n_out) / np.sqrt(n_in)
        self._b = np.zeros(n_out)

    def forward(self, x):
        self._x = x
        return x @ self._W + self._b

    def backward(self, grad):
        self._dW = self._x.T @ grad
        self._db = grad.sum(axis=0)
        return grad @ self._W.T


class Tanh:
    def forward(self, x):
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad):
        return grad


class Model:
    def __init__(self, n_in, n_hidden, n_out, lr=0.1):
        self.stack = [Linear(n_in, n_hidden), Tanh(), Linear(n_hidden, n_out)]
        self.lr = lr

    def forward(self, X):
        for layer in self.stack:
            X = layer.forward(X)
        return X

    def backward(self, X, y):
        grad = 2 * (self.forward(X) - y) / y.size
        for layer in reversed(self.stack):
            grad = layer.backward(grad)
        for layer in self.stack:
            if isinstance(layer, Linear):
                layer._W -= self.lr * layer._dW
                layer._b -= self.lr * layer._db


rng = np.random.default_rng(0)
X = rng.normal(size=(16, 3))
y = X[:, :1] * X[:, 1:2] - X[:, 2:]
m = Model(3, 5, 1)
for _ in range(500):
    m.backward(X, y)
