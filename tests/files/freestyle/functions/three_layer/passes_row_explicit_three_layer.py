# Function form, row-major, three layers with every parameter passed explicitly.
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def initialize_parameters(input_size, hidden1_size, hidden2_size, output_size):
    return {
        "W1": np.random.randn(input_size, hidden1_size), "b1": np.zeros((1, hidden1_size)),
        "W2": np.random.randn(hidden1_size, hidden2_size), "b2": np.zeros((1, hidden2_size)),
        "W3": np.random.randn(hidden2_size, output_size), "b3": np.zeros((1, output_size)),
    }


def forward(X, W1, b1, W2, b2, W3, b3):
    A1 = sigmoid(X @ W1 + b1)
    A2 = sigmoid(A1 @ W2 + b2)
    A3 = sigmoid(A2 @ W3 + b3)
    return A1, A2, A3


def loss(Y, A3):
    return np.mean((Y - A3) ** 2)


def backward(X, Y, A1, A2, A3, W2, W3):
    dZ3 = (A3 - Y) * A3 * (1 - A3)
    dZ2 = dZ3 @ W3.T * A2 * (1 - A2)
    dZ1 = dZ2 @ W2.T * A1 * (1 - A1)
    return (X.T @ dZ1, dZ1.sum(axis=0, keepdims=True), A1.T @ dZ2, dZ2.sum(axis=0, keepdims=True),
            A2.T @ dZ3, dZ3.sum(axis=0, keepdims=True))


def update_parameters(W1, b1, W2, b2, W3, b3, dW1, db1, dW2, db2, dW3, db3, learning_rate):
    W1 = W1 - learning_rate * dW1
    b1 = b1 - learning_rate * db1
    W2 = W2 - learning_rate * dW2
    b2 = b2 - learning_rate * db2
    W3 = W3 - learning_rate * dW3
    b3 = b3 - learning_rate * db3
    return W1, b1, W2, b2, W3, b3
