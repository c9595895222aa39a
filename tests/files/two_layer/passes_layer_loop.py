# Correct (no mistake): forward and backward loop over the layers with getattr/setattr; gradient of 0.5 * SSE averaged over the batch.
import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.sizes = [input_size, hidden_size, output_size]
        for k in (1, 2):
            setattr(self, f"W{k}", np.random.randn(self.sizes[k - 1], self.sizes[k]) * np.sqrt(1 / self.sizes[k - 1]))
            setattr(self, f"b{k}", np.zeros((1, self.sizes[k])))

    def forward(self, X):
        self.A = [X]
        for k in (1, 2):
            self.A.append(sigmoid(self.A[-1] @ getattr(self, f"W{k}") + getattr(self, f"b{k}")))
        return self.A[-1]

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        n = X.shape[0]
        delta = (self.A[2] - Y) * self.A[2] * (1 - self.A[2]) / n
        grads = {}
        for k in (2, 1):
            grads[k] = (self.A[k - 1].T @ delta, delta.sum(axis=0, keepdims=True))
            delta = (delta @ getattr(self, f"W{k}").T) * self.A[k - 1] * (1 - self.A[k - 1])
        for k, (dW, db) in grads.items():
            getattr(self, f"W{k}")[...] -= self.lr * dW
            getattr(self, f"b{k}")[...] -= self.lr * db
