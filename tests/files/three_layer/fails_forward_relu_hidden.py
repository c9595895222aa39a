# Mistake: both hidden layers use ReLU instead of the sigmoid the assignment asks for (backward uses the ReLU derivative).
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.L = 3
        sizes = [input_size, hidden1_size, hidden2_size, output_size]
        for l in range(1, 4):
            setattr(self, f"W{l}", np.random.randn(sizes[l - 1], sizes[l]) * np.sqrt(2 / sizes[l - 1]))
            setattr(self, f"b{l}", np.zeros((1, sizes[l])))

    def forward(self, X):
        self.Z, self.A = [None], [X]
        for l in range(1, 4):
            z = self.A[-1] @ getattr(self, f"W{l}") + getattr(self, f"b{l}")
            self.Z.append(z)
            self.A.append(sigmoid(z) if l == 3 else relu(z))
        return self.A[3]

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        out = self.A[3]
        dZ = 2 * (out - Y) / Y.size * out * (1 - out)
        for l in range(3, 0, -1):
            dW = self.A[l - 1].T @ dZ
            db = dZ.sum(axis=0, keepdims=True)
            if l > 1:
                dZ = (dZ @ getattr(self, f"W{l}").T) * (self.Z[l - 1] > 0)
            getattr(self, f"W{l}")[...] -= self.lr * dW
            getattr(self, f"b{l}")[...] -= self.lr * db
