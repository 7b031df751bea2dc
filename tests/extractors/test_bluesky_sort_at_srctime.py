"""Bluesky under the ingest DAG's 15-minute windows: searchPosts filters `since`/`until` on, and orders by, a post's
`sortAt`, the earlier of its `createdAt` (the client's clock) and its `indexedAt` (the AppView's). The window and the
cursor are decided on `sortAt` too (`extractors/bluesky.py`), so a post whose client clock runs ahead is collected
once, by the window its `indexedAt` is in, and keeps its `createdAt` as `created_at`.

Before, the window and the cursor were decided on `createdAt`: such a post was dropped as after its window's end
("the next window collects it"), the cursor moved on to another post's `createdAt`, and the next search, from a
`since` past the post's `sortAt`, never listed it again: lost for good, with no skipped reason.

A local AppView over real HTTP answers as the real one does (filter and order on `sortAt`; a post is listed only
once indexed), read by the atproto SDK; each run is `groundswell.pipeline.collect_one`, what the ingest DAG's collect
task runs, over consecutive data intervals with the saved cursor; a real SQLite store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from urllib.parse import parse_qs, urlsplit

import pytest

from extractors.base import Window
from groundswell.config import parse_config
from groundswell.pipeline import collect_one
from indexing.sqlite import SqliteStore

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
# Three data intervals of the ingest DAG, in the past (the run's clock is the real one).
T = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
MINUTE = timedelta(minutes=1)


def _z(when: datetime, micro: bool = False) -> str:
    """A time as the AppView writes it: milliseconds and Z (a client's `createdAt` may carry microseconds)."""
    text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text if micro else text[:-3]) + "Z"


def _post(rkey: str, created: str, indexed: datetime) -> dict:
    """A PostView shaped like the recorded searchPosts answers (../shared/fixtures/recordings/bluesky)."""
    return {
        "uri": f"at://did:plc:srctime/app.bsky.feed.post/{rkey}",
        "cid": f"bafyreisrctime{rkey}",
        "author": {"did": "did:plc:srctime", "handle": "seoul-bot.bsky.social", "displayName": "Seoul bot",
                   "labels": [], "createdAt": "2024-01-01T00:00:00.000Z"},
        "record": {"$type": "app.bsky.feed.post", "createdAt": created, "langs": ["en"], "text": f"acme {rkey}"},
        "replyCount": 0, "repostCount": 0, "likeCount": 0, "quoteCount": 0,
        "indexedAt": _z(indexed),
        "labels": [],
    }  # fmt: skip


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # the lexicon allows a bare date too


def _sort_at(post: dict) -> datetime:
    return min(_time(post["record"]["createdAt"]), _time(post["indexedAt"]))


class AppView:
    """searchPosts as the AppView answers it: posts indexed by `now`, `since` (inclusive) and `until` (exclusive) on
    `sortAt`, newest `sortAt` first, `limit` a page, an opaque page cursor."""

    def __init__(self, posts: list[dict]):
        self.posts = posts
        self.now = T
        self.asked: list[dict[str, str]] = []
        view = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path != SEARCH:
                    self._reply(404, {"error": "NotFound"})
                    return
                view.asked.append(params)
                self._reply(200, view.search(params))

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        Thread(target=self.httpd.serve_forever, daemon=True).start()

    def search(self, params: dict[str, str]) -> dict:
        since = _time(params["since"]) if params.get("since") else None
        until = _time(params["until"]) if params.get("until") else None
        hits = [
            p for p in self.posts
            if params["q"].lower() in p["record"]["text"].lower() and _time(p["indexedAt"]) <= self.now
            and (since is None or _sort_at(p) >= since) and (until is None or _sort_at(p) < until)
        ]  # fmt: skip
        hits.sort(key=_sort_at, reverse=True)
        start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 25)
        page = hits[start : start + limit]
        return {"posts": page, **({"cursor": str(start + limit)} if start + limit < len(hits) else {})}


@pytest.fixture
def appview() -> Iterator[AppView]:
    view = AppView([])
    yield view
    view.httpd.shutdown()


