# Class form with the sizes fixed by the student: 2 inputs, 2 hidden units, 1 output, so the first weight
# matrix is square (2x2). Weights are kept in lists self.W[0], self.W[1] stored (inputs, outputs) while the
# samples are columns (W.T @ X); predict(X) is the forward pass and train_step(X, Y) does a whole step.
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
        self.cache = [X]
        for W, b in zip(self.W, self.b):
            X = self.act(W.T @ X + b)
            self.cache.append(X)
        return X

    def loss(self, Y, Y_hat):
        return float(np.mean((Y - Y_hat) ** 2))

    def train_step(self, X, Y):
        out = self.predict(X)
        delta = (out - Y) * out * (1 - out)
        for i in reversed(range(len(self.W))):
            grad_W = self.cache[i] @ delta.T
            grad_b = delta.sum(axis=1, keepdims=True)
            if i > 0:
                delta = (self.W[i] @ delta) * self.cache[i] * (1 - self.cache[i])
            self.W[i] -= self.lr * grad_W
            self.b[i] -= self.lr * grad_b
        return out
