"""Features the default sentiment model is built from: encoder embeddings and hashed n-grams."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

# Hidden layers whose mean-pooled states feed the embedding head (-1 = the sentence embedding).
EMBED_LAYERS: tuple[int, ...] = (-3, -1)
CHAR_FEATURES = 2**20
WORD_FEATURES = 2**18
# Tokens: runs of letters/digits, or single emoji/symbols (which carry much of the sentiment).
WORD_PATTERN = r"(?u)\w+|[^\w\s]"


def _hashers():
    from sklearn.feature_extraction.text import HashingVectorizer

    common = dict(alternate_sign=False, norm=None, lowercase=True, dtype=__import__("numpy").float32)
    char = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 4), n_features=CHAR_FEATURES, **common)
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=WORD_PATTERN,
                             n_features=WORD_FEATURES, **common)
    return char, word


def ngram_counts(texts: Sequence[str]) -> csr_matrix:
    """Sparse counts of character 1–4-grams (within words) and word 1–2-grams, hashed."""
    from scipy.sparse import hstack

    char, word = _hashers()
    return hstack([char.transform(texts), word.transform(texts)], format="csr")


def ngram_tfidf(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    """Sublinear tf × idf, rows L2-normalised."""
    import numpy as np
    from sklearn.preprocessing import normalize

    x = counts.copy()
    np.log1p(x.data, out=x.data)
    x = x.multiply(idf.astype(np.float32)).tocsr()
    return normalize(x, copy=False)


def fit_idf(counts: csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequency per hashed feature."""
    import numpy as np

    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    n = counts.shape[0]
    return (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "groundswell" / "embeddings"


def cached_embeddings(texts: Sequence[str], progress: bool = True, chunk: int = 1024) -> np.ndarray:
    """Encoder features for `texts`, cached on disk per chunk by content: an interrupted or repeated
    training run only encodes what it has not encoded before."""
    import numpy as np

    from nlp.encoder import MAX_TOKENS, embed, encoder_path

    salt = repr((EMBED_LAYERS, MAX_TOKENS, (encoder_path() / "model.safetensors").stat().st_size)).encode()
    parts = []
    for lo in range(0, len(texts), chunk):
        block = list(texts[lo : lo + chunk])
        h = hashlib.sha256(salt)
        for t in block:
            h.update(t.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        path = _cache_dir() / f"{h.hexdigest()[:24]}.npy"
        if path.exists():
            parts.append(np.load(path))
            continue
        if progress:
            print(f"encoding texts {lo}-{lo + len(block)} of {len(texts)}", flush=True)
        emb = embed(block, layers=EMBED_LAYERS)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, emb)
        tmp.replace(path)
        parts.append(emb)
    return np.concatenate(parts) if parts else np.zeros((0, 384 * len(EMBED_LAYERS)), dtype=np.float32)
