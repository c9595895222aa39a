# Helper functions for the passes; the inline update of the hidden layer adds the gradient
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X, W1, b1, W2, b2):
    a1 = sigmoid(X @ W1 + b1)
    a2 = sigmoid(a1 @ W2 + b2)
    return a1, a2


def backward(X, y, a1, a2, W2):
    n = X.shape[0]
    dz2 = (a2 - y) * a2 * (1 - a2)
    dW2 = a1.T @ dz2 / n
    db2 = dz2.sum(axis=0, keepdims=True) / n
    dz1 = dz2 @ W2.T * a1 * (1 - a1)
    dW1 = X.T @ dz1 / n
    db1 = dz1.sum(axis=0, keepdims=True) / n
    return dW1, db1, dW2, db2


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
np.random.seed(42)
W1 = np.random.randn(2, 4)
b1 = np.zeros((1, 4))
W2 = np.random.randn(4, 1)
b2 = np.zeros((1, 1))
lr = 2.0

for epoch in range(10000):
    a1, a2 = forward(X, W1, b1, W2, b2)
    dW1, db1, dW2, db2 = backward(X, y, a1, a2, W2)
    W1 = W1 + lr * dW1
    b1 = b1 - lr * db1
    W2 = W2 - lr * dW2
    b2 = b2 - lr * db2
    if epoch % 2000 == 0:
        loss = np.mean((y - a2) ** 2)
        print(f"epoch {epoch}  loss {loss:.5f}")

print(np.round(forward(X, W1, b1, W2, b2)[1], 3))
