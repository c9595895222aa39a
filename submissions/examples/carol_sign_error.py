"""
DL lab 7 - backpropagation
Carol Nguyen
simple 2-2-1 neural net for XOR, sigmoid + MSE
"""
import numpy as np

np.random.seed(42)


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        self.W1, self.b1 = np.random.randn(input_size, hidden_size), np.zeros((1, hidden_size))
        self.W2, self.b2 = np.random.randn(hidden_size, output_size), np.zeros((1, output_size))

    def sigmoid(self, Z):
        return 1 / (1 + np.exp(-Z))

    def sigmoid_deriv(self, A):
        return A * (1 - A)

    def forward(self, X):
        self.A1 = self.sigmoid(X @ self.W1 + self.b1)
        self.A2 = self.sigmoid(self.A1 @ self.W2 + self.b2)
        return self.A2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        dZ2 = (self.A2 - Y) * self.sigmoid_deriv(self.A2)
        dW2, db2 = self.A1.T @ dZ2, dZ2.sum(axis=0, keepdims=True)
        dZ1 = (dZ2 @ self.W2.T) * self.sigmoid_deriv(self.A1)
        dW1, db1 = X.T @ dZ1, dZ1.sum(axis=0, keepdims=True)
        # update all params
        for p, g in zip([self.W1, self.b1, self.W2, self.b2], [dW1, db1, dW2, db2]):
            p += self.lr * g


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
Y = np.array([[0], [1], [1], [0]])

nn = SimpleNN(2, 2, 1)
for epoch in range(2000):
    pred = nn.forward(X)
    if epoch % 200 == 0:
        print(f"epoch {epoch}  loss {nn.loss(Y, pred):.4f}")
    nn.backward(X, Y)

print("predictions:", nn.forward(X).ravel())
