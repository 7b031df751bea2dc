"""NLP test fixtures: real transformers, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def save_tiny_checkpoint(path: Path, id2label: dict[int, str]) -> Path:
    """A randomly initialised, tiny BertForSequenceClassification with a real tokenizer, saved to `path`.

    Random weights make its predictions meaningless, but loading, label mapping, batching and
    the CLI all run the real transformers code path, offline and in milliseconds per text.
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from nlp.encoder import encoder_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_path()), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, num_labels=len(id2label),
        id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    BertForSequenceClassification(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return save_tiny_checkpoint(tmp_path_factory.mktemp("tiny-neg-neu-pos"), {0: "NEG", 1: "NEU", 2: "POS"})


@pytest.fixture(scope="session")
def sentiment_data() -> Path:
    """../shared/data/sentiment: skipped when absent, but a failure under CI=true (as tests/conftest.py)."""
    from tools.sentiment.data import sentiment_data_dir

    path = sentiment_data_dir()
    if not path.exists():
        reason = f"{path} is absent (../shared is only in the Groundswell workplace)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true, so this must not be skipped")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def default_model():
    """The shipped default: fine-tuned multilingual-e5-small on ONNX Runtime (nlp/e5_sentiment.py)."""
    from nlp.sentiment import load_sentiment_model

    return load_sentiment_model("default")


@pytest.fixture(scope="session")
def minilm_model():
    """The MiniLM + n-gram stacked model (`sentiment_model: minilm`, nlp/models/minilm)."""
    from nlp.sentiment import load_sentiment_model

    return load_sentiment_model("minilm")


@pytest.fixture(scope="session")
def make_tiny_checkpoint(tmp_path_factory):
    """Factory: save a tiny random checkpoint with the given id2label, return its folder."""

    def make(id2label: dict[int, str]) -> Path:
        return save_tiny_checkpoint(tmp_path_factory.mktemp("tiny"), id2label)

    return make
