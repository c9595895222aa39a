# The forward pass appends a column of ones to its input, so the last row of W1 is the hidden bias;
# the output layer has a bias vector of its own.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class AugmentedNet:
    def __init__(self, n_in, n_hidden, n_out, lr=0.5):
        self.W1 = np.random.normal(0, 1, (n_in + 1, n_hidden))
        self.W2 = np.random.normal(0, 1, (n_hidden, n_out))
        self.b2 = np.zeros((1, n_out))
        self.lr = lr

    def forward(self, X):
        self.Xa = np.c_[X, np.ones(len(X))]
        self.H = sigmoid(self.Xa @ self.W1)
        self.O = sigmoid(self.H @ self.W2 + self.b2)
        return self.O

    def backward(self, X, Y):
        dO = (self.O - Y) * self.O * (1 - self.O) / len(X)
        dH = dO @ self.W2.T * self.H * (1 - self.H)
        self.W2 -= self.lr * self.H.T @ dO
        self.b2 -= self.lr * dO.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * self.Xa.T @ dH
