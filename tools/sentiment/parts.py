"""The default model's parts, scored apart: the fine-tuned e5 head alone and the n-gram model alone.

The stacker is chosen by cross-validation on held-out rows of the training sets' own domains; the
parts show what it does to texts from elsewhere (the check set, the demo crisis, the real streams).
"""

from __future__ import annotations

from typing import Any

from nlp.e5_sentiment import E5SentimentModel
from nlp.e5_stacker import ngram_log_probs
from nlp.model_files import softmax
from nlp.normalize import normalize


def has_parts(model: Any) -> bool:
    """True for an e5 model whose shipped combination is the stacker (head + n-grams + word lists)."""
    return isinstance(model, E5SentimentModel) and model.combine["kind"] == "stacker"


def part_probs(model: Any, texts: list[str]) -> dict[str, Any]:
    """Class probabilities (rows in nlp.model_files.LABELS order) of the head alone and the n-grams alone.

    Texts are normalised here, as predict() does; a text with nothing to read is neutral by rule."""
    import numpy as np

    clean = [normalize(t) for t in texts]
    readable = [i for i, t in enumerate(clean) if t.strip()]
    out = {name: np.tile([0.0, 1.0, 0.0], (len(clean), 1)) for name in ("e5_head_alone", "ngram_alone")}
    if readable:
        kept = [clean[i] for i in readable]
        w = model.w
        out["e5_head_alone"][readable] = softmax(np.asarray(model.logits(kept)))
        out["ngram_alone"][readable] = np.exp(ngram_log_probs(kept, w["ng_idf"], w["ng_coef"], w["ng_intercept"]))
    return out
