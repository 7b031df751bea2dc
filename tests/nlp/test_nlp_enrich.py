"""Enricher: language and sentiment on copies of mentions, model loaded once."""

from datetime import UTC, datetime

import pytest

from core.mention import Mention
from core.query.aliases import brand_terms
from nlp.config import NlpConfig
from nlp.enrich import Enricher
from nlp.model_text import ModelText

pytestmark = pytest.mark.model


def _mention(i: int, text: str, lang: str | None = None) -> Mention:
    return Mention(source="test", native_id=str(i), text=text, lang=lang,
                   created_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_enrich_sets_lang_and_sentiment_on_copies(tiny_checkpoint):
    enricher = Enricher(NlpConfig(sentiment_model=str(tiny_checkpoint), uncertain_below=0.9, batch_size=2))
    mentions = [
        _mention(1, "배터리가 너무 빨리 닳아서 정말 실망했어요"),
        _mention(2, "La batteria si scarica in due ore"),
        _mention(3, "whatever the text says", lang="en"),
        _mention(4, "🔥🔥"),
    ]
    out = enricher.enrich(mentions)
    assert [m.lang for m in out] == ["ko", "it", "en", None]
    for m in out:
        assert m.sentiment is not None and m.sentiment.model == str(tiny_checkpoint)
        assert m.sentiment.label in m.sentiment.probs and m.sentiment.uncertain
    assert all(m.sentiment is None and m.lang in (None, "en") for m in mentions)  # originals untouched
    assert enricher.enrich([]) == []
    assert enricher.model is enricher.model  # loaded once


def test_enrich_with_default_model_produces_all_three_labels(default_model):
    enricher = Enricher(NlpConfig())
    enricher._model = default_model  # the session's instance: same as Enricher would load
    mentions = [
        _mention(1, "I absolutely love this phone, best purchase ever! 😍"),
        _mention(2, "Worst customer service ever, still no refund. Never again 😡"),
        _mention(3, "Does anyone know when the Acme store opens?"),
    ]
    out = enricher.enrich(mentions)
    assert [m.sentiment.label for m in out] == ["positive", "negative", "neutral"]
    assert all(m.sentiment.model == default_model.identity for m in out)


def test_language_is_not_guessed_from_brand_names_urls_and_handles(tiny_checkpoint):
    """The model text reads brand names and handles as @user and URLs as http: lingua took those for Dutch,
    German or Italian. A post with nothing else has no language."""
    config = NlpConfig(sentiment_model=str(tiny_checkpoint), intents=False)
    enricher = Enricher(config, text=ModelText(config, {"Acme": brand_terms("Acme")}))
    texts = ["@Acme", "#Acme 🔥🔥🔥", "https://t.co/AbC123", "Acme https://t.co/AbC123",
             "@acmesupport still broken https://t.co/q", "Acme love it https://t.co/x"]
    out = enricher.enrich([_mention(i, t).model_copy(update={"brands": ["Acme"]}) for i, t in enumerate(texts)])
    assert [m.lang for m in out] == [None, None, None, None, "en", "en"]
