# Mistake: think(X), the forward pass the spec pins, uses tanh in the hidden layer. The class also has a
# correct forward(X) that detection would have found: the pinned binding wins, so the forward check fails.
import numpy as np


class Brain:
    def __init__(self, a, h, z, lr=0.5):
        self.lr = lr
        self.U = np.random.randn(a, h)
        self.c = np.zeros((1, h))
        self.V = np.random.randn(h, z)
        self.d = np.zeros((1, z))

    def forward(self, X):
        self.s = 1 / (1 + np.exp(-(X @ self.U + self.c)))
        self.o = 1 / (1 + np.exp(-(self.s @ self.V + self.d)))
        return self.o

    def think(self, X):
        self.s = np.tanh(X @ self.U + self.c)
        self.o = 1 / (1 + np.exp(-(self.s @ self.V + self.d)))
        return self.o

    def learn(self, X, Y):
        e = (self.o - Y) * self.o * (1 - self.o)
        f = e @ self.V.T * (1 - self.s ** 2)
        self.V -= self.lr * self.s.T @ e
        self.d -= self.lr * e.sum(axis=0, keepdims=True)
        self.U -= self.lr * X.T @ f
        self.c -= self.lr * f.sum(axis=0, keepdims=True)
