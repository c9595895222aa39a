import numpy as np

from activations import sigmoid, sigmoid_prime


class NeuralNetwork:
    def __init__(self, layer_sizes, learning_rate=0.5):
        n_in, n_hidden, n_out = layer_sizes
        self.learning_rate = learning_rate
        self.weights1 = np.random.randn(n_in, n_hidden) * 0.5
        self.bias1 = np.zeros((1, n_hidden))
        self.weights2 = np.random.randn(n_hidden, n_out) * 0.5
        self.bias2 = np.zeros((1, n_out))

    def feedforward(self, inputs):
        self.inputs = inputs
        self.layer1 = sigmoid(inputs @ self.weights1 + self.bias1)
        self.output = sigmoid(self.layer1 @ self.weights2 + self.bias2)
        return self.output

    def cost(self, targets, predicted):
        return np.mean((targets - predicted) ** 2)

    def backprop(self, targets):
        delta2 = (self.output - targets) * sigmoid_prime(self.output)
        delta1 = delta2 @ self.weights2.T * sigmoid_prime(self.layer1)
        self.weights2 -= self.learning_rate * self.layer1.T @ delta2
        self.bias2 -= self.learning_rate * delta2.sum(axis=0, keepdims=True)
        self.weights1 -= self.learning_rate * self.inputs.T @ delta1
        self.bias1 -= self.learning_rate * delta1.sum(axis=0, keepdims=True)
