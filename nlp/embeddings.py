"""Sentence embeddings handed from sentiment to themes within one process, explicitly.

The default sentiment model computes the multilingual-e5-small sentence embedding of every text it
reads (its encoder pass has one output for that, nlp/e5_encoder.py). Themes (and intents) use the
same embedding of the same text, so the
pipeline passes one `SentenceEmbeddings` to both steps of a run: sentiment `keep`s what it
computed, themes ask `for_texts` and encode only what was not kept. Nothing is shared through
module state: a step given none (a separate Airflow task, `update_themes` on its own) encodes
what it needs itself, which is what the old module-global cache amounted to across processes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nlp.config import DEFAULT_BACKEND
from nlp.e5_encoder import shared_e5

if TYPE_CHECKING:  # heavy imports stay lazy
    import numpy as np

SENTENCE_DIM = 384
MAX_KEPT = 50_000  # ~75 MB of float32 vectors: a long backfill cannot grow it without end


class SentenceEmbeddings:
    """Sentence embeddings by the exact (normalised, capped) text the encoder read; oldest out first.

    Keyed by text, not mention id: a vector belongs to the text it was computed from, so a mention
    whose text changed between the steps can never get a stale one."""

    def __init__(self, max_kept: int = MAX_KEPT, backend: str | None = None) -> None:
        """`backend`: where texts not kept are encoded, "onnx" or "torch" (None: `nlp.config.DEFAULT_BACKEND`)."""
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self.max_kept = max_kept
        self.backend = backend or DEFAULT_BACKEND
        self.encoded = 0  # texts `for_texts` had to encode itself (not kept by an earlier step)

    def __len__(self) -> int:
        return len(self._vectors)

    def keep(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember one vector per text (row i for texts[i])."""
        if len(texts) > self.max_kept:  # only the last `max_kept` stay: copied, so the rest's array can be freed
            texts, vectors = texts[-self.max_kept:], vectors[-self.max_kept:].copy()
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
        while len(self._vectors) > self.max_kept:
            self._vectors.popitem(last=False)

    def for_texts(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """multilingual-e5-small sentence embeddings (not normalised), one row per text; texts not kept are encoded.

        `progress`: a bar on stderr while those are encoded."""
        import numpy as np

        # Read before `keep` evicts: more than `max_kept` distinct texts (a full themes pass over a big window) must
        # not lose the vectors of the first ones (a KeyError at 50,001 distinct texts before).
        found = {t: self._vectors[t] for t in dict.fromkeys(texts) if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = encode_sentences(missing, self.backend, batch_size=batch_size, progress=progress)
            found.update(zip(missing, vectors, strict=True))
            self.keep(missing, vectors)
            self.encoded += len(missing)
        if not texts:
            return np.zeros((0, SENTENCE_DIM), dtype=np.float32)
        return np.stack([found[t] for t in texts])


def encode_sentences(texts: Sequence[str], backend: str, batch_size: int = 64, progress: bool = False) -> np.ndarray:
    """multilingual-e5-small sentence embeddings (mean-pooled last layer of the untouched model, not
    normalised; nlp/e5_encoder.py), one row per text.

    They run on ONNX Runtime whichever `backend` the sentiment model uses: the embedding must be the
    same vector space wherever it is computed, or stored theme centroids would stop matching.
    """
    if backend not in ("torch", "onnx"):
        raise ValueError(f"backend must be 'torch' or 'onnx', not {backend!r}")
    return shared_e5().encode(texts, batch_size=batch_size, progress=progress)[0]
