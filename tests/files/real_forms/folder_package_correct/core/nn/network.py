import numpy as np

from core.nn.functions import mse, sigmoid


class XorNet:
    def __init__(self, n_input=2, n_hidden=4, n_output=1, lr=0.5, seed=0):
        rng = np.random.RandomState(seed)
        self.W1 = rng.randn(n_input, n_hidden)
        self.b1 = np.zeros(n_hidden)
        self.W2 = rng.randn(n_hidden, n_output)
        self.b2 = np.zeros(n_output)
        self.lr = lr

    def forward(self, X):
        self.X = X
        self.h = sigmoid(X @ self.W1 + self.b1)
        self.y_hat = sigmoid(self.h @ self.W2 + self.b2)
        return self.y_hat

    def loss(self, y, y_hat):
        return mse(y, y_hat)

    def backward(self, y):
        g_out = 2 * (self.y_hat - y) / y.size * self.y_hat * (1 - self.y_hat)
        g_h = g_out @ self.W2.T * self.h * (1 - self.h)
        self.W2 -= self.lr * self.h.T @ g_out
        self.b2 -= self.lr * g_out.sum(axis=0)
        self.W1 -= self.lr * self.X.T @ g_h
        self.b1 -= self.lr * g_h.sum(axis=0)
