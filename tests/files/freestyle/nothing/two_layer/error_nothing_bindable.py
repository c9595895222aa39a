# Nothing to bind: no network at all, only the XOR data and an activation function.
import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


print(sigmoid(X @ np.ones((2, 1))))
