# Stochastic gradient descent as usually taught: every epoch visits the samples in a new random order
# and updates after each one.
import numpy as np


class SGDNet:
    def __init__(self, inputs, hidden, outputs, learning_rate=0.5):
        self.V = np.random.randn(inputs, hidden) * 0.5
        self.c = np.zeros(hidden)
        self.U = np.random.randn(hidden, outputs) * 0.5
        self.d = np.zeros(outputs)
        self.learning_rate = learning_rate

    @staticmethod
    def s(z):
        return 1 / (1 + np.exp(-z))

    def predict(self, X):
        return self.s(self.s(X @ self.V + self.c) @ self.U + self.d)

    def sgd_epoch(self, X, Y):
        for i in np.random.permutation(len(X)):
            h = self.s(X[i] @ self.V + self.c)
            o = self.s(h @ self.U + self.d)
            do = (o - Y[i]) * o * (1 - o)
            dh = (self.U @ do) * h * (1 - h)
            self.U -= self.learning_rate * np.outer(h, do)
            self.d -= self.learning_rate * do
            self.V -= self.learning_rate * np.outer(X[i], dh)
            self.c -= self.learning_rate * dh


np.random.seed(1)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
net = SGDNet(2, 3, 1)
for epoch in range(5000):
    net.sgd_epoch(X, Y)
