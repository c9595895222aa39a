"""Attacks on the sandbox by a student who has read the grader's source, graded in one class with honest work.

Each attack (tests/adversarial/isolation/, first line: what it does and what it must get) is appended to
the honest baseline (a network whose backward does nothing: 4 points) and handed in beside honest
classmates. Whatever it does, it must earn no more than the baseline does in the same batch, every honest
classmate's result must be identical to a batch without the attacks, no file outside its scratch may
change, none of its processes may outlive grading, and the batch must finish with every result.
A slow variant runs the same batch as a user without privileges (a user namespace).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from grader import load_assignment
from grader.api import write_reports
from grader.gradebook import open_gradebook
from grader.grading import grade_paths
from grader.sandbox.worker import Limits, platform_isolation, site_view

HERE = Path(__file__).resolve().parent
ATTACKS = HERE / "isolation"
LIMITS = Limits(load_timeout=8.0, request_timeout=3.0, program_timeout=10.0)
BASELINE = (HERE / "tamper" / "baseline_no_backward.py").read_text().split("\n", 1)[1]
HONEST = ("alice_correct.ipynb", "bob_mean_convention.py", "carol_sign_error.py")
MARKER = f"gatk{os.getpid() % 10**9}"  # short enough to be a process name (15 bytes)
FORMULA_ID = "=1+1"
SITE = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir())
WATCHED = (ROOT / "reference", ROOT / "grader", ROOT / "submissions" / "examples", ROOT / "tests" / "files" / "two_layer")


def _attack_names() -> list[str]:
    return sorted(p.stem for p in ATTACKS.glob("attack_*.py") if p.stem != "attack_symlink_folder")


def _targets(*, klass: Path, out: Path) -> dict:
    return {"class": str(klass), "out": str(out), "gradebook": str(out / "gradebook.sqlite"), "root": str(ROOT),
            "view": str(site_view()), "site": SITE, "cache": str(site_view().parent), "grader_pid": os.getpid(),
            "marker": MARKER}


def _compose(attack: str, targets: dict) -> str:
    """The honest baseline with the attack after it, told where the grader keeps its files."""
    code = (ATTACKS / f"{attack}.py").read_text().replace("TARGETS = {}", f"TARGETS = {targets!r}", 1)
    return f"{BASELINE}\n\n# ---- the attack ----\n{code}"


def make_class(folder: Path, *, attacks: bool, out: Path) -> None:
    """Honest classmates, the honest baseline, and (with ``attacks``) every attack as a submission."""
    folder.mkdir(parents=True)
    for name in HONEST:
        shutil.copy(ROOT / "submissions" / "examples" / name, folder / name)
    (folder / "honest_baseline.py").write_text(BASELINE)
    if not attacks:
        return
    targets = _targets(klass=folder, out=out)
    for attack in _attack_names():
        (folder / f"{attack}.py").write_text(_compose(attack, targets))
    (folder / f"{FORMULA_ID}.py").write_text(BASELINE)
    links = folder / "attack_symlink_folder"
    links.mkdir()
    (links / "lab.py").write_text(_compose("attack_symlink_folder", targets))
    for name, target in {"loop": ".", "self": "self", "up": "..", "passwd": "/etc/passwd",
                         "solution.py": str(ROOT / "tests" / "files" / "two_layer" / "passes_mean.py"),
                         "classmate.py": "../carol_sign_error.py", "deep": "loop/loop/loop/up"}.items():
        os.symlink(target, links / name)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.stat().st_size < 1 << 22 else str(path.stat().st_size)


def snapshot(roots: list[Path]) -> dict[str, str]:
    """Every file under ``roots`` (links not followed): its content, or where a link points."""
    seen: dict[str, str] = {}
    for root in roots:
        for top, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in dirs + files:
                path = Path(top, name)
                if path.is_symlink():
                    seen[str(path)] = "-> " + os.readlink(path)
                elif path.is_file():
                    seen[str(path)] = _digest(path)
                else:
                    seen[str(path)] = "dir"
    return seen


def shared_state() -> dict[str, str]:
    """What a worker could poison for later workers: the site view, the packages behind it, the cache."""
    state = {f"view/{p.name}": os.readlink(p) if p.is_symlink() else "file" for p in site_view().iterdir()}
    state.update({f"site/{name}": "" for name in os.listdir(SITE)})
    state.update({f"cache/{name}": "" for name in os.listdir(site_view().parent)})
    import numpy
    state["numpy"] = _digest(Path(numpy.__file__))
    return state


def marked_processes() -> list[str]:
    """Processes that carry the attacks' marker (the daemon names itself and its sleep with it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/cmdline").read_bytes() + Path(f"/proc/{entry}/comm").read_bytes()
            except OSError:
                continue
            if MARKER.encode() in text:
                found.append(entry)
    return found


