# ===========================================================
#  Experiment 7 : Forward & backward pass of backpropagation
#  Student : Erin Walsh
# ===========================================================
#  Step 1 - initialise weights
#  Step 2 - forward pass (sigmoid hidden layer, sigmoid output)
#  Step 3 - compute the loss (MSE)
#  Step 4 - backward pass layer by layer, updating as we go
#  Step 5 - repeat for many epochs
# ===========================================================

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def d_sigmoid(s):
    return s * (1.0 - s)


class SimpleNN:
    def __init__(self, input_size, hidden_size, output_size, lr=0.5):
        # Step 1
        self.lr = lr
        self.W1 = np.random.uniform(-1, 1, (input_size, hidden_size))
        self.b1 = np.random.uniform(-1, 1, (1, hidden_size))
        self.W2 = np.random.uniform(-1, 1, (hidden_size, output_size))
        self.b2 = np.random.uniform(-1, 1, (1, output_size))

    def forward(self, X):
        # Step 2
        self.hidden = sigmoid(np.dot(X, self.W1) + self.b1)
        self.output = sigmoid(np.dot(self.hidden, self.W2) + self.b2)
        return self.output

    def loss(self, Y, Y_pred):
        # Step 3
        return np.mean(np.square(Y - Y_pred))

    def backward(self, X, Y):
        # Step 4a - output layer
        error = self.output - Y
        delta_out = error * d_sigmoid(self.output)
        self.W2 -= self.lr * np.dot(self.hidden.T, delta_out)
        self.b2 -= self.lr * np.sum(delta_out, axis=0, keepdims=True)

        # Step 4b - hidden layer
        delta_hidden = np.dot(delta_out, self.W2.T) * d_sigmoid(self.hidden)
        self.W1 -= self.lr * np.dot(X.T, delta_hidden)
        self.b1 -= self.lr * np.sum(delta_hidden, axis=0, keepdims=True)


# Step 5 - training
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([[0], [1], [1], [0]], dtype=float)

np.random.seed(10)
net = SimpleNN(2, 3, 1, lr=0.8)

for epoch in range(1, 5001):
    out = net.forward(X)
    net.backward(X, Y)
    if epoch % 1000 == 0:
        print("epoch %d   loss = %.6f" % (epoch, net.loss(Y, out)))

print()
print("Input | Target | Prediction")
for x, y, p in zip(X, Y, net.forward(X)):
    print(x, "|", y[0], "|", round(float(p[0]), 3))
