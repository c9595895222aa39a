# Correct (no mistake): gradient of the summed cross-entropy, dZ2 = A2 - Y (no division by the batch); loop update.
import numpy as np


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1, self.b1 = np.random.randn(input_size, hidden_size) * 0.5, np.zeros((1, hidden_size))
        self.W2, self.b2 = np.random.randn(hidden_size, output_size) * 0.5, np.zeros((1, output_size))

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def forward(self, X):
        self.h = self.sigmoid(np.dot(X, self.W1) + self.b1)
        self.p = self.sigmoid(np.dot(self.h, self.W2) + self.b2)
        return self.p

    def loss(self, Y, Y_pred):
        eps = 1e-15
        Y_pred = np.clip(Y_pred, eps, 1 - eps)
        return float(-np.mean(Y * np.log(Y_pred) + (1 - Y) * np.log(1 - Y_pred)))

    def backward(self, X, Y):
        d_out = self.p - Y
        d_hid = np.dot(d_out, self.W2.T) * self.h * (1 - self.h)
        grads = [np.dot(X.T, d_hid), d_hid.sum(0, keepdims=True), np.dot(self.h.T, d_out), d_out.sum(0, keepdims=True)]
        for param, grad in zip([self.W1, self.b1, self.W2, self.b2], grads):
            param -= self.lr * grad
