"""RSS/Atom feeds through feedparser (news search feeds, blogs, subreddit feeds); no key.

Feeds are fetched through the shared HTTP layer (timeouts, retries) and parsed from
bytes with the response headers, so feedparser (with chardet installed) can find the
encoding of feeds that do not declare one. A local path works too, for offline feeds.
The cursor keeps, per feed, the newest time of the entries read for good (`Selector.add`).
A feed that can not be fetched (gone, forbidden, down) is a skipped reason, not the end of the
run: the other feeds are read and its cursor entry stays. Only when every feed fails is it an error.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field

from core.mention import COLLECTED, DATED_BY
from extractors.base import Batch, Extractor, Selector, SkipItem, SourceError, SourceOptions, Window
from extractors.html_text import html_to_text
from extractors.http import HttpClient, display_url
from extractors.state import Newest, decode_cursor, encode_cursor

log = logging.getLogger("groundswell.extractors.rss")


class RssOptions(SourceOptions):
    urls: list[str] = Field(min_length=1, description="Feed URLs (or local file paths)")
    max_entries: int = Field(default=500, ge=1, description="Entries per feed per run at most")
    undated: Literal["skip", "collected"] = Field(
        default="skip", description="Entries without a readable date: skip them, or date them when collected"
    )


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # plain dict access: skips feedparser's deprecated key aliasing
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


class RssExtractor(Extractor[RssOptions]):
    type = "rss"
    Options = RssOptions

    def _fetch(self, url: str) -> tuple[bytes, dict[str, str]]:
        scheme = urlsplit(url).scheme
        if scheme in ("http", "https"):
            # Messages name the feed without its query or userinfo: private feeds carry their token there.
            shown = display_url(url)
            try:
                response = HttpClient(self.retry).get(url, what=f"rss {shown}")
            except requests.RequestException as exc:  # a URL requests refuses (no host, bad scheme): not retried
                raise SourceError(f"rss {shown}: request failed ({type(exc).__name__})") from None
            return response.content, {k.lower(): v for k, v in response.headers.items()}
        path = Path(url.removeprefix("file://"))
        try:
            return path.read_bytes(), {}
        except OSError as exc:
            raise SourceError(f"rss: cannot read {path}: {exc.strerror}") from None

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        """One batch per feed. A feed that can not be fetched is reported in the last batch's `skipped` and keeps
        its cursor entry; the other feeds go on. Only when every feed fails is it a `SourceError`."""
        try:
            import feedparser
        except ImportError as exc:  # pragma: no cover - in requirements.txt
            raise SourceError("the RSS source needs feedparser: pip install feedparser chardet") from exc
        opts = self.options
        selector = Selector("rss", brand, query, window, lang_of=self.lang_of)
        since = {
            url: stamp
            for url, stamp in _by_feed(decode_cursor(cursor, "rss"), opts.urls).items()
            if not selector.stale_future_cursor(_stamp_time(stamp), f"{display_url(url)}: {stamp}")
        }
        newest: Newest[str] = Newest(since)  # ISO 8601 UTC stamps: they order as strings
        failed: list[str] = []
        for url in opts.urls:
            try:
                content, headers = self._fetch(url)
            except SourceError as exc:
                # One dead, moved or forbidden feed must not keep the feeds listed after it from being read.
                failed.append(str(exc))
                continue
            feed = feedparser.parse(content, response_headers=headers)
            yield self._read_feed(feed, url, selector, since.get(url), newest)
        if failed and len(failed) == len(opts.urls):
            # Nothing could be fetched: an outage or a broken config, an error rather than an empty run.
            joined = "; ".join(failed)
            raise SourceError(failed[0] if len(failed) == 1 else f"rss: all {len(failed)} feeds failed: {joined}")
        if newest.moved or failed:
            reasons = [f"{reason} (this feed is skipped this run; its cursor stays)" for reason in failed]
            yield Batch([], cursor=encode_cursor(newest.values) if newest.moved else None, skipped=reasons)

    def shown_cursor(self, cursor: str) -> str:
        """The cursor with each feed named by its `display_url` (a private feed's token is in its query);
        `extract` reads it back. The saved cursor keeps the full URLs: the keys of stored state never change.
        Feeds that one name stands for keep the oldest time: a run resumed from it re-reads, never skips."""
        shown: dict[str, Any] = {}
        for url, stamp in decode_cursor(cursor, "rss").items():
            name = display_url(url)
            if name not in shown or str(stamp) < str(shown[name]):  # ISO 8601 UTC stamps order as strings
                shown[name] = stamp
        return encode_cursor(shown)

    def _read_feed(self, feed: Any, url: str, selector: Selector, last: str | None, newest: Newest[str]) -> Batch:
        """The batch of one parsed feed; offers `newest` the time of every entry read for good."""
        batch = Batch([])
        if feed.bozo:
            problem = f"{type(feed.bozo_exception).__name__}: {feed.bozo_exception}"
            if not feed.entries:
                batch.skipped.append(f"rss feed {display_url(url)}: unreadable ({problem})")
                return batch
            log.warning(
                "rss feed %s is malformed (%s); using its %d entries", display_url(url), problem, len(feed.entries)
            )
        lang = _lang(feed.feed.get("language"))
        for entry in feed.entries[: self.options.max_entries]:
            when = _entry_time(entry)
            stamp = when.isoformat() if when else None
            if stamp and last and stamp < last:
                continue  # older than what an earlier run already stored
            key = entry.get("id") or entry.get("link") or f"{entry.get('title')}|{stamp}"
            native = hashlib.sha1(f"{url}|{key}".encode()).hexdigest()[:20]
            dated_by_collection = when is None and self.options.undated == "collected"
            if dated_by_collection:
                when = selector.collected_at
            build = partial(self._mention, entry, native, when, lang, url, dated_by_collection)
            if selector.add(batch, native, build):
                newest.offer(stamp, url)
        return batch

    @staticmethod
    def _mention(
        entry: Any,
        native: str,
        when: datetime | None,
        lang: str | None,
        feed_url: str,
        dated_by_collection: bool = False,
    ) -> dict[str, Any]:
        if when is None:
            raise SkipItem("entry has no readable date (set options.undated: collected to keep such entries)")
        title = html_to_text(entry.get("title"))
        summary = html_to_text(entry.get("summary") or "")
        text = f"{title}\n\n{summary}" if summary and summary != title else title
        if not text:
            raise SkipItem("entry has no title or summary")
        return {
            "source": "rss",
            "native_id": native,
            "url": entry.get("link"),
            "text": text,
            "created_at": when,
            "author": {"name": entry.get("author") or None},
            "lang": lang,
            # Named as messages name it: stored mentions are exported, shown and shared; a token is no field.
            "extra": {"feed": display_url(feed_url), **({DATED_BY: COLLECTED} if dated_by_collection else {})},
        }


def _by_feed(saved: dict[str, Any], urls: list[str]) -> dict[str, Any]:
    """The saved cursor keyed by the configured feed URLs. A cursor printed by `groundswell collect` names a
    feed by its `display_url` (`RssExtractor.shown_cursor`): such a key counts for every feed it names."""
    names = {display_url(url) for url in urls} - set(urls)
    keyed = {key: stamp for key, stamp in saved.items() if key not in names}
    for url in urls:
        # Only from a display name that is no configured feed of its own: a public feed's time is not its
        # private twin's (`/activity.atom` and `/activity.atom?key=…`), whose older entries it would skip.
        if url not in keyed and display_url(url) in names and display_url(url) in saved:
            keyed[url] = saved[display_url(url)]
    return keyed


def _stamp_time(stamp: Any) -> datetime | None:
    """A saved per-feed cursor time (ISO 8601, as written above), or None if it is not one."""
    try:
        return datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None


def _lang(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().split("-")[0].split("_")[0] or None
