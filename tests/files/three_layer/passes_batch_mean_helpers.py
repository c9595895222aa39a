# Correct (no mistake): module-level helpers; gradient of 0.5 * SSE divided by the batch size m.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime_from_output(a):
    return a * (1 - a)


def dense_backward(a_prev, delta):
    return a_prev.T @ delta, np.sum(delta, axis=0, keepdims=True)


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden1_size) * 0.8
        self.b1 = np.random.randn(1, hidden1_size) * 0.1
        self.W2 = np.random.randn(hidden1_size, hidden2_size) * 0.8
        self.b2 = np.random.randn(1, hidden2_size) * 0.1
        self.W3 = np.random.randn(hidden2_size, output_size) * 0.8
        self.b3 = np.random.randn(1, output_size) * 0.1

    def forward(self, X):
        self.A1 = sigmoid(X.dot(self.W1) + self.b1)
        self.A2 = sigmoid(self.A1.dot(self.W2) + self.b2)
        self.A3 = sigmoid(self.A2.dot(self.W3) + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return ((Y - Y_pred) ** 2).mean()

    def backward(self, X, Y):
        m = X.shape[0]
        d3 = (self.A3 - Y) * sigmoid_prime_from_output(self.A3) / m
        d2 = d3.dot(self.W3.T) * sigmoid_prime_from_output(self.A2)
        d1 = d2.dot(self.W2.T) * sigmoid_prime_from_output(self.A1)
        dW3, db3 = dense_backward(self.A2, d3)
        dW2, db2 = dense_backward(self.A1, d2)
        dW1, db1 = dense_backward(X, d1)
        self.W3 -= self.lr * dW3
        self.b3 -= self.lr * db3
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
