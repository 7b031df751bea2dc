"""The opt-in `unanswered` alert kind through `pipeline.detect` on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.render import title
from core.errors import ConfigError
from core.mention import Mention, Sentiment
from groundswell import pipeline
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _config(tmp_path: Path, rule: dict | None, own: dict | None = None) -> dict:
    brand = {"name": "lumora", "query": "lumora", "response_goal_minutes": 30}
    if own is not None:
        brand["own_accounts"] = own
    alerts = {"keyword": {"enabled": False}, "influencer": {"enabled": False}}
    if rule is not None:
        alerts["unanswered"] = rule
    return {"brands": [brand], "store": {"path": str(tmp_path / "gs.db")}, "alerts": alerts}


def _posts() -> list[Mention]:
    def m(nid, minute, author="ann", label="negative", reply_to=None):
        return Mention(
            source="x",
            native_id=nid,
            text=f"lumora {nid}",
            created_at=T0 + timedelta(minutes=minute),
            author={"handle": author},
            brand="lumora",
            reply_to=reply_to,
            sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
        )

    posts = [m(str(i), i) for i in range(1, 6)]  # five negatives, 08:01-08:05
    posts.append(m("r1", 10, author="LumoraSupport", label="neutral", reply_to="x:1"))  # one answered
    posts.append(m("9", 50))  # 10 minutes old at 09:00: within the goal
    return posts


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in s.upsert(_posts()))
    yield s
    s.close()


OWN = {"x": ["@LumoraSupport"]}
NOW = T0 + timedelta(hours=1)


def test_unanswered_negatives_past_the_goal_alert_when_enabled(tmp_path, store):
    config = parse_config(_config(tmp_path, {"enabled": True, "min_posts": 4}, OWN))
    found = [a for a in pipeline.detect(config, store, now=NOW) if a.kind == "unanswered"]
    assert len(found) == 1
    alert = found[0]
    assert alert.observed == 4.0 and alert.statistic == "unanswered > 30 min"
    assert alert.summary.startswith("lumora: 4 negative posts unanswered > 30 min")
    assert [p.id for p in alert.top_posts] == ["x:2", "x:3", "x:4", "x:5"]  # longest waiting first
    assert title(alert).endswith("Unanswered negative posts: lumora")
    # The same day again: the same alert id, so delivery never sends it twice.
    again = [a for a in pipeline.detect(config, store, now=NOW + timedelta(minutes=5)) if a.kind == "unanswered"]
    assert [a.id for a in again] == [alert.id]


@pytest.mark.parametrize(
    ("rule", "own"),
    [(None, OWN), ({"enabled": True, "min_posts": 5}, OWN), ({"enabled": True, "min_posts": 1}, None)],
    ids=["off-by-default", "fewer-than-min-posts", "no-own-accounts"],
)
def test_no_alert(tmp_path, store, rule, own):
    config = parse_config(_config(tmp_path, rule, own))
    assert not [a for a in pipeline.detect(config, store, now=NOW) if a.kind == "unanswered"]


def test_its_rule_is_validated(tmp_path):
    with pytest.raises(ConfigError, match=r"alerts\.unanswered\.min_posts: Input should be greater than or equal"):
        parse_config(_config(tmp_path, {"enabled": True, "min_posts": 0}, OWN))
