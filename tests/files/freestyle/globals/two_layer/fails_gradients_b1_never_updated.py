# Mistake: b1 is never updated (its line was left out of backward).
# Module-level form with globals W1, b1, W2, b2 and a global learning rate.
import numpy as np

np.random.seed(3)
W1 = np.random.randn(2, 4)
b1 = np.zeros((1, 4))
W2 = np.random.randn(4, 1)
b2 = np.zeros((1, 1))
lr = 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X):
    global A1, A2
    A1 = sigmoid(X @ W1 + b1)
    A2 = sigmoid(A1 @ W2 + b2)
    return A2


def loss(Y, Y_pred):
    return np.mean((Y - Y_pred) ** 2)


def backward(X, Y):
    global W1, b1, W2, b2
    d2 = (A2 - Y) * A2 * (1 - A2)
    d1 = d2 @ W2.T * A1 * (1 - A1)
    W2 = W2 - lr * A1.T @ d2
    b2 = b2 - lr * d2.sum(axis=0, keepdims=True)
    W1 = W1 - lr * X.T @ d1
