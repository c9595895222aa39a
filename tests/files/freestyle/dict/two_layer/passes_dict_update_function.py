# Parameter-dict form with an update function that returns the new dict; gradients keyed like the parameters.
import numpy as np


def initialize(layer_sizes):
    rng = np.random.default_rng(0)
    return {f"W{i + 1}": rng.normal(size=(m, n)) for i, (m, n) in enumerate(zip(layer_sizes, layer_sizes[1:]))} | \
        {f"b{i + 1}": np.zeros((1, n)) for i, n in enumerate(layer_sizes[1:])}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_pass(X, parameters):
    Z1 = X @ parameters["W1"] + parameters["b1"]
    A1 = sigmoid(Z1)
    A2 = sigmoid(A1 @ parameters["W2"] + parameters["b2"])
    return A2, {"X": X, "A1": A1, "A2": A2}


def compute_cost(Y, Yhat):
    return np.mean((Yhat - Y) ** 2)


def backward_pass(Y, memory, parameters):
    A1, A2, X = memory["A1"], memory["A2"], memory["X"]
    d2 = (A2 - Y) * A2 * (1 - A2)
    d1 = d2 @ parameters["W2"].T * A1 * (1 - A1)
    return {"W1": X.T @ d1, "b1": d1.sum(axis=0, keepdims=True), "W2": A1.T @ d2, "b2": d2.sum(axis=0, keepdims=True)}


def update_parameters(parameters, gradients, learning_rate):
    return {key: value - learning_rate * gradients[key] for key, value in parameters.items()}
