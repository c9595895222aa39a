# Mistake: the hidden layer's sigmoid derivative is computed as Z1 * (1 - Z1) on the pre-activation instead of A1 * (1 - A1).
import numpy as np


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def sigmoid_deriv(self, x):
        return x * (1 - x)

    def forward(self, X):
        self.Z1 = X @ self.W1 + self.b1
        self.A1 = self.sigmoid(self.Z1)
        self.A2 = self.sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return -np.mean(Y * np.log(Y_pred) + (1 - Y) * np.log(1 - Y_pred))

    def backward(self, X, Y):
        dZ2 = self.A2 - Y
        dZ1 = (dZ2 @ self.W2.T) * self.sigmoid_deriv(self.Z1)
        self.W2 -= self.lr * self.A1.T @ dZ2
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * X.T @ dZ1
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
