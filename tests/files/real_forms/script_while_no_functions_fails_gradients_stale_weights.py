# Backpropagation on XOR without functions, inline, in a while loop; the hidden layer's delta is
# computed with the output weights already updated.
import numpy as np

rng = np.random.default_rng(2024)
inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
targets = np.array([0.0, 1.0, 1.0, 0.0])
learning_rate = 0.8

w_ih = rng.uniform(-1.0, 1.0, size=(2, 3))
b_h = rng.uniform(-1.0, 1.0, size=3)
w_ho = rng.uniform(-1.0, 1.0, size=(3, 1))
b_o = rng.uniform(-1.0, 1.0, size=1)

epoch = 0
while epoch < 4000:
    hidden = 1.0 / (1.0 + np.exp(-(inputs @ w_ih + b_h)))
    output = 1.0 / (1.0 + np.exp(-(hidden @ w_ho + b_o)))
    error = output - targets.reshape(-1, 1)
    mse = np.mean(error ** 2)
    print("epoch", epoch, "mse", mse)
    if mse < 1e-3:
        break
    grad_out = 2.0 * error / len(inputs) * output * (1.0 - output)
    w_ho -= learning_rate * hidden.T @ grad_out
    grad_hidden = grad_out @ w_ho.T * hidden * (1.0 - hidden)
    b_o -= learning_rate * grad_out.sum(axis=0)
    w_ih -= learning_rate * inputs.T @ grad_hidden
    b_h -= learning_rate * grad_hidden.sum(axis=0)
    epoch += 1

for x, t, o in zip(inputs, targets, output.ravel()):
    print(x, t, round(float(o), 3))
