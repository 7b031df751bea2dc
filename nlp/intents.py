"""Intent tags per mention: question, complaint, praise, suggestion, purchase_intent or other.

A small head on the multilingual-e5-small sentence embedding every post already has (nlp/embeddings.py):
one softmax (multinomial logistic regression) over the six intents, reading the L2-normalised
embedding plus two cheap, language-aware question cues (a question mark; an interrogative opener
or ending of the post's language). The model is configuration: its weights (a few KB) and a manifest
live in `nlp/models/intents/`, rebuilt by `python -m tools.intents.train` (`make train-intents`);
how well it does, per language and intent, is in docs/model-card.md ("Intent tags").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INTENTS: tuple[str, ...] = ("question", "complaint", "praise", "suggestion", "purchase_intent", "other")
MODEL_DIR = Path(__file__).resolve().parent / "models" / "intents"
FORMAT_VERSION = 1

_QUESTION_MARK = re.compile(r"[?？¿]")
# Words that open a question, or endings that close one, per language: the question cue for posts
# written without a question mark ("how do i reset my router"). Tried on the lower-cased post.
_INTERROGATIVE = {
    "en": r"^(how|what|where|when|why|who|which|is|are|does|do|did|can|could|will|would|anyone|any)\b",
    "es": r"^(c[oó]mo|qu[eé]|d[oó]nde|cu[aá]ndo|por qu[eé]|qui[eé]n|cu[aá]l|alguien sabe)\b",
    "pt": r"^(como|o que|onde|quando|por que|quem|qual|algu[eé]m sabe|d[aá] pra)\b",
    "fr": r"^(comment|quoi|o[uù]|quand|pourquoi|qui|quel|quelle|est-ce que|quelqu'un sait)\b",
    "it": r"^(come|cosa|dove|quando|perch[eé]|chi|quale|qualcuno sa)\b",
    "de": r"^(wie|was|wo|wann|warum|wer|welche[rsn]?|hat jemand|wei[ßs] jemand|gibt es|kann man)\b",
    "ru": r"^(как|что|где|когда|почему|кто|какой|какая|какую|сколько|можно ли|кто-нибудь)(?!\w)",
    "zh": r"(吗|呢|怎么|什么|哪里|哪儿|为什么|多久|多少|请问)",
    "ja": r"(ですか|ますか|でしょうか|かな|の？|どう|なぜ|どこ|いつ|何)",
    "ko": r"(어디|언제|어떻게|왜|뭐|무엇|얼마|몇)|(니|냐|나요|까요|가요|니까|인가요?|할까|습니까|입니까)[?？]?$",
}
_INTERROGATIVE_RE = {lang: re.compile(pattern) for lang, pattern in _INTERROGATIVE.items()}
CUES: tuple[str, ...] = ("question_mark", "interrogative")
# What may come before a question's first word: addressed handles (normalised to @user, or raw), an
# opening ¿ or quote. "@acme how do I ..." opens with "how".
_LEAD = re.compile(r"^(?:\s|@[\w.@-]+|[¿¡\"'«“(])+")


def question_cues(texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    """(n, 2) of 0/1: the post has a question mark; it opens (or, for zh/ja/ko, holds) an interrogative
    of its language (unknown languages: only the mark)."""
    out = np.zeros((len(texts), len(CUES)), dtype=np.float32)
    for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
        lowered = _LEAD.sub("", text.strip().lower())
        out[i, 0] = 1.0 if _QUESTION_MARK.search(lowered) else 0.0
        pattern = _INTERROGATIVE_RE.get(lang or "")
        out[i, 1] = 1.0 if pattern is not None and pattern.search(lowered) else 0.0
    return out


def features(vectors: np.ndarray, texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
    """What the head reads: the L2-normalised sentence embedding, then the question cues."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    return np.hstack([unit.astype(np.float32), question_cues(texts, langs)])


@dataclass
class IntentTagger:
    """Softmax over `labels`: `weights` (labels × features) and `bias`; `manifest` says how it was made."""

    weights: np.ndarray
    bias: np.ndarray
    labels: tuple[str, ...] = INTENTS
    manifest: dict | None = None

    @classmethod
    def fit(
        cls, vectors: np.ndarray, texts: Sequence[str], langs: Sequence[str | None], intents: Sequence[str],
        c: float = 4.0,
    ) -> IntentTagger:
        """Train the head (scikit-learn's multinomial logistic regression, inverse regularisation `c`)."""
        from sklearn.linear_model import LogisticRegression

        unknown = sorted(set(intents) - set(INTENTS))
        if unknown:
            raise ValueError(f"unknown intents {unknown}: use {', '.join(INTENTS)}")
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(features(vectors, texts, langs), list(intents))
        order = [list(model.classes_).index(label) for label in INTENTS if label in model.classes_]
        labels = tuple(model.classes_[i] for i in order)
        return cls(weights=model.coef_[order].astype(np.float32), bias=model.intercept_[order].astype(np.float32),
                   labels=labels)

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str], langs: Sequence[str | None]) -> np.ndarray:
        """(n, labels) class probabilities."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        scores = features(vectors, texts, langs) @ self.weights.T + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, vectors: np.ndarray, texts: Sequence[str], langs: Sequence[str | None]) -> list[str]:
        """The most probable intent of each text."""
        probs = self.probabilities(vectors, texts, langs)
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def save(self, folder: Path = MODEL_DIR, manifest: dict | None = None) -> None:
        """Write `weights.npz` and `manifest.json` (format version, labels, cues, plus `manifest`)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / "weights.npz", weights=self.weights, bias=self.bias)
        meta = {"format_version": FORMAT_VERSION, "labels": list(self.labels), "cues": list(CUES),
                "encoder": "multilingual-e5-small (nlp/embeddings.py)", **(manifest or {})}
        (folder / "manifest.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = MODEL_DIR) -> IntentTagger:
        """The tagger saved in `folder`; a clear error when it is missing or from another format."""
        manifest_file = folder / "manifest.json"
        if not manifest_file.exists():
            raise FileNotFoundError(f"no intent model in {folder}: run `python -m tools.intents.train`")
        meta = json.loads(manifest_file.read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"intent model in {folder} has format {meta.get('format_version')}, expected "
                             f"{FORMAT_VERSION}: rebuild it with `python -m tools.intents.train`")
        with np.load(folder / "weights.npz") as data:
            weights, bias = data["weights"], data["bias"]
        return cls(weights=weights, bias=bias, labels=tuple(meta["labels"]), manifest=meta)


_SHIPPED: IntentTagger | None = None


def shipped_tagger() -> IntentTagger:
    """The model in `nlp/models/intents/`, loaded once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = IntentTagger.load()
    return _SHIPPED
