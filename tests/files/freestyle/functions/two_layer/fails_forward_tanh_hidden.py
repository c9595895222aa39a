# Mistake: the forward pass uses tanh in the hidden layer (the assignment asks for the sigmoid).
# Function form, row-major, list gradients and a functional update.
import numpy as np


def init_params(n_in, n_hidden, n_out):
    rng = np.random.default_rng(7)
    return [rng.normal(size=(n_in, n_hidden)), np.zeros((1, n_hidden)),
            rng.normal(size=(n_hidden, n_out)), np.zeros((1, n_out))]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def feed_forward(x, w1, b1, w2, b2):
    hidden = np.tanh(x @ w1 + b1)
    return hidden, sigmoid(hidden @ w2 + b2)


def mse_loss(y_pred, y_true):
    return np.mean((y_pred - y_true) ** 2)


def backprop(x, y, hidden, output, w2):
    delta_out = (output - y) * output * (1 - output)
    delta_hidden = delta_out @ w2.T * hidden * (1 - hidden)
    return [x.T @ delta_hidden, delta_hidden.sum(axis=0, keepdims=True),
            hidden.T @ delta_out, delta_out.sum(axis=0, keepdims=True)]


def sgd(w1, b1, w2, b2, grads, lr):
    return w1 - lr * grads[0], b1 - lr * grads[1], w2 - lr * grads[2], b2 - lr * grads[3]
