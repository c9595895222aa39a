# The bias trick: a constant 1 is put in front of every layer's input, so the first row of each
# weight matrix is that layer's bias.
import numpy as np


def add_ones(a):
    return np.hstack([np.ones((a.shape[0], 1)), a])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class BiasTrickNet:
    def __init__(self, n_in, n_hidden, n_out, alpha=0.5):
        rng = np.random.default_rng(11)
        self.theta1 = rng.uniform(-1, 1, (n_in + 1, n_hidden))
        self.theta2 = rng.uniform(-1, 1, (n_hidden + 1, n_out))
        self.alpha = alpha

    def predict(self, X):
        self.a0 = add_ones(X)
        self.h = sigmoid(self.a0 @ self.theta1)
        self.a1 = add_ones(self.h)
        self.out = sigmoid(self.a1 @ self.theta2)
        return self.out

    def backprop(self, X, y):
        delta2 = (self.out - y) * self.out * (1 - self.out)
        delta1 = (delta2 @ self.theta2[1:].T) * self.h * (1 - self.h)
        self.theta2 -= self.alpha * self.a1.T @ delta2
        self.theta1 -= self.alpha * self.a0.T @ delta1


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
model = BiasTrickNet(2, 4, 1)
for i in range(6000):
    model.predict(X)
    model.backprop(X, y)
print(model.predict(X))
