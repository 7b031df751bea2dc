"""What every sentiment model offers: `predict` texts → `Prediction`s (label, probabilities, uncertain).

Subclasses implement `_probabilities`; the shipped ones are nlp/e5_sentiment.py (the default) and
nlp/sentiment.py (MiniLM, Hugging Face checkpoints), which also holds `load_sentiment_model`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.embeddings import SentenceEmbeddings
from nlp.model_files import LABELS
from nlp.normalize import has_content, normalize


@dataclass(frozen=True)
class Prediction:
    """A sentiment label with the class probabilities behind it."""

    label: str
    probs: dict[str, float] = field(default_factory=dict)
    uncertain: bool = False


def files_version(files: Sequence[Path], *settings: str) -> str:
    """12 hex digits of SHA-256 over the files' bytes and the settings that change a model's output.

    Two installs with the same shipped files and settings get the same version, and a retrained
    model (or its int8 variant, or its head alone) another, so a store can tell which labels an
    older model gave (`groundswell store re-enrich`)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    for setting in settings:
        digest.update(setting.encode() + b"\0")
    return digest.hexdigest()[:12]


class SentimentModel:
    """Common interface: `name`, `identity` and `predict`. Subclasses implement `_probabilities`."""

    name: str
    uncertain_below: float
    # Which build of the model this is (`files_version`); None where nothing tells (a Hugging Face checkpoint).
    version: str | None = None

    @property
    def identity(self) -> str:
        """What each label the model gives records (`Sentiment.model`): "name@version", or the name alone."""
        return self.name if self.version is None else f"{self.name}@{self.version}"

    def predict(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        batch_size: int = 64,
        keep_embeddings: SentenceEmbeddings | None = None,
        each_distinct_once: bool = True,
    ) -> list[Prediction]:
        """One Prediction per text. `langs` (ISO 639-1, None = unknown) helps models that use it.

        `uncertain` is set when the top probability is below `uncertain_below`. A text with nothing but
        whitespace, control and format characters (zero-width space, BOM) is neutral (probability 1)
        without asking the model. `keep_embeddings`: where a model that computes sentence embeddings on
        the way leaves them (for themes).
        `each_distinct_once`: the model reads each distinct (normalised text, language) once and its
        copies get the same answer (retweets: bench/enrich_streams.py); False
        reads every row (that bench, to measure what reading copies once saves).
        """
        if langs is not None and len(langs) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(langs)} langs")
        if not texts:
            return []
        import numpy as np

        clean = [normalize(t) for t in texts]
        # Nothing to read is neutral by rule: a model asked about "" (or only a zero-width space) answers from
        # its biases alone.
        readable = [i for i, t in enumerate(clean) if has_content(t)]
        probs = np.tile(np.array([0.0, 1.0, 0.0]), (len(clean), 1))
        if readable:
            rows = [(clean[i], langs[i] if langs is not None else None) for i in readable]
            if each_distinct_once:  # copies get the answer of the first: one reading per (text, language)
                first: dict[tuple[str, str | None], int] = {}
                slot = [first.setdefault(row, len(first)) for row in rows]
                rows = list(first)
            else:
                slot = list(range(len(rows)))
            got = np.asarray(self._probabilities(
                [text for text, _ in rows], [lang for _, lang in rows] if langs is not None else None,
                batch_size, keep_embeddings,
            ))
            probs[readable] = got[slot]
        out = []
        for row in probs:
            best = int(row.argmax())
            out.append(
                Prediction(
                    label=LABELS[best],
                    probs={label: round(float(p), 4) for label, p in zip(LABELS, row, strict=True)},
                    uncertain=bool(row[best] < self.uncertain_below),
                )
            )
        return out

    def _probabilities(
        self, texts: list[str], langs: list[str | None] | None, batch_size: int, keep: SentenceEmbeddings | None = None
    ) -> Any:
        raise NotImplementedError
