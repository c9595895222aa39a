# One object per neuron; the hidden neurons never update their bias.
import math
import random

import numpy as np


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.array([random.uniform(-1, 1) for _ in range(n_inputs)])
        self.bias = random.uniform(-1, 1)

    def fire(self, inputs):
        self.inputs = inputs
        self.out = 1 / (1 + np.exp(-(inputs @ self.weights + self.bias)))
        return self.out


class NeuronNet:
    def __init__(self, n_in, n_hidden, n_out, learning_rate=0.5):
        self.hidden = [Neuron(n_in) for _ in range(n_hidden)]
        self.output = [Neuron(n_hidden) for _ in range(n_out)]
        self.learning_rate = learning_rate

    def forward(self, X):
        self.h = np.stack([n.fire(X) for n in self.hidden], axis=1)
        return np.stack([n.fire(self.h) for n in self.output], axis=1)

    def backward(self, X, Y):
        out = np.stack([n.out for n in self.output], axis=1)
        d_out = (out - Y) * out * (1 - out)
        d_hidden = np.stack([sum(d_out[:, k] * o.weights[j] for k, o in enumerate(self.output))
                             for j in range(len(self.hidden))], axis=1) * self.h * (1 - self.h)
        for k, neuron in enumerate(self.output):
            neuron.weights = neuron.weights - self.learning_rate * self.h.T @ d_out[:, k]
            neuron.bias -= self.learning_rate * d_out[:, k].sum()
        for j, neuron in enumerate(self.hidden):
            neuron.weights = neuron.weights - self.learning_rate * X.T @ d_hidden[:, j]
            pass


random.seed(math.pi)
