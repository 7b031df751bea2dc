"""A new brand's hourly posts on a real store, for the first-day tests: `Newco`, whose first post is `FIRST`, each
hour a given number of negative and other posts spread evenly over it, and a config with only spike detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.mention import Author, Mention, Sentiment
from groundswell.config import Config, parse_config

FIRST = datetime(2026, 2, 2, 19, 0, tzinfo=UTC)  # the brand's first post


def post(key: str, at: datetime, label: str, lang: str = "en") -> Mention:
    """One of Newco's posts, labelled `label`."""
    return Mention(
        source="x",
        native_id=f"newco-{key}",
        text="newco thing",
        created_at=at,
        author=Author(handle=f"u{key}", followers=100),
        brand="Newco",
        lang=lang,
        sentiment=Sentiment(label=label, probs={label: 0.9}, model="test"),
    )


def hour(h: int, negative: int, other: int, lang_of=lambda i: "en") -> list[Mention]:
    """Hour `h` after `FIRST`: `negative` negative posts first, then `other` neutral ones, evenly spaced; post i's
    language is `lang_of(i)`."""
    n = negative + other
    return [
        post(f"{h}-{i}", FIRST + timedelta(hours=h, seconds=i * 3600 // n), "negative" if i < negative else "neutral",
             lang_of(i))
        for i in range(n)
    ]


def spike_only_config(tmp_path: Path) -> Config:
    """Newco on a SQLite store under `tmp_path`, keyword, influencer and viral alerts off."""
    return parse_config({
        "brands": [{"name": "Newco", "query": "newco"}],
        "store": {"path": str(tmp_path / "gs.db")},
        "alerts": {"keyword": {"enabled": False}, "influencer": {"enabled": False}, "viral": {"enabled": False}},
    })
