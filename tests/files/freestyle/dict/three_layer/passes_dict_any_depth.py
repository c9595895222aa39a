# Parameter-dict form for any number of layers (three here): the loops read the depth from the dict.
import numpy as np

rng = np.random.default_rng(5)
sizes = [2, 4, 4, 1]
net = {}
for l in range(1, len(sizes)):
    net["W" + str(l)] = rng.normal(size=(sizes[l - 1], sizes[l]))
    net["b" + str(l)] = np.zeros((1, sizes[l]))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def depth(params):
    return len([k for k in params if k.startswith("W")])


def forward(X, params):
    activations = [X]
    for l in range(1, depth(params) + 1):
        activations.append(sigmoid(activations[-1] @ params["W" + str(l)] + params["b" + str(l)]))
    return activations[-1], activations


def mse(yhat, Y):
    return float(np.mean((yhat - Y) ** 2))


def backward(Y, activations, params):
    grads = {}
    L = depth(params)
    out = activations[-1]
    delta = (out - Y) * out * (1 - out)
    for l in range(L, 0, -1):
        grads["dW" + str(l)] = activations[l - 1].T @ delta
        grads["db" + str(l)] = delta.sum(axis=0, keepdims=True)
        a = activations[l - 1]
        delta = (delta @ params["W" + str(l)].T) * a * (1 - a)
    return grads


def update(params, grads, lr):
    for key in params:
        params[key] -= lr * grads["d" + key]
