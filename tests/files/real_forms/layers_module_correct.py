# Layer objects made at the top of the script and module-level functions using them; the script trains
# them itself afterwards.
import numpy as np

rng = np.random.default_rng(4)


class Dense:
    def __init__(self, fan_in, fan_out):
        self.W = rng.normal(0, 1, (fan_in, fan_out))
        self.b = np.zeros((1, fan_out))


hidden = Dense(2, 4)
output = Dense(4, 1)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward(X):
    global H, O
    H = sigmoid(X @ hidden.W + hidden.b)
    O = sigmoid(H @ output.W + output.b)
    return O


def backward(X, y, lr=0.5):
    dO = (O - y) * O * (1 - O)
    dH = dO @ output.W.T * H * (1 - H)
    output.W -= lr * H.T @ dO
    output.b -= lr * dO.sum(axis=0, keepdims=True)
    hidden.W -= lr * X.T @ dH
    hidden.b -= lr * dH.sum(axis=0, keepdims=True)


X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)
for epoch in range(3000):
    forward(X)
    backward(X, y)
