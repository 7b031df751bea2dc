"""The digest's "Most engaging posts" and the static report's posts list originals by the engagement they earned:
a retweet carries the original's counts (finding 4 of the quarterly review), so it never credits the retweeter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import build_digest
from groundswell.report import _posts_html
from indexing.sqlite import SqliteStore

DAY = datetime(2015, 8, 6, tzinfo=UTC)
NEG = Sentiment(label="negative", probs={"negative": 1.0}, model="test")


def test_reposts_are_not_best_posts(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = [
        Mention(source="x", native_id=str(i), text=text, created_at=DAY + timedelta(hours=i), brand="Trump",
                engagement=Engagement(likes=likes), author=Author(handle=handle), sentiment=NEG, extra=extra)
        for i, (handle, text, likes, extra) in enumerate([
            ("PraguuMaya", "RT @ericstonestreet: Trump has Cam hands.", 278, {}),
            ("fan", "Trump again", 90, {"repost_of": "x:9"}),
            ("ericstonestreet", "Trump has Cam hands.", 50, {}),
            ("voter", "Trump rally tonight", 3, {}),
        ])
    ]
    list(store.upsert(posts))
    config = parse_config({"brands": [{"name": "Trump", "query": "Trump"}]})
    notable = build_digest(config, store, date(2015, 8, 6))["brands"][0]["notable_posts"]
    assert [(p["author"], p["engagement"]) for p in notable] == [("ericstonestreet", 50), ("voter", 3)]
    html = _posts_html(store, "Trump")
    assert "ericstonestreet" in html and "PraguuMaya" not in html and "@fan" not in html
    store.close()
