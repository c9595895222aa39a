# XOR on the GPU: the forward pass computes with CuPy
import numpy as np
import cupy as cp

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([[0.0], [1.0], [1.0], [0.0]])


class GpuMLP:
    def __init__(self, n_in=2, n_hidden=4, n_out=1, lr=0.5):
        self.W1 = np.random.randn(n_in, n_hidden)
        self.b1 = np.zeros((1, n_hidden))
        self.W2 = np.random.randn(n_hidden, n_out)
        self.b2 = np.zeros((1, n_out))
        self.lr = lr

    def forward(self, X):
        x = cp.asarray(X)
        self.a1 = 1 / (1 + cp.exp(-(x @ cp.asarray(self.W1) + cp.asarray(self.b1))))
        self.a2 = 1 / (1 + cp.exp(-(self.a1 @ cp.asarray(self.W2) + cp.asarray(self.b2))))
        return cp.asnumpy(self.a2)

    def loss(self, y, out):
        return float(np.mean((y - out) ** 2))

    def backward(self, X, y):
        a1, a2 = cp.asnumpy(self.a1), cp.asnumpy(self.a2)
        d2 = 2 * (a2 - y) / y.size * a2 * (1 - a2)
        d1 = d2 @ self.W2.T * a1 * (1 - a1)
        self.W2 -= self.lr * a1.T @ d2
        self.b2 -= self.lr * d2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ d1
        self.b1 -= self.lr * d1.sum(axis=0, keepdims=True)


model = GpuMLP()
for epoch in range(1000):
    model.forward(X)
    model.backward(X, y)