def stray_files() -> list[str]:
    return [str(p) for folder in (Path("/tmp"), Path("/dev/shm"), Path("/var/tmp"), Path.home())
            if folder.is_dir() for p in folder.iterdir() if MARKER in p.name or p.name.startswith("zz_poison")]


def _stable(result) -> dict:
    data = result.to_dict()
    for key in ("duration", "graded_at", "submission"):
        data.pop(key)
    return data


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean") / "class"
    make_class(folder, attacks=False, out=folder.parent / "out")
    results = grade_paths(paths=[folder], assignment=load_assignment("two-layer"), workers=2, limits=LIMITS)
    return {r.student: r for r in results}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("attacked")
    folder, out = base / "class", base / "out"
    out.mkdir()
    make_class(folder, attacks=True, out=out)
    watched = [folder, *WATCHED]
    before, shared = snapshot(watched), shared_state()
    started = time.monotonic()
    assignment = load_assignment("two-layer")
    with open_gradebook(out / "gradebook.sqlite") as book:
        results = grade_paths(paths=[folder], assignment=assignment, workers=2, limits=LIMITS, gradebook=book)
    write_reports(results=results, assignment=assignment, out=out)
    elapsed = time.monotonic() - started
    written = snapshot([out])
    time.sleep(3.0)  # a daemon that outlived its worker would rewrite the reports now
    return {"results": {r.student: r for r in results}, "folder": folder, "out": out, "elapsed": elapsed,
            "before": before, "after": snapshot(watched), "shared": (shared, shared_state()),
            "written": written, "later": snapshot([out]), "processes": marked_processes(), "strays": stray_files()}


def test_the_batch_finishes_with_every_result(attacked):
    expected = {*(Path(n).stem for n in HONEST), "honest_baseline", *_attack_names(), "attack_symlink_folder",
                FORMULA_ID}
    assert set(attacked["results"]) == expected
    assert attacked["elapsed"] < 240
    assert all(r.isolation for r in attacked["results"].values() if r.error is None or r.error.kind != "invalid-file")


@pytest.mark.parametrize("attack", [*_attack_names(), "attack_symlink_folder", FORMULA_ID])
def test_an_attack_earns_no_more_than_the_honest_part(attacked, attack):
    results = attacked["results"]
    honest = results["honest_baseline"]
    assert honest.score == 4.0, "the baseline earns init, forward and loss"
    assert results[attack].score <= honest.score, results[attack].to_dict()


def test_honest_classmates_get_what_they_get_without_the_attacks(attacked, clean):
    for student in (*(Path(n).stem for n in HONEST), "honest_baseline"):
        assert _stable(attacked["results"][student]) == _stable(clean[student]), student


def test_no_file_outside_the_scratch_changed(attacked):
    before, after = attacked["before"], attacked["after"]
    assert after == before
    shared_before, shared_after = attacked["shared"]
    assert shared_after == shared_before
    assert attacked["strays"] == []


def test_the_output_folder_holds_only_the_graders_reports_and_nothing_rewrites_them(attacked):
    out = attacked["out"]
    assert attacked["later"] == attacked["written"], "a process rewrote the reports after grading"
    assert (out / "results.json").is_file() and not (out / "grades.csv").is_symlink()
    assert "rewritten" not in (out / "results.json").read_text()


def test_the_gradebook_holds_the_graders_rows_only(attacked):
    db = sqlite3.connect(attacked["out"] / "gradebook.sqlite")
    try:
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] == 0
        rows = dict(db.execute("SELECT student, score FROM results").fetchall())
    finally:
        db.close()
    assert rows == {s: r.score for s, r in attacked["results"].items()}


def test_no_process_of_an_attack_outlives_grading(attacked):
    assert attacked["processes"] == []
    assert marked_processes() == []


