"""constraints.txt: every install pins the versions the tests passed with (`make lock` rebuilds it).

Without it a fresh `make demo` or CI run takes whatever each dependency published last, so a figure
in the docs (themes-eval counted 6 topics on one install and 5 on another) or a green CI could
change with no change of ours.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "lock_requirements.sh"
PROFILES = [
    "requirements.txt",
    "requirements-encoder.txt",
    "requirements-train.txt",
    "requirements-airflow.txt",
    "requirements-test.txt",
]


def read_pins(path: Path) -> dict[str, str]:
    """name -> version of a constraints file; a line that is not `name==version` fails the test."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)", line)
        assert match, f"{path.name}:{number}: not a name==version pin: {raw!r}"
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"{path.name}:{number}: {name} pinned twice"
        pins[name] = match.group(2)
    return pins


def requirements(path: Path) -> list[Requirement]:
    """The requirements of a file, following `-r` includes."""
    out: list[Requirement] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out += requirements(path.parent / line[3:].strip())
        elif line:
            out.append(Requirement(line))
    return out


@pytest.fixture(scope="module")
def pins() -> dict[str, str]:
    return read_pins(REPO / "constraints.txt")


@pytest.mark.parametrize("profile", PROFILES)
def test_every_requirement_is_pinned_to_a_version_it_allows(profile, pins):
    for req in requirements(REPO / profile):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} ({profile}) is not in constraints.txt: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {req.name}=={pins[name]}, outside {profile}'s {req}: run `make lock`"
        )


def test_the_lock_pins_no_dev_checkout_and_no_installer(pins):
    # Our own package is installed editable; pip/setuptools/wheel are pinned apart (constraints-bootstrap.txt).
    assert not {"groundswell", "pip", "setuptools", "wheel"} & set(pins)
    assert len(pins) > 100  # the whole resolved tree (Airflow, torch, ...), not only our direct needs


def test_the_running_venv_has_the_locked_versions(pins):
    """What these tests run on is what the lock says (make test installs with -c constraints.txt)."""
    drift = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a platform-only package (e.g. CUDA wheels) on another platform
        if installed != version:
            drift[name] = (installed, version)
    assert drift == {}, f"installed vs locked: {drift}; recreate the venv (make venv) or run `make lock`"


def _install_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.search(r"pip install\b.*-r ", line)]


def test_every_install_of_requirements_uses_the_lock():
    """The Makefile's venvs and the dashboard image. Not the Airflow image: its base is built with Airflow's
    own constraints for the providers it bundles, which our lock does not resolve (docker-compose.yml)."""
    makefile = _install_lines((REPO / "Makefile").read_text(encoding="utf-8"))
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    images = [s["build"]["dockerfile_inline"] for s in compose["services"].values() if "build" in s]
    airflow = compose["x-airflow-common"]["build"]["dockerfile_inline"]
    images = [image for image in images if image != airflow]
    assert images and "FROM python:3.11" in images[0]
    lines = makefile + [line for image in images for line in _install_lines(image)]
    assert len(lines) >= 6
    installers = [line for line in lines if "-r constraints-bootstrap.txt" in line]
    assert len(installers) == 2  # each venv pins its installers first
    for line in lines:
        if line not in installers:
            assert re.search(r"-c \S*constraints\.txt", line), f"installs without the lock: {line.strip()}"
    copied = [
        line
        for image in images
        for line in image.splitlines()
        if line.strip().startswith("COPY") and "requirements.txt" in line
    ]
    assert copied and all("constraints.txt" in line for line in copied)


def test_the_installers_are_pinned_too():
    """pip freeze leaves pip, setuptools and wheel out of the lock: constraints-bootstrap.txt pins them."""
    pinned = read_pins(REPO / "constraints-bootstrap.txt")
    assert set(pinned) == {"pip", "setuptools", "wheel"}
    assert all(re.fullmatch(r"\d+(\.\d+)*", version) for version in pinned.values())


def _run_script(*args: str, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCK_OUT": str(out)}
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_the_script_freezes_a_venv_into_the_same_format(tmp_path):
    """Freezing the venv these tests run in gives a valid lock without our own editable package."""
    out = tmp_path / "constraints.txt"
    done = _run_script(sys.prefix, out=out)
    assert done.returncode == 0, done.stderr
    frozen = read_pins(out)
    assert "groundswell" not in frozen
    assert frozen["numpy"] == metadata.version("numpy")
    assert out.read_text(encoding="utf-8").startswith("# Generated by `make lock`")


def test_the_script_refuses_a_folder_that_is_no_venv_and_writes_nothing(tmp_path):
    out = tmp_path / "constraints.txt"
    done = _run_script(str(tmp_path / "missing"), out=out)
    assert done.returncode == 2
    assert "no Python venv at" in done.stderr
    assert not out.exists()
