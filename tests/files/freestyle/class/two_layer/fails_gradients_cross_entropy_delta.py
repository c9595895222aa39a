# Mistake: the output delta is (a2 - y), the cross-entropy gradient, although the loss is the squared error.
# Class form, column-major, backward(X, y, learning_rate).
import numpy as np


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(hidden_size, input_size)
        self.b1 = np.zeros((hidden_size, 1))
        self.W2 = np.random.randn(output_size, hidden_size)
        self.b2 = np.zeros((output_size, 1))

    def sigmoid(self, z):
        return 1.0 / (1.0 + np.exp(-z))

    def forward(self, X):
        self.a1 = self.sigmoid(self.W1 @ X + self.b1)
        self.a2 = self.sigmoid(self.W2 @ self.a1 + self.b2)
        return self.a2

    def loss(self, y_true, y_pred):
        return np.mean((y_true - y_pred) ** 2)

    def backward(self, X, y, learning_rate):
        m = X.shape[1]
        delta2 = self.a2 - y
        dW2 = delta2 @ self.a1.T / m
        db2 = delta2.sum(axis=1, keepdims=True) / m
        delta1 = (self.W2.T @ delta2) * self.a1 * (1 - self.a1)
        dW1 = delta1 @ X.T / m
        db1 = delta1.sum(axis=1, keepdims=True) / m
        self.W2 -= learning_rate * dW2
        self.b2 -= learning_rate * db2
        self.W1 -= learning_rate * dW1
        self.b1 -= learning_rate * db1

    def train(self, X, y, epochs, learning_rate):
        for epoch in range(epochs):
            output = self.forward(X)
            self.backward(X, y, learning_rate)
            if epoch % 500 == 0:
                print(epoch, self.loss(y, output))


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]).T
y = np.array([[0, 1, 1, 0]])
net = NeuralNetwork(2, 4, 1)
net.train(X, y, 1000, 2.0)
print(net.forward(X).round(2))
