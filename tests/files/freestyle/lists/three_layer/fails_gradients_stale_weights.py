# Mistake: each weight matrix is updated before the error goes back through it (stale weights).
# Weight/bias-lists form, sizes 2-2-2-1.
import numpy as np

W = [np.random.randn(2, 2), np.random.randn(2, 2), np.random.randn(2, 1)]
B = [np.random.randn(1, 2), np.random.randn(1, 2), np.random.randn(1, 1)]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_pass(X, W, B):
    A = []
    for w, b in zip(W, B):
        A.append(X)
        X = sigmoid(X @ w + b)
    return X, A


def loss(Y, out):
    return np.mean((out - Y) ** 2)


def backward_pass(W, B, A, out, Y, lr=0.5):
    E = (out - Y) * out * (1 - out)
    for i in range(len(W) - 1, -1, -1):
        dW = A[i].T @ E
        dB = E.sum(axis=0, keepdims=True)
        W[i] -= lr * dW
        B[i] -= lr * dB
        if i:
            E = (E @ W[i].T) * A[i] * (1 - A[i])
