# Mistake: a missing closing bracket in forward() makes the whole file unreadable.
# expected line: 19
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden1_size)
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = np.random.randn(hidden1_size, hidden2_size)
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = np.random.randn(hidden2_size, output_size)
        self.b3 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3
