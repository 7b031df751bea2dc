"""Bluesky: a run whose searches stop with pages left (`max_pages`) owes the older posts. It saves that range as
the cursor (`extractors.state.Backlog` of times: `since` inclusive, `until` exclusive, as searchPosts takes
them), the next run reads it first, then the cursor moves on. Before, the cursor jumped to the newest post read
and the rest of a burst was never asked for. The atproto SDK against a local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.bluesky import BlueskyExtractor
from extractors.state import Backlog
from indexing.sqlite import SqliteStore

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)


def _at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _page(minutes, word: str = "acme", more: str | None = None) -> dict:
    posts = [
        {"uri": f"at://did:plc:abc/app.bsky.feed.post/{word}{m}", "cid": f"bafyrei{word}{m}",
         "author": {"did": "did:plc:abc", "handle": "ann.bsky.social"}, "indexedAt": _at(m),
         "record": {"$type": "app.bsky.feed.post", "text": f"{word} post {m}", "createdAt": _at(m)}}
        for m in sorted(minutes, reverse=True)  # newest first, as sort=latest answers
    ]
    return {"posts": posts, **({"cursor": more} if more else {})}


def _run(server, policy, store, window=None, query="acme"):
    ex = BlueskyExtractor({"base_url": server.base, "limit": 10, "max_pages": 1})
    ex.retry = policy
    return run_collection(ex, store, "bluesky", "acme", query, window)


def _just_after(when: str) -> str:
    return (datetime.fromisoformat(when) + timedelta(milliseconds=1)).isoformat()


def _sent(server) -> list[dict]:
    asked = [params for path, params in server.requests if path == SEARCH]
    return [{k: v for k, v in params.items() if k in ("q", "since", "until")} for params in asked]


def test_a_run_stopped_by_max_pages_leaves_a_backlog_the_next_run_reads_first(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(SEARCH, Reply(200, _page(range(20, 30), more="p2")))
    assert _run(server, policy, store, Window(since=T0, until=T0 + timedelta(hours=1)))[0] == 10
    saved = Backlog.decode(store.get_state("cursor:bluesky:acme"))
    assert saved == Backlog(T0.isoformat(), (T0 + timedelta(minutes=20)).isoformat(), _at(29))

    # A scheduled run: its interval starts after the backlog's posts, which are owed all the same.
    server.requests.clear()
    server.route(SEARCH, Reply(200, _page(range(0, 20))))
    assert _run(server, policy, store, Window(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)))[0] == 20
    # Just after the stop's oldest post: `until` excludes its own time, and posts on the pages left may share it.
    assert _sent(server) == [{"q": "acme", "since": T0.isoformat(), "until": _just_after(saved.before)}]
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _at(29)}  # read through: moves on

    server.requests.clear()
    server.route(SEARCH, Reply(200, _page(range(29, 32))))  # `since` is inclusive: post 29 comes again
    _run(server, policy, store)
    assert _sent(server) == [{"q": "acme", "since": _at(29)}]
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _at(31)}
    assert store.count() == 32  # every post, none twice


def test_every_search_reads_the_backlog_below_the_latest_stop(server, policy, tmp_path):
    # One cursor serves all the searches of an OR query: the backlog starts below the highest point where one
    # of them stopped, so neither loses a post (the other reads a little again: overwritten, not doubled).
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:bluesky:acme", json.dumps({"since": _at(-60)}))  # a cursor saved before this fix
    server.route(SEARCH, Reply(200, _page(range(20, 30), more="p2")), Reply(200, _page(range(25, 35), "widget", "q2")))
    _run(server, policy, store, query="acme OR widget")
    saved = Backlog.decode(store.get_state("cursor:bluesky:acme"))
    assert saved == Backlog(_at(-60), (T0 + timedelta(minutes=25)).isoformat(), _at(34))

    server.requests.clear()
    server.route(SEARCH, Reply(200, _page(range(10, 25), more="p2")), Reply(200, _page(range(15, 25), "widget")))
    _run(server, policy, store, query="acme OR widget")
    assert [s["until"] for s in _sent(server)] == [_just_after(saved.before)] * 2
    again = Backlog.decode(store.get_state("cursor:bluesky:acme"))
    assert again == Backlog(_at(-60), (T0 + timedelta(minutes=10)).isoformat(), _at(34))  # keeps after and then

    server.route(SEARCH, Reply(200, _page(range(0, 10))), Reply(200, _page(range(0))))
    _run(server, policy, store, query="acme OR widget")
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _at(34)}
    assert store.count() == 30 + 20  # acme 0..29, widget 15..34


def test_a_run_with_nothing_below_it_owes_no_backlog(server, policy, tmp_path, caplog):
    # Neither a cursor nor a window start: all of the past is no range to owe (it would hold new posts up for as
    # long as the term's history lasts); the cursor moves to the newest as before, with a warning.
    store = SqliteStore(tmp_path / "g.db")
    server.route(SEARCH, Reply(200, _page(range(20, 30), more="p2")))
    with caplog.at_level("WARNING", logger="groundswell.extractors.bluesky"):
        _run(server, policy, store)
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _at(29)}
    assert "no cursor or window start below them" in caplog.text


def test_a_backlog_left_by_a_run_whose_cursor_is_older_than_its_window_starts_at_the_cursor(
    server, policy, tmp_path
):
    """The search reaches back to a cursor older than the window (`since` is the cursor): the backlog a run
    stopped by max_pages leaves must start there too. It started at the window's start, the later of the two:
    above the oldest post read, a range the next run read as empty and called done, losing the posts below."""
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:bluesky:acme", json.dumps({"since": _at(0)}))
    server.route(SEARCH, Reply(200, _page(range(80, 90), more="p2")))
    hour = timedelta(hours=1)
    _run(server, policy, store, Window(since=T0 + 2 * hour, until=T0 + 3 * hour))
    assert _sent(server) == [{"q": "acme", "since": _at(0), "until": (T0 + 3 * hour).isoformat()}]
    saved = Backlog.decode(store.get_state("cursor:bluesky:acme"))
    assert saved == Backlog(_at(0), (T0 + timedelta(minutes=80)).isoformat(), _at(89))

    server.requests.clear()
    server.route(SEARCH, Reply(200, _page(range(70, 81))))
    _run(server, policy, store, Window(since=T0 + 3 * hour, until=T0 + 4 * hour))
    assert _sent(server) == [{"q": "acme", "since": _at(0), "until": _just_after(saved.before)}]
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _at(89)}
    assert store.count() == 20


def test_an_upside_down_backlog_saved_before_is_logged_as_the_bug_it_is(server, policy, tmp_path, caplog):
    # What the old code saved for the run above. Read as an empty range it was done without a word; what it
    # lost can not be told from it, so it is an error to act on.
    store = SqliteStore(tmp_path / "g.db")
    old = Backlog((T0 + timedelta(hours=2)).isoformat(), (T0 + timedelta(minutes=80)).isoformat(), _at(89))
    store.set_state("cursor:bluesky:acme", old.encode())
    with caplog.at_level("ERROR", logger="groundswell.extractors.state"):
        _run(server, policy, store)
    assert "upside down" in caplog.text and _sent(server) == []  # an empty range: nothing asked
    assert Backlog.decode(store.get_state("cursor:bluesky:acme")) is None