def _runs(appview: AppView, tmp_path, intervals: int) -> tuple[SqliteStore, list[set[str]]]:
    """`intervals` consecutive 15-minute data intervals from T, each run a minute after its interval ends, as the
    ingest DAG runs them; the ids each run stored as new."""
    config = parse_config({"brands": [{"name": "acme", "query": "acme"}],
                           "sources": [{"type": "bluesky", "options": {"base_url": appview.base}}],
                           "store": {"path": str(tmp_path / "g.db")}})  # fmt: skip
    store = SqliteStore(tmp_path / "g.db")
    created: list[set[str]] = []
    for number in range(intervals):
        since, until = T + number * 15 * MINUTE, T + (number + 1) * 15 * MINUTE
        appview.now = until + MINUTE
        before = {m.id for m in store.iter_mentions()}
        report = collect_one(config, store, config.sources[0], "acme", Window(since, until))
        assert report.errors == {}, report.errors
        created.append({m.id for m in store.iter_mentions()} - before)
        assert report.created == len(created[-1])
    return store, created


def _ids(*rkeys: str) -> set[str]:
    return {f"bluesky:did:plc:srctime/{rkey}" for rkey in rkeys}


def test_a_post_whose_client_clock_runs_ahead_is_stored_once_by_its_indexed_window(appview, tmp_path):
    seoul = T + 10 * MINUTE + timedelta(hours=9)  # a Seoul bot writing KST wall time with a Z: 9 hours ahead
    appview.posts = [
        _post("normal1", _z(T + 5 * MINUTE), T + 5 * MINUTE + timedelta(seconds=1)),
        _post("seoul", _z(seoul, micro=True), T + 10 * MINUTE),
        # Written at 14:00 by a phone 2 minutes fast: its createdAt is in the next interval, its sortAt in this one.
        _post("fast", _z(T + 16 * MINUTE), T + 13 * MINUTE + timedelta(seconds=59)),
        _post("normal2", _z(T + 14 * MINUTE), T + 14 * MINUTE + timedelta(seconds=2)),
        # Dated in the first interval, indexed in the second (the AppView's lag): listed only from run 2 on.
        _post("lagged", (T + 14 * MINUTE + timedelta(seconds=50)).isoformat(), T + 16 * MINUTE + timedelta(seconds=30)),
        _post("normal3", _z(T + 20 * MINUTE), T + 20 * MINUTE + timedelta(seconds=1)),
        _post("normal4", _z(T + 40 * MINUTE), T + 40 * MINUTE + timedelta(seconds=1)),
    ]
    store, created = _runs(appview, tmp_path, 4)

    # Each post is new in exactly one run (none stored twice, none dropped), the ahead ones in the interval their
    # sortAt (indexedAt) is in. Before, "seoul" and "fast" were never stored.
    assert created == [_ids("normal1", "seoul", "fast", "normal2"), _ids("lagged", "normal3"), _ids("normal4"), set()]
    stored = {m.native_id.split("/")[-1]: m.created_at for m in store.iter_mentions()}
    assert len(stored) == 7
    # The stored date stays the post's own createdAt, whatever the window went by.
    assert stored["seoul"] == seoul and stored["fast"] == T + 16 * MINUTE
    # The cursor is a sortAt: the newest listed time read for good, sent back as the post wrote it.
    assert json.loads(store.get_state("cursor:bluesky:acme")) == {"since": _z(T + 40 * MINUTE)}
    assert appview.asked[-1]["since"] == _z(T + 40 * MINUTE)


def test_the_cursor_never_passes_a_post_the_next_search_would_still_list(appview, tmp_path):
    """Many runs over a stream in which every fourth post's client clock runs up to 5 hours ahead: however the
    createdAt and indexedAt interleave, every post is stored once."""
    posts = []
    for n in range(40):
        indexed = T + n * 90 * timedelta(seconds=1) + timedelta(seconds=7)
        ahead = timedelta(minutes=(n * 37) % 300) if n % 4 == 0 else timedelta(0)
        posts.append(_post(f"p{n}", _z(indexed - timedelta(seconds=2) + ahead), indexed))
    appview.posts = posts
    store, created = _runs(appview, tmp_path, 5)
    assert sum(len(ids) for ids in created) == store.count() == 40
