# Attack: write into the shared site view, the real site-packages behind its links and the cache (a module, a .pth, a patched numpy). Expected: nothing written; score of the honest part (4).
import os
import sys

import numpy

TARGETS = {}  # filled in by the test: the grader's paths, as a student who read the source would guess them

POISON = "import numpy; numpy.mean = lambda *a, **k: 0.0\n"
folders = set(sys.path) | {os.path.dirname(os.path.dirname(numpy.__file__)), TARGETS.get("view", ""),
                           TARGETS.get("site", ""), TARGETS.get("cache", "")}
for folder in folders:
    for name, text in (("sitecustomize.py", POISON), ("zz_poison.pth", POISON), ("usercustomize.py", POISON)):
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(text)
        except OSError:
            pass
for target in (numpy.__file__, os.path.realpath(numpy.__file__)):
    try:
        with open(target, "a") as handle:
            handle.write("\n" + POISON)
    except OSError:
        pass
    try:
        os.symlink("/nonexistent", os.path.join(os.path.dirname(target), "_poison_link"))
    except OSError:
        pass
