import matplotlib.pyplot as plt


def plot_history(history, path="loss.png"):
    plt.figure()
    plt.plot(history)
    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.savefig(path)
