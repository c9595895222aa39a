"""Three-layer (two hidden layers) sigmoid network for XOR -- reference solution.

    X (N, in) -> sigmoid(X W1 + b1) = A1 (N, H1)
              -> sigmoid(A1 W2 + b2) = A2 (N, H2)
              -> sigmoid(A2 W3 + b3) = A3 (N, out)

Loss: mean squared error, np.mean((Y - A3) ** 2).

Gradient convention: backward() computes the *exact* gradient of that mean,
so dL/dA3 = 2 * (A3 - Y) / Y.size.
"""

import numpy as np


def sigmoid(z):
    z = np.clip(z, -500, 500)
    return 1.0 / (1.0 + np.exp(-z))


class ThreeLayerNN:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden1_size)
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = np.random.randn(hidden1_size, hidden2_size)
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = np.random.randn(hidden2_size, output_size)
        self.b3 = np.zeros((1, output_size))

    def forward(self, X):
        self.A1 = sigmoid(X @ self.W1 + self.b1)
        self.A2 = sigmoid(self.A1 @ self.W2 + self.b2)
        self.A3 = sigmoid(self.A2 @ self.W3 + self.b3)
        return self.A3

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        # dL/dA3 for L = mean over every entry of (A3 - Y)^2
        dA3 = 2.0 * (self.A3 - Y) / Y.size
        dZ3 = dA3 * self.A3 * (1.0 - self.A3)
        dW3 = self.A2.T @ dZ3
        db3 = dZ3.sum(axis=0, keepdims=True)

        dZ2 = (dZ3 @ self.W3.T) * self.A2 * (1.0 - self.A2)
        dW2 = self.A1.T @ dZ2
        db2 = dZ2.sum(axis=0, keepdims=True)

        dZ1 = (dZ2 @ self.W2.T) * self.A1 * (1.0 - self.A1)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0, keepdims=True)

        # all gradients are computed from the old weights; now update
        for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2),
                           ("b2", db2), ("W3", dW3), ("b3", db3)):
            setattr(self, name, getattr(self, name) - self.lr * grad)


if __name__ == "__main__":
    np.random.seed(0)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)

    # the exact mean gradient is 2/N times the summed one, so a larger step than
    # the default 0.5 converges faster (lr=0.5 also works, just more slowly)
    net = ThreeLayerNN(2, 4, 4, 1, lr=2.0)
    losses = []
    for epoch in range(5000):
        out = net.forward(X)
        losses.append(net.loss(Y, out))
        net.backward(X, Y)
        if epoch % 1000 == 0:
            print(f"epoch {epoch}: loss = {losses[-1]:.5f}")

    out = net.forward(X)
    print("final loss:", net.loss(Y, out))
    print("predictions:", out.ravel().round(3))
