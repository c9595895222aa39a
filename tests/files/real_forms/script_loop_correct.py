# XOR with a 2-4-1 network, written top to bottom like the lecture notes
import numpy as np
import matplotlib.pyplot as plt

np.random.seed(1)

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
y = np.array([[0], [1], [1], [0]])

input_neurons, hidden_neurons, output_neurons = 2, 4, 1
lr = 0.5
epochs = 3000

W1 = np.random.uniform(-1, 1, (input_neurons, hidden_neurons))
b1 = np.zeros((1, hidden_neurons))
W2 = np.random.uniform(-1, 1, (hidden_neurons, output_neurons))
b2 = np.zeros((1, output_neurons))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


losses = []
for epoch in range(epochs):
    # forward
    hidden_in = X @ W1 + b1
    hidden_out = sigmoid(hidden_in)
    final_in = hidden_out @ W2 + b2
    predicted = sigmoid(final_in)

    loss = np.mean((y - predicted) ** 2)
    losses.append(loss)

    # backward
    d_pred = 2 * (predicted - y) / y.size * predicted * (1 - predicted)
    d_hidden = d_pred @ W2.T * hidden_out * (1 - hidden_out)

    W2 -= lr * hidden_out.T @ d_pred
    b2 -= lr * d_pred.sum(axis=0, keepdims=True)
    W1 -= lr * X.T @ d_hidden
    b1 -= lr * d_hidden.sum(axis=0, keepdims=True)

    if epoch % 500 == 0:
        print(f"epoch {epoch}: loss {loss:.4f}")

print("predictions:", predicted.round(3).ravel())
plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("MSE")
plt.show()
