"""X, a query split into several searches (`x_searches`), review dnative findings 1 and 2:

1. Pages stored by any search of a split query always end in a saved cursor (a backlog). Before, a search that got
   no page (a rate limit, the read budget) after another stored some kept the old cursor, and every run read (and was
   billed for) the same newest pages of the busiest search again.
2. The searches of one pass share one top (the pass's start, as `until_id`), so the newest id of any of them, saved
   as `since_id`, skips no tweet posted meanwhile that only an earlier search matches.

A stateful X v2 search over real HTTP (honours since_id, until_id, max_results and next_token, newest first; a
search matches a tweet holding any of its OR'd words), the real client (tweepy), a real SQLite store."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from extractor_support import run_collection, x_tweet

from extractors.http import RateLimited
from extractors.state import decode_backlogs
from extractors.x import XExtractor, snowflake_at
from indexing.sqlite import SqliteStore


class SplitFake:
    """`/2/tweets/search/all` over a pool of tweets; `limited` queries get a 429 whose wait is over the ceiling;
    `on_request(query)` runs before each answer (tweets posted while the pass goes on)."""

    def __init__(self) -> None:
        self.pool: list[dict] = []
        self.limited: set[str] = set()
        self.queries: list[dict] = []
        self.on_request: Callable[[str], None] = lambda query: None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                q = dict(parse_qsl(urlsplit(self.path).query))
                fake.queries.append(q)
                fake.on_request(q["query"])
                if q["query"] in fake.limited:
                    body, status = json.dumps({"title": "Too Many Requests"}).encode(), 429
                else:
                    words = q["query"].split(" OR ")
                    low, high = int(q.get("since_id", 0)), int(q.get("until_id", 1 << 63))
                    hits = sorted((t for t in fake.pool if low < int(t["id"]) < high
                                   and any(w in t["text"].split() for w in words)), key=lambda t: -int(t["id"]))
                    start, size = int(q.get("next_token", 0)), int(q["max_results"])
                    page = hits[start:start + size]
                    more = {"next_token": str(start + size)} if start + size < len(hits) else {}
                    meta = {"result_count": len(page), **more}
                    body, status = json.dumps({"data": page, "meta": meta} if page else {"meta": meta}).encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if status == 429:
                    self.send_header("retry-after", "3600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.http.server_port}"

    def post(self, word: str, minutes: range) -> None:
        self.pool += [x_tweet(m) | {"text": f"{word} tweet {m}"} for m in minutes]


@pytest.fixture
def fake() -> Iterator[SplitFake]:
    f = SplitFake()
    yield f
    f.http.shutdown()
    f.http.server_close()


def _run(fake: SplitFake, store: SqliteStore, policy, **options) -> list[str]:
    """One run of the query "acme OR golf", split in two searches ("acme", then "golf"); the ids it yielded."""
    ex = XExtractor({"api_base_url": fake.base, "endpoint": "all", "max_results": 10, "max_pages": 2,
                     "max_query_length": 6} | options, env={"X_BEARER_TOKEN": "t"})
    ex.retry = policy
    _, batches = run_collection(ex, store, "x", "acme", "acme OR golf")
    return [m.native_id for b in batches for m in b.mentions]


def _cursor(store: SqliteStore) -> str:
    return store.get_state("cursor:x:acme")


def test_one_search_stopped_with_pages_left_and_one_read_through_save_a_backlog(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    fake.post("acme", range(0, 30))  # 3 pages: max_pages 2 leaves one
    fake.post("golf", range(100, 105))
    read = _run(fake, store, policy)
    assert [q["query"] for q in fake.queries] == ["acme", "acme", "golf"]
    (owed,) = decode_backlogs(_cursor(store))
    assert (owed.after, owed.before, owed.then) == (None, x_tweet(10)["id"], x_tweet(104)["id"])
    read += _run(fake, store, policy)  # the new read (nothing new), then the owed range: acme 0-9
    assert _cursor(store) == x_tweet(104)["id"]
    assert {int(i) for i in read} == {int(t["id"]) for t in fake.pool}


def test_a_rate_limit_before_the_second_search_saves_what_the_first_stored(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    fake.post("acme", range(0, 15))
    fake.post("golf", range(100, 105))
    fake.limited = {"golf"}
    with pytest.raises(RateLimited):
        _run(fake, store, policy)
    assert store.count() == 15  # the acme search read through; golf met the limit before its first page
    # Saved: golf still owes everything below the pass's top; the newest stored tweet is the cursor's `then`.
    (owed,) = decode_backlogs(_cursor(store))
    assert owed.after is None and owed.then == x_tweet(14)["id"]
    assert int(owed.before) > int(x_tweet(105)["id"])

    fake.limited = set()
    fake.queries.clear()
    _run(fake, store, policy)
    # The next run reads newer tweets from the `then` up first (golf's, here), then the owed range.
    assert fake.queries[0]["since_id"] == x_tweet(14)["id"]
    assert store.count() == 20
    for _ in range(5):  # acme is read again in the owed range (one cursor for both searches: a superset)
        if _cursor(store).isdigit():
            break
        _run(fake, store, policy)
    assert _cursor(store) == x_tweet(104)["id"]


def test_a_read_budget_spent_before_the_second_search_saves_what_the_first_stored(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    fake.post("acme", range(0, 30))
    fake.post("golf", range(100, 105))
    _run(fake, store, policy, monthly_read_budget=25)  # acme's 2 pages leave 5: golf gets no page
    assert store.count() == 20
    (owed,) = decode_backlogs(_cursor(store))
    assert owed.after is None and owed.then == x_tweet(29)["id"]
    assert int(owed.before) > int(x_tweet(105)["id"])  # golf owes the range whole


def test_a_tweet_posted_between_the_searches_is_read_by_the_next_run(fake, policy, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    fake.post("acme", range(0, 5))
    late: list[dict] = []

    def meanwhile(query: str) -> None:
        # While the golf search is under way (after the acme search was read): one acme tweet, then one golf tweet.
        if query == "golf" and not late:
            time.sleep(0.005)  # later than the pass's start, to the millisecond
            now = datetime.now(UTC)
            for word, when in (("acme", now), ("golf", now + timedelta(milliseconds=2))):
                late.append({"id": str(int(snowflake_at(when)) + 7), "text": f"{word} late",
                             "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"})
            fake.pool.extend(late)

    fake.on_request = meanwhile
    read = _run(fake, store, policy)  # no window end: an incremental `groundswell collect`
    assert all("until_id" in q for q in fake.queries)  # both searches end at the pass's start
    time.sleep(0.01)  # the next run starts after both were posted
    read += _run(fake, store, policy)
    assert {int(t["id"]) for t in late} <= {int(i) for i in read}  # before: "acme late" was never read
    assert {int(i) for i in read} == {int(t["id"]) for t in fake.pool}
