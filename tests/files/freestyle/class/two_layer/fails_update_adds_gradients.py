# Mistake: update() adds the gradients instead of subtracting them (backprop itself is right).
# Class form, row-major: feedforward, backprop returning a dict, update(grads).
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class MLP:
    def __init__(self, n_inputs, n_hidden, n_outputs, learning_rate=0.5):
        rng = np.random.default_rng(3)
        self.learning_rate = learning_rate
        self.weights_input_hidden = rng.normal(size=(n_inputs, n_hidden))
        self.bias_hidden = np.zeros(n_hidden)
        self.weights_hidden_output = rng.normal(size=(n_hidden, n_outputs))
        self.bias_output = np.zeros(n_outputs)

    def feedforward(self, X):
        self.hidden = sigmoid(X @ self.weights_input_hidden + self.bias_hidden)
        self.output = sigmoid(self.hidden @ self.weights_hidden_output + self.bias_output)
        return self.output

    def mse(self, y, y_hat):
        return float(np.mean((y - y_hat) ** 2))

    def backprop(self, X, y):
        error_out = (self.output - y) * self.output * (1 - self.output)
        error_hidden = (error_out @ self.weights_hidden_output.T) * self.hidden * (1 - self.hidden)
        return {
            "d_weights_input_hidden": X.T @ error_hidden,
            "d_bias_hidden": error_hidden.sum(axis=0),
            "d_weights_hidden_output": self.hidden.T @ error_out,
            "d_bias_output": error_out.sum(axis=0),
        }

    def update(self, grads):
        self.weights_input_hidden += self.learning_rate * grads["d_weights_input_hidden"]
        self.bias_hidden += self.learning_rate * grads["d_bias_hidden"]
        self.weights_hidden_output += self.learning_rate * grads["d_weights_hidden_output"]
        self.bias_output += self.learning_rate * grads["d_bias_output"]


data = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
target = np.array([[0], [1], [1], [0]], dtype=float)
model = MLP(2, 4, 1)
for step in range(3000):
    model.feedforward(data)
    model.update(model.backprop(data, target))
print(model.mse(target, model.feedforward(data)))
