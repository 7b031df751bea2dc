"""Collection reads a post's @handles by its own platform's rules (Mention.source, core/query/handles.py).

Through the real import source, pipeline and SQLite store: one file holds posts from several
platforms, and the brand query `@united` keeps exactly those that mention @united there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from extractors.base import Batch, Selector, Window
from groundswell.config import parse_config
from groundswell.pipeline import collect
from indexing.sqlite import SqliteStore

POSTS = {
    ("x", "1"): ("Thanks @united...lies again", True),  # X: dots end a handle
    ("x", "2"): ("cc @united.airlines", True),  # X links @united there
    ("bluesky", "3"): ("cc @united.airlines", False),  # Bluesky: the handle is united.airlines
    ("mastodon", "4"): ("hi @united@mastodon.social…", True),  # same user name, any instance
    ("reddit", "5"): ("asked u/united-", True),  # Reddit: u/name; a trailing dash is punctuation
}


def test_import_keeps_posts_that_mention_the_handle_on_their_platform(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        "".join(
            json.dumps({"source": s, "native_id": n, "text": text, "created_at": "2026-11-01T10:00:00Z"}) + "\n"
            for (s, n), (text, _) in POSTS.items()
        )
    )
    config = parse_config(
        {
            "brands": [{"name": "United", "query": "@united"}],
            "sources": [{"type": "import", "options": {"path": str(path)}}],
            "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        }
    )
    store = SqliteStore(tmp_path / "g.db")
    collect(config, store)
    assert {m.id for m in store.iter_mentions()} == {f"{s}:{n}" for (s, n), (_, kept) in POSTS.items() if kept}


def test_each_source_selector_reads_handles_its_own_way():
    when = datetime(2026, 11, 1, 10, tzinfo=UTC)
    for source in ("x", "bluesky"):
        selector = Selector(source, "United", "@united", Window())
        batch = Batch([])
        selector.add(batch, "1", lambda: {"native_id": "1", "text": "cc @united.airlines", "created_at": when})
        assert len(batch.mentions) == (source == "x"), source
