"""Enrichment step of the pipeline: language and sentiment for a batch of mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.mention import Mention, Sentiment
from nlp.langid import detect_languages
from nlp.normalize import normalize
from nlp.sentiment import load_sentiment_model

if TYPE_CHECKING:
    from nlp.config import NlpConfig
    from nlp.embeddings import SentenceEmbeddings
    from nlp.sentiment import SentimentModel


class Enricher:
    """Tags mentions with `lang` (when unknown) and `sentiment`; the model is loaded on first use.

    `embeddings`: where the sentence embeddings computed on the way are kept for themes (see
    nlp/embeddings.py); None keeps none."""

    def __init__(self, config: NlpConfig, embeddings: SentenceEmbeddings | None = None) -> None:
        self.config = config
        self.embeddings = embeddings
        self._model: SentimentModel | None = None

    @property
    def model(self) -> SentimentModel:
        if self._model is None:
            self._model = load_sentiment_model(
                self.config.sentiment_model,
                backend=self.config.backend,
                uncertain_below=self.config.uncertain_below,
            )
        return self._model

    def enrich(self, mentions: list[Mention]) -> list[Mention]:
        """Copies of `mentions` with `lang` filled in where it was None and `sentiment` set."""
        if not mentions:
            return []
        # Models read a capped prefix (nlp.max_text_chars); the stored mention keeps its whole text.
        texts = [self.config.analysed_text(m.text) for m in mentions]
        langs = [m.lang for m in mentions]
        todo = [i for i, lang in enumerate(langs) if not lang]
        for i, lang in zip(todo, detect_languages([normalize(texts[i]) for i in todo]), strict=True):
            langs[i] = lang
        preds = self.model.predict(texts, langs, batch_size=self.config.batch_size, keep_embeddings=self.embeddings)
        return [
            m.model_copy(
                update={
                    "lang": lang,
                    "sentiment": Sentiment(
                        label=p.label, probs=p.probs, model=self.model.name, uncertain=p.uncertain
                    ),
                }
            )
            for m, lang, p in zip(mentions, langs, preds, strict=True)
        ]
