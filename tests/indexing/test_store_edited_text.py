"""A post whose text changes (edited, then collected or imported again) loses the labels of its old text on both
stores, so the next enrich tags the new text (`indexing.base.keep_enrichment`); an unchanged text keeps them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from store_support import STORES, open_store

from core.mention import Author, Engagement, Mention, Sentiment, analyst_label
from indexing import base
from indexing.base import Filters, Store

OLD_TEXT = "Lumora Pulse is the best purchase of my year, great job"
NEW_TEXT = "Lumora Pulse caught fire and burned my hand, worst product ever, I want a refund"


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-edit")


def _bare(text: str, likes: int = 0) -> Mention:
    """The post as a source (or an import file) gives it: no labels."""
    return Mention(source="x", native_id="demo-000003", text=text, created_at=datetime(2026, 11, 1, 0, 12, tzinfo=UTC),
                   author=Author(handle="demo_de_053"), engagement=Engagement(likes=likes), brands=["Lumora"])


def _tagged(post: Mention) -> Mention:
    """`post` as enrich, the themes step and the spam step left it."""
    return post.model_copy(update={
        "sentiment": Sentiment(label="positive", probs={"negative": 0.05, "neutral": 0.05, "positive": 0.9},
                               model="test-model@1"),
        "lang": "de", "intent": "praise", "themes": ["best purchase · great job"],
        "brand_themes": {"Lumora": ["best purchase · great job"]}, "spam": "copy-paste campaign: 9 authors, 4 min"})


def _write(store: Store, mention: Mention, **kwargs) -> None:
    results = list(store.upsert([mention], **kwargs))
    assert all(r.ok for r in results), results


def _labels(m: Mention) -> tuple:
    return m.sentiment, m.lang, m.intent, m.themes, m.brand_themes, m.spam


def test_a_new_text_drops_the_old_texts_labels_and_is_tagged_again(store: Store):
    tagged = _tagged(_bare(OLD_TEXT))
    _write(store, tagged)
    # What a re-collect of an unchanged post may still vary in (spacing, an escaped entity): every label stays.
    _write(store, _bare("  Lumora Pulse is the best purchase of my year,\n great&#32;job ", likes=9))
    (got,) = store.get([tagged.id])
    assert _labels(got) == _labels(tagged) and got.engagement.likes == 9
    assert store.unenriched() == []
    _write(store, _bare(NEW_TEXT, likes=5))  # the edited post, collected (or imported) again
    (got,) = store.get(["x:demo-000003"])
    assert (got.text, got.engagement.likes) == (NEW_TEXT, 5)
    assert _labels(got) == (None, None, None, [], {}, None)
    assert [m.id for m in store.unenriched()] == ["x:demo-000003"]  # the next enrich tags it
    assert store.count(Filters(sentiment="positive")) == 0
    assert got.brands == ["Lumora"]  # what is not a label of the text is merged as before


def test_a_persons_label_is_kept_on_its_text_only(store: Store):
    """A correction was made on the text the analyst read: a re-collect of that text keeps it, a new text does not
    (the correction's record, kept in the store's state by groundswell.sentiment_corrections, is not touched)."""
    corrected = _bare(OLD_TEXT).model_copy(update={"sentiment": analyst_label("negative"), "lang": "en"})
    _write(store, corrected)
    _write(store, _bare(OLD_TEXT, likes=3))
    assert store.get([corrected.id])[0].sentiment == analyst_label("negative")
    _write(store, _bare(NEW_TEXT))
    assert store.get([corrected.id])[0].sentiment is None


def test_a_step_that_read_the_old_text_does_not_label_the_new_one(store: Store):
    """Enrich (or the themes or spam step, or a correction) read the post, then it was re-collected with a new
    text: the step's labels are for the old text and are not written; what is not a label (brands) still is."""
    _write(store, _bare(OLD_TEXT))
    read = store.get(["x:demo-000003"])[0]
    _write(store, _bare(NEW_TEXT))
    tagged = _tagged(read)
    for fields in (base.ENRICHED, base.THEMES, base.SPAM, base.INTENT, base.SENTIMENT):
        _write(store, tagged, fields=fields)
    _write(store, read.model_copy(update={"sentiment": analyst_label("neutral")}), fields=base.SENTIMENT)
    _write(store, read.model_copy(update={"brands": ["Lumora", "Sonique"]}), fields=base.BRANDS)
    (got,) = store.get([read.id])
    assert got.text == NEW_TEXT and _labels(got) == (None, None, None, [], {}, None)
    assert got.brands == ["Lumora", "Sonique"]
    _write(store, _tagged(got), fields=base.ENRICHED)  # a step that read the new text writes as before
    assert store.get([read.id])[0].sentiment.label == "positive"


def test_a_text_the_source_cut_short_is_the_same_post_and_keeps_the_fuller_text(store: Store):
    """X gives a retweet whose original it no longer sends as 'RT @x: the start…': not an edit. The labels, a
    person's too, and the full text stay; a cut that does not match the stored start is an edit as before."""
    full = "RT @lumora_fan: " + OLD_TEXT + " and the battery lasts two whole days"
    corrected = _bare(full).model_copy(update={"sentiment": analyst_label("negative"), "lang": "en"})
    _write(store, corrected)
    _write(store, _bare("RT @lumora_fan: " + OLD_TEXT[:40] + "…", likes=4))
    (got,) = store.get([corrected.id])
    assert (got.text, got.sentiment, got.engagement.likes) == (full, analyst_label("negative"), 4)
    _write(store, _bare("RT @lumora_fan: Lumora Pulse caught fire…"))
    assert store.get([corrected.id])[0].sentiment is None
