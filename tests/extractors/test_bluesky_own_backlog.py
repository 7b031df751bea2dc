"""Bluesky own accounts: an account whose author feed read stops with pages left (`max_pages`) owes the older
posts. The cursor keeps `since` (the newest post read) and, beside it under "#owed", per account the range it
still owes: an `extractors.state.Backlog` whose `before` is getAuthorFeed's own page cursor and whose `then` is
the account's newest post read. The next run goes on from that page cursor first, then reads the new posts.
Before, `since` moved to the newest post read and the posts below the last page were never read.
The atproto SDK against a local server that pages an author feed by its `cursor`, as the AppView does (its
cursor is the last post's time: a position, not a session, so it keeps between runs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from extractor_support import Reply, own_cursor, run_own_collection

from extractors import bluesky, state
from extractors.base import Window
from extractors.bluesky import BlueskyExtractor
from indexing.sqlite import SqliteStore

T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
KEY = "bluesky#own"
ANN, BOB = "ann.bsky.social", "bob.bsky.social"



# Every owed range records when it became owed (`Backlog.owed`): the clock is fixed so saved cursors compare exactly.
STAMP = "2026-01-02T03:04:05+00:00"


@pytest.fixture(autouse=True)
def fixed_owed_clock(monkeypatch):
    monkeypatch.setattr(state, "now_iso", lambda: STAMP)
    monkeypatch.setattr(bluesky, "now_iso", lambda: STAMP)

def _at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _item(actor: str, minute: int) -> dict:
    did = f"did:plc:{actor.split('.')[0]}"
    return {"post": {"uri": f"at://{did}/app.bsky.feed.post/r{minute}", "cid": f"bafyrei{minute}",
                     "author": {"did": did, "handle": actor}, "indexedAt": _at(minute),
                     "record": {"$type": "app.bsky.feed.post", "text": f"{actor} {minute}", "createdAt": _at(minute)}}}


def _feed(server, minutes, actor: str = ANN, refuse: str | None = None) -> None:
    """The actor's posts newest first, 10 a page: the newest, or those below a page `cursor` (the last post's
    time). `refuse`: a cursor answered 400."""
    times = sorted((_at(m) for m in minutes), reverse=True)
    items = {_at(m): _item(actor, m) for m in minutes}
    base = {"actor": actor, "limit": "10", "filter": "posts_with_replies", "includePins": "false"}
    for cursor in [None, *times]:
        page = [items[t] for t in times if cursor is None or t < cursor][:10]
        body = {"feed": page} | ({"cursor": page[-1]["post"]["record"]["createdAt"]} if page else {})
        server.route(FEED, Reply(200, body), params=base | ({"cursor": cursor} if cursor else {}))
    if refuse:
        bad = {"error": "InvalidRequest", "message": "Malformed cursor"}
        server.route(FEED, Reply(400, bad), params=base | {"cursor": refuse})


def _run(server, policy, store, window=None, crash=False, accounts=(ANN,)) -> int:
    ex = BlueskyExtractor({"base_url": server.base, "limit": 10, "max_pages": 2})
    ex.retry = policy
    return run_own_collection(ex, store, KEY, list(accounts), window, crash)


def _cursor(store) -> dict:
    return own_cursor(store, KEY)


def _asked(server, actor: str = ANN) -> list[str | None]:
    return [p.get("cursor") for path, p in server.requests if path == FEED and p["actor"] == actor]


def _stored(store, actor: str = ANN) -> list[int]:
    return sorted(int(m.text.split()[-1]) for m in store.iter_mentions() if m.text.startswith(actor))


def test_an_account_with_more_posts_than_max_pages_is_read_whole_over_two_runs(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(0)}))  # the shape the version before saved
    _feed(server, range(0, 26))  # 25 new posts: more than max_pages (2) x limit (10)
    with caplog.at_level("WARNING", logger="groundswell.extractors.bluesky"):
        assert _run(server, policy, store) == 20
    assert "own account ann.bsky.social stopped with pages left" in caplog.text
    # `since` stays what it meant (the newest read: a reader of the old shape goes on from it); the rest is owed.
    assert _cursor(store) == {"since": _at(25), "#owed": {
        ANN: {"after": _at(0), "before": _at(6), "then": _at(25), "owed_at": STAMP}}}

    server.requests.clear()
    _feed(server, range(0, 29))  # three more meanwhile
    assert _run(server, policy, store) == 5 + 3  # the owed range first, then the new ones with the page left
    assert _asked(server) == [_at(6), None]
    assert _cursor(store) == {"since": _at(28)}
    assert _stored(store) == list(range(1, 29))  # 25 + 3 read, every one once

    server.requests.clear()
    assert _run(server, policy, store) == 0 and _asked(server) == [None] and _cursor(store) == {"since": _at(28)}


def test_a_first_run_from_a_window_start_owes_down_to_it(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    _feed(server, range(-5, 25))  # five before the window
    hour = timedelta(hours=1)
    assert _run(server, policy, store, Window(since=T0, until=T0 + hour)) == 20
    start = (T0 - timedelta(microseconds=1)).isoformat()  # a post at the window's start belongs to it
    assert _cursor(store) == {"since": _at(24), "#owed": {
        ANN: {"after": start, "before": _at(5), "then": _at(24), "owed_at": STAMP}}}

    # A scheduled run: its interval starts after the owed posts, which are read all the same.
    server.requests.clear()
    assert _run(server, policy, store, Window(since=T0 + hour, until=T0 + 2 * hour)) == 5
    assert _asked(server) == [_at(5), None] and _cursor(store) == {"since": _at(24)}
    assert _stored(store) == list(range(0, 25))  # the window's start on: none before it, none twice


def test_a_cursor_older_than_the_window_is_read_down_to(server, policy, tmp_path):
    # Runs were missed: the posts after the cursor are owed although they are older than this run's window.
    # They were read, dropped as outside the window, and the cursor moved past them: lost.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(0)}))
    _feed(server, range(0, 36))
    window = Window(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=1))
    assert _run(server, policy, store, window) == 20
    assert _cursor(store)["#owed"] == {ANN: {"after": _at(0), "before": _at(16), "then": _at(35), "owed_at": STAMP}}
    assert _run(server, policy, store, window) == 15
    assert _cursor(store) == {"since": _at(35)} and _stored(store) == list(range(1, 36))


def test_a_crash_before_the_cursor_is_saved_reads_again_and_loses_nothing(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(0)}))
    _feed(server, range(0, 36))  # 35 new: a backlog over two more runs
    assert _run(server, policy, store, crash=True) == 20
    assert _cursor(store) == {"since": _at(0)}  # the pages are stored, the cursor is not
    assert _run(server, policy, store) == 20  # read again from the same cursor (stored over, not doubled)
    assert _cursor(store)["#owed"][ANN]["before"] == _at(16)
    assert _run(server, policy, store, crash=True) == 15  # dies after reading the owed range
    assert _cursor(store)["#owed"][ANN]["before"] == _at(16)  # still owed
    server.requests.clear()
    assert _run(server, policy, store) == 15
    assert _asked(server) == [_at(16), _at(6)]  # the range again: its two pages (the new posts: next run)
    assert _cursor(store) == {"since": _at(35)} and _stored(store) == list(range(1, 36))


def test_an_account_still_owing_keeps_its_own_then_while_another_moves_since(server, policy, tmp_path):
    # One `since` serves every account: while ann works off her backlog over runs, bob's posts move it on. Ann's
    # new posts of those runs lie below it: her new read goes down to her own `then`, or they would be skipped.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(0)}))
    both = (ANN, BOB)
    _feed(server, range(0, 46))  # 45 new: over two runs of two pages, then her new posts
    _feed(server, [10, 50], actor=BOB)
    assert _run(server, policy, store, accounts=both) == 20 + 2
    _feed(server, range(0, 49))  # ann: three more
    _feed(server, [10, 50, 60], actor=BOB)
    assert _run(server, policy, store, accounts=both) == 20 + 1  # ann: her backlog's two pages, no page left
    assert _cursor(store) == {"since": _at(60), "#owed": {
        ANN: {"after": _at(0), "before": _at(6), "then": _at(45), "owed_at": STAMP}}}
    assert _run(server, policy, store, accounts=both) == 5 + 3  # the rest of it, then her three new ones
    assert _cursor(store) == {"since": _at(60)}
    assert _stored(store) == list(range(1, 49)) and _stored(store, BOB) == [10, 50, 60]


def test_a_page_cursor_the_appview_refuses_is_read_again_from_the_top(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    owed = {ANN: {"after": _at(0), "before": "not-a-cursor-any-more", "then": _at(25)}}
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(25), "#owed": owed}))
    _feed(server, range(0, 26), refuse="not-a-cursor-any-more")
    with caplog.at_level("WARNING", logger="groundswell.extractors.bluesky"):
        assert _run(server, policy, store) == 20  # from the top down to where the backlog started
    assert "refused the saved page cursor" in caplog.text
    assert _cursor(store)["#owed"][ANN] == {"after": _at(0), "before": _at(6), "then": _at(25), "owed_at": STAMP}
    assert _run(server, policy, store) == 5 and _cursor(store) == {"since": _at(25)}
    assert _stored(store) == list(range(1, 26))


def test_a_run_that_does_not_stop_keeps_the_plain_shape(server, policy, tmp_path):
    # The shape the version before saved and reads: nothing owed, nothing beside `since`.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"since": _at(0)}))
    _feed(server, range(0, 16))
    assert _run(server, policy, store) == 15
    assert _cursor(store) == {"since": _at(15)}
