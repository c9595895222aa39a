# XOR kept in Python lists and turned into arrays inside the loop: no input array to drive
import numpy as np

data = [([0, 0], 0), ([0, 1], 1), ([1, 0], 1), ([1, 1], 0)]
np.random.seed(0)
W1 = np.random.randn(2, 4)
b1 = np.zeros(4)
W2 = np.random.randn(4, 1)
b2 = np.zeros(1)
lr = 0.5

for epoch in range(3000):
    xs = np.array([d[0] for d in data], dtype=float)
    ys = np.array([[d[1]] for d in data], dtype=float)
    h = 1 / (1 + np.exp(-(xs @ W1 + b1)))
    out = 1 / (1 + np.exp(-(h @ W2 + b2)))
    d_out = (out - ys) * out * (1 - out)
    d_h = d_out @ W2.T * h * (1 - h)
    W2 -= lr * h.T @ d_out
    b2 -= lr * d_out.sum(axis=0)
    W1 -= lr * xs.T @ d_h
    b1 -= lr * d_h.sum(axis=0)
