# Mistake: forward() returns the output logits Z3 instead of the softmax probabilities (backward uses the probabilities).
import numpy as np


class DeepNN:
    def __init__(self, layer_sizes, lr=0.1):
        self.lr = lr
        n0, n1, n2, n3 = layer_sizes
        self.W1, self.b1 = np.random.randn(n0, n1) * 0.5, np.zeros((1, n1))
        self.W2, self.b2 = np.random.randn(n1, n2) * 0.5, np.zeros((1, n2))
        self.W3, self.b3 = np.random.randn(n2, n3) * 0.5, np.zeros((1, n3))

    def forward(self, X):
        self.Z1 = X @ self.W1 + self.b1
        self.A1 = np.maximum(self.Z1, 0)
        self.Z2 = self.A1 @ self.W2 + self.b2
        self.A2 = np.maximum(self.Z2, 0)
        Z3 = self.A2 @ self.W3 + self.b3
        E = np.exp(Z3 - np.max(Z3, axis=1, keepdims=True))
        self.P = E / np.sum(E, axis=1, keepdims=True)
        return Z3

    def loss(self, Y, Y_pred):
        return float(np.mean(-np.log(np.sum(Y * Y_pred, axis=1))))

    def backward(self, X, Y):
        dZ3 = self.P - Y
        dZ2 = (dZ3 @ self.W3.T) * (self.Z2 > 0)
        dZ1 = (dZ2 @ self.W2.T) * (self.Z1 > 0)
        self.W3 -= self.lr * self.A2.T @ dZ3
        self.b3 -= self.lr * dZ3.sum(axis=0, keepdims=True)
        self.W2 -= self.lr * self.A1.T @ dZ2
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ dZ1
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
