# Mistake: __init__ sets all weights and biases to zero (hidden units stay identical); forward, loss and backward are correct.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.zeros((input_size, hidden_size))
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.zeros((hidden_size, output_size))
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dZ2 = (self.A2 - Y) * self.A2 * (1 - self.A2)
        dW2 = self.A1.T @ dZ2
        db2 = np.sum(dZ2, axis=0, keepdims=True)
        dZ1 = (dZ2 @ self.W2.T) * self.A1 * (1 - self.A1)
        dW1 = X.T @ dZ1
        db1 = np.sum(dZ1, axis=0, keepdims=True)
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    nn = SimpleNN(2, 4, 1)
    for _ in range(2000):
        nn.forward(X)
        nn.backward(X, Y)
    print(nn.forward(X).ravel())
