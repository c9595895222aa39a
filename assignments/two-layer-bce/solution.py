"""Two-layer sigmoid network for XOR trained with binary cross-entropy -- reference solution.

Loss: L = -mean(Y * log(P) + (1 - Y) * log(1 - P)), mean over all entries.

With a sigmoid output, dL/dZ2 simplifies to (A2 - Y) / (number of entries).
backward() uses (A2 - Y) / N with N the batch size, i.e. the gradient of the
loss averaged over the batch (summed over output units); for a single output
unit this is the exact gradient, otherwise it differs by the positive factor
output_size, shared by all parameters.
"""

import numpy as np

EPS = 1e-12


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.Z1 = np.dot(X, self.W1) + self.b1
        self.A1 = sigmoid(self.Z1)
        self.Z2 = np.dot(self.A1, self.W2) + self.b2
        self.A2 = sigmoid(self.Z2)
        return self.A2

    def loss(self, Y, Y_pred):
        P = np.clip(Y_pred, EPS, 1.0 - EPS)  # keep log() finite
        return -np.mean(Y * np.log(P) + (1.0 - Y) * np.log(1.0 - P))

    def backward(self, X, Y):
        m = X.shape[0]

        # sigmoid + cross-entropy: the sigmoid derivative cancels
        dZ2 = (self.A2 - Y) / m
        dW2 = np.dot(self.A1.T, dZ2)
        db2 = np.sum(dZ2, axis=0, keepdims=True)

        dZ1 = np.dot(dZ2, self.W2.T) * self.A1 * (1.0 - self.A1)
        dW1 = np.dot(X.T, dZ1)
        db1 = np.sum(dZ1, axis=0, keepdims=True)

        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2


if __name__ == "__main__":
    np.random.seed(3)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)

    net = SimpleNN(2, 4, 1, lr=0.5)
    for epoch in range(5000):
        P = net.forward(X)
        if epoch % 500 == 0:
            print(f"epoch {epoch:4d}   bce {net.loss(Y, P):.4f}")
        net.backward(X, Y)

    P = net.forward(X)
    print("final bce:", net.loss(Y, P))
    print("probabilities:", P.ravel().round(3))
