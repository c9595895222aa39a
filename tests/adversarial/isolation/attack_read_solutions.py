# Attack: read the reference and a correct solution by absolute path and run it as one's own. Expected: nothing readable; score of the honest part (4).
import os

TARGETS = {}  # filled in by the test: the project's folder

root = TARGETS.get("root", "/")
for relative in ("reference/network.py", "tests/files/two_layer/passes_mean.py", "submissions/examples/carol_sign_error.py"):
    try:
        with open(os.path.join(root, relative)) as handle:
            source = handle.read()
    except OSError:
        continue
    if "class SimpleNN" in source and "_sign" not in relative:
        exec(compile(source.split("\n\nX = np.array")[0], relative, "exec"), globals())  # a correct class: full marks
