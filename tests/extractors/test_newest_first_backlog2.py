"""Hacker News, Bluesky search and Mastodon tag timelines read the newest posts first while a backlog is owed
(`extractors.state.read_newest_first`, as X does): half the pages on the posts newer than the cursor, then the
owed ranges, newest range first. Before, each read its one owed range before anything newer, so during a burst
that outran a run the store (the dashboard, the detectors) saw the burst freeze where the first stopped run had
reached. Real clients (requests, the atproto SDK, Mastodon.py) against stateful fakes on localhost that honour
each API's bounds and paging, newest first, with SQLite as the store."""

from __future__ import annotations

import json
import math
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from extractor_support import run_collection

from extractors.base import Window
from extractors.bluesky import BlueskyExtractor
from extractors.hackernews import HackerNewsExtractor
from extractors.mastodon import MastodonExtractor
from extractors.state import CursorState, owed_backlogs
from indexing.sqlite import SqliteStore

T0 = datetime(2025, 6, 1, 10, tzinfo=UTC)
PAGE = 10
BASELINE, BURST, LATER = range(0, 10), range(100, 200), range(300, 330)


def _ts(minute: int) -> int:
    return int((T0 + timedelta(minutes=minute)).timestamp())


def _iso(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _sid(minute: int) -> int:
    return (_ts(minute) * 1000 << 16) + 7  # a Mastodon snowflake id


class Fake:
    """A stateful fake of one API over real HTTP: `pool` (minutes) is what has been posted so far."""

    def __init__(self, answer):
        self.pool: list[int] = []
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                fake.requests.append(params)
                body, headers = answer(fake, parts.path, params)
                data = json.dumps(body).encode()
                self.send_response(200)
                for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _hn_answer(fake, path, params):
    """Algolia search_by_date: numericFilters on created_at_i, newest first, hitsPerPage and page."""
    minutes = sorted(fake.pool, reverse=True)
    for part in filter(None, params.get("numericFilters", "").split(",")):
        for op, test in ((">=", lambda a, b: a >= b), ("<=", lambda a, b: a <= b), ("<", lambda a, b: a < b)):
            if op in part:
                bound = int(part.split(op)[1])
                minutes = [m for m in minutes if test(_ts(m), bound)]
                break
    size, page = int(params["hitsPerPage"]), int(params.get("page", 0))
    hits = [{"objectID": str(m), "title": f"Acme story {m}", "created_at_i": _ts(m), "author": "pg",
             "_tags": ["story"]} for m in minutes[page * size:(page + 1) * size]]
    return {"hits": hits, "nbPages": math.ceil(len(minutes) / size), "nbHits": len(minutes), "page": page}, {}


def _bsky_answer(fake, path, params):
    """searchPosts, sort latest: `since` inclusive, `until` exclusive (on sortAt), an offset page cursor."""
    since, until = params.get("since"), params.get("until")
    at = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    minutes = [m for m in sorted(fake.pool, reverse=True)
               if (since is None or at(m) >= datetime.fromisoformat(since))
               and (until is None or at(m) < datetime.fromisoformat(until))]
    start, size = int(params.get("cursor", 0)), int(params["limit"])
    posts = [{"uri": f"at://did:plc:abc/app.bsky.feed.post/acme{m}", "cid": f"bafyreiacme{m}",
              "author": {"did": "did:plc:abc", "handle": "ann.bsky.social"}, "indexedAt": _iso(m),
              "record": {"$type": "app.bsky.feed.post", "text": f"acme post {m}", "createdAt": _iso(m)}}
             for m in minutes[start:start + size]]
    more = {"cursor": str(start + size)} if start + size < len(minutes) else {}
    return {"posts": posts, **more}, {}


def _masto_answer(fake, path, params):
    """A tag timeline: below `max_id`, newest first, `limit` a page, a Link header to the next page."""
    minutes = [m for m in sorted(fake.pool, reverse=True) if "max_id" not in params or _sid(m) < int(params["max_id"])]
    page = minutes[:int(params.get("limit", 20))]
    statuses = [{"id": str(_sid(m)), "created_at": _iso(m), "content": f"<p>#acme status {m}</p>",
                 "url": f"https://social.example/@ann/{_sid(m)}", "account": {"id": "7", "acct": "ann"}}
                for m in page]
    link = {"Link": f'<{fake.base}{path}?limit={PAGE}&max_id={_sid(page[-1])}>; rel="next"'} if page else {}
    return statuses, link


SOURCES = {
    "hackernews": (_hn_answer, lambda base: HackerNewsExtractor({"base_url": base, "hits_per_page": PAGE}), "acme"),
    "bluesky": (_bsky_answer, lambda base: BlueskyExtractor({"base_url": base, "limit": PAGE}), "acme"),
    "mastodon": (_masto_answer, lambda base: MastodonExtractor({"api_base_url": base, "hashtags": ["acme"],
                                                                "limit": PAGE}), "#acme"),
}


def _minute(mention) -> int:
    return round((mention.created_at - T0).total_seconds() / 60)


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_burst_that_outruns_a_run_is_read_newest_first_and_completely(source, policy, tmp_path):
    answer, build, query = SOURCES[source]
    fake = Fake(answer)
    store = SqliteStore(tmp_path / "g.db")
    window = Window(since=T0 - timedelta(hours=1))
    ranges = lambda: owed_backlogs(CursorState(store).get(source, "acme"))  # noqa: E731

    def run(max_pages: int = 4):
        ex = build(fake.base)
        ex.options.max_pages = max_pages
        ex.retry = policy
        _, batches = run_collection(ex, store, source, "acme", query, window)
        return [m for b in batches for m in b.mentions]

    try:
        fake.pool += BASELINE
        run()
        assert not ranges()
        fake.pool += BURST  # 100 posts: a run reads 40
        assert max(_minute(m) for m in run()) == 199
        assert len(ranges()) == 1
        fake.pool += LATER  # 30 more while 60 are owed
        read = run()
        # The newest posts first: with the owed range read first the newest stored stayed at minute 199.
        assert max(_minute(m) for m in read) == 329
        assert len(ranges()) == 2  # newest first: the new read's own range, then what is left of the burst's
        assert ranges()[0].after is not None and ranges()[0].before is not None
        for _ in range(10):  # catch up: nothing new is posted
            if not ranges():
                break
            run()
        assert not ranges()  # read through: the cursor is plain again
        cursor = json.loads(CursorState(store).get(source, "acme"))
        assert cursor  # and holds the newest post read
        assert store.count() == len(fake.pool)  # every post once: nothing lost, none stored twice
    finally:
        fake.close()


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_run_that_dies_before_its_cursor_batch_saves_nothing(source, policy, tmp_path):
    answer, build, query = SOURCES[source]
    fake = Fake(answer)
    store = SqliteStore(tmp_path / "g.db")
    window = Window(since=T0 - timedelta(hours=1))
    try:
        for minutes in (BASELINE, BURST):
            ex = build(fake.base)
            ex.options.max_pages = 4
            ex.retry = policy
            fake.pool += minutes
            run_collection(ex, store, source, "acme", query, window)
        before = CursorState(store).get(source, "acme")
        assert len(owed_backlogs(before)) == 1
        fake.pool += LATER
        ex = build(fake.base)
        ex.options.max_pages = 4
        ex.retry = policy
        ex.bind(store, source)
        batches = ex.extract("acme", query, before, window)
        for batch in [next(batches), next(batches)]:  # the process dies after storing two pages
            assert batch.cursor is None
            store.upsert(batch.mentions)
        batches.close()
        assert CursorState(store).get(source, "acme") == before  # the next run starts from the same ranges
    finally:
        fake.close()
