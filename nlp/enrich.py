"""Enrichment step of the pipeline: language, sentiment and intent for a batch of mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.mention import Mention, Sentiment
from nlp.embeddings import SentenceEmbeddings
from nlp.intents import IntentTagger, shipped_tagger
from nlp.model_text import ModelText
from nlp.normalize import normalize
from nlp.sentiment import load_sentiment_model

if TYPE_CHECKING:
    from nlp.config import NlpConfig
    from nlp.sentiment import SentimentModel


class Enricher:
    """Tags mentions with `lang` (when unknown), `sentiment` and `intent` (if `nlp.intents`); models load on first use.

    `embeddings`: where the sentence embeddings computed on the way are kept for themes (see
    nlp/embeddings.py), and where intents read them; None: intents encode the texts themselves."""

    def __init__(self, config: NlpConfig, embeddings: SentenceEmbeddings | None = None,
                 model: SentimentModel | None = None, text: ModelText | None = None) -> None:
        """`model`: a sentiment model already loaded (None: the one the config names, at first use).
        `text`: what the models read of a mention (`Config.model_text()`: brand names masked; None: the
        text as written, capped)."""
        self.config = config
        self.embeddings = embeddings
        self._model = model
        self.text = text if text is not None else ModelText(config)

    @property
    def model(self) -> SentimentModel:
        if self._model is None:
            self._model = load_sentiment_model(
                self.config.sentiment_model,
                backend=self.config.backend,
                uncertain_below=self.config.uncertain_below,
                combine=self.config.sentiment_combine,
            )
        return self._model

    def enrich(self, mentions: list[Mention], texts: list[str] | None = None) -> list[Mention]:
        """Copies of `mentions` with `lang` filled in where it was None and `sentiment` set.

        `texts`: each mention's model text when the caller built them already (`self.text(m)`)."""
        if not mentions:
            return []
        if texts is not None and len(texts) != len(mentions):
            raise ValueError(f"got {len(mentions)} mentions but {len(texts)} model texts")
        # Models read a capped prefix (nlp.max_text_chars) with the brands' names as @user (nlp/model_text.py);
        # the stored mention keeps its whole text.
        if texts is None:
            texts = [self.text(m) for m in mentions]
        langs = [m.lang for m in mentions]
        todo = [i for i, lang in enumerate(langs) if not lang]
        # langid reads the text less its URLs, @handles and every configured brand's name, as collection's `lang:`
        # does (`ModelText.languages`: one rule), so the language stored is the one the post was collected by.
        for i, lang in zip(todo, self.text.languages([mentions[i].text for i in todo]), strict=True):
            langs[i] = lang
        preds = self.model.predict(texts, langs, batch_size=self.config.batch_size, keep_embeddings=self.embeddings)
        intents = self._intents(texts, langs) if self.config.intents else [None] * len(texts)
        return [
            m.model_copy(
                update={
                    "lang": lang,
                    "sentiment": Sentiment(
                        label=p.label, probs=p.probs, model=self.model.identity, uncertain=p.uncertain
                    ),
                    "intent": intent if self.config.intents else m.intent,  # off: a stored tag stays
                }
            )
            for m, lang, p, intent in zip(mentions, langs, preds, intents, strict=True)
        ]

    def _intents(self, texts: list[str], langs: list[str | None]) -> list[str]:
        """Intent tags from the same sentence embeddings sentiment kept (same key: the normalised text)."""
        if self.embeddings is None:
            self.embeddings = SentenceEmbeddings(backend=self.config.backend)
        clean = [normalize(t) for t in texts]
        vectors = self.embeddings.for_texts(clean, batch_size=self.config.batch_size)
        return self.intent_tagger.predict(vectors, clean, langs)

    @property
    def intent_tagger(self) -> IntentTagger:
        return shipped_tagger()