def test_each_result_says_which_isolation_held(attacked):
    result = attacked["results"]["honest_baseline"]
    found = platform_isolation()
    expected = ("uid", "mount", "pid", "net", "seccomp") if found["namespaces"] else ("landlock", "seccomp")
    for mechanism in expected:
        assert not result.isolation[mechanism].startswith("off"), (mechanism, result.isolation)
    assert not result.unprotected


def test_a_formula_student_id_is_plain_text_in_grades_csv(attacked):
    text = (attacked["out"] / "grades.csv").read_text()
    assert FORMULA_ID in text
    assert not any(cell.startswith(("=", "+", "-", "@")) for line in text.splitlines() for cell in line.split(","))


def test_planted_links_and_folders_in_the_output_folder_are_replaced_not_followed(tmp_path, clean):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("a classmate's file\n")
    os.symlink(victim, out / "grades.csv")
    (out / "results.json").mkdir()
    write_reports(results=list(clean.values()), assignment=load_assignment("two-layer"), out=out)
    assert victim.read_text() == "a classmate's file\n"
    assert (out / "results.json").is_file() and not (out / "grades.csv").is_symlink()


def _user_namespaces() -> bool:
    try:
        return subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


UNPRIVILEGED = """
import json, sys
from grader import load_assignment
from grader.grading import grade_paths
from grader.sandbox.worker import Limits
limits = Limits(load_timeout=8.0, request_timeout=3.0, program_timeout=10.0)
from pathlib import Path
results = grade_paths(paths=[Path(sys.argv[1])], assignment=load_assignment("two-layer"), workers=2, limits=limits)
print(json.dumps({r.student: {"score": r.score, "isolation": r.isolation, "uid": __import__("os").getuid()}
                  for r in results}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not _user_namespaces(), reason="user namespaces are not allowed here")
def test_the_attacks_fail_as_well_when_the_grader_has_no_privileges(tmp_path, clean):
    folder, out = tmp_path / "class", tmp_path / "out"
    out.mkdir()
    make_class(folder, attacks=True, out=out)
    before = snapshot([folder, *WATCHED])
    run = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", sys.executable, "-c",
                          UNPRIVILEGED, str(folder)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout.strip().splitlines()[-1])
    time.sleep(2.0)
    assert len(results) == len(list(folder.iterdir()))
    assert {r["uid"] for r in results.values()} == {1000}
    assert "user namespace" in results["honest_baseline"]["isolation"]["uid"]
    for attack in [*_attack_names(), "attack_symlink_folder"]:
        assert results[attack]["score"] <= results["honest_baseline"]["score"], attack
    for student in (*(Path(n).stem for n in HONEST), "honest_baseline"):
        assert results[student]["score"] == clean[student].score, student
    assert snapshot([folder, *WATCHED]) == before
    assert marked_processes() == [] and stray_files() == []


def test_the_attacks_are_real_they_succeed_without_the_sandbox(tmp_path):
    """The same attacks against the worker as it was (``sandbox="off"``): reading a solution gives full
    marks, a classmate's file is overwritten, the gradebook loses its table, a daemon outlives grading."""
    folder, out = tmp_path / "class", tmp_path / "out"
    out.mkdir()
    folder.mkdir()
    targets = _targets(klass=folder, out=out)
    shutil.copy(ROOT / "submissions" / "examples" / "carol_sign_error.py", folder / "carol_sign_error.py")
    for attack in ("attack_read_solutions", "attack_proc_snoop", "attack_daemon"):
        (folder / f"{attack}.py").write_text(_compose(attack, targets))
    open_gradebook(out / "gradebook.sqlite").close()
    try:
        results = grade_paths(paths=[folder], assignment=load_assignment("two-layer"), workers=1,
                              limits=Limits(load_timeout=8.0, request_timeout=3.0, program_timeout=10.0, sandbox="off"))
        scores = {r.student: r.score for r in results}
        assert scores["attack_read_solutions"] == 10.0
        assert "overwritten by a classmate" in (folder / "carol_sign_error.py").read_text()
        with sqlite3.connect(out / "gradebook.sqlite") as db:
            assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'results'").fetchone()[0] == 0
        assert marked_processes(), "the daemon outlived its worker"
    finally:
        for pid in marked_processes():
            os.kill(int(pid), 9)
