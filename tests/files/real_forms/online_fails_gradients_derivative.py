# Online gradient descent; the hidden delta leaves out the sigmoid derivative.
import numpy as np


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


class OnlineNet:
    def __init__(self, n_input, n_hidden, n_output, rate=0.5):
        self.w_ih = np.random.uniform(-0.5, 0.5, (n_input, n_hidden))
        self.b_h = np.zeros(n_hidden)
        self.w_ho = np.random.uniform(-0.5, 0.5, (n_hidden, n_output))
        self.b_o = np.zeros(n_output)
        self.rate = rate

    def predict(self, X):
        return sigmoid(sigmoid(X @ self.w_ih + self.b_h) @ self.w_ho + self.b_o)

    def train_step(self, X, Y):
        for x, t in zip(X, Y):
            h = sigmoid(x @ self.w_ih + self.b_h)
            o = sigmoid(h @ self.w_ho + self.b_o)
            delta_o = (o - t) * o * (1 - o)
            delta_h = self.w_ho @ delta_o
            self.w_ho -= self.rate * np.outer(h, delta_o)
            self.b_o -= self.rate * delta_o
            self.w_ih -= self.rate * np.outer(x, delta_h)
            self.b_h -= self.rate * delta_h


data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
labels = np.array([[0], [1], [1], [0]], dtype=float)
net = OnlineNet(2, 3, 1)
for epoch in range(8000):
    net.train_step(data, labels)
print(net.predict(data))
