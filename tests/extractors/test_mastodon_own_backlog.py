"""Mastodon own accounts: an account whose timeline read stops with pages left (`max_pages`) owes the older
statuses. Its cursor keeps its status id and, beside it under "#owed", the range it still owes (an
`extractors.state.Backlog` per account); the next run reads that range first (`max_id`), then the new statuses.
Before, the cursor moved to the newest status read and the statuses below the last page were never read.
Mastodon.py against a local server that serves an account's statuses by `max_id`, 10 a page, as Mastodon does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from extractor_support import Reply, own_cursor, run_own_collection

from extractors import state
from extractors.base import Window
from extractors.mastodon import MastodonExtractor
from indexing.sqlite import SqliteStore

T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)
STATUSES = "/api/v1/accounts/7/statuses"
KEY = "mastodon#own"



# Every owed range records when it became owed (`Backlog.owed`): the clock is fixed so saved cursors compare exactly.
STAMP = "2026-01-02T03:04:05+00:00"


@pytest.fixture(autouse=True)
def fixed_owed_clock(monkeypatch):
    monkeypatch.setattr(state, "now_iso", lambda: STAMP)

def _id(minute: int) -> str:
    return str((int((T0 + timedelta(minutes=minute)).timestamp() * 1000) << 16) + 7)  # a snowflake id


def _status(minute: int) -> dict:
    when = (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"id": _id(minute), "created_at": when, "content": f"<p>reply {minute}</p>",
            "url": f"https://social.example/@ann/{_id(minute)}", "account": {"id": "7", "acct": "ann"}}


def _timeline(server, minutes) -> None:
    """The account's statuses newest first, 10 a page: the newest, or those below a `max_id`, with a Link on."""
    server.route("/api/v1/accounts/lookup", Reply(200, {"id": "7", "acct": "ann"}))
    ids = sorted((_id(m) for m in minutes), key=int, reverse=True)
    by_id = {_id(m): _status(m) for m in minutes}
    for max_id in [None, *ids]:
        page = [by_id[i] for i in ids if max_id is None or int(i) < int(max_id)][:10]
        link = {"Link": f'<{server.base}{STATUSES}?limit=10&max_id={page[-1]["id"]}>; rel="next"'} if page else {}
        params = {"exclude_reblogs": "1", "limit": "10"} | ({"max_id": max_id} if max_id else {})
        server.route(STATUSES, Reply(200, page, link), params=params)


def _run(server, policy, store, window=None, crash=False) -> int:
    ex = MastodonExtractor({"api_base_url": server.base, "limit": 10, "max_pages": 2})
    ex.retry = policy
    return run_own_collection(ex, store, KEY, ["@ann"], window, crash)


def _cursor(store) -> dict:
    return own_cursor(store, KEY)


def _asked(server) -> list[str | None]:
    return [p.get("max_id") for path, p in server.requests if path == STATUSES]


def _stored(store) -> list[int]:
    return sorted(int(m.text.split()[-1]) for m in store.iter_mentions())


def test_an_account_with_more_statuses_than_max_pages_is_read_whole_over_two_runs(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"ann": _id(0)}))  # the shape the version before saved
    _timeline(server, range(0, 26))  # 25 new statuses: more than max_pages (2) x limit (10)
    with caplog.at_level("WARNING", logger="groundswell.extractors.mastodon"):
        assert _run(server, policy, store) == 20
    assert "own account @ann stopped with pages left" in caplog.text
    # The id stays what it meant (the newest read: a reader of the old shape goes on from it); the rest is owed.
    owed = {"after": _id(0), "before": _id(6), "then": _id(25), "owed_at": STAMP}
    assert _cursor(store) == {"ann": _id(25), "#owed": {"ann": owed}}

    server.requests.clear()
    _timeline(server, range(0, 29))  # three more meanwhile
    assert _run(server, policy, store) == 5 + 3  # the owed range first, then the new ones with the page left
    assert _asked(server) == [_id(6), None]
    assert _cursor(store) == {"ann": _id(28)}
    assert _stored(store) == list(range(1, 29))  # 25 + 3 read, every one once

    server.requests.clear()
    assert _run(server, policy, store) == 0 and _asked(server) == [None] and _cursor(store) == {"ann": _id(28)}


def test_a_first_run_from_a_window_start_owes_down_to_it(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    _timeline(server, range(-5, 25))  # five before the window
    hour = timedelta(hours=1)
    assert _run(server, policy, store, Window(since=T0, until=T0 + hour)) == 20
    start = str((int(T0.timestamp() * 1000) << 16) - 1)  # the window's start as an id, exclusive
    assert _cursor(store) == {"ann": _id(24), "#owed": {
        "ann": {"after": start, "before": _id(5), "then": _id(24), "owed_at": STAMP}}}

    # A scheduled run: its interval starts after the owed statuses, which are read all the same.
    server.requests.clear()
    assert _run(server, policy, store, Window(since=T0 + hour, until=T0 + 2 * hour)) == 5
    assert _asked(server) == [_id(5), None] and _cursor(store) == {"ann": _id(24)}
    assert _stored(store) == list(range(0, 25))  # the window's start on: none before it, none twice


def test_a_cursor_older_than_the_window_is_read_down_to(server, policy, tmp_path):
    # Runs were missed: the statuses after the cursor are owed although they are older than this run's window.
    # The read stopped there (the window) and moved the cursor past them: they were lost.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"ann": _id(0)}))
    _timeline(server, range(0, 36))
    window = Window(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=1))
    assert _run(server, policy, store, window) == 20
    assert _cursor(store)["#owed"] == {"ann": {"after": _id(0), "before": _id(16), "then": _id(35), "owed_at": STAMP}}
    assert _run(server, policy, store, window) == 15
    assert _cursor(store) == {"ann": _id(35)} and _stored(store) == list(range(1, 36))


def test_a_crash_before_the_cursor_is_saved_reads_again_and_loses_nothing(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"ann": _id(0)}))
    _timeline(server, range(0, 36))  # 35 new: a backlog over two more runs
    assert _run(server, policy, store, crash=True) == 20
    assert _cursor(store) == {"ann": _id(0)}  # the pages are stored, the cursor is not
    assert _run(server, policy, store) == 20  # read again from the same cursor (stored over, not doubled)
    assert _cursor(store)["#owed"]["ann"]["before"] == _id(16)
    assert _run(server, policy, store, crash=True) == 15  # dies after reading the owed range
    assert _cursor(store)["#owed"]["ann"]["before"] == _id(16)  # still owed
    server.requests.clear()
    assert _run(server, policy, store) == 15
    assert _asked(server) == [_id(16), _id(6)]  # the range again: its two pages (the new statuses: next run)
    assert _cursor(store) == {"ann": _id(35)} and _stored(store) == list(range(1, 36))


def test_a_run_that_does_not_stop_keeps_the_plain_shape(server, policy, tmp_path):
    # The shape the version before saved and reads: nothing owed, nothing beside the ids.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state(f"cursor:{KEY}:b", json.dumps({"ann": _id(0), "gone": "5"}))  # an account no longer configured
    _timeline(server, range(0, 16))
    assert _run(server, policy, store) == 15
    assert _cursor(store) == {"ann": _id(15), "gone": "5"}
