"""Sentence embeddings of training/evaluation texts, cached on disk so no text is encoded twice.

The same function the pipeline uses (`nlp.embeddings.SentenceEmbeddings.for_texts`) on the same
key the pipeline uses (`nlp.normalize.normalize` of the text): a tagger trained on these vectors
sees at run time exactly what it saw here. The cache (~/.cache/groundswell/intents-work, or
$GROUNDSWELL_INTENTS_CACHE) holds one `texts.json` + `vectors.npy` pair, appended to per run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nlp.embeddings import SENTENCE_DIM, SentenceEmbeddings
from nlp.normalize import normalize

CACHE = Path(os.environ.get("GROUNDSWELL_INTENTS_CACHE", Path.home() / ".cache/groundswell/intents-work"))


def _load(folder: Path) -> tuple[list[str], np.ndarray]:
    texts_file, vectors_file = folder / "texts.json", folder / "vectors.npy"
    if not texts_file.exists() or not vectors_file.exists():
        return [], np.zeros((0, SENTENCE_DIM), dtype=np.float32)
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    vectors = np.load(vectors_file)
    n = min(len(texts), len(vectors))  # a run stopped between the two writes: keep the common part
    return texts[:n], vectors[:n]


def embed(texts: Sequence[str], folder: Path = CACHE, chunk: int = 256, progress: bool = True) -> np.ndarray:
    """multilingual-e5-small embeddings of `normalize(text)` for each text (cached; new ones saved every `chunk`)."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = [normalize(t) for t in texts]
    known, vectors = _load(folder)
    index = {k: i for i, k in enumerate(known)}
    missing = list(dict.fromkeys(k for k in keys if k not in index))
    encoder = SentenceEmbeddings()
    for start in range(0, len(missing), chunk):
        part = missing[start : start + chunk]
        new = encoder.for_texts(part).astype(np.float32)
        for k in part:
            index[k] = len(known)
            known.append(k)
        vectors = np.concatenate([vectors, new])
        np.save(folder / "vectors.npy", vectors)
        (folder / "texts.json").write_text(json.dumps(known, ensure_ascii=False), encoding="utf-8")
        if progress:
            print(f"encoded {min(start + chunk, len(missing))}/{len(missing)}", flush=True)
    if not keys:
        return np.zeros((0, SENTENCE_DIM), dtype=np.float32)
    return vectors[[index[k] for k in keys]]
