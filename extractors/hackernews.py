"""Hacker News stories and comments through the Algolia HN Search API (search_by_date); no key.

One request per term from `extractors.query_native.search_terms` (Algolia has no OR), the
query applied locally. The cursor is the newest `created_at_i` of the hits read for good
(`Selector.add`): a malformed or future-dated hit never moves it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window, keyword_searches
from extractors.html_text import html_to_text
from extractors.http import HttpClient
from extractors.state import Newest, decode_cursor, encode_cursor

log = logging.getLogger("groundswell.extractors.hackernews")


class HackerNewsOptions(SourceOptions):
    base_url: str = Field(default="https://hn.algolia.com", description="Algolia HN API host")
    tags: str = Field(default="(story,comment)", description="Algolia tags filter, e.g. '(story)' or 'comment'")
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    max_pages: int = Field(default=10, ge=1, le=1000)
    endpoint: Literal["search_by_date", "search"] = "search_by_date"


class HackerNewsExtractor(Extractor[HackerNewsOptions]):
    type = "hackernews"
    Options = HackerNewsOptions

    def http(self) -> HttpClient:
        return HttpClient(self.retry)

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        opts = self.options
        terms = keyword_searches(query)
        selector = Selector("hackernews", brand, query, window)
        since = decode_cursor(cursor, "hackernews").get("created_at_i")
        if isinstance(since, int) and selector.stale_future_cursor(since, cursor):
            since = None
        newest: Newest[int] = Newest({"": since} if isinstance(since, int) else None)
        http = self.http()
        url = f"{opts.base_url.rstrip('/')}/api/v1/{opts.endpoint}"
        seen: set[str] = set()
        numeric = []
        if isinstance(since, int):
            # Inclusive: a hit from the cursor's second that Algolia indexed after the last run is still
            # asked for; the ones already read come back under the same ids and overwrite themselves.
            numeric.append(f"created_at_i>={since}")
        elif window.since:
            numeric.append(f"created_at_i>={int(window.since.timestamp())}")
        if window.until:
            numeric.append(f"created_at_i<{int(window.until.timestamp())}")
        for term in terms:
            for page in range(opts.max_pages):
                params: dict[str, Any] = {"hitsPerPage": opts.hits_per_page, "tags": opts.tags, "query": term}
                if numeric:
                    params["numericFilters"] = ",".join(numeric)
                if page:
                    params["page"] = page
                body = http.get_json(url, params, what=f"hackernews {term!r} ({brand})")
                hits = body.get("hits") if isinstance(body, dict) else None
                if not isinstance(hits, list):
                    raise SourceError(f"hackernews: unexpected response without 'hits' for {term!r}")
                batch = Batch([])
                for hit in hits:
                    oid = str(hit.get("objectID")) if isinstance(hit, dict) else None
                    ts = hit.get("created_at_i") if isinstance(hit, dict) else None
                    if oid in seen:
                        continue
                    seen.add(oid)
                    settled = selector.add(batch, oid, lambda h=hit: self._mention(h))
                    if settled and isinstance(ts, int):
                        newest.offer(ts)
                yield batch
                pages = body.get("nbPages")
                if not hits and not (isinstance(pages, int) and page + 1 < pages):
                    break
                if isinstance(pages, int) and page + 1 >= pages:
                    break
        if newest.moved:
            yield Batch([], cursor=encode_cursor({"created_at_i": newest.get()}))

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
