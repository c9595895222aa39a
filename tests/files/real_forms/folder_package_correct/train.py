import numpy as np

from core.nn.network import XorNet
from plotting import plot_history

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([[0], [1], [1], [0]], dtype=float)

net = XorNet(lr=1.0)
history = []
for epoch in range(3000):
    y_hat = net.forward(X)
    history.append(net.loss(y, y_hat))
    net.backward(y)
plot_history(history)
