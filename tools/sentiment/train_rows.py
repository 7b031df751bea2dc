"""The train rows every sentiment training tool reads: all train splits, their hold-out, their token ids.

finetune_e5 trains on them, calibrate_e5 and compare_runs score on the held-out part, gpu_inputs packs
them for a GPU machine; one definition, so that every run holds out the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.e5_encoder import MAX_TOKENS, QUERY_PREFIX
from nlp.model_files import LABELS
from nlp.normalize import normalize
from tools.sentiment.data import load_splits

SEED = 13
HOLDOUT = 0.15


@dataclass
class Rows:
    """All train rows, flattened: text, label index, dataset index, binary flag, held out or not."""

    texts: list[str]
    y: np.ndarray
    dataset: np.ndarray
    binary: np.ndarray
    holdout: np.ndarray
    names: list[str]


def holdout_mask(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """HOLDOUT of each label's rows of one split, drawn from `rng` (load_rows' draws, split by split)."""
    out = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        out[idx[: round(len(idx) * HOLDOUT)]] = True
    return out


def load_rows(rng: np.random.Generator) -> Rows:
    """Train rows of every split; HOLDOUT of each (split, label) stratum held out."""
    splits = load_splits("train")
    texts, y, ds, binary, held = [], [], [], [], []
    for d, split in enumerate(splits):
        labels = np.array([LABELS.index(label) for label in split.labels])
        texts += [normalize(t) for t in split.texts]
        y.append(labels)
        ds += [d] * len(labels)
        binary += [split.binary] * len(labels)
        held.append(holdout_mask(labels, rng))
    return Rows(texts, np.concatenate(y), np.array(ds), np.array(binary), np.concatenate(held),
                [s.key for s in splits])


def tokenize(checkpoint: Path, texts: list[str]) -> list[list[int]]:
    """Token ids as the runtime makes them (nlp/onnx_encoder.py reads the same tokenizer.json)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()
    return [e.ids for e in tok.encode_batch([QUERY_PREFIX + (t or " ") for t in texts])]
