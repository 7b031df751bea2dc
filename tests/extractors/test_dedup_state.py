"""Cross-source de-duplication, cursors and read budgets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from extractor_support import DictState

from core.mention import Mention
from extractors.base import SourceError
from extractors.dedup import canonical_url, count_unique, dedupe
from extractors.state import CursorState, MemoryState, ReadBudget, decode_cursor, encode_cursor

T0 = datetime(2026, 11, 1, 10, tzinfo=UTC)


def m(source, nid, text, url=None, followers=0, **extra):
    return Mention(
        source=source, native_id=nid, text=text, url=url, created_at=T0, author={"followers": followers}, extra=extra
    )


def test_retweets_and_cross_posts_collapse_onto_the_original():
    original = m("x", "1", "Acme's new battery lasts 3 days! https://t.co/abc", followers=10)
    retweet = m("x", "2", "RT @acme: Acme's new battery lasts 3 days! https://t.co/xyz", repost_of="x:1", followers=999)
    crosspost = m("mastodon", "9", "acme’s NEW battery lasts 3 days", followers=5)
    other = m("reddit", "t3_a", "Acme battery died after 3 days")
    kept = dedupe([retweet, original, crosspost, other])
    assert [k.id for k in kept] == ["x:1", "reddit:t3_a"]  # the original wins over the more-followed repost
    assert kept[0].extra["duplicates"] == 2 and "duplicates" not in kept[1].extra
    assert count_unique([retweet, original, crosspost, other]) == 2


def test_same_canonical_url_is_one_story_even_with_different_text():
    a = m("hackernews", "1", "Acme recalls phones", url="https://www.news.example/acme-recall?utm_source=hn#top")
    b = m("rss", "f1", "Acme recalls 1M phones after fires", url="http://news.example/acme-recall/")
    c = m("rss", "f2", "Acme recalls 1M phones after fires", url="https://news.example/other")  # same text as b
    assert len(dedupe([a, b, c])) == 1  # a~b by URL, b~c by text: one group


def test_canonical_url_keeps_meaningful_parameters():
    assert canonical_url("https://WWW.Example.com/a/?utm_medium=x&id=3&fbclid=1") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/search?site=a") == "https://example.com/search?site=a"
    assert canonical_url("not a url") is None


def test_cursor_state_keys_and_round_trip():
    state = DictState()
    cursors = CursorState(state)
    cursors.set("x-main", "Acme", encode_cursor({"since": "2026-11-01", "ids": ["b", "a"]}))
    assert list(state.data) == ["cursor:x-main:Acme"]
    assert decode_cursor(cursors.get("x-main", "Acme"), "x") == {"since": "2026-11-01", "ids": ["b", "a"]}


def test_unreadable_cursor_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert decode_cursor("{not json", "reddit") == {}
    assert "ignoring unreadable cursor" in caplog.text
    assert decode_cursor(None, "reddit") == {}


def test_read_budget_per_month():
    state = MemoryState()
    month = [datetime(2026, 11, 30, tzinfo=UTC)]
    budget = ReadBudget(state, "x", monthly_limit=100, now=lambda: month[0])
    budget.charge(100)
    with pytest.raises(SourceError, match="monthly read budget of 100 is spent"):
        budget.check()
    month[0] = datetime(2026, 12, 1, tzinfo=UTC)  # a new month starts from zero
    assert budget.check(50) == 50 and budget.remaining() == 100
    assert set(state.data) == {"budget:x:2026-11"}
    unlimited = ReadBudget(state, "y", monthly_limit=None)
    unlimited.charge(10**6)
    assert unlimited.check(100) == 100
