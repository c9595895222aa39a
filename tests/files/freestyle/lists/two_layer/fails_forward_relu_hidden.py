# Mistake: the hidden layer uses ReLU instead of the sigmoid, in the forward pass and its derivative.
# Weight/bias-lists form, updates in place.
import numpy as np

W = [np.random.randn(2, 4), np.random.randn(4, 1)]
B = [np.random.randn(1, 4), np.random.randn(1, 1)]

sig = lambda x: 1 / (1 + np.exp(-x))
dsig = lambda a: a * (1 - a)


def mean_squared_error(pred, target):
    return np.mean((pred - target) ** 2)


def forward_pass(X, W, B):
    inputs, derivatives = [], []
    for i, (w, b) in enumerate(zip(W, B)):
        inputs.append(X)
        if i < len(W) - 1:
            X = np.maximum(0, X @ w + b)
            derivatives.append((X > 0).astype(float))
        else:
            X = sig(X @ w + b)
            derivatives.append(dsig(X))
    return X, inputs, derivatives


def backward_pass(W, B, inputs, derivatives, pred, Y, learning_rate=0.5):
    error = (pred - Y) * derivatives[-1]
    for i in reversed(range(len(W))):
        grad_w = inputs[i].T @ error
        grad_b = np.ones((1, error.shape[0])) @ error
        if i > 0:
            error = (error @ W[i].T) * derivatives[i - 1]
        W[i] -= learning_rate * grad_w
        B[i] -= learning_rate * grad_b


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
for epoch in range(300):
    pred, inputs, derivatives = forward_pass(X, W, B)
    backward_pass(W, B, inputs, derivatives, pred, Y)
print(mean_squared_error(pred, Y))
