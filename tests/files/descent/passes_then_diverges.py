# Solves XOR, then diverges: the backward pass is correct (gradient of the mean squared error), but after
# 300 steps a "speed-up" multiplies self.lr by 1.6 at every call and never stops, so the rate overflows to
# infinity (~epoch 1800) and the weights become NaN. With early stop (the default) the descent check sees
# XOR solved at the checkpoint after epoch 300 and passes; with stop_when_solved = false it fails.
import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.steps = 0
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
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dA2 = 2.0 * (self.A2 - Y) / Y.size
        dZ2 = dA2 * self.A2 * (1.0 - self.A2)
        dW2 = np.dot(self.A1.T, dZ2)
        db2 = np.sum(dZ2, axis=0, keepdims=True)
        dZ1 = np.dot(dZ2, self.W2.T) * self.A1 * (1.0 - self.A1)
        dW1 = np.dot(X.T, dZ1)
        db1 = np.sum(dZ1, axis=0, keepdims=True)
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        self.steps += 1
        if self.steps > 300:
            self.lr *= 1.6  # meant as a one-off speed-up once training is under way


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)
model = SimpleNN(2, 4, 1, lr=2.0)
for epoch in range(300):
    pred = model.forward(X)
    model.backward(X, Y)
print("loss after 300 epochs:", model.loss(Y, model.forward(X)))
