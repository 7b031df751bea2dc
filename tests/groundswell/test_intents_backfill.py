"""`groundswell store tag-intents`: a store enriched before intent tags gets them, once (real model, real SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from core.mention import Mention, Sentiment
from groundswell.cli import cli
from indexing.base import Filters
from indexing.sqlite import SqliteStore

pytestmark = pytest.mark.model
CONFIG = """\
brands:
  - name: Acme
    query: acme
sources: []
store:
  type: sqlite
  path: g.db
"""
T0 = datetime(2026, 11, 1, tzinfo=UTC)
NEUTRAL = Sentiment(label="neutral", probs={"neutral": 1.0}, model="t")


def _m(i: int, text: str, **kw) -> Mention:
    return Mention(source="x", native_id=str(i), text=text, created_at=T0, brand="Acme", lang="en", **kw)


def test_tag_intents_tags_enriched_untagged_posts_once(tmp_path):
    (tmp_path / "groundswell.yaml").write_text(CONFIG, encoding="utf-8")
    store = SqliteStore(tmp_path / "g.db")
    list(store.upsert([
        _m(1, "How do I reset my Acme router?", sentiment=NEUTRAL),  # enriched before intent tags
        _m(2, "Acme charged me twice and nobody answers. Terrible service.", sentiment=NEUTRAL),
        _m(3, "Acme rocks", sentiment=NEUTRAL, intent="praise"),  # already tagged: left alone
        _m(4, "not enriched yet: the enrich step tags it"),
    ]))
    store.close()
    runner = CliRunner()
    args = ["store", "tag-intents", "--config", str(tmp_path / "groundswell.yaml")]
    first = runner.invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1]) == {
        "tagged": 2, "by_intent": {"question": 1, "complaint": 1}
    }
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert {m.native_id: m.intent for m in store.iter_mentions(Filters())} == {
            "1": "question", "2": "complaint", "3": "praise", "4": None
        }
    finally:
        store.close()
    again = runner.invoke(cli, args, catch_exceptions=False)
    assert json.loads(again.stdout.strip().splitlines()[-1]) == {"tagged": 0, "by_intent": {}}
