import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(activated):
    """Derivative of the sigmoid, written in terms of its output."""
    return activated * (1.0 - activated)
