from NeuralNetwork import NeuralNetwork
from data import XOR_INPUTS, XOR_TARGETS

nn = NeuralNetwork([2, 3, 1], learning_rate=1.0)
for i in range(5000):
    nn.feedforward(XOR_INPUTS)
    nn.backprop(XOR_TARGETS)
print(nn.feedforward(XOR_INPUTS).round(2))
