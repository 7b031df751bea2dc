"""Features the default sentiment model is built from: encoder embeddings, hashed n-grams, VADER scores."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from nlp.encoder import MAX_TOKENS, embed, encoder_path

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

# Hidden layers whose mean-pooled states feed the embedding head (-1 = the sentence embedding).
EMBED_LAYERS: tuple[int, ...] = (-3, -1)
CHAR_FEATURES = 2**20
WORD_FEATURES = 2**18
# Tokens: runs of letters/digits, or single emoji/symbols (which carry much of the sentiment).
WORD_PATTERN = r"(?u)\w+|[^\w\s]"


@lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        raise RuntimeError(
            "the default sentiment model's English part needs VADER: pip install vaderSentiment"
        ) from None
    return SentimentIntensityAnalyzer()


def vader_scores(texts: Sequence[str]) -> np.ndarray:
    """VADER lexicon scores (compound, pos, neg, neu) per text, shape (n, 4): English-only signal."""
    import numpy as np

    out = np.zeros((len(texts), 4), dtype=np.float64)
    if len(texts):
        sia = _vader()
        for row, text in enumerate(texts):
            s = sia.polarity_scores(text)
            out[row] = (s["compound"], s["pos"], s["neg"], s["neu"])
    return out


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


def _salt() -> bytes:
    return repr((EMBED_LAYERS, MAX_TOKENS, (encoder_path() / "model.safetensors").stat().st_size)).encode()


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()


def cached_embeddings(texts: Sequence[str], progress: bool = True, chunk: int = 1024) -> np.ndarray:
    """Encoder features for `texts`, cached on disk per text: an interrupted or repeated training
    or evaluation run only encodes texts it has not encoded before."""
    import numpy as np

    folder = _cache_dir() / hashlib.sha256(_salt()).hexdigest()[:16]
    known: dict[bytes, np.ndarray] = {}
    for path in sorted(folder.glob("*.npz")):
        with np.load(path) as data:
            for key, row in zip(data["keys"], data["emb"], strict=True):
                # numpy "S" strings drop trailing NUL bytes: pad the 20-byte SHA-1 back.
                known[bytes(key).ljust(20, b"\0")] = row
    keys = [text_key(t) for t in texts]
    missing = list(dict.fromkeys(i for i, k in enumerate(keys) if k not in known))
    missing = list({keys[i]: i for i in missing}.values())  # one encoding per distinct text
    for lo in range(0, len(missing), chunk):
        block = missing[lo : lo + chunk]
        if progress:
            print(f"encoding {lo + len(block)} of {len(missing)} new texts", flush=True)
        emb = embed([texts[i] for i in block], layers=EMBED_LAYERS)
        block_keys = np.array([keys[i] for i in block], dtype="S20")
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(b"".join(block_keys.tolist())).hexdigest()[:24]
        tmp = folder / f"{name}.tmp.npz"
        np.savez(tmp, keys=block_keys, emb=emb)
        tmp.replace(folder / f"{name}.npz")
        for i, row in zip(block, emb, strict=True):
            known[keys[i]] = row
    if not texts:
        return np.zeros((0, 384 * len(EMBED_LAYERS)), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)
