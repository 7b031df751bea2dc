"""A scheduled run's explanation tells of the posts its alert counted (real SQLite store): those of the window
posted before the run's `now`, not every post of the window stored by the time it explains (an import, a
collector catching up): "crisis term “burned” in 3 mentions … Theme: all 4 mentions are in …" was one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from alerts.config import AlertsConfig
from alerts.detect import detect_alerts
from core.mention import Author, Mention, Sentiment
from indexing.sqlite import SqliteStore

START = datetime(2026, 11, 8, tzinfo=UTC)
HOUR = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)
BURNED = [HOUR, HOUR + timedelta(minutes=5), HOUR + timedelta(minutes=7), HOUR + timedelta(minutes=41)]
NOW = HOUR + timedelta(minutes=30)  # the run decides with three of the four posted


@dataclass
class Brand:
    name: str = "Lumora"
    crisis_terms: list[str] = field(default_factory=lambda: ["burned"])


def _post(key: str, at: datetime, label: str, text: str, source: str = "x") -> Mention:
    return Mention(source=source, native_id=key, text=text, created_at=at, author=Author(handle=f"u{key}"),
                   brand="Lumora", lang="en", sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"))


def test_keyword_explanation_counts_the_posts_the_alert_counted(tmp_path):
    rng = np.random.default_rng(3)
    posts = []
    for h in range(int((HOUR + timedelta(hours=2) - START) / timedelta(hours=1))):
        for i in range(int(rng.poisson(6))):
            label = "negative" if rng.random() < 0.2 else "neutral"
            posts.append(_post(f"{h}-{i}", START + timedelta(hours=h, minutes=7 * i % 60), label, "lumora pulse"))
    sources = ["reddit", "rss", "x", "mastodon"]
    posts += [_post(f"burned{i}", at, "negative", "my lumora pulse burned my hand", sources[i])
              for i, at in enumerate(BURNED)]
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(posts))  # the fourth post is stored, dated after the run's `now`

    alerts = [a for a in detect_alerts(store, Brand(), AlertsConfig(), now=NOW) if a.kind == "keyword"]
    assert [a.observed for a in alerts] == [3.0]
    alert = alerts[0]
    assert sum(alert.source_mix.values()) == 3 and "mastodon" not in alert.source_mix
    assert sum(alert.lang_mix.values()) == 3
    assert alert.top_posts and all(p.source != "mastodon" for p in alert.top_posts)
    assert "4 mentions" not in alert.summary
    store.close()
