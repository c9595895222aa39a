# Mistake: every weight gradient is dZ.T @ A_prev, the transpose of A_prev.T @ dZ (it only fits square matrices).
import numpy as np


def relu(z):
    return np.maximum(0.0, z)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class DeepNN:
    def __init__(self, layer_sizes, lr=0.1):
        self.sizes = list(layer_sizes)
        self.L = len(self.sizes) - 1
        self.lr = lr
        for l in range(1, self.L + 1):
            setattr(self, f"W{l}", np.random.randn(self.sizes[l - 1], self.sizes[l]) * np.sqrt(2.0 / self.sizes[l - 1]))
            setattr(self, f"b{l}", np.zeros((1, self.sizes[l])))

    def forward(self, X):
        self.Z, self.A = [None], [X]
        for l in range(1, self.L + 1):
            z = self.A[-1] @ getattr(self, f"W{l}") + getattr(self, f"b{l}")
            self.Z.append(z)
            self.A.append(softmax(z) if l == self.L else relu(z))
        return self.A[-1]

    def loss(self, Y, Y_pred):
        return -np.mean(np.sum(Y * np.log(np.clip(Y_pred, 1e-15, 1.0)), axis=1))

    def backward(self, X, Y):
        dZ = (self.A[self.L] - Y) / X.shape[0]
        grads = {}
        for l in range(self.L, 0, -1):
            grads[l] = (dZ.T @ self.A[l - 1], dZ.sum(axis=0, keepdims=True))
            if l > 1:
                dZ = (dZ @ getattr(self, f"W{l}").T) * (self.Z[l - 1] > 0)
        for l, (dW, db) in grads.items():
            setattr(self, f"W{l}", getattr(self, f"W{l}") - self.lr * dW)
            setattr(self, f"b{l}", getattr(self, f"b{l}") - self.lr * db)
