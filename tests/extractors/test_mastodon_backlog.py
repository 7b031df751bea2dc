"""Mastodon: a tag whose read stops with pages left (`max_pages`) owes the older statuses. Its cursor keeps that
range (`extractors.state.Backlog`, per tag), the next run reads it first (`max_id`), then the cursor moves on.
Before, the tag's cursor jumped to the newest status read and the rest of a burst was never asked for.
Mastodon.py against a local server that pages with Link headers, as Mastodon does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from extractor_support import Reply, run_collection

from extractors import state
from extractors.base import Window
from extractors.mastodon import MastodonExtractor
from extractors.state import Backlog
from indexing.sqlite import SqliteStore

T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)



# Every owed range records when it became owed (`Backlog.owed`): the clock is fixed so saved cursors compare exactly.
STAMP = "2026-01-02T03:04:05+00:00"


@pytest.fixture(autouse=True)
def fixed_owed_clock(monkeypatch):
    monkeypatch.setattr(state, "now_iso", lambda: STAMP)

def _id(minute: int, tag: str = "acme") -> str:
    sequence = 7 if tag == "acme" else 8  # two statuses of the same millisecond
    return str((int((T0 + timedelta(minutes=minute)).timestamp() * 1000) << 16) + sequence)  # a snowflake id


def _status(minute: int, tag: str = "acme") -> dict:
    when = (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"id": _id(minute, tag), "created_at": when, "content": f"<p>#{tag} status {minute}</p>",
            "url": f"https://social.example/@ann/{_id(minute, tag)}", "account": {"id": "7", "acct": "ann"}}


def _serve(server, minutes, tag="acme", max_id=None, more=False):
    """The tag's timeline newest first, for a request with this `max_id`; `more`: a Link to the next page."""
    page = [_status(m, tag) for m in sorted(minutes, reverse=True)]
    path = f"/api/v1/timelines/tag/{tag}"
    link = {"Link": f'<{server.base}{path}?limit=10&max_id={page[-1]["id"]}>; rel="next"'} if more else {}
    params = {"limit": "10"} | ({"max_id": max_id} if max_id else {})
    server.route(path, Reply(200, page, link), params=params)


def _run(server, policy, store, window=None, tags=("acme",)):
    ex = MastodonExtractor({"api_base_url": server.base, "hashtags": list(tags), "limit": 10, "max_pages": 1})
    ex.retry = policy
    return run_collection(ex, store, "mastodon", "b", " OR ".join(f"#{t}" for t in tags), window)


def _cursor(store) -> dict:
    return json.loads(store.get_state("cursor:mastodon:b"))


def _asked(server, tag="acme") -> list[str | None]:
    return [p.get("max_id") for path, p in server.requests if path == f"/api/v1/timelines/tag/{tag}"]


def test_a_tag_stopped_by_max_pages_leaves_a_backlog_the_next_run_reads_first(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    _serve(server, range(20, 30), more=True)
    _serve(server, range(11, 20), max_id=_id(20))  # the older page: short, the last one
    assert _run(server, policy, store, Window(since=T0, until=T0 + timedelta(hours=1)))[0] == 10
    start = str((int(T0.timestamp() * 1000) << 16) - 1)  # the window's start as an id: the range's lower end
    assert _cursor(store) == {"acme": json.loads(Backlog(start, _id(20), _id(29), STAMP).encode())}

    # A scheduled run: its interval starts after the backlog's statuses, which are owed all the same.
    server.requests.clear()
    assert _run(server, policy, store, Window(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=2)))[0] == 9
    assert _asked(server) == [_id(20)]
    assert _cursor(store) == {"acme": _id(29)}  # read through: the cursor moves on to the newest

    server.requests.clear()
    _serve(server, range(23, 33))  # three new statuses above the cursor
    assert _run(server, policy, store)[0] == 3
    assert _asked(server) == [None] and _cursor(store) == {"acme": _id(32)}
    assert store.count() == 22  # every status, none twice


