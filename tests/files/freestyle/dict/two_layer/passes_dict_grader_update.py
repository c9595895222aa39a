# Parameter-dict form: forward(X, params) -> (yhat, cache), backward(Y, cache, params) -> grads with keys
# dW1, db1, ...; the update is written inline in the training loop (no update function), and the number of
# layers comes from the global `layers`.
import numpy as np

np.random.seed(1)
layers = [2, 4, 1]
learning_rate = 2.0


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


params = {}
for i in range(len(layers) - 1):
    params[f"W{i + 1}"] = np.random.randn(layers[i], layers[i + 1])
    params[f"b{i + 1}"] = np.zeros((1, layers[i + 1]))


def forward(X, params):
    cache = {"a0": X}
    a = X
    for i in range(1, len(layers)):
        a = sigmoid(a @ params[f"W{i}"] + params[f"b{i}"])
        cache[f"a{i}"] = a
    return a, cache


def cost(yhat, Y):
    return np.mean((yhat - Y) ** 2)


def backward(Y, cache, params):
    grads = {}
    L = len(layers) - 1
    a = cache[f"a{L}"]
    dz = 2 * (a - Y) / Y.size * a * (1 - a)
    for i in range(L, 0, -1):
        grads[f"dW{i}"] = cache[f"a{i - 1}"].T @ dz
        grads[f"db{i}"] = dz.sum(axis=0, keepdims=True)
        if i > 1:
            a_prev = cache[f"a{i - 1}"]
            dz = (dz @ params[f"W{i}"].T) * a_prev * (1 - a_prev)
    return grads


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
for epoch in range(1, 2001):
    yhat, cache = forward(X, params)
    grads = backward(Y, cache, params)
    for k in params:
        params[k] -= learning_rate * grads["d" + k]
print("loss", cost(forward(X, params)[0], Y))
