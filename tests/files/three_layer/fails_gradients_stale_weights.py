# Mistake: the loop updates each layer in place before sending the error back through it (every layer sees updated weights).
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
        self.A = [X]
        for W, b in ((self.W1, self.b1), (self.W2, self.b2), (self.W3, self.b3)):
            self.A.append(sigmoid(self.A[-1] @ W + b))
        return self.A[-1]

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        Ws, bs = [self.W1, self.W2, self.W3], [self.b1, self.b2, self.b3]
        E = (self.A[3] - Y) * self.A[3] * (1 - self.A[3])
        for i in (2, 1, 0):
            Ws[i] -= self.lr * self.A[i].T @ E
            bs[i] -= self.lr * E.sum(axis=0, keepdims=True)
            if i > 0:
                E = (E @ Ws[i].T) * self.A[i] * (1 - self.A[i])
