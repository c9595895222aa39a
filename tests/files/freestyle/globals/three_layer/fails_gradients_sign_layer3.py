# Mistake: the last layer is moved up its gradient (W3 -= ...) while the update is written with (y - O).
# Module-level form with a constant-1 input column and a one-step train(X, y, lr).
import numpy as np

sigmoid = lambda x: 1 / (1 + np.exp(-x))
slope = lambda s: s * (1 - s)

np.random.seed(0)
W1 = np.random.uniform(-1, 1, (3, 4))
W2 = np.random.uniform(-1, 1, (4, 4))
W3 = np.random.uniform(-1, 1, (4, 1))


def mse(y, out):
    return np.mean((y - out) ** 2)


def train(X, y, lr=0.5):
    global W1, W2, W3
    H1 = sigmoid(X @ W1)
    H2 = sigmoid(H1 @ W2)
    O = sigmoid(H2 @ W3)
    dO = (y - O) * slope(O)
    dH2 = dO @ W3.T * slope(H2)
    dH1 = dH2 @ W2.T * slope(H1)
    W3 -= H2.T @ dO * lr
    W2 += H1.T @ dH2 * lr
    W1 += X.T @ dH1 * lr
    return O


X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
for epoch in range(500):
    out = train(X, y)
print(out.round(3))
