# Attack: fill the disk outside its folder with many files under the per-file limit (/tmp, /dev/shm, home, the cwd). Expected: its scratch quota stops it, nothing lands outside; score of the honest part (4).
import os

TARGETS = {}  # filled in by the test: a marker for the file names

chunk = b"x" * (1 << 20)
for folder in ("/tmp", "/dev/shm", "/var/tmp", os.path.expanduser("~"), os.getcwd()):
    for index in range(200):
        try:
            with open(os.path.join(folder, f"fill-{TARGETS.get('marker', 'x')}-{index}"), "wb") as handle:
                handle.write(chunk)
        except OSError:
            break
