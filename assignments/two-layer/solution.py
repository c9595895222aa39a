"""Two-layer network for XOR -- reference solution.

Architecture: input -> sigmoid hidden layer -> sigmoid output, trained by
full-batch gradient descent.  The reported loss is the mean squared error.

All arrays are row-major:
    X  (N, input_size)            W1 (input_size, hidden_size)   b1 (1, hidden_size)
    Y  (N, output_size)           W2 (hidden_size, output_size)  b2 (1, output_size)

Gradient convention: backward() uses the gradient of
    E = 0.5 * sum((A2 - Y) ** 2)
summed over the whole batch.  That is the gradient of the MSE multiplied by
N * output_size / 2 -- one positive factor shared by every parameter, so the
step points in exactly the same direction as the MSE gradient.
"""

import numpy as np


def sigmoid(z):
    # clipping keeps np.exp from overflowing for very negative z
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def sigmoid_derivative(a):
    """Derivative of the sigmoid written in terms of its output a = sigmoid(z)."""
    return a * (1.0 - a)


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        """X (N, input_size) -> predictions (N, output_size); caches A1 and A2."""
        self.Z1 = X @ self.W1 + self.b1
        self.A1 = sigmoid(self.Z1)
        self.Z2 = self.A1 @ self.W2 + self.b2
        self.A2 = sigmoid(self.Z2)
        return self.A2

    def loss(self, Y, Y_pred):
        """Mean squared error over all entries."""
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        """Backprop the 0.5*SSE error through both layers and take one gradient step."""
        # output layer: dE/dZ2
        delta2 = (self.A2 - Y) * sigmoid_derivative(self.A2)
        dW2 = self.A1.T @ delta2
        db2 = np.sum(delta2, axis=0, keepdims=True)

        # hidden layer (uses W2 *before* it is updated)
        delta1 = (delta2 @ self.W2.T) * sigmoid_derivative(self.A1)
        dW1 = X.T @ delta1
        db1 = np.sum(delta1, axis=0, keepdims=True)

        # gradient descent step
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1


if __name__ == "__main__":
    np.random.seed(1)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)

    net = SimpleNN(2, 4, 1, lr=0.5)
    for epoch in range(5000):
        Y_pred = net.forward(X)
        if epoch % 500 == 0:
            print(f"epoch {epoch:5d}  mse {net.loss(Y, Y_pred):.5f}")
        net.backward(X, Y)

    Y_pred = net.forward(X)
    print("final mse:", round(float(net.loss(Y, Y_pred)), 6))
    print("predictions:", Y_pred.ravel().round(3))
    print("rounded:    ", (Y_pred > 0.5).astype(int).ravel())
