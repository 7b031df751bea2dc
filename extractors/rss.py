"""RSS/Atom feeds through feedparser (news search feeds, blogs, subreddit feeds); no key.

Feeds are fetched through the shared HTTP layer (timeouts, retries) and parsed from
bytes with the response headers, so feedparser (with chardet installed) can find the
encoding of feeds that do not declare one. A local path works too, for offline feeds.
The cursor keeps, per feed, the newest time of the entries read for good (`Selector.add`).
A feed that can not be fetched (gone, forbidden, down) is a skipped reason, not the end of the
run: the other feeds are read and its cursor entry stays. Only when every feed fails is it an error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import requests
from pydantic import Field, field_validator

from core.mention import COLLECTED, DATED_BY
from extractors.base import Batch, Extractor, Selector, SkipItem, SourceError, SourceOptions, Window
from extractors.feed_dates import entry_time, parse_offset
from extractors.html_text import html_to_text
from extractors.http import DEFAULT_DEADLINE, HttpClient, display_url
from extractors.import_file import MAX_ROW_BYTES
from extractors.state import Newest, decode_cursor, encode_cursor

log = logging.getLogger("groundswell.extractors.rss")


class RssOptions(SourceOptions):
    urls: list[str] = Field(min_length=1, description="Feed URLs (or local file paths)")
    max_entries: int = Field(default=500, ge=1, description="Entries per feed per run at most")
    undated: Literal["skip", "collected"] = Field(
        default="skip", description="Entries without a readable date: skip them, or date them when collected"
    )
    time_zones: dict[str, str] = Field(
        default_factory=dict,
        description="What the feeds mean by a zone name, as a UTC offset: {IST: '+05:30'} (extractors/feed_dates.py)",
    )
    deadline_s: float = Field(
        default=DEFAULT_DEADLINE, gt=0, description="Seconds one feed's fetch may take in all (then retried)"
    )

    @field_validator("time_zones")
    @classmethod
    def _offsets(cls, value: dict[str, str]) -> dict[str, str]:
        for name, offset in value.items():
            if not name.isalpha() or not name.isascii():
                raise ValueError(f"time_zones: {name!r} is no zone name (letters only, like IST)")
            parse_offset(offset)
        return {name.upper(): offset for name, offset in value.items()}


class RssExtractor(Extractor[RssOptions]):
    type = "rss"
    Options = RssOptions

    def _fetch(self, url: str) -> tuple[bytes, dict[str, str], str | None]:
        """The feed's bytes, its response headers and the URL its relative links are resolved against (where it
        was fetched from, after redirects, without its query: a private feed's token is no part of a link; None
        for a file)."""
        scheme = urlsplit(url).scheme
        if scheme in ("http", "https"):
            # Messages name the feed without its query or userinfo: private feeds carry their token there.
            shown = display_url(url)
            try:
                response = HttpClient(self.retry, deadline=self.options.deadline_s).get(url, what=f"rss {shown}")
            except requests.RequestException as exc:  # a URL requests refuses (no host, bad scheme): not retried
                raise SourceError(f"rss {shown}: request failed ({type(exc).__name__})") from None
            # Not handed to feedparser as Content-Location: it would resolve relative guids too, and ids derive
            # from them (every stored entry would come again under a new id).
            base = display_url(response.url or url)
            return response.content, {k.lower(): v for k, v in response.headers.items()}, base
        path = Path(url.removeprefix("file://"))
        try:
            return path.read_bytes(), {}, None
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
                content, headers, base = self._fetch(url)
            except SourceError as exc:
                # One dead, moved or forbidden feed must not keep the feeds listed after it from being read.
                failed.append(str(exc))
                continue
            feed = feedparser.parse(content, response_headers=headers)
            # Per feed: its entries newer than its own cursor are unread, whatever this run's window (an entry
            # that appears late, dated before the last run's interval ended, must not be lost for good).
            selector.window = window
            selector.reach_back_to(_stamp_time(since.get(url)))
            yield self._read_feed(feed, url, selector, since.get(url), newest, base)
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

    def _read_feed(
        self, feed: Any, url: str, selector: Selector, last: str | None, newest: Newest[str], base: str | None = None
    ) -> Batch:
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
        zones = {name: parse_offset(offset) for name, offset in self.options.time_zones.items()}
        bases = (base, feed.feed.get("link"))
        for entry in feed.entries[: self.options.max_entries]:
            try:
                when, bad_date = entry_time(entry, zones), None
            except SkipItem as exc:  # a zone name not guessed: reported by `Selector.add`, the cursor stays
                when, bad_date = None, exc
            stamp = when.isoformat() if when else None
            if stamp and last and stamp < last:
                continue  # older than what an earlier run already stored
            key = entry.get("id") or entry.get("link") or f"{entry.get('title')}|{stamp}"
            native = hashlib.sha1(f"{url}|{key}".encode()).hexdigest()[:20]
            dated_by_collection = when is None and bad_date is None and self.options.undated == "collected"
            if dated_by_collection:
                when = selector.collected_at
            build = partial(self._mention, entry, native, when, lang, url, dated_by_collection, bad_date, bases)
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
        bad_date: SkipItem | None = None,
        bases: tuple[Any, ...] = (),
    ) -> dict[str, Any]:
        if bad_date is not None:
            raise bad_date
        if when is None:
            raise SkipItem("entry has no readable date (set options.undated: collected to keep such entries)")
        title = _text(entry, "title")
        summary = _text(entry, "summary")
        text = f"{title}\n\n{summary}" if summary and summary != title else title
        if not text:
            raise SkipItem("entry has no title or summary")
        size = len(text.encode("utf-8"))
        if size > MAX_ROW_BYTES:
            # The import's row limit (extractors.import_file): a text that long is a dump or a broken feed, no post.
            raise SkipItem(f"its text of {size} bytes is longer than the limit of one item ({MAX_ROW_BYTES} bytes); "
                           "skipped")
        return {
            "source": "rss",
            "native_id": native,
            "url": _absolute(entry.get("link"), bases),
            "text": text,
            "created_at": when,
            "author": {"name": entry.get("author") or None},
            "lang": lang,
            # Named as messages name it: stored mentions are exported, shown and shared; a token is no field.
            "extra": {"feed": display_url(feed_url), **({DATED_BY: COLLECTED} if dated_by_collection else {})},
        }


def _text(entry: Any, key: str) -> str:
    """An entry's title or summary as text: markup removed only from what feedparser marks as HTML; a plain-text
    title (`title_detail.type` text/plain) keeps its `<` and `>` (`Is 5 < 6? acme > rivals`)."""
    value = entry.get(key) or ""
    detail = entry.get(f"{key}_detail") or {}
    if detail.get("type") == "text/plain":
        return " ".join(value.split())
    return html_to_text(value)


def _absolute(link: Any, bases: tuple[Any, ...]) -> str | None:
    """An entry's link as an absolute URL: a relative one (`/news/8`) resolved against the first absolute of
    `bases` (the feed's URL, then, for a feed read from a file, its site link), else dropped: a bare path is no
    address, and two feeds' `/news/8` would read as copies of one story (`Mention.dedup`)."""
    if not isinstance(link, str) or not link.strip():
        return None
    if _is_absolute(link):
        return link
    for base in bases:
        if isinstance(base, str) and _is_absolute(base):
            resolved = urljoin(base, link.strip())
            return resolved if _is_absolute(resolved) else None
    return None


def _is_absolute(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)


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
