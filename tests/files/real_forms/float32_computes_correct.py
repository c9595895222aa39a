# The forward pass casts everything to float32 itself, as code written for a GPU often does.
import numpy as np


class Float32Net:
    def __init__(self, n_in, n_hidden, n_out, lr=0.5):
        rng = np.random.default_rng(5)
        self.W1 = rng.normal(size=(n_in, n_hidden)).astype(np.float32)
        self.b1 = np.zeros(n_hidden, dtype=np.float32)
        self.W2 = rng.normal(size=(n_hidden, n_out)).astype(np.float32)
        self.b2 = np.zeros(n_out, dtype=np.float32)
        self.lr = lr

    def forward(self, X):
        X = X.astype(np.float32)
        self.X = X
        self.h = 1 / (1 + np.exp(-(X @ self.W1.astype(np.float32) + self.b1.astype(np.float32))))
        self.y = 1 / (1 + np.exp(-(self.h @ self.W2.astype(np.float32) + self.b2.astype(np.float32))))
        return self.y

    def backward(self, X, t):
        dy = ((self.y - t) * self.y * (1 - self.y)).astype(np.float32)
        dh = (dy @ self.W2.T.astype(np.float32)) * self.h * (1 - self.h)
        self.W2 -= self.lr * self.h.T @ dy
        self.b2 -= self.lr * dy.sum(axis=0)
        self.W1 -= self.lr * self.X.T @ dh
        self.b1 -= self.lr * dh.sum(axis=0)
