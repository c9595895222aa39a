# Mistake: the second hidden layer's error is dZ3 @ W3.T without the sigmoid derivative A2 * (1 - A2); layers 1 and 3 are right.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_derivative(a):
    return a * (1.0 - a)


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
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        m = X.shape[0]
        dZ3 = (self.A3 - Y) * sigmoid_derivative(self.A3) / m
        dZ2 = dZ3 @ self.W3.T
        dZ1 = (dZ2 @ self.W2.T) * sigmoid_derivative(self.A1)
        self.W3 -= self.lr * (self.A2.T @ dZ3)
        self.b3 -= self.lr * np.sum(dZ3, axis=0, keepdims=True)
        self.W2 -= self.lr * (self.A1.T @ dZ2)
        self.b2 -= self.lr * np.sum(dZ2, axis=0, keepdims=True)
        self.W1 -= self.lr * (X.T @ dZ1)
        self.b1 -= self.lr * np.sum(dZ1, axis=0, keepdims=True)
