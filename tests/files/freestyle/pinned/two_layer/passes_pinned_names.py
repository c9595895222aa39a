# Names no detection would guess: class Brain, think(X) for the forward pass, learn(X, Y) for one step,
# parameters U, c, V, d. The test's spec pins them; without the pins this file cannot be bound.
import numpy as np


class Brain:
    def __init__(self, a, h, z, lr=0.5):
        self.lr = lr
        self.U = np.random.randn(a, h)
        self.c = np.zeros((1, h))
        self.V = np.random.randn(h, z)
        self.d = np.zeros((1, z))

    def think(self, X):
        self.s = 1 / (1 + np.exp(-(X @ self.U + self.c)))
        self.o = 1 / (1 + np.exp(-(self.s @ self.V + self.d)))
        return self.o

    def learn(self, X, Y):
        e = (self.o - Y) * self.o * (1 - self.o)
        f = e @ self.V.T * self.s * (1 - self.s)
        self.V -= self.lr * self.s.T @ e
        self.d -= self.lr * e.sum(axis=0, keepdims=True)
        self.U -= self.lr * X.T @ f
        self.c -= self.lr * f.sum(axis=0, keepdims=True)
