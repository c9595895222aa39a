import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def mse(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)
