# Function form, column-major: initialize_parameters(n_x, n_h, n_y), forward(X, W1, b1, W2, b2) -> (A1, A2),
# compute_loss(Y, A2), backward(X, Y, A1, A2, W2) -> (dW1, db1, dW2, db2), update_parameters(...), train(...).
import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(a):
    return a * (1 - a)


def initialize_parameters(n_x, n_h, n_y):
    W1 = np.random.randn(n_h, n_x)
    b1 = np.zeros((n_h, 1))
    W2 = np.random.randn(n_y, n_h)
    b2 = np.zeros((n_y, 1))
    return W1, b1, W2, b2


def forward(X, W1, b1, W2, b2):
    A1 = sigmoid(np.dot(W1, X) + b1)
    A2 = sigmoid(np.dot(W2, A1) + b2)
    return A1, A2


def compute_loss(Y, A2):
    return np.mean((A2 - Y) ** 2)


def backward(X, Y, A1, A2, W2):
    m = X.shape[1]
    dZ2 = (A2 - Y) * sigmoid_derivative(A2)
    dW2 = np.dot(dZ2, A1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.T, dZ2) * sigmoid_derivative(A1)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return dW1, db1, dW2, db2


def update_parameters(W1, b1, W2, b2, dW1, db1, dW2, db2, lr):
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return W1, b1, W2, b2


def train(X, Y, hidden_size=4, epochs=2000, lr=4.0):
    W1, b1, W2, b2 = initialize_parameters(X.shape[0], hidden_size, Y.shape[0])
    for i in range(epochs):
        A1, A2 = forward(X, W1, b1, W2, b2)
        dW1, db1, dW2, db2 = backward(X, Y, A1, A2, W2)
        W1, b1, W2, b2 = update_parameters(W1, b1, W2, b2, dW1, db1, dW2, db2, lr)
        if i % 500 == 0:
            print(f"epoch {i}: loss {compute_loss(Y, A2):.4f}")
    return W1, b1, W2, b2


if __name__ == "__main__":
    train(np.array([[0, 0, 1, 1], [0, 1, 0, 1]]), np.array([[0, 1, 1, 0]]))
