"""Pre-forked workers: the same verdicts and limits as freshly started ones, at a fraction of the cost."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FAST, ROOT
from grader import load_assignment
from grader.grading import grade_paths
from grader.remote import Ref
from grader.sandbox import Limits, Worker
from grader.zygote import Zygote, forking_available

pytestmark = pytest.mark.skipif(not forking_available(), reason="needs fork and SCM_RIGHTS")
VOLATILE = ("duration", "graded_at", "output")  # output: students who do not seed print random numbers


def _stable(results) -> dict[str, dict]:
    return {r.student: {k: v for k, v in r.to_dict().items() if k not in VOLATILE} for r in results}


def test_forked_and_spawned_workers_give_the_same_results():
    assignment = load_assignment("two-layer")
    examples = [ROOT / "submissions" / "examples"]
    forked = grade_paths(paths=examples, assignment=assignment, workers=2, limits=FAST, prefork=True)
    spawned = grade_paths(paths=examples, assignment=assignment, workers=2, limits=FAST, prefork=False)
    assert _stable(forked) == _stable(spawned)


@pytest.fixture
def zygote():
    z = Zygote(Limits())
    yield z
    z.close()


def _worker(tmp_path: Path, source: str, zygote: Zygote, **limits) -> Worker:
    (tmp_path / "lab.py").write_text(source)
    worker = Worker(files=[tmp_path / "lab.py"], limits=Limits(**limits), forker=zygote)
    worker.start()
    return worker


def test_forked_worker_is_isolated_and_fresh(tmp_path, zygote):
    source = ("import os, sys, numpy as np\n"
              "def facts():\n"
              "    return [os.getcwd(), os.environ.get('HOME'), float(np.random.rand()), 'matplotlib' in sys.modules,\n"
              "            os.getsid(0) == os.getpid()]\n")
    first = _worker(tmp_path, source, zygote)
    first.load({"path": "lab.py"})
    a = first.call(Ref.name("facts"))
    first.close()
    second = _worker(tmp_path, source, zygote)
    second.load({"path": "lab.py"})
    b = second.call(Ref.name("facts"))
    second.close()
    assert a[0] == str(first.workdir) and a[1] == str(first.workdir)
    assert a[2] != b[2], "each child reseeds NumPy's global generator"
    assert a[3] is True, "matplotlib is pre-imported by the zygote"
    assert a[4] is True, "each child leads a session of its own"
    assert first.isolation["network"] in ("isolated",) or first.isolation["network"].startswith("not isolated")


def test_forked_worker_keeps_the_memory_limit(tmp_path, zygote):
    worker = _worker(tmp_path, "import numpy as np\ndef grab():\n    return np.ones((2**28,)).sum()\n", zygote,
                     memory=512 * 2**20)
    worker.load({"path": "lab.py"})
    from grader.errors import SubmissionFailure

    with pytest.raises(SubmissionFailure) as failure:
        worker.call(Ref.name("grab"))
    worker.close()
    assert failure.value.kind == "memory"


def test_forked_worker_death_is_a_crash_with_its_status(tmp_path, zygote):
    worker = _worker(tmp_path, "import os\ndef leave():\n    os._exit(3)\n", zygote)
    worker.load({"path": "lab.py"})
    from grader.errors import SubmissionFailure

    with pytest.raises(SubmissionFailure) as failure:
        worker.call(Ref.name("leave"))
    worker.close()
    assert failure.value.kind == "crash" and "exit status 3" in failure.value.message
