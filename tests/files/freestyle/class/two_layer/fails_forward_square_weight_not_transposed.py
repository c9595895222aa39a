# Mistake: the square first layer is applied as W1 @ X although W1 is stored (inputs, hidden) and the second
# layer uses W2.T @ h: it runs only because W1 is 2x2 (sizes fixed by the student: 2-2-1, samples in columns).
import numpy as np


class TinyNet:
    def __init__(self):
        self.W = [np.random.uniform(-1, 1, (2, 2)), np.random.uniform(-1, 1, (2, 1))]
        self.b = [np.zeros((2, 1)), np.zeros((1, 1))]
        self.lr = 0.5

    @staticmethod
    def act(z):
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, X):
        self.h = self.act(self.W[0] @ X + self.b[0])
        self.o = self.act(self.W[1].T @ self.h + self.b[1])
        return self.o

    def train_step(self, X, Y):
        out = self.predict(X)
        d_out = (out - Y) * out * (1 - out)
        d_hidden = (self.W[1] @ d_out) * self.h * (1 - self.h)
        self.W[1] -= self.lr * self.h @ d_out.T
        self.b[1] -= self.lr * d_out.sum(axis=1, keepdims=True)
        self.W[0] -= self.lr * d_hidden @ X.T
        self.b[0] -= self.lr * d_hidden.sum(axis=1, keepdims=True)
        return out
