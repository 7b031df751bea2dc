"""Hacker News: a run whose searches stop with pages left (`max_pages`) owes the older hits. It saves that range
as the cursor (`extractors.state.Backlog` of `created_at_i` seconds), the next run reads it first (Algolia's
`numericFilters`), then the cursor moves on. Before, the cursor jumped to the newest hit read and the rest of a
burst was never asked for. Real HTTP against a local server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.hackernews import HackerNewsExtractor
from extractors.state import Backlog
from indexing.sqlite import SqliteStore

BY_DATE = "/api/v1/search_by_date"
T0 = 1_748_772_000  # 2025-06-01T10:00Z


def _hit(minute: int) -> dict:
    return {"objectID": str(minute), "title": f"Acme story {minute}", "created_at_i": T0 + minute * 60,
            "author": "pg", "_tags": ["story"]}


def _page(minutes, pages: int = 1) -> Reply:
    return Reply(200, {"hits": [_hit(m) for m in sorted(minutes, reverse=True)], "nbPages": pages, "page": 0})


def _run(server, policy, store, window=None, **options):
    ex = HackerNewsExtractor({"base_url": server.base, "hits_per_page": 10, "max_pages": 1, **options})
    ex.retry = policy
    return run_collection(ex, store, "hackernews", "acme", "acme", window)


def _filters(server) -> list[str]:
    return [params.get("numericFilters") for path, params in server.requests if path == BY_DATE]


def _ts(minute: int) -> int:
    return T0 + minute * 60


def _dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def test_a_run_stopped_by_max_pages_leaves_a_backlog_the_next_run_reads_first(server, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    server.route(BY_DATE, _page(range(20, 30), pages=3))
    window = Window(since=_dt(T0), until=_dt(_ts(60)))
    assert _run(server, policy, store, window)[0] == 10
    saved = Backlog.decode(store.get_state("cursor:hackernews:acme"))
    assert saved == Backlog(str(T0), str(_ts(20)), str(_ts(29)))  # owes what is at or before minute 20

    # A scheduled run: its interval starts after the backlog's hits, which are owed all the same.
    server.requests.clear()
    server.route(BY_DATE, _page(range(0, 21)))  # the boundary second comes again: overwritten, not doubled
    assert _run(server, policy, store, Window(since=_dt(_ts(60)), until=_dt(_ts(120))))[0] == 21
    assert _filters(server) == [f"created_at_i>={T0},created_at_i<={_ts(20)},created_at_i<{_ts(120)}"]
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(29)}  # read through

    server.requests.clear()
    server.route(BY_DATE, _page(range(29, 33)))
    _run(server, policy, store)
    assert _filters(server) == [f"created_at_i>={_ts(29)}"]
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(32)}
    assert store.count() == 33  # every hit, none twice


def test_a_second_with_more_hits_than_a_run_reads_does_not_hold_the_backlog_up(server, policy, tmp_path, caplog):
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:hackernews:acme", json.dumps({"created_at_i": T0}))  # a cursor saved before this fix
    same = [_hit(5) | {"objectID": f"s{i}"} for i in range(2)]
    server.route(BY_DATE, Reply(200, {"hits": same, "nbPages": 3}))
    _run(server, policy, store, hits_per_page=2)
    assert Backlog.decode(store.get_state("cursor:hackernews:acme")) == Backlog(str(T0), str(_ts(5)), str(_ts(5)))
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.hackernews"):
        _run(server, policy, store, hits_per_page=2)  # the same two again: no progress on its own
    owed = Backlog.decode(store.get_state("cursor:hackernews:acme"))
    assert owed == Backlog(str(T0), str(_ts(5) - 1), str(_ts(5)))
    assert "going on below that second" in caplog.text
    server.route(BY_DATE, _page(range(0, 5)))
    _run(server, policy, store, hits_per_page=2)
    assert server.requests[-1][1]["numericFilters"] == f"created_at_i>={T0},created_at_i<={_ts(5) - 1}"
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(5)}


def test_a_run_with_nothing_below_it_owes_no_backlog(server, policy, tmp_path, caplog):
    # Neither a cursor nor a window start: all of the past is no range to owe (it would hold new hits up for as
    # long as the term's history lasts); the cursor moves to the newest as before, with a warning.
    store = SqliteStore(tmp_path / "g.db")
    server.route(BY_DATE, _page(range(20, 30), pages=3))
    with caplog.at_level(logging.WARNING, logger="groundswell.extractors.hackernews"):
        _run(server, policy, store)
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(29)}
    assert "other hits are not read (no cursor or window start)" in caplog.text


def test_more_hits_than_algolia_serves_are_owed_too(server, policy, tmp_path):
    """Algolia serves 1,000 hits of a search at most and its nbPages counts only those: a burst past that is
    left unread as surely as pages past max_pages (algolia/hn-search#230: nbHits 5562, nbPages 10)."""
    store = SqliteStore(tmp_path / "g.db")
    window = Window(_dt(T0), _dt(T0 + 3600))
    capped = {"hits": [_hit(m) for m in range(59, 49, -1)], "nbPages": 1, "nbHits": 25, "page": 0}
    server.route(BY_DATE, Reply(200, capped))  # hits_per_page 10: Algolia would serve just this page
    _run(server, policy, store, window, max_pages=5)
    assert len([p for p, _ in server.requests if p == BY_DATE]) == 1  # never asks past the cap
    owed = Backlog.decode(store.get_state("cursor:hackernews:acme"))
    assert owed is not None and owed.before == str(_ts(50))
    server.route(BY_DATE, _page(range(35, 50)))
    _run(server, policy, store, window, max_pages=5)
    assert store.count() == 25 and _filters(server)[-1].endswith(f"created_at_i<={_ts(50)},created_at_i<{T0 + 3600}")


def test_a_backlog_left_by_a_run_whose_cursor_is_older_than_its_window_starts_at_the_cursor(
    server, policy, tmp_path
):
    """The search reaches back to a cursor older than the window (`Selector.reach_back_to`): the backlog a run
    stopped by max_pages leaves must start there too. It started at the window's start, the later of the two:
    above the oldest hit read, a range the next run read as empty and called done, losing the hits below."""
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:hackernews:acme", json.dumps({"created_at_i": _ts(0)}))
    server.route(BY_DATE, _page(range(80, 90), pages=2))
    _run(server, policy, store, Window(_dt(_ts(120)), _dt(_ts(180))))
    assert _filters(server) == [f"created_at_i>={_ts(0)},created_at_i<{_ts(180)}"]
    assert Backlog.decode(store.get_state("cursor:hackernews:acme")) == Backlog(str(_ts(0)), str(_ts(80)), str(_ts(89)))

    server.requests.clear()
    server.route(BY_DATE, _page(range(70, 81)))
    _run(server, policy, store, Window(_dt(_ts(180)), _dt(_ts(240))))
    assert _filters(server) == [f"created_at_i>={_ts(0)},created_at_i<={_ts(80)},created_at_i<{_ts(240)}"]
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(89)}
    assert store.count() == 20


