# Sizes fixed inside the class; the constructor takes only training settings (learning_rate, epochs, seed).
import numpy as np


class XOR_MLP:
    def __init__(self, learning_rate=0.5, epochs=10000, seed=42):
        np.random.seed(seed)
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.W1 = np.random.uniform(size=(2, 2))
        self.b1 = np.random.uniform(size=(1, 2))
        self.W2 = np.random.uniform(size=(2, 1))
        self.b2 = np.random.uniform(size=(1, 1))

    def sigmoid(self, x):
        return 1 / (1 + np.exp(-x))

    def forward(self, X):
        self.hidden = self.sigmoid(np.dot(X, self.W1) + self.b1)
        self.output = self.sigmoid(np.dot(self.hidden, self.W2) + self.b2)
        return self.output

    def backward(self, X, y):
        d_out = (y - self.output) * self.output * (1 - self.output)
        d_hid = d_out.dot(self.W2.T) * self.hidden * (1 - self.hidden)
        self.W2 += self.hidden.T.dot(d_out) * self.learning_rate
        self.b2 += np.sum(d_out, axis=0, keepdims=True) * self.learning_rate
        self.W1 += X.T.dot(d_hid) * self.learning_rate
        self.b1 += np.sum(d_hid, axis=0, keepdims=True) * self.learning_rate

    def train(self, X, y):
        for _ in range(self.epochs):
            self.forward(X)
            self.backward(X, y)


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0], [1], [1], [0]])
    model = XOR_MLP()
    model.train(X, y)
    print(model.forward(X))
