# The constructor takes the training data; the output weights are updated before the hidden delta uses them.
import numpy as np


class DataNet:
    def __init__(self, X, y, hidden=4, lr=0.5):
        self.X, self.y = X, y
        self.lr = lr
        self.w1 = np.random.randn(X.shape[1], hidden)
        self.b1 = np.zeros(hidden)
        self.w2 = np.random.randn(hidden, y.shape[1])
        self.b2 = np.zeros(y.shape[1])

    def forward(self, X):
        self.a1 = 1 / (1 + np.exp(-(X @ self.w1 + self.b1)))
        self.a2 = 1 / (1 + np.exp(-(self.a1 @ self.w2 + self.b2)))
        return self.a2

    def backward(self, X, y):
        e2 = (self.a2 - y) * self.a2 * (1 - self.a2)
        self.w2 -= self.lr * self.a1.T @ e2
        e1 = e2 @ self.w2.T * self.a1 * (1 - self.a1)
        self.b2 -= self.lr * e2.sum(axis=0)
        self.w1 -= self.lr * X.T @ e1
        self.b1 -= self.lr * e1.sum(axis=0)

    def train(self, epochs):
        for _ in range(epochs):
            self.forward(self.X)
            self.backward(self.X, self.y)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
net = DataNet(X, y)
net.train(5000)
