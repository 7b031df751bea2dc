"""A scheduled run's window starts where the last run's interval ended, not where its reading did. Items
newer than the saved cursor are unread whatever the window (`Selector.reach_back_to`): a run that spent its
pages on a backlog, or runs that were missed, must not lose them while the cursor moves past. X through
tweepy against a local server, three hourly windows as the ingest DAG gives them."""

from __future__ import annotations

from datetime import timedelta

from extractor_support import X_ARCHIVE, X_T0, Reply, run_collection, x_tweet

from extractors.base import Selector, Window
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

ARCHIVE, T0, _tweet = X_ARCHIVE, X_T0, x_tweet


def _page(minutes, token: str | None = None) -> Reply:
    tweets = [_tweet(m) for m in sorted(minutes, reverse=True)][:10]
    meta = {"result_count": len(tweets), **({"next_token": token} if token else {})}
    return Reply(200, {"data": tweets, "meta": meta})


def _hour(server, policy, store, h: int):
    ex = XExtractor({"api_base_url": server.base, "endpoint": "all", "max_results": 10, "max_pages": 1},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    window = Window(T0 + timedelta(hours=h), T0 + timedelta(hours=h + 1))
    return run_collection(ex, store, "x", "acme", "acme", window)[0]


def test_the_interval_a_backlog_run_did_not_read_is_read_by_the_next(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(ARCHIVE, _page(range(11, 30), token="more"))  # 10:00-11:00: a burst, more than a page
    _hour(server, policy, store, 0)
    server.route(ARCHIVE, _page(range(11, 20)))  # 11:00-12:00: spent on the backlog the burst left
    _hour(server, policy, store, 1)
    # 12:00-13:00: X sends all after the cursor, 11:30-11:32 included, older than this run's window.
    server.route(ARCHIVE, _page([150, 151, 90, 91, 92]))
    _hour(server, policy, store, 2)
    assert store.count() == 24


def test_items_newer_than_the_cursor_are_kept_whatever_the_window():
    selector = Selector("x", "acme", "acme", Window(T0 + timedelta(hours=5), T0 + timedelta(hours=6)))
    assert not selector.in_window(T0 + timedelta(hours=2))
    selector.reach_back_to(T0 + timedelta(hours=1))  # missed runs: the cursor is older than the window
    assert selector.in_window(T0 + timedelta(hours=2)) and not selector.in_window(T0)
    selector.reach_back_to(T0 + timedelta(hours=3))  # never narrows it again
    assert selector.in_window(T0 + timedelta(hours=2))
    selector.reach_back_to(1e20)  # a value no datetime holds: ignored
    assert selector.window.since == T0 + timedelta(hours=1)
