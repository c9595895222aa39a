# Deep Learning Lab - Experiment 7
# Forward pass and backward pass of the backpropagation algorithm
# Name: Bob Thomas      Roll no: 23AD0412
#
# Network: 2 inputs -> 4 hidden (sigmoid) -> 1 output (sigmoid), loss = MSE
# I used the exact derivative of the MEAN squared error, so dL/dA2 = 2*(A2 - Y)/m
# where m is the number of entries in Y (that's why the learning rate is bigger).

import numpy as np
import matplotlib.pyplot as plt


class SimpleNN:

    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        self.lr = lr
        # small random weights, biases start at zero
        self.W1 = np.random.randn(input_size, hidden_size) * 0.5
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) * 0.5
        self.b2 = np.zeros((1, output_size))

    def sigmoid(self, z):
        return 1 / (1 + np.exp(-z))

    def sigmoid_derivative(self, a):
        # a is already sigmoid(z)
        return a * (1 - a)

    def forward(self, X):
        # hidden layer
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = self.sigmoid(self.z1)
        # output layer
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.a2 = self.sigmoid(self.z2)
        return self.a2

    def loss(self, Y, Y_pred):
        return np.mean((Y - Y_pred) ** 2)

    def backward(self, X, Y):
        m = Y.shape[0] * Y.shape[1]   # number of entries the mean is taken over

        # derivative of the loss wrt output
        dA2 = (2.0 / m) * (self.a2 - Y)
        dZ2 = dA2 * self.sigmoid_derivative(self.a2)
        dW2 = np.dot(self.a1.T, dZ2)
        db2 = np.sum(dZ2, axis=0, keepdims=True)

        # backpropagate to hidden layer
        dA1 = np.dot(dZ2, self.W2.T)
        dZ1 = dA1 * self.sigmoid_derivative(self.a1)
        dW1 = np.dot(X.T, dZ1)
        db1 = np.sum(dZ1, axis=0, keepdims=True)

        # gradient descent
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2


# ---------------- training on XOR ----------------
np.random.seed(7)

X = np.array([[0, 0],
              [0, 1],
              [1, 0],
              [1, 1]])
Y = np.array([[0], [1], [1], [0]])

model = SimpleNN(2, 4, 1, lr=4.0)
epochs = 4000
loss_history = []

for i in range(epochs):
    output = model.forward(X)
    l = model.loss(Y, output)
    loss_history.append(l)
    model.backward(X, Y)
    if i % 1000 == 0:
        print("Epoch", i, "Loss:", round(l, 5))

print("Final loss:", loss_history[-1])
print("Output after training:")
print(model.forward(X))

plt.plot(loss_history)
plt.title("Loss vs Epochs")
plt.xlabel("Epochs")
plt.ylabel("MSE")
plt.show()
