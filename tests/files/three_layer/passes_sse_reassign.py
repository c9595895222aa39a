# Correct (no mistake): gradient of the plain sum of squared errors; updates by reassignment; forward values kept in a dict.
import numpy as np


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        rng = np.random.default_rng(1)
        self.W1 = rng.normal(size=(input_size, hidden1_size))
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = rng.normal(size=(hidden1_size, hidden2_size))
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = rng.normal(size=(hidden2_size, output_size))
        self.b3 = np.zeros((1, output_size))
        self.cache = {}

    @staticmethod
    def _sig(z):
        return 1.0 / (1.0 + np.exp(-z))

    def forward(self, X):
        h1 = self._sig(np.dot(X, self.W1) + self.b1)
        h2 = self._sig(np.dot(h1, self.W2) + self.b2)
        out = self._sig(np.dot(h2, self.W3) + self.b3)
        self.cache = {"h1": h1, "h2": h2, "out": out}
        return out

    def loss(self, Y, Y_pred):
        return float(np.mean(np.square(Y_pred - Y)))

    def backward(self, X, Y):
        h1, h2, out = self.cache["h1"], self.cache["h2"], self.cache["out"]
        e3 = 2 * (out - Y) * out * (1 - out)
        e2 = np.dot(e3, self.W3.T) * h2 * (1 - h2)
        e1 = np.dot(e2, self.W2.T) * h1 * (1 - h1)
        self.W3 = self.W3 - self.lr * np.dot(h2.T, e3)
        self.b3 = self.b3 - self.lr * np.sum(e3, axis=0, keepdims=True)
        self.W2 = self.W2 - self.lr * np.dot(h1.T, e2)
        self.b2 = self.b2 - self.lr * np.sum(e2, axis=0, keepdims=True)
        self.W1 = self.W1 - self.lr * np.dot(X.T, e1)
        self.b1 = self.b1 - self.lr * np.sum(e1, axis=0, keepdims=True)
