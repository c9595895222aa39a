# Attack: a double-forked daemon in a session of its own leaves its cgroup and rewrites the reports after the grader is done. Expected: it dies with the worker, nothing is rewritten; score of the honest part (4).
import ctypes
import os
import subprocess
import time

TARGETS = {}  # filled in by the test: the output folder and a marker for the process table

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, TARGETS.get("marker", "daemon").encode(), 0, 0, 0)  # PR_SET_NAME
        for procs in ("/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/cgroup.procs",
                      "/sys/fs/cgroup/unified/cgroup.procs"):
            try:
                with open(procs, "w") as handle:
                    handle.write(str(os.getpid()))
            except OSError:
                pass
        subprocess.Popen(["sleep", TARGETS.get("marker", "1000")], start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            for name in ("results.json", "grades.csv", "index.html"):
                try:
                    with open(os.path.join(TARGETS.get("out", "/nonexistent"), name), "w") as handle:
                        handle.write("rewritten by a daemon\n")
                except OSError:
                    pass
            time.sleep(0.2)
        os._exit(0)
    os._exit(0)
