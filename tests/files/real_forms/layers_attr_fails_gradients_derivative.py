# Layer objects as attributes; the hidden delta forgets the sigmoid derivative.
import numpy as np


class Linear:
    def __init__(self, fan_in, fan_out):
        self.W = np.random.randn(fan_in, fan_out) * 0.5
        self.b = np.zeros(fan_out)

    def __call__(self, x):
        return x @ self.W + self.b


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class XorNet:
    def __init__(self, inputs=2, hidden=4, outputs=1, lr=0.5):
        self.fc1 = Linear(inputs, hidden)
        self.fc2 = Linear(hidden, outputs)
        self.lr = lr

    def forward(self, X):
        self.h = sigmoid(self.fc1(X))
        self.o = sigmoid(self.fc2(self.h))
        return self.o

    def backward(self, X, y):
        d_o = (self.o - y) * self.o * (1 - self.o)
        d_h = d_o @ self.fc2.W.T
        self.fc2.W -= self.lr * self.h.T @ d_o
        self.fc2.b -= self.lr * d_o.sum(axis=0)
        self.fc1.W -= self.lr * X.T @ d_h
        self.fc1.b -= self.lr * d_h.sum(axis=0)


np.random.seed(0)
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
net = XorNet()
for epoch in range(5000):
    net.forward(X)
    net.backward(X, y)
    if epoch % 1000 == 0:
        print(epoch, np.mean((net.o - y) ** 2))
