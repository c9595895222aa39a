# ReLU hidden layer and a softmax over two outputs, weights stored (out, in) and used as x @ W.T,
# cross-entropy with one-hot targets.
import numpy as np


class SoftmaxMLP:
    def __init__(self, d_in, d_hidden, d_out, learning_rate=0.5):
        rng = np.random.default_rng(2)
        self.W1 = rng.normal(0, np.sqrt(2 / d_in), (d_hidden, d_in))
        self.b1 = np.zeros(d_hidden)
        self.W2 = rng.normal(0, np.sqrt(2 / d_hidden), (d_out, d_hidden))
        self.b2 = np.zeros(d_out)
        self.learning_rate = learning_rate

    def forward(self, x):
        self.x = x
        self.z1 = x @ self.W1.T + self.b1
        self.h = np.maximum(0, self.z1)
        z2 = self.h @ self.W2.T + self.b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        self.p = e / e.sum(axis=1, keepdims=True)
        return self.p

    def cross_entropy(self, y, p):
        return -np.mean(np.sum(y * np.log(p + 1e-12), axis=1))

    def backward(self, y):
        n = y.shape[0]
        dz2 = (self.p - y) / n
        dz1 = (dz2 @ self.W2) * (self.z1 > 0)
        self.W2 -= self.learning_rate * dz2.T @ self.h
        self.b2 -= self.learning_rate * dz2.sum(axis=0)
        self.W1 -= self.learning_rate * dz1.T @ self.x
        self.b1 -= self.learning_rate * dz1.sum(axis=0)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[1, 0], [0, 1], [0, 1], [1, 0]], dtype=float)
mlp = SoftmaxMLP(2, 6, 2)
for _ in range(3000):
    mlp.forward(X)
    mlp.backward(Y)
