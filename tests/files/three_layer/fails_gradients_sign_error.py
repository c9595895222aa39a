# Mistake: the gradients are right but the update adds them (param += lr * grad), climbing the loss; loop over a parameter list.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1, self.b1 = np.random.randn(input_size, hidden1_size), np.zeros((1, hidden1_size))
        self.W2, self.b2 = np.random.randn(hidden1_size, hidden2_size), np.zeros((1, hidden2_size))
        self.W3, self.b3 = np.random.randn(hidden2_size, output_size), np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        d3 = (self.A3 - Y) * self.A3 * (1 - self.A3)
        d2 = (d3 @ self.W3.T) * self.A2 * (1 - self.A2)
        d1 = (d2 @ self.W2.T) * self.A1 * (1 - self.A1)
        grads = [X.T @ d1, d1.sum(0, keepdims=True), self.A1.T @ d2, d2.sum(0, keepdims=True),
                 self.A2.T @ d3, d3.sum(0, keepdims=True)]
        for p, g in zip([self.W1, self.b1, self.W2, self.b2, self.W3, self.b3], grads):
            p += self.lr * g
