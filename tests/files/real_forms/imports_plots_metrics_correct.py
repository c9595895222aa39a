# XOR by backpropagation; the plots and the metrics use the usual libraries
import numpy as np
import seaborn as sns
from sklearn.metrics import accuracy_score, confusion_matrix
from mlxtend.plotting import plot_decision_regions
from tensorboardX import SummaryWriter

sns.set(style="whitegrid")
writer = SummaryWriter("runs/xor")

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


class XORNet:
    def __init__(self, n_in, n_hidden, n_out, learning_rate=0.5, seed=3):
        rng = np.random.default_rng(seed)
        self.w_hidden = rng.normal(0.0, 1.0, (n_in, n_hidden))
        self.bias_hidden = np.zeros((1, n_hidden))
        self.w_out = rng.normal(0.0, 1.0, (n_hidden, n_out))
        self.bias_out = np.zeros((1, n_out))
        self.learning_rate = learning_rate

    @staticmethod
    def sigmoid(v):
        return 1.0 / (1.0 + np.exp(-v))

    def forward(self, x):
        self.x = x
        self.h = self.sigmoid(x @ self.w_hidden + self.bias_hidden)
        self.o = self.sigmoid(self.h @ self.w_out + self.bias_out)
        return self.o

    def mse(self, y, o):
        return np.mean((y - o) ** 2)

    def backward(self, y):
        n = y.size
        delta_o = 2.0 * (self.o - y) / n * self.o * (1.0 - self.o)
        delta_h = (delta_o @ self.w_out.T) * self.h * (1.0 - self.h)
        self.w_out -= self.learning_rate * self.h.T @ delta_o
        self.bias_out -= self.learning_rate * delta_o.sum(axis=0, keepdims=True)
        self.w_hidden -= self.learning_rate * self.x.T @ delta_h
        self.bias_hidden -= self.learning_rate * delta_h.sum(axis=0, keepdims=True)


net = XORNet(2, 4, 1)
for step in range(2000):
    out = net.forward(X)
    net.backward(Y)
    writer.add_scalar("loss", float(np.mean((out - Y) ** 2)), step)

labels = (net.forward(X) > 0.5).astype(int).ravel()
print("accuracy:", accuracy_score(Y.ravel(), labels))
print(confusion_matrix(Y.ravel(), labels))
plot_decision_regions(X, Y.ravel().astype(int), clf=None)
writer.close()
