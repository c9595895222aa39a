# Parameters created as float32 (to save memory, as in GPU code); the arithmetic follows the arrays.
import numpy as np


class SimpleMLP:
    def __init__(self, n_in, n_hidden, n_out, lr=0.5):
        rng = np.random.default_rng(0)
        self.W1 = rng.standard_normal((n_in, n_hidden)).astype(np.float32)
        self.b1 = np.zeros((1, n_hidden), dtype=np.float32)
        self.W2 = rng.standard_normal((n_hidden, n_out)).astype(np.float32)
        self.b2 = np.zeros((1, n_out), dtype=np.float32)
        self.lr = lr

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = 1 / (1 + np.exp(-self.z1))
        self.a2 = 1 / (1 + np.exp(-(self.a1 @ self.W2 + self.b2)))
        return self.a2

    def backward(self, X, y):
        d2 = (self.a2 - y) * self.a2 * (1 - self.a2)
        d1 = d2 @ self.W2.T * self.a1 * (1 - self.a1)
        self.W2 -= self.lr * self.a1.T @ d2
        self.b2 -= self.lr * d2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ d1
        self.b1 -= self.lr * d1.sum(axis=0, keepdims=True)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
y = np.array([[0], [1], [1], [0]], dtype=np.float32)
mlp = SimpleMLP(2, 4, 1)
for _ in range(4000):
    mlp.forward(X)
    mlp.backward(X, y)