def test_an_upside_down_backlog_saved_before_is_logged_as_the_bug_it_is(server, policy, tmp_path, caplog):
    # What the old code saved for the run above: `after` (the window's start) above `before`. Read as an empty
    # range it was done without a word; what it lost can not be told from it, so it is an error to act on.
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:hackernews:acme", Backlog(str(_ts(120)), str(_ts(80)), str(_ts(89))).encode())
    server.route(BY_DATE, _page([]))
    with caplog.at_level(logging.ERROR, logger="groundswell.extractors.state"):
        _run(server, policy, store)
    assert [r.levelno for r in caplog.records] == [logging.ERROR] and "upside down" in caplog.text
    assert Backlog.decode(store.get_state("cursor:hackernews:acme")) is None  # goes on


def test_a_backlog_is_never_saved_upside_down():
    assert Backlog.owed(str(_ts(0)), str(_ts(0)), None, int) == Backlog(str(_ts(0)), str(_ts(0)), None)  # a second
    with pytest.raises(ValueError, match="upside down"):
        Backlog.owed(str(_ts(120)), str(_ts(80)), str(_ts(89)), int)  # the cursor stays: nothing is lost


def test_a_backlogs_last_second_read_through_ends_it(server, policy, tmp_path, caplog):
    # More hits in the backlog's only second than max_pages reads: below that second nothing is owed, so the
    # backlog is done (not saved upside down, one second below its own start).
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:hackernews:acme", Backlog(str(_ts(5)), str(_ts(5)), str(_ts(9))).encode())
    same = [_hit(5) | {"objectID": f"s{i}"} for i in range(2)]
    server.route(BY_DATE, Reply(200, {"hits": same, "nbPages": 3}))
    with caplog.at_level(logging.WARNING):
        _run(server, policy, store, hits_per_page=2)
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": _ts(9)}
    assert "going on below that second" in caplog.text and "upside down" not in caplog.text
