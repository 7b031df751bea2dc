"""The daily digest's replies section, from a real SQLite store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.mention import Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import write_digest
from indexing.sqlite import SqliteStore

DAY = datetime(2026, 11, 10, 9, tzinfo=UTC)


def _m(nid, minute, author="ann", label="negative", reply_to=None, brand="Lumora"):
    return Mention(
        source="x",
        native_id=nid,
        text=f"Lumora *post* {nid}",
        created_at=DAY + timedelta(minutes=minute),
        brand=brand,
        author={"handle": author},
        reply_to=reply_to,
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t"),
    )


def test_digest_has_answered_share_times_and_the_waiting_posts(tmp_path):
    config = parse_config(
        {
            "brands": [
                {
                    "name": "Lumora",
                    "query": "lumora",
                    "own_accounts": {"x": ["@LumoraSupport"]},
                    "response_goal_minutes": 15,
                },
                {"name": "Other", "query": "other"},
            ],
            "store": {"path": str(tmp_path / "g.db")},
        }
    )
    store = SqliteStore(tmp_path / "g.db")
    posts = [
        _m("1", 0),
        _m("r1", 6, author="LumoraSupport", reply_to="x:1", label="neutral"),
        _m("2", 10, label="positive"),
        _m("r2", 30, author="LumoraSupport", reply_to="x:2", label="neutral"),
        _m("3", 20),
        _m("4", 40),
        _m("5", 0, brand="Other"),
    ]
    assert all(r.ok for r in store.upsert(posts))
    result = write_digest(config, store, date(2026, 11, 10), tmp_path / "digests")
    lumora, other = result["brands"]
    r = lumora["responses"]
    assert (r["posts"], r["answered"], r["answered_share"]) == (4, 2, 0.5)
    assert (r["median_minutes"], r["p90_minutes"], r["within_goal"]) == (13.0, 18.6, 1)  # [6, 20]: 6 + 0.9 * 14
    assert r["needs_reply"] == 2 and [w["text"] for w in r["longest_waiting"]] == ["Lumora *post* 3", "Lumora *post* 4"]
    assert other["responses"] is None  # no own accounts: no replies section
    markdown = (tmp_path / "digests" / "2026-11-10.md").read_text()
    assert "- Replies: 2 of 4 posts answered (50%), first reply median 13 min, p90 18.6 min" in markdown
    assert "1 within the 15-min goal" in markdown
    assert "- Needs reply: **2** negative posts unanswered > 15 min" in markdown
    assert "Lumora \\*post\\* 3" in markdown  # post text is escaped like every other text in the digest
    store.close()
