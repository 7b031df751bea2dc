"""Which day a digest summarises, and its negative share: the same rules as the weekly/monthly report."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.mention import Author, Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import build_digest
from groundswell.period_report import build_period_report
from groundswell.periods import period_containing
from groundswell.pipeline import digest
from indexing.base import Bucket
from indexing.sqlite import SqliteStore


def test_the_default_day_is_yesterday_in_the_digests_timezone(tmp_path):
    # 08:00 in Seoul is 23:00 UTC the day before: "yesterday in UTC" was the day before yesterday there.
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}],
                           "digest": {"timezone": "Asia/Seoul"},
                           "report": {"path": str(tmp_path / "report.html")}})
    now = datetime(2026, 3, 10, 8, tzinfo=ZoneInfo("Asia/Seoul"))
    store = SqliteStore(tmp_path / "g.db")
    assert digest(config, store, now=now)["day"] == "2026-03-09"


def test_the_digest_and_the_weekly_report_agree_on_the_negative_share(tmp_path):
    # Two negative, two not enriched yet: half the mentions, all of the labelled ones.
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}]})
    store = SqliteStore(tmp_path / "g.db")
    when = datetime(2026, 3, 4, 12, tzinfo=UTC)
    negative = Sentiment(label="negative", probs={"negative": 0.9}, model="m@1")
    list(store.upsert([
        Mention(source="x", native_id=str(i), text="Lumora broke", brand="Lumora", author=Author(handle="a"),
                created_at=when, sentiment=negative if i < 2 else None)
        for i in range(4)
    ]))
    (daily,) = build_digest(config, store, date(2026, 3, 4))["brands"]
    (weekly,) = build_period_report(config, store, period_containing("week", date(2026, 3, 4)))["brands"]
    assert daily["negative_share"] == weekly["current"]["negative_share"] == 1.0


def test_net_sentiment_leaves_out_mentions_without_a_label():
    assert Bucket(start=datetime(2026, 3, 4, tzinfo=UTC), positive=3, negative=1, unknown=6).net_sentiment == 0.5
    assert Bucket(start=datetime(2026, 3, 4, tzinfo=UTC), unknown=6).net_sentiment is None  # a gap, not 0
