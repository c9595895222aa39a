# Class form, row-major, three layers: Network(layer_sizes) takes one list of sizes; forward(X) and
# train_step(X, Y) (forward, backward and update in one call, using self.learning_rate).
import numpy as np


class Network:
    def __init__(self, layer_sizes, learning_rate=1.0):
        self.learning_rate = learning_rate
        self.W1 = np.random.randn(layer_sizes[0], layer_sizes[1])
        self.b1 = np.zeros((1, layer_sizes[1]))
        self.W2 = np.random.randn(layer_sizes[1], layer_sizes[2])
        self.b2 = np.zeros((1, layer_sizes[2]))
        self.W3 = np.random.randn(layer_sizes[2], layer_sizes[3])
        self.b3 = np.zeros((1, layer_sizes[3]))

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def forward(self, X):
        self.h1 = self.sigmoid(X @ self.W1 + self.b1)
        self.h2 = self.sigmoid(self.h1 @ self.W2 + self.b2)
        self.out = self.sigmoid(self.h2 @ self.W3 + self.b3)
        return self.out

    def compute_loss(self, Y, Y_hat):
        return np.mean((Y_hat - Y) ** 2)

    def train_step(self, X, Y):
        out = self.forward(X)
        n = X.shape[0]
        d3 = 2 * (out - Y) / n * out * (1 - out)
        d2 = (d3 @ self.W3.T) * self.h2 * (1 - self.h2)
        d1 = (d2 @ self.W2.T) * self.h1 * (1 - self.h1)
        self.W3 -= self.learning_rate * self.h2.T @ d3
        self.b3 -= self.learning_rate * d3.sum(axis=0, keepdims=True)
        self.W2 -= self.learning_rate * self.h1.T @ d2
        self.b2 -= self.learning_rate * d2.sum(axis=0, keepdims=True)
        self.W1 -= self.learning_rate * X.T @ d1
        self.b1 -= self.learning_rate * d1.sum(axis=0, keepdims=True)
        return self.compute_loss(Y, out)


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    net = Network([2, 4, 4, 1])
    for epoch in range(2000):
        loss = net.train_step(X, Y)
    print("final loss", loss)
