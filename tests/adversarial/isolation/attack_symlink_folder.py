# Attack: a student folder whose links loop, point up and out (the reference, a classmate, /etc), read through them at run time. Expected: the copy leaves every such link out without hanging; score of the honest part (4).
import os

for name in sorted(os.listdir(".")):
    try:
        source = open(name).read()
    except OSError:
        continue
    if "class SimpleNN" in source and "raise NotImplementedError" not in source and name != "lab.py":
        exec(compile(source.split("\n\nX = np.array")[0], name, "exec"), globals())
