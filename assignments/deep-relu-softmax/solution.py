"""Deep ReLU network with a softmax output for XOR (two classes) -- reference solution.

layer_sizes = [n_in, h_1, ..., h_k, n_classes]; for L = len(layer_sizes) - 1
layers the parameters are W1, b1, ..., WL, bL with Wl of shape
(layer_sizes[l-1], layer_sizes[l]) and bl of shape (1, layer_sizes[l]).

Hidden layers use ReLU, the output layer a row-wise softmax.  The loss is the
softmax cross-entropy averaged over rows, and backward() uses its exact
gradient: dL/dZ_L = (P - Y) / N.
"""

import numpy as np


def relu(z):
    return np.maximum(0.0, z)


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)  # stability: largest logit becomes 0
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


class DeepNN:
    def __init__(self, layer_sizes, lr=0.1):
        self.layer_sizes = list(layer_sizes)
        self.num_layers = len(self.layer_sizes) - 1
        self.lr = lr
        for l in range(1, self.num_layers + 1):
            fan_in, fan_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            # He initialisation for ReLU layers
            setattr(self, f"W{l}", np.random.randn(fan_in, fan_out) * np.sqrt(2.0 / fan_in))
            setattr(self, f"b{l}", np.zeros((1, fan_out)))

    def forward(self, X):
        L = self.num_layers
        self.A = [X]  # A[0] = input, A[l] = output of layer l
        self.Z = [None]  # Z[l] = pre-activation of layer l
        a = X
        for l in range(1, L + 1):
            z = a @ getattr(self, f"W{l}") + getattr(self, f"b{l}")
            a = softmax(z) if l == L else relu(z)
            self.Z.append(z)
            self.A.append(a)
        return a

    def loss(self, Y, Y_pred):
        P = np.clip(Y_pred, 1e-15, 1.0)
        return -np.mean(np.sum(Y * np.log(P), axis=1))

    def backward(self, X, Y):
        L = self.num_layers
        N = X.shape[0]
        grads = {}
        dZ = (self.A[L] - Y) / N  # softmax + cross-entropy
        for l in range(L, 0, -1):
            grads[f"W{l}"] = self.A[l - 1].T @ dZ
            grads[f"b{l}"] = np.sum(dZ, axis=0, keepdims=True)
            if l > 1:
                dA = dZ @ getattr(self, f"W{l}").T
                dZ = dA * (self.Z[l - 1] > 0)
        for name, g in grads.items():
            setattr(self, name, getattr(self, name) - self.lr * g)


if __name__ == "__main__":
    np.random.seed(42)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    labels = np.array([0, 1, 1, 0])
    Y = np.eye(2)[labels]  # one-hot, (4, 2)

    net = DeepNN([2, 8, 8, 2], lr=0.1)
    for epoch in range(3000):
        P = net.forward(X)
        if epoch % 500 == 0:
            acc = np.mean(np.argmax(P, axis=1) == labels)
            print(f"epoch {epoch:4d}  loss {net.loss(Y, P):.4f}  acc {acc:.2f}")
        net.backward(X, Y)

    P = net.forward(X)
    print("final loss:", net.loss(Y, P))
    print("probabilities:\n", P.round(3))
    print("predicted classes:", np.argmax(P, axis=1))
