"""Hacker News stories and comments through the Algolia HN Search API (search_by_date); no key.

One request per term from `extractors.query_native.search_terms` (Algolia has no OR), the
query applied locally. The cursor is the newest `created_at_i` of the hits read for good
(`Selector.add`): a malformed or future-dated hit never moves it.
A run whose searches stop with pages left (`max_pages`, `search_by_date`) saves the range
still owed instead (an `extractors.state.Backlog` of `created_at_i` seconds): later runs read the new
hits first, then the owed ranges, newest first, whatever their window (`extractors.state.read_newest_first`),
and move the cursor on once nothing is owed.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window, keyword_searches
from extractors.html_text import html_to_text
from extractors.http import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_MB, MIN_RESPONSE_MB, HttpClient
from extractors.state import (
    Backlog,
    Newest,
    RangeRead,
    decode_backlogs,
    decode_cursor,
    encode_backlogs,
    encode_cursor,
    read_newest_first,
    search_floor,
)

log = logging.getLogger("groundswell.extractors.hackernews")


class HackerNewsOptions(SourceOptions):
    base_url: str = Field(default="https://hn.algolia.com", description="Algolia HN API host")
    tags: str = Field(default="(story,comment)", description="Algolia tags filter, e.g. '(story)' or 'comment'")
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    max_pages: int = Field(default=10, ge=1, le=1000)
    endpoint: Literal["search_by_date", "search"] = "search_by_date"
    deadline_s: float = Field(
        default=DEFAULT_DEADLINE, gt=0, description="Seconds one search request may take in all (then not retried)"
    )
    max_response_mb: float = Field(
        default=DEFAULT_MAX_RESPONSE_MB,
        ge=MIN_RESPONSE_MB,
        description="MiB one search answer may have once decompressed (then not retried; extractors/http.py)",
    )


class HackerNewsExtractor(Extractor[HackerNewsOptions]):
    type = "hackernews"
    Options = HackerNewsOptions

    @staticmethod
    def owed_time(value: str) -> datetime | None:
        """A cursor's `created_at_i` seconds → a time (`Extractor.owed_time`)."""
        return datetime.fromtimestamp(int(value), tz=UTC) if value.isdigit() else None

    def http(self) -> HttpClient:
        cap = int(self.options.max_response_mb * (1 << 20))
        return HttpClient(self.retry, deadline=self.options.deadline_s, max_bytes=cap)

    def compile_query(self, query: str) -> list[str]:
        """One search per term: no boolean search here."""
        return keyword_searches(query)

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        opts = self.options
        terms = self.searched_query(query)
        selector = Selector("hackernews", brand, query, window, lang_of=self.lang_of)
        backlog = Backlog.load(cursor, int, f"hackernews/{brand}")  # logs an upside-down one
        ranges = [r for r in decode_backlogs(cursor) if r.before.isdigit()] if backlog else []
        http = self.http()
        url = f"{opts.base_url.rstrip('/')}/api/v1/{opts.endpoint}"
        seen: set[str] = set()
        until = int(window.until.timestamp()) if window.until else None
        if ranges:
            yield from self._owed_first(brand, terms, selector, http, url, seen, ranges, cursor, until)
            return
        since = decode_cursor(cursor, "hackernews").get("created_at_i")
        if isinstance(since, int) and selector.stale_future_cursor(since, cursor):
            since = None
        if isinstance(since, int):
            selector.reach_back_to(float(since))  # asked for everything from it on: none of it was read
        newest: Newest[int] = Newest({"": since} if isinstance(since, int) else None)
        start = int(window.since.timestamp()) if window.since else None
        floor = search_floor(since if isinstance(since, int) else None, start)
        stops, _ = yield from self._pages(brand, terms, selector, http, url, newest, seen, floor, None, until,
                                          opts.max_pages)
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        after = None if floor is None else str(floor)  # what a backlog left by this run starts at
        cursor_after = self._cursor_after(brand, after, newest, stops)
        if cursor_after is not None:
            yield Batch([], cursor=cursor_after)

    def _owed_first(self, brand: str, terms: list[str], selector: Selector, http: HttpClient, url: str,
                    seen: set[str], ranges: list[Backlog], cursor: str | None, until: int | None) -> Iterator[Batch]:
        """A run that owes `ranges` (newest first): the new hits first, then the ranges
        (`extractors.state.read_newest_first`); one cursor batch last: the ranges still owed, or the newest
        `created_at_i` read once none is."""
        opts = self.options
        # The ranges stopped runs left are owed whatever this run's window (a scheduled run's interval starts
        # where the last one ended): their hits must not be dropped as older than the window.
        selector.window = Window(until=selector.window.until)
        then = ranges[0].then if ranges[0].then and ranges[0].then.isdigit() else None
        if then is not None and selector.stale_future_cursor(int(then), cursor):
            then = None
        newest: Newest[int] = Newest({"": int(then)} if then else None)

        def read(after: str | None, before: str | None, cap: int) -> Generator[Batch, None, RangeRead]:
            floor = int(after) if after and after.isdigit() else None
            stops, used = yield from self._pages(brand, terms, selector, http, url, newest, seen, floor,
                                                 None if before is None else int(before), until, cap)
            below = max(stops) if stops else None
            if below is not None and before is not None and below >= int(before):
                # A whole run's pages of hits in one second: go on below it, or the range never ends.
                log.warning("hackernews/%s: more hits dated %d than max_pages reads; going on below that second",
                            brand, below)
                below = int(before) - 1
                if floor is not None and below < floor:
                    below = None  # that second was the range's last: nothing below it is owed
            return RangeRead(used, None if below is None else str(below))

        owed, _ = yield from read_newest_first(ranges, then, opts.max_pages, read, int)
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        done = newest.get()
        if owed:
            log.warning("hackernews/%s: stopped with pages left; later runs read the hits dated %s and older (newest "
                        "hits first, then what is owed)", brand, owed[0].before)
            then_now = None if done is None else str(done)
            cursor_after = encode_backlogs([b.moved(then_now) for b in owed])
        else:
            last = ranges[-1].after
            value = done if done is not None else int(last) if last and last.isdigit() else None
            cursor_after = encode_cursor({"created_at_i": value} if value is not None else {})
        if cursor_after != cursor:
            yield Batch([], cursor=cursor_after)

    def _pages(self, brand: str, terms: list[str], selector: Selector, http: HttpClient, url: str,
               newest: Newest[int], seen: set[str], floor: int | None, before: int | None, until: int | None,
               cap: int) -> Generator[Batch, None, tuple[list[int], int]]:
        """Every search's pages from `floor` up to `before` (both inclusive; None: unbounded), `cap` pages each at
        most. Returns, per search left with hits unread, the oldest `created_at_i` it was given (nothing is owed
        when `floor` is None: all the past is no range), and the most pages one search read."""
        opts = self.options
        numeric = []
        if floor is not None:
            # Inclusive: a hit from the cursor's second that Algolia indexed after the last run is still
            # asked for; the ones already read come back under the same ids and overwrite themselves.
            numeric.append(f"created_at_i>={floor}")
        if before is not None:
            # Inclusive too: the stopped run's oldest second may have more hits on the pages it left.
            numeric.append(f"created_at_i<={before}")
        if until is not None:
            numeric.append(f"created_at_i<{until}")
        stops: list[int] = []  # per search left with pages unread: the oldest `created_at_i` it was given
        used = 0
        for term in terms:
            oldest: int | None = None  # the oldest hit this search was given, whatever became of it
            for page in range(cap):
                params: dict[str, Any] = {"hitsPerPage": opts.hits_per_page, "tags": opts.tags, "query": term}
                if numeric:
                    params["numericFilters"] = ",".join(numeric)
                if page:
                    params["page"] = page
                body = http.get_json(url, params, what=f"hackernews {term!r} ({brand})")
                used = max(used, page + 1)
                hits = body.get("hits") if isinstance(body, dict) else None
                if not isinstance(hits, list):
                    raise SourceError(f"hackernews: unexpected response without 'hits' for {term!r}")
                batch = Batch([])
                for hit in hits:
                    oid = str(hit.get("objectID")) if isinstance(hit, dict) else None
                    ts = hit.get("created_at_i") if isinstance(hit, dict) else None
                    if isinstance(ts, int) and not isinstance(ts, bool):
                        oldest = ts if oldest is None else min(oldest, ts)
                    if oid in seen:
                        continue
                    seen.add(oid)
                    settled = selector.add(batch, oid, lambda h=hit: self._mention(h))
                    if settled and isinstance(ts, int):
                        newest.offer(ts)
                yield batch
                pages, total = body.get("nbPages"), body.get("nbHits")
                reachable = isinstance(pages, int) and page + 1 < pages
                # Algolia serves 1,000 hits of a search at most, and nbPages counts only those: more hits
                # than that are left as surely as pages past max_pages (then owed as a backlog).
                capped = not reachable and isinstance(total, int) and total > (page + 1) * opts.hits_per_page
                if not reachable and not capped:
                    break
                if capped or page + 1 >= cap:  # hits left unread
                    if oldest is not None and floor is not None and oldest < floor:
                        break  # given hits from below its start (filter not applied): it has reached it
                    if opts.endpoint == "search_by_date" and oldest is not None and floor is not None:
                        stops.append(oldest)
                    else:  # `search` ranks by relevance, not time; nothing below: all the past is no range to owe
                        why = "endpoint: search" if opts.endpoint != "search_by_date" else "no cursor or window start"
                        log.warning("hackernews/%s: %r stopped after max_pages=%d; its other hits are not read (%s)",
                                    brand, term, page + 1, why)
                    break
        return stops, used

    @staticmethod
    def _cursor_after(brand: str, after: str | None, newest: Newest[int], stops: list[int]) -> str | None:
        """The cursor to save after a run that owed nothing, or None to keep the saved one. A run whose searches
        stopped with pages left (`max_pages`) owes the hits at and below the oldest second each was given: it
        saves the range below the latest of those as a `Backlog` (by every search: the cursor is one for all)."""
        then = None if newest.get() is None else str(newest.get())
        if stops:
            log.warning("hackernews/%s: stopped with pages left; later runs read the hits dated %d and older "
                        "(newest hits first, then what is owed)", brand, max(stops))
            return Backlog.owed(after, str(max(stops)), then, int).encode()
        return encode_cursor({"created_at_i": newest.get()}) if newest.moved else None

    @staticmethod
    def _mention(hit: dict[str, Any]) -> dict[str, Any]:
        oid = str(hit["objectID"])
        tags = hit.get("_tags") or []
        if hit.get("comment_text"):
            text = html_to_text(hit["comment_text"])
        else:
            title = hit.get("title") or hit.get("story_title") or ""
            body = html_to_text(hit.get("story_text"))
            text = f"{title}\n\n{body}" if body else title
        if not text.strip():
            raise ValueError("item has no title or text (deleted?)")
        created = hit.get("created_at_i")
        return {
            "source": "hackernews",
            "native_id": oid,
            "url": f"https://news.ycombinator.com/item?id={oid}",
            "text": text,
            "created_at": datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else hit["created_at"],
            "author": {"handle": hit.get("author")},
            "engagement": {
                "likes": hit.get("points") if isinstance(hit.get("points"), int) and hit["points"] >= 0 else None,
                "replies": hit.get("num_comments") if isinstance(hit.get("num_comments"), int) else None,
            },
            "extra": {
                "kind": "comment" if "comment" in tags else "story",
                "link_url": hit.get("url") or hit.get("story_url") or None,
                "story_id": str(hit["story_id"]) if hit.get("story_id") else None,
            },
        }
