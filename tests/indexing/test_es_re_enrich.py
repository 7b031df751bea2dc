"""`groundswell store re-enrich` on a real Elasticsearch node: old labels re-tagged once, nothing duplicated,
across monthly indices (the SQLite side and the CLI: tests/groundswell/test_re_enrich.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.mention import Mention, Sentiment
from groundswell.config import load_config
from groundswell.re_enrich import re_enrich
from indexing.base import Filters
from nlp.sentiment import load_sentiment_model

pytestmark = [pytest.mark.elasticsearch, pytest.mark.model]
OLD = Sentiment(label="positive", probs={"positive": 0.9}, model="groundswell-minilm-sentiment")


def test_re_enrich_on_elasticsearch_tags_old_labels_once(tmp_path, es_store):
    (tmp_path / "groundswell.yaml").write_text(
        "brands:\n  - name: Acme\n    query: acme\nsources: []\n", encoding="utf-8"
    )
    config = load_config(tmp_path / "groundswell.yaml")
    texts = ["My Acme heater started smoking overnight, this is dangerous and I want a refund",
             "Acme delivery was three weeks late and support hung up on me twice"]
    months = [datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)]  # two monthly indices
    assert all(r.ok for r in es_store.upsert(
        Mention(source="x", native_id=str(i), text=t, created_at=when, brand="Acme", lang="en", sentiment=OLD,
                themes=["heater"])
        for i, (t, when) in enumerate(zip(texts, months, strict=True))
    ))
    report = re_enrich(config, es_store, batch=1)
    assert (report.retagged, report.labels_changed, report.changes) == (2, 2, {"positive -> negative": 2})
    after = list(es_store.iter_mentions(Filters(include_spam=True)))
    current = load_sentiment_model("default").identity
    assert len(after) == 2 and es_store.count(Filters(include_spam=True)) == 2
    assert {(m.sentiment.label, m.sentiment.model) for m in after} == {("negative", current)}
    assert all(m.themes == ["heater"] for m in after)
    again = re_enrich(config, es_store)
    assert (again.retagged, again.already_current) == (0, 2)
