# Correct (no mistake): gradient of 0.5 * sum of squared errors, summed over the batch.
import numpy as np


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size) * 0.5
        self.b1 = np.random.randn(1, hidden_size) * 0.1
        self.W2 = np.random.randn(hidden_size, output_size) * 0.5
        self.b2 = np.random.randn(1, output_size) * 0.1

    def sigmoid(self, z):
        return 1.0 / (1.0 + np.exp(-z))

    def forward(self, X):
        self.h = self.sigmoid(np.dot(X, self.W1) + self.b1)
        self.o = self.sigmoid(np.dot(self.h, self.W2) + self.b2)
        return self.o

    def loss(self, Y, Y_pred):
        return np.mean(np.square(Y - Y_pred))

    def backward(self, X, Y):
        delta_o = (self.o - Y) * self.o * (1 - self.o)
        delta_h = np.dot(delta_o, self.W2.T) * self.h * (1 - self.h)
        self.W2 -= self.lr * np.dot(self.h.T, delta_o)
        self.b2 -= self.lr * np.sum(delta_o, axis=0, keepdims=True)
        self.W1 -= self.lr * np.dot(X.T, delta_h)
        self.b1 -= self.lr * np.sum(delta_h, axis=0, keepdims=True)


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    Y = np.array([[0], [1], [1], [0]])
    net = SimpleNN(2, 4, 1, lr=2.0)
    for i in range(2000):
        out = net.forward(X)
        net.backward(X, Y)
        if i % 500 == 0:
            print(i, net.loss(Y, out))
