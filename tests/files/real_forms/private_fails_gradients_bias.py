# Private attributes; the output bias is never updated.
import numpy as np


class XORClassifier:
    def __init__(self, n_in, n_hidden, n_out, eta=0.5):
        rng = np.random.default_rng(7)
        self._w_hidden = rng.normal(0, 1, (n_in, n_hidden))
        self._b_hidden = np.zeros(n_hidden)
        self._w_out = rng.normal(0, 1, (n_hidden, n_out))
        self._b_out = np.zeros(n_out)
        self._eta = eta

    @staticmethod
    def _sig(z):
        return 1 / (1 + np.exp(-z))

    def feedforward(self, X):
        self._hidden = self._sig(X @ self._w_hidden + self._b_hidden)
        self._out = self._sig(self._hidden @ self._w_out + self._b_out)
        return self._out

    def backprop(self, X, y):
        err_out = (self._out - y) * self._out * (1 - self._out)
        err_hidden = err_out @ self._w_out.T * self._hidden * (1 - self._hidden)
        self._w_out -= self._eta * self._hidden.T @ err_out
        pass
        self._w_hidden -= self._eta * X.T @ err_hidden
        self._b_hidden -= self._eta * err_hidden.sum(0)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0, 1, 1, 0]], dtype=float).T
clf = XORClassifier(2, 3, 1)
for _ in range(3000):
    clf.feedforward(X)
    clf.backprop(X, y)