def test_a_backlog_is_kept_per_tag_and_read_in_several_runs_keeps_its_lower_end(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:mastodon:b", json.dumps({"acme": _id(0), "news": _id(0, "news")}))  # an old saved cursor
    tags = ("acme", "news")
    _serve(server, range(20, 30), more=True)  # a burst under #acme: more than a page
    _serve(server, range(1, 4), tag="news")
    _run(server, policy, store, tags=tags)
    owed = Backlog(_id(0), _id(20), _id(29), STAMP)
    assert _cursor(store) == {"acme": json.loads(owed.encode()), "news": _id(3, "news")}

    _serve(server, range(10, 20), max_id=_id(20), more=True)  # still more than a page
    _serve(server, range(1, 6), tag="news")  # the other tag goes on as usual
    _run(server, policy, store, tags=tags)
    assert _cursor(store) == {"acme": json.loads(Backlog(_id(0), _id(10), _id(29), STAMP).encode()),
                              "news": _id(5, "news")}

    server.requests.clear()
    _serve(server, range(0, 10), max_id=_id(10))  # down to the cursor the burst started from
    _run(server, policy, store, tags=tags)
    assert _asked(server) == [_id(10)] and _cursor(store)["acme"] == _id(29)
    assert store.count() == 29 + 5  # #acme 1..29 and #news 1..5: nothing skipped, none twice


def test_a_tag_with_nothing_below_it_owes_no_backlog(server, policy, tmp_path, caplog):
    # Neither a cursor nor a window start: all of the tag's past is no range to owe (it would hold new statuses
    # up for as long as the tag's history lasts); the cursor moves to the newest as before, with a warning.
    store = SqliteStore(tmp_path / "g.db")
    _serve(server, range(20, 30), more=True)
    with caplog.at_level("WARNING", logger="groundswell.extractors.mastodon"):
        _run(server, policy, store)
    assert _cursor(store) == {"acme": _id(29)} and "no cursor or window start below them" in caplog.text


def test_a_backlog_left_by_a_run_whose_cursor_is_older_than_its_window_starts_at_the_cursor(
    server, policy, tmp_path
):
    """The read goes down to a cursor older than the window (`Selector.reach_back_to`): the backlog a run stopped
    by max_pages leaves must start there too. It started at the window's start, the later of the two: above the
    oldest status read, a range the next run read as empty and called done, losing the statuses below."""
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:mastodon:b", json.dumps({"acme": _id(0)}))
    _serve(server, range(80, 90), more=True)
    hour = timedelta(hours=1)
    _run(server, policy, store, Window(since=T0 + 2 * hour, until=T0 + 3 * hour))
    assert _cursor(store) == {"acme": json.loads(Backlog(_id(0), _id(80), _id(89), STAMP).encode())}

    server.requests.clear()
    _serve(server, range(70, 80), max_id=_id(80))  # the ten below: a full page
    _serve(server, range(60, 70), max_id=_id(70))
    _run(server, policy, store, Window(since=T0 + 3 * hour, until=T0 + 4 * hour))
    assert _asked(server) == [_id(80)]  # max_pages 1: a backlog again, still down to the cursor
    assert _cursor(store) == {"acme": json.loads(Backlog(_id(0), _id(70), _id(89), STAMP).encode())}
    assert store.count() == 20


def test_an_upside_down_backlog_saved_before_is_logged_as_the_bug_it_is(server, policy, tmp_path, caplog):
    # What the old code saved for the run above. Read as an empty range it was done without a word; what it
    # lost can not be told from it, so it is an error to act on.
    store = SqliteStore(tmp_path / "g.db")
    start = str((int((T0 + timedelta(hours=2)).timestamp() * 1000) << 16) - 1)
    store.set_state("cursor:mastodon:b", json.dumps({"acme": json.loads(Backlog(start, _id(80), _id(89)).encode())}))
    _serve(server, range(70, 80), max_id=_id(80))
    with caplog.at_level("ERROR", logger="groundswell.extractors.state"):
        _run(server, policy, store)
    assert "mastodon/b #acme: bug: the saved backlog is upside down" in caplog.text
    assert _cursor(store) == {"acme": _id(89)}
