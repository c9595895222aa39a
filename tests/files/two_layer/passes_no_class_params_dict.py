# No SimpleNN class: module-level functions (sigmoid, forward, backward) on a params dict. Correct: bound by
# detection by default; `--binding spec` (the strict template) refuses it as missing-interface.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(a):
    return a * (1 - a)


def init_params(n_in, n_hidden, n_out):
    return {
        "W1": np.random.randn(n_in, n_hidden),
        "b1": np.zeros((1, n_hidden)),
        "W2": np.random.randn(n_hidden, n_out),
        "b2": np.zeros((1, n_out)),
    }


def forward(params, X):
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    A2 = sigmoid(A1 @ params["W2"] + params["b2"])
    return A1, A2


def mse(Y, Y_pred):
    return np.mean((Y - Y_pred) ** 2)


def backward(params, X, Y, A1, A2, lr=0.5):
    dZ2 = (A2 - Y) * sigmoid_derivative(A2)
    dZ1 = (dZ2 @ params["W2"].T) * sigmoid_derivative(A1)
    params["W2"] -= lr * A1.T @ dZ2
    params["b2"] -= lr * dZ2.sum(axis=0, keepdims=True)
    params["W1"] -= lr * X.T @ dZ1
    params["b1"] -= lr * dZ1.sum(axis=0, keepdims=True)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
params = init_params(2, 4, 1)
for epoch in range(2000):
    A1, A2 = forward(params, X)
    backward(params, X, Y, A1, A2)
print("loss:", mse(Y, forward(params, X)[1]))
