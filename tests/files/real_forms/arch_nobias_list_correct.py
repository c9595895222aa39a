# No biases: a list of weight-only layer objects, trained with a train(X, y, epochs) method.
import numpy as np


class WeightLayer:
    def __init__(self, rows, cols):
        self.w = np.random.uniform(-1, 1, (rows, cols))


class Perceptron2:
    def __init__(self, shape=(2, 4, 1), lr=2.0):
        self.net = [WeightLayer(a, b) for a, b in zip(shape[:-1], shape[1:])]
        self.lr = lr

    def run(self, X):
        self.acts = [X]
        for layer in self.net:
            self.acts.append(1 / (1 + np.exp(-self.acts[-1] @ layer.w)))
        return self.acts[-1]

    def train(self, X, y, epochs):
        for _ in range(epochs):
            out = self.run(X)
            delta = (out - y) * out * (1 - out) / len(X)
            for i in range(len(self.net) - 1, -1, -1):
                grad = self.acts[i].T @ delta
                delta = (delta @ self.net[i].w.T) * self.acts[i] * (1 - self.acts[i])
                self.net[i].w -= self.lr * grad
