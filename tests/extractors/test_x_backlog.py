"""X: a run that stops with pages left (`max_pages`, the read budget) owes the older tweets. It saves that
range as the cursor (`extractors.state.Backlog`), the next run reads it first, then the cursor moves on.
Before, the cursor jumped to the newest tweet read and the rest of the backlog was never asked for. v2
bodies served by a local server through tweepy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from extractor_support import X_ARCHIVE, X_T0, Reply, run_collection, x_tweet

from extractors.base import Window
from extractors.state import Backlog
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

ARCHIVE, T0, _tweet = X_ARCHIVE, X_T0, x_tweet


def _page(minutes: range, token: str | None = None) -> dict:
    tweets = [_tweet(m) for m in sorted(minutes, reverse=True)]  # X answers newest first
    meta = {"result_count": len(tweets), **({"next_token": token} if token else {})}
    return {"data": tweets, "meta": meta} if tweets else {"meta": {"result_count": 0}}


def _run(server, policy, store, window=None, **options):
    ex = XExtractor({"api_base_url": server.base, "endpoint": "all", "max_results": 10, "max_pages": 1, **options},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    return run_collection(ex, store, "x", "acme", "acme", window)


def test_a_run_stopped_by_max_pages_leaves_a_backlog_the_next_run_reads_first(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    newer, older = range(20, 30), range(10, 20)
    server.route(ARCHIVE, Reply(200, _page(newer, token="p2")))
    assert _run(server, policy, store)[0] == 10
    saved = Backlog.decode(store.get_state("cursor:x:acme"))
    assert saved == Backlog(None, _tweet(20)["id"], _tweet(29)["id"])  # owes what is older than minute 20

    # A scheduled run: its interval starts after the backlog's tweets, which are owed all the same.
    window = Window(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2))
    server.route(ARCHIVE, Reply(200, _page(older)))
    assert _run(server, policy, store, window)[0] == 10
    sent = server.requests[-1][1]
    assert sent["until_id"] == _tweet(20)["id"] and "since_id" not in sent and "end_time" not in sent
    assert store.get_state("cursor:x:acme") == _tweet(29)["id"]  # read through: the cursor moves on
    assert store.count() == 20

    server.route(ARCHIVE, Reply(200, _page(range(30, 32))))
    _run(server, policy, store)
    assert server.requests[-1][1]["since_id"] == _tweet(29)["id"] and store.count() == 22


def test_a_backlog_read_in_several_runs_keeps_its_lower_end(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(ARCHIVE, Reply(200, _page(range(0, 5))))
    _run(server, policy, store)
    first = _tweet(4)["id"]
    server.route(ARCHIVE, Reply(200, _page(range(25, 30), token="p2")))  # a burst: more than a page
    _run(server, policy, store)
    assert Backlog.decode(store.get_state("cursor:x:acme")) == Backlog(first, _tweet(25)["id"], _tweet(29)["id"])
    server.route(ARCHIVE, Reply(200, _page(range(15, 25), token="p3")))  # still more than a page
    _run(server, policy, store)
    sent = server.requests[-1][1]
    assert (sent["since_id"], sent["until_id"]) == (first, _tweet(25)["id"])
    assert Backlog.decode(store.get_state("cursor:x:acme")) == Backlog(first, _tweet(15)["id"], _tweet(29)["id"])
    server.route(ARCHIVE, Reply(200, _page(range(5, 15))))
    _run(server, policy, store)
    assert store.get_state("cursor:x:acme") == _tweet(29)["id"] and store.count() == 30  # nothing skipped


def test_a_backlog_recent_search_can_no_longer_reach_is_given_up_with_a_warning(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:x:acme", Backlog(None, _tweet(20)["id"], _tweet(29)["id"]).encode())  # June 2025
    server.route("/2/tweets/search/recent", Reply(200, _page(range(0))))
    with caplog.at_level("WARNING", logger="groundswell.extractors.x"):
        _run(server, policy, store, endpoint="recent")
    assert "beyond the 7 days recent search reaches" in caplog.text
    assert "until_id" not in server.requests[-1][1]  # never a request X would refuse with a 400


def test_a_backlog_is_kept_until_a_run_reads_it_through(server, policy, tmp_path):
    """The read budget that stopped a run stops the next before its first page (1-9 reads left), and X may
    answer a page with no tweets but a page token: neither run read the range, so neither gives it up."""
    store = SqliteStore(tmp_path / "g.db")
    server.route(ARCHIVE, Reply(200, _page(range(20, 30), token="more")))
    _run(server, policy, store, max_pages=10, monthly_read_budget=25)  # two pages, then 5 reads left
    owed = store.get_state("cursor:x:acme")
    assert Backlog.decode(owed) is not None
    requests = len(server.requests)
    _run(server, policy, store, max_pages=10, monthly_read_budget=25)
    assert len(server.requests) == requests and store.get_state("cursor:x:acme") == owed  # nothing read, kept

    store.delete_state(k for k in store.state_items("budget:"))  # a new month
    server.route(ARCHIVE, Reply(200, {"meta": {"result_count": 0, "next_token": "more"}}))
    _run(server, policy, store)
    assert store.get_state("cursor:x:acme") == owed  # an empty page with a token: not read through


@pytest.mark.parametrize("saved", [
    '{"backlog": ', '{"backlog": null}', '{"backlog": []}', '{"backlog": {"before": 12}}',
    '{"backlog": {"after": 1, "before": "9", "then": null}}', '{"other": 1}', "[1, 2]", "{}", "not json",
])
def test_a_damaged_saved_cursor_is_no_backlog_and_the_run_goes_on(server, policy, tmp_path, saved):
    """A hand-edited or truncated cursor must neither crash a run nor become a range X would refuse."""
    assert Backlog.decode(saved) is None
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:x:acme", saved)
    server.route(ARCHIVE, Reply(200, _page(range(0, 3))))
    assert _run(server, policy, store)[0] == 3
    assert "until_id" not in server.requests[-1][1] and store.get_state("cursor:x:acme") == _tweet(2)["id"]
