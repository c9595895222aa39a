# Mistake: the second hidden layer computes A1 @ W2 without + b2; backward is the right chain rule for that forward pass.
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
        self.A1 = sigmoid(np.dot(X, self.W1) + self.b1)
        self.A2 = sigmoid(np.dot(self.A1, self.W2))
        self.A3 = sigmoid(np.dot(self.A2, self.W3) + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dZ3 = (self.A3 - Y) * self.A3 * (1 - self.A3)
        dW3 = np.dot(self.A2.T, dZ3)
        db3 = np.sum(dZ3, axis=0, keepdims=True)
        dZ2 = np.dot(dZ3, self.W3.T) * self.A2 * (1 - self.A2)
        dW2 = np.dot(self.A1.T, dZ2)
        db2 = np.sum(dZ2, axis=0, keepdims=True)
        dZ1 = np.dot(dZ2, self.W2.T) * self.A1 * (1 - self.A1)
        dW1 = np.dot(X.T, dZ1)
        db1 = np.sum(dZ1, axis=0, keepdims=True)
        self.W3 -= self.lr * dW3
        self.b3 -= self.lr * db3
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
