# Attack: SIGKILL the grader, the pre-warmed workers and every sibling worker it can find (pids from /proc and the grader's own pid). Expected: nobody outside its own worker is reached, the batch finishes; score of the honest part (4).
import glob
import os
import signal

TARGETS = {}  # filled in by the test: the grader's pid


def parent(pid):
    try:
        return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def descends_from_grader(pid):
    """Only the grader's own family: never a process of anyone else on the machine."""
    seen = 0
    while pid > 1 and seen < 64:
        if pid == TARGETS.get("grader_pid"):
            return True
        pid, seen = parent(pid), seen + 1
    return False


me = os.getpid()
victims = [TARGETS.get("grader_pid", 0)] + [int(p.split("/")[2]) for p in glob.glob("/proc/[0-9]*")]
for pid in victims:
    if pid and pid != me and descends_from_grader(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
