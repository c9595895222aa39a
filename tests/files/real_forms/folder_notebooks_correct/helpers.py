import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def d_sigmoid(s):
    return s * (1 - s)
