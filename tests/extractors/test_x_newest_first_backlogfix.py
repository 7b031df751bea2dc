"""X, surge finding 1: while a backlog is owed, each run reads the newest tweets first (from the cursor's `then` up,
with half the pages) and spends the rest on the owed ranges, newest range first; a burst that outruns the runs
leaves several ranges. Before, every run read only the oldest owed range and the newest stored tweet stayed where
the first stopped run left it (the dashboard and the detectors saw the burst end). Nothing is lost, nothing is
read twice, and a run that dies mid-way saves no cursor. A stateful X v2 search over real HTTP (honours since_id,
until_id, max_results and next_token, newest first), the real client (tweepy), a real SQLite store."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from extractor_support import run_collection, x_tweet

from extractors.base import Window
from extractors.state import CursorState, decode_backlogs
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore


class FakeSearch:
    """`/2/tweets/search/all` over a pool of tweets that grows between runs."""

    def __init__(self) -> None:
        self.pool: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                q = dict(parse_qsl(urlsplit(self.path).query))
                low, high = int(q.get("since_id", 0)), int(q.get("until_id", 1 << 63))
                hits = sorted((t for t in fake.pool if low < int(t["id"]) < high), key=lambda t: -int(t["id"]))
                start, size = int(q.get("next_token", 0)), int(q["max_results"])
                page = hits[start:start + size]
                meta = {"result_count": len(page), **({"next_token": str(start + size)} if start + size < len(hits)
                                                      else {})}
                body = json.dumps({"data": page, "meta": meta} if page else {"meta": meta}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.http.server_port}"

    def post(self, minutes: range) -> None:
        self.pool += [x_tweet(m) for m in minutes]


@pytest.fixture
def fake() -> Iterator[FakeSearch]:
    f = FakeSearch()
    yield f
    f.http.shutdown()
    f.http.server_close()


def _run(fake: FakeSearch, store: SqliteStore, policy, crash_after: int | None = None) -> list[str]:
    """One run (max_pages 4 of 10 tweets); the ids it yielded. `crash_after`: die after that many batches."""
    ex = XExtractor({"api_base_url": fake.base, "endpoint": "all", "max_results": 10, "max_pages": 4},
                    env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    if crash_after is None:
        _, batches = run_collection(ex, store, "x", "acme", "acme")
        return [m.native_id for b in batches for m in b.mentions]
    cursors, ids = CursorState(store), []
    ex.bind(store, "x")
    for n, batch in enumerate(ex.extract("acme", "acme", cursors.get("x", "acme"), Window())):
        if n == crash_after:
            return ids  # the process died: this batch and its cursor never stored
        store.upsert(batch.mentions)
        ids += [m.native_id for m in batch.mentions]
        if batch.cursor is not None:
            cursors.set("x", "acme", batch.cursor)
    return ids


def _newest_stored(read: list[str]) -> int:
    return max(int(i) for i in read)


def test_a_burst_is_read_newest_first_and_every_tweet_once(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    fake.post(range(0, 5))
    read = _run(fake, store, policy)
    assert len(read) == 5

    fake.post(range(10, 110))  # a burst: 100 tweets, a run reads 40
    read += _run(fake, store, policy)
    assert len(read) == 45 and _newest_stored(read) == int(x_tweet(109)["id"])
    assert len(decode_backlogs(store.get_state("cursor:x:acme"))) == 1

    fake.post(range(110, 140))  # the burst goes on while 60 are owed
    read += _run(fake, store, policy)
    # The newest tweet posted is stored this run (before: the run read only the owed range, 69 down to 30).
    assert _newest_stored(read) == int(x_tweet(139)["id"])
    ranges = decode_backlogs(store.get_state("cursor:x:acme"))
    assert [(r.after, r.before) for r in ranges] == [
        (x_tweet(109)["id"], x_tweet(120)["id"]),  # the new read's rest (110-119), newest range first
        (x_tweet(4)["id"], x_tweet(50)["id"]),  # what is left of the first range (10-49)
    ]
    assert all(r.then == x_tweet(139)["id"] for r in ranges)

    fake.post(range(140, 145))
    read += _run(fake, store, policy, crash_after=2)  # dies mid-way: the cursor stays, nothing is skipped
    runs = 0
    while store.get_state("cursor:x:acme").startswith("{"):
        read += _run(fake, store, policy)
        runs += 1
        assert runs < 10
    assert store.get_state("cursor:x:acme") == x_tweet(144)["id"]
    assert sorted({int(i) for i in read}) == sorted(int(t["id"]) for t in fake.pool)  # nothing lost
    assert store.count() == len(fake.pool) == 140
    # Nothing read twice but what the crashed run read before it died (read again, upserted: stored once).
    assert len(read) - len(set(read)) <= 20


def test_a_query_split_in_two_searches_catches_up_with_one_cursor(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    ex_options = {"api_base_url": fake.base, "endpoint": "all", "max_results": 10, "max_pages": 4,
                  "max_query_length": 8}  # "acme OR globex": two searches (the fake answers both alike)
    read: list[str] = []

    def run() -> None:
        ex = XExtractor(ex_options, env={"X_BEARER_TOKEN": "t"})
        ex.retry = policy
        _, batches = run_collection(ex, store, "x", "acme", "acme OR globex")
        ids = [m.native_id for b in batches for m in b.mentions]
        assert len(ids) == len(set(ids))  # a tweet both searches find is yielded once
        read.extend(ids)

    fake.post(range(0, 5))
    run()
    fake.post(range(10, 110))
    run()
    fake.post(range(110, 140))
    run()
    assert max(int(i) for i in read) == int(x_tweet(139)["id"])  # the newest first, with split searches too
    for _ in range(10):
        if not store.get_state("cursor:x:acme").startswith("{"):
            break
        run()
    assert store.get_state("cursor:x:acme") == x_tweet(139)["id"]
    assert {int(i) for i in read} == {int(t["id"]) for t in fake.pool} and store.count() == 135
