# Grace Okafor - DL Lab, Program 1
# 2-layer neural network trained on XOR using backpropagation (numpy only)

import numpy as np
import matplotlib.pyplot as plt


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1 = np.random.randn(input_size, hidden_size) * 0.8
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) * 0.8
        self.b2 = np.zeros((1, output_size))

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def forward(self, X):
        self.Z1 = X.dot(self.W1) + self.b1
        self.A1 = self.sigmoid(self.Z1)
        self.Z2 = self.A1.dot(self.W2) + self.b2
        self.A2 = self.sigmoid(self.Z2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y)
        # chain rule: dL/dZ2 = (A2 - Y) * sigmoid'(Z2)
        dZ2 = (self.A2 - Y) * self.A2 * (1 - self.A2)
        dW2 = self.A1.T.dot(dZ2)
        db2 = dZ2.sum(axis=0, keepdims=True)
        dZ1 = dZ2.dot(self.W2.T) * self.A1 * (1 - self.A1)
        dW1 = X.T.dot(dZ1)
        db1 = dZ1.sum(axis=0, keepdims=True)

        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y = np.array([[0], [1], [1], [0]])

nn = SimpleNN(2, 4, 1)
losses = []
for epoch in range(5000):
    y_hat = nn.forward(X)
    losses.append(nn.loss(Y, y_hat))
    nn.backward(X, Y)

print("Predicted output:\n", nn.forward(X))
plt.plot(losses)
plt.xlabel("Epochs")
plt.ylabel("Loss")
plt.show()
