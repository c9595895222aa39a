"""The platforms' sample documents (tests/files/formats/) and a comparison of JSON shapes against them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parent / "files" / "formats"
CLASSROOM_SAMPLE = json.loads((SAMPLES / "classroom_reporter_sample.json").read_text(encoding="utf-8"))
GRADESCOPE_SAMPLE = json.loads((SAMPLES / "gradescope_results_sample.json").read_text(encoding="utf-8"))

CLASSROOM_REQUIRED = {"version", "status", "max_score", "tests"}
CLASSROOM_TEST_REQUIRED = {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}
GRADESCOPE_REQUIRED = {"score", "tests", "visibility", "stdout_visibility"}
GRADESCOPE_TEST_REQUIRED = {"name", "score", "max_score", "status", "output", "visibility"}


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (integers and floats are both ``number``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def shape_errors(document: Any, sample: Any, where: str = "$") -> list[str]:
    """Where ``document`` has a key the sample lacks, or a value of another JSON type than the sample's."""
    if json_type(document) != json_type(sample):
        return [f"{where}: {json_type(document)} where the sample has {json_type(sample)}"]
    errors: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key not in sample:
                errors.append(f"{where}.{key}: not a key of the sample")
            else:
                errors += shape_errors(value, sample[key], f"{where}.{key}")
    elif isinstance(document, list) and sample:
        for i, item in enumerate(document):
            errors += shape_errors(item, sample[0], f"{where}[{i}]")
    return errors


def classroom_errors(document: dict[str, Any]) -> list[str]:
    """Shape errors of a reporter document, plus missing required keys."""
    errors = shape_errors(document, CLASSROOM_SAMPLE)
    errors += [f"$.{k}: missing" for k in CLASSROOM_REQUIRED - set(document)]
    for i, test in enumerate(document.get("tests", [])):
        errors += [f"$.tests[{i}].{k}: missing" for k in CLASSROOM_TEST_REQUIRED - set(test)]
    return errors


def gradescope_errors(document: dict[str, Any]) -> list[str]:
    """Shape errors of a Gradescope results document, plus missing required keys."""
    errors = shape_errors(document, GRADESCOPE_SAMPLE)
    errors += [f"$.{k}: missing" for k in GRADESCOPE_REQUIRED - set(document)]
    for i, test in enumerate(document.get("tests", [])):
        errors += [f"$.tests[{i}].{k}: missing" for k in GRADESCOPE_TEST_REQUIRED - set(test)]
    return errors


# -- the grader as the platforms install it ---------------------------------------------------------------

_WHEELS: dict[str, Path] = {}


def grader_wheel() -> Path:
    """This checkout's wheel, built once per test run (pip fetches the setuptools build backend)."""
    if "wheel" not in _WHEELS:
        import atexit
        import shutil
        import tempfile

        from grader.platforms.bundle import build_wheel

        folder = Path(tempfile.mkdtemp(prefix="grader-test-wheel-"))
        atexit.register(shutil.rmtree, folder, True)
        _WHEELS["wheel"] = build_wheel(out_dir=folder)
    return _WHEELS["wheel"]


def bare_venv(folder: Path) -> Path:
    """A virtual environment without the grader whose Python sees this one's dependencies (NumPy, pip...):
    a folder of links to everything installed here but the grader, on its path through a ``.pth`` line, so
    installing the wheel there needs no download. Returns its ``bin`` folder."""
    import site
    import subprocess
    import sys
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    deps = folder.resolve() / "deps" / "site-packages"  # the worker's site view takes folders named so
    deps.mkdir(parents=True)
    for packages in map(Path, site.getsitepackages()):
        for entry in packages.iterdir():
            name = entry.name.lower()
            if name.startswith(("backprop_grader", "__editable__", "grader", "reference")) or entry.suffix == ".pth":
                continue
            if not (deps / entry.name).exists():
                (deps / entry.name).symlink_to(entry)
    purelib = sysconfig.get_path("purelib", vars={"base": str(folder), "platbase": str(folder)})
    Path(purelib, "grader-test-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    return folder / "bin"
