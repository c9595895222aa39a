# Mistake: the hidden layer's weighted sum leaves out b1 (X @ W1 only); backward is the right chain rule for that forward pass.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def d_sigmoid(a):
    return a * (1.0 - a)


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.hidden = sigmoid(X @ self.W1)
        self.out = sigmoid(self.hidden @ self.W2 + self.b2)
        return self.out

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        n = Y.shape[0]
        g_out = (self.out - Y) * d_sigmoid(self.out) / n
        g_hidden = (g_out @ self.W2.T) * d_sigmoid(self.hidden)
        self.W2 = self.W2 - self.lr * (self.hidden.T @ g_out)
        self.b2 = self.b2 - self.lr * g_out.sum(axis=0, keepdims=True)
        self.W1 = self.W1 - self.lr * (X.T @ g_hidden)
        self.b1 = self.b1 - self.lr * g_hidden.sum(axis=0, keepdims=True)
