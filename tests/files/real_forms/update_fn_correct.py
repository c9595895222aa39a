# Functions on a parameter dict: backward returns the gradients and update_parameters applies them
# with the learning rate it is given.
import numpy as np


def init_params(n_x, n_h, n_y, seed=3):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(n_x, n_h)), "b1": np.zeros((1, n_h)),
            "W2": rng.normal(size=(n_h, n_y)), "b2": np.zeros((1, n_y))}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X, params):
    A1 = sigmoid(X @ params["W1"] + params["b1"])
    A2 = sigmoid(A1 @ params["W2"] + params["b2"])
    return A2, {"A1": A1, "A2": A2}


def backward(X, Y, params, cache):
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = (A2 - Y) * A2 * (1 - A2)
    dZ1 = dZ2 @ params["W2"].T * A1 * (1 - A1)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0, keepdims=True),
            "dW2": A1.T @ dZ2, "db2": dZ2.sum(axis=0, keepdims=True)}


def update_parameters(params, grads, learning_rate):
    for key in ("W1", "b1", "W2", "b2"):
        params[key] = params[key] - learning_rate * grads["d" + key]
    return params


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
params = init_params(2, 4, 1)
for i in range(5000):
    out, cache = forward(X, params)
    params = update_parameters(params, backward(X, Y, params, cache), 0.5)
