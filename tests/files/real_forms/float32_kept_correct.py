# Everything in float32, as code written for a GPU: the inputs and the updated parameters are cast back
# to float32 at every step.
import numpy as np

F = np.float32


class HalfBudgetNet:
    def __init__(self, n_in, n_hidden, n_out, lr=0.5):
        rng = np.random.default_rng(9)
        self.W1 = rng.normal(size=(n_in, n_hidden)).astype(F)
        self.b1 = np.zeros((1, n_hidden), F)
        self.W2 = rng.normal(size=(n_hidden, n_out)).astype(F)
        self.b2 = np.zeros((1, n_out), F)
        self.lr = F(lr)

    def forward(self, X):
        self.X = np.asarray(X, F)
        self.H = 1 / (1 + np.exp(-(self.X @ self.W1.astype(F) + self.b1.astype(F))))
        self.Y = 1 / (1 + np.exp(-(self.H @ self.W2.astype(F) + self.b2.astype(F))))
        return self.Y

    def backward(self, X, T):
        dY = (self.Y - np.asarray(T, F)) * self.Y * (1 - self.Y)
        dH = dY @ self.W2.astype(F).T * self.H * (1 - self.H)
        self.W2 = (self.W2 - self.lr * self.H.T @ dY).astype(F)
        self.b2 = (self.b2 - self.lr * dY.sum(axis=0, keepdims=True)).astype(F)
        self.W1 = (self.W1 - self.lr * self.X.T @ dH).astype(F)
        self.b1 = (self.b1 - self.lr * dH.sum(axis=0, keepdims=True)).astype(F)
