# Mistake: each layer's weights are updated inside the backward loop before the error is sent back through
# them, so the earlier layers get the gradient of an already changed network.
import numpy as np

rng = np.random.default_rng(5)
sizes = [2, 4, 4, 1]
net = {}
for l in range(1, len(sizes)):
    net["W" + str(l)] = rng.normal(size=(sizes[l - 1], sizes[l]))
    net["b" + str(l)] = np.zeros((1, sizes[l]))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X, params):
    activations = [X]
    for l in range(1, 4):
        activations.append(sigmoid(activations[-1] @ params["W" + str(l)] + params["b" + str(l)]))
    return activations[-1], activations


def mse(yhat, Y):
    return float(np.mean((yhat - Y) ** 2))


def backward(Y, activations, params, lr=0.5):
    out = activations[-1]
    delta = (out - Y) * out * (1 - out)
    for l in range(3, 0, -1):
        params["W" + str(l)] -= lr * activations[l - 1].T @ delta
        params["b" + str(l)] -= lr * delta.sum(axis=0, keepdims=True)
        a = activations[l - 1]
        delta = (delta @ params["W" + str(l)].T) * a * (1 - a)
