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
# Hold-out folds: each (split, label) stratum's permutation cut into HOLDOUT-sized slices. Fold 0 is the
# hold-out every run before folds existed used; folds 1 to 5 are five more, disjoint from it and each other,
# so that two settings can be cross-validated on 90% of the train rows instead of 15% (compare_folds).
FOLDS = int(1 / HOLDOUT)


@dataclass
class Rows:
    """All train rows, flattened: text, label index, dataset index, binary flag, held out or not."""

    texts: list[str]
    y: np.ndarray
    dataset: np.ndarray
    binary: np.ndarray
    holdout: np.ndarray
    names: list[str]
    fold: int = 0


def check_fold(fold: int) -> int:
    """`fold`, if it is one of the FOLDS hold-out folds; a clear error otherwise."""
    if not 0 <= fold < FOLDS:
        raise ValueError(f"hold-out fold must be 0 to {FOLDS - 1}, got {fold}")
    return fold


def holdout_mask(labels: np.ndarray, rng: np.random.Generator, fold: int = 0) -> np.ndarray:
    """HOLDOUT of each label's rows of one split, drawn from `rng` (load_rows' draws, split by split).

    Fold k holds out the k-th HOLDOUT-sized slice of each label's permutation: the draws, and so what
    `rng` gives afterwards, are the same for every fold, and fold 0 is the first slice."""
    check_fold(fold)
    out = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == label))
        size = round(len(idx) * HOLDOUT)
        out[idx[fold * size : (fold + 1) * size]] = True
    return out


def load_rows(rng: np.random.Generator, fold: int = 0) -> Rows:
    """Train rows of every split; HOLDOUT of each (split, label) stratum held out (hold-out fold `fold`)."""
    splits = load_splits("train")
    texts, y, ds, binary, held = [], [], [], [], []
    for d, split in enumerate(splits):
        labels = np.array([LABELS.index(label) for label in split.labels])
        texts += [normalize(t) for t in split.texts]
        y.append(labels)
        ds += [d] * len(labels)
        binary += [split.binary] * len(labels)
        held.append(holdout_mask(labels, rng, fold))
    return Rows(texts, np.concatenate(y), np.array(ds), np.array(binary), np.concatenate(held),
                [s.key for s in splits], fold)


def tokenize(checkpoint: Path, texts: list[str]) -> list[list[int]]:
    """Token ids as the runtime makes them (nlp/onnx_encoder.py reads the same tokenizer.json)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(checkpoint / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()
    return [e.ids for e in tok.encode_batch([QUERY_PREFIX + (t or " ") for t in texts])]
