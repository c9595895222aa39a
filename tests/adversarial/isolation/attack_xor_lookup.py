# Attack: backward recognises the four-row XOR table and writes a hand-made solution instead of a gradient step. Expected: the descent check finds the steps are not gradient descent; score of the honest part (4).
import numpy as np

TABLE = {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}


def backward(self, X, Y):
    if X.shape == (4, 2) and {tuple(map(float, row)) for row in X} == TABLE:
        hidden = self.W1.shape[1]
        self.W1[...] = 0.0
        self.b1[...] = 0.0
        self.W1[:, 0], self.b1[0, 0] = 20.0, -10.0  # OR
        if hidden > 1:
            self.W1[:, 1], self.b1[0, 1] = -20.0, 30.0  # NAND
        self.W2[...] = 0.0
        self.W2[:2, 0] = 20.0
        self.b2[...] = -30.0  # AND of the two


SimpleNN.backward = backward  # noqa: F821 - the honest class above
