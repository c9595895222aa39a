# Textbook style: W stored (out, in + 1) with the bias as its first column, np.insert(x, 0, 1) per
# sample, and an online update after every row.
import numpy as np


class Perceptron:
    def __init__(self, sizes, eta=0.5):
        self.weights = [np.random.uniform(-1, 1, (m, n + 1)) for n, m in zip(sizes[:-1], sizes[1:])]
        self.eta = eta

    @staticmethod
    def act(v):
        return 1 / (1 + np.exp(-v))

    def predict(self, X):
        out = []
        for x in X:
            for W in self.weights:
                x = self.act(W @ np.insert(x, 0, 1.0))
            out.append(x)
        return np.array(out)

    def learn(self, X, T):
        for x, t in zip(X, T):
            inputs = [np.insert(x, 0, 1.0)]
            h = self.act(self.weights[0] @ inputs[0])
            inputs.append(np.insert(h, 0, 1.0))
            o = self.act(self.weights[1] @ inputs[1])
            delta_o = (o - t) * o * (1 - o)
            delta_h = (self.weights[1][:, 1:].T @ delta_o) * h * (1 - h)
            self.weights[1] -= self.eta * np.outer(delta_o, inputs[1])
            self.weights[0] -= self.eta * np.outer(delta_h, inputs[0])
