# Mistake: the hidden error is dZ2 @ W2.T without the sigmoid derivative A1 * (1 - A1) (loop over two layers).
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.acts = [X, sigmoid(X @ self.W1 + self.b1)]
        self.acts.append(sigmoid(self.acts[1] @ self.W2 + self.b2))
        return self.acts[2]

    def loss(self, Y, Y_pred):
        return -np.mean(Y * np.log(Y_pred) + (1 - Y) * np.log(1 - Y_pred))

    def backward(self, X, Y):
        delta = (self.acts[2] - Y) / Y.shape[0]
        for k in (2, 1):
            W = getattr(self, f"W{k}")
            dW = self.acts[k - 1].T @ delta
            db = delta.sum(axis=0, keepdims=True)
            delta = delta @ W.T
            setattr(self, f"W{k}", W - self.lr * dW)
            setattr(self, f"b{k}", getattr(self, f"b{k}") - self.lr * db)
