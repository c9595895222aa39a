# Every constructor argument required; the update uses a hard-coded rate instead of the learning rate.
import numpy as np


class NeuralNetwork:
    def __init__(self, num_inputs, num_hidden, num_outputs, learning_rate, epochs, seed):
        rng = np.random.RandomState(seed)
        self.lr = learning_rate
        self.epochs = epochs
        self.weights_ih = rng.randn(num_inputs, num_hidden)
        self.bias_h = np.zeros((1, num_hidden))
        self.weights_ho = rng.randn(num_hidden, num_outputs)
        self.bias_o = np.zeros((1, num_outputs))

    def forward(self, X):
        self.h = 1 / (1 + np.exp(-(X @ self.weights_ih + self.bias_h)))
        self.o = 1 / (1 + np.exp(-(self.h @ self.weights_ho + self.bias_o)))
        return self.o

    def backward(self, X, y):
        delta_o = (self.o - y) * self.o * (1 - self.o)
        delta_h = delta_o @ self.weights_ho.T * self.h * (1 - self.h)
        self.weights_ho -= 0.1 * self.h.T @ delta_o
        self.bias_o -= 0.1 * delta_o.sum(axis=0, keepdims=True)
        self.weights_ih -= 0.1 * X.T @ delta_h
        self.bias_h -= 0.1 * delta_h.sum(axis=0, keepdims=True)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
nn = NeuralNetwork(2, 4, 1, 0.5, 5000, 0)
for _ in range(nn.epochs):
    nn.forward(X)
    nn.backward(X, y)
