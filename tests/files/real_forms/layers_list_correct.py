# A list of layer objects, each with its weight_matrix, bias_vector and activations kept for backprop.
import numpy as np


class Layer:
    def __init__(self, n_inputs, n_neurons):
        self.weight_matrix = np.random.uniform(-1, 1, (n_inputs, n_neurons))
        self.bias_vector = np.random.uniform(-1, 1, (1, n_neurons))

    def activate(self, inputs):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-(inputs @ self.weight_matrix + self.bias_vector)))
        return self.output


class NeuralNet:
    def __init__(self, sizes, learning_rate=0.5):
        self.layers = [Layer(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        self.learning_rate = learning_rate

    def feed_forward(self, X):
        for layer in self.layers:
            X = layer.activate(X)
        return X

    def train_step(self, X, y):
        out = self.feed_forward(X)
        delta = (out - y) * out * (1 - out)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            below = None
            if i > 0:
                below = (delta @ layer.weight_matrix.T) * layer.inputs * (1 - layer.inputs)
            layer.weight_matrix -= self.learning_rate * layer.inputs.T @ delta
            layer.bias_vector -= self.learning_rate * delta.sum(axis=0, keepdims=True)
            delta = below
        return out


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y = np.array([[0], [1], [1], [0]])
nn = NeuralNet([2, 4, 1])
for i in range(4000):
    nn.train_step(X, Y)
print(nn.feed_forward(X))
