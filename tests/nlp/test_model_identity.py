"""Each label records which build of a model gave it ("name@version"), so a store can tell an older
model's labels from the configured one's (`groundswell store re-enrich`)."""

from __future__ import annotations

import re
import shutil

import pytest

from core.mention import Mention
from nlp.config import NlpConfig
from nlp.e5_sentiment import E5_MODEL_DIR, E5_MODEL_NAME
from nlp.enrich import Enricher
from nlp.sentiment import load_sentiment_model
from nlp.sentiment_base import files_version


def test_files_version_follows_the_bytes_and_settings_not_the_folder(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "model.json").write_bytes(b'{"format": 5}')
        (folder / "weights.safetensors").write_bytes(bytes(range(256)))
    files = ["model.json", "weights.safetensors"]
    version = files_version([a / f for f in files], "fp32")
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert files_version([b / f for f in files], "fp32") == version  # another install of the same files
    assert files_version([a / f for f in files], "int8") != version  # a setting that changes the output
    (b / "weights.safetensors").write_bytes(bytes(range(255)) + b"\x00")  # one byte retrained
    assert files_version([b / f for f in files], "fp32") != version


@pytest.mark.model
def test_the_default_models_identity_is_its_shipped_files(default_model, tmp_path):
    assert re.fullmatch(rf"{E5_MODEL_NAME}@[0-9a-f]{{12}}", default_model.identity)
    assert load_sentiment_model("default").identity == default_model.identity  # stable across loads
    others = {load_sentiment_model("default", combine="head").identity,
              load_sentiment_model("default", onnx_variant="int8").identity}
    assert default_model.identity not in others and len(others) == 2
    candidate = tmp_path / "candidate"
    shutil.copytree(E5_MODEL_DIR, candidate)
    assert load_sentiment_model("default", model_dir=candidate).identity == default_model.identity
    manifest = (candidate / "model.json").read_text(encoding="utf-8")
    (candidate / "model.json").write_text(manifest.replace('"format"', '"format" ', 1), encoding="utf-8")
    assert load_sentiment_model("default", model_dir=candidate).identity != default_model.identity


@pytest.mark.model
def test_enricher_records_the_identity_and_checks_given_texts(default_model):
    enricher = Enricher(NlpConfig(), model=default_model)
    mention = Mention(source="x", native_id="1", text="Acme is down again", created_at="2026-11-01T00:00:00Z",
                      brand="Acme", lang="en")
    assert enricher.enrich([mention])[0].sentiment.model == default_model.identity
    with pytest.raises(ValueError, match="1 mentions but 2 model texts"):
        enricher.enrich([mention], ["a", "b"])
