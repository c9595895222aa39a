import numpy as np



def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_deriv(a):
    return a * (1 - a)


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
        m = X.shape[0]
        dZ2 = (self.A2 - Y) * sigmoid_deriv(self.A2) / m
        dZ1 = (dZ2 @ self.W2.T) * sigmoid_deriv(self.A1)
        self.W2 -= self.lr * (self.A1.T @ dZ2)
        self.b2 -= self.lr * dZ2.sum(axis=0, keepdims=True)
        self.W1 -= self.lr * (X.T @ dZ1)
        self.b1 -= self.lr * dZ1.sum(axis=0, keepdims=True)
