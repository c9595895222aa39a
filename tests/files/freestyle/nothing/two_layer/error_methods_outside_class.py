# The methods lost their indentation: forward and backward are module-level functions taking self, so the
# class NeuralNetwork has only __init__ and sigmoid.
import numpy as np


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(hidden_size, input_size)
        self.b1 = np.zeros((hidden_size, 1))
        self.W2 = np.random.randn(output_size, hidden_size)
        self.b2 = np.zeros((output_size, 1))

    def sigmoid(self, x):
        return 1 / (1 + np.exp(-x))


def forward(self, X):
    self.a1 = self.sigmoid(self.W1 @ X + self.b1)
    self.a2 = self.sigmoid(self.W2 @ self.a1 + self.b2)
    return self.a2


def backward(self, X, y, learning_rate):
    delta = (self.a2 - y) * self.a2 * (1 - self.a2)
    self.W2 -= learning_rate * delta @ self.a1.T
    self.b2 -= learning_rate * delta.sum(axis=1, keepdims=True)
