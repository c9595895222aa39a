# Correct network; at top level it plots, then overwrites matplotlib's font list in its own config
# folder. Only its own copy changes: the next student's worker starts with the grader's intact list.
import glob
import os

import numpy as np

config = os.environ["MPLCONFIGDIR"]
lists = sorted(glob.glob(os.path.join(config, "fontlist-*.json")))
before = {path: os.stat(path).st_mtime_ns for path in lists}
print("font lists before matplotlib:", [os.path.basename(path) for path in lists])

import matplotlib.pyplot as plt  # noqa: E402

plt.plot([1.0, 0.5, 0.25])
plt.close("all")
print("rebuilt by matplotlib:", any(os.stat(path).st_mtime_ns != mtime for path, mtime in before.items()))
for path in lists:
    with open(path, "w") as handle:
        handle.write('{"_version": "poisoned", "ttflist": []}')


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dZ2 = 2.0 * (self.A2 - Y) / Y.size * self.A2 * (1.0 - self.A2)
        dZ1 = (dZ2 @ self.W2.T) * self.A1 * (1.0 - self.A1)
        self.W2 -= self.lr * (self.A1.T @ dZ2)
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * (X.T @ dZ1)
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
