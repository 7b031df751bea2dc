"""RSS/Atom feeds through feedparser (news search feeds, blogs, subreddit feeds); no key.

Feeds are fetched through the shared HTTP layer (timeouts, retries) and parsed from
bytes with the response headers, so feedparser (with chardet installed) can find the
encoding of feeds that do not declare one. A local path works too, for offline feeds.
The cursor keeps, per feed, the newest time of the entries read for good (`Selector.add`) and the ids read at that
time (`{"at": …, "ids": […]}`; Reddit's rule): a run reaching back to the cursor (`Selector.reach_back_to`) reads
on from that time without reading those entries again, and a different entry of that same time is still new.
An entry dated in a zone name not guessed (`feed_dates.UnknownZone`) holds its feed's cursor before the earliest
instant it can be, so it is collected once `time_zones` says what the feed means; only within `HOLD_HORIZON` of
where the cursor would be, so one old entry does not hold it for good.
A feed that can not be fetched (gone, forbidden, down) is a skipped reason, not the end of the
run: the other feeds are read and its cursor entry stays. Only when every feed fails is it an error.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import requests
from pydantic import Field, field_validator

from core.mention import COLLECTED, DATED_BY
from core.time import check_zone
from extractors.base import Batch, Extractor, Selector, SkipItem, SourceError, SourceOptions, Window
from extractors.feed_dates import UnknownZone, entry_date, parse_offset, zone_key
from extractors.html_text import html_to_text
from extractors.http import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_MB, MIN_RESPONSE_MB, HttpClient, display_url
from extractors.import_file import MAX_ROW_BYTES
from extractors.state import decode_cursor, encode_cursor

log = logging.getLogger("groundswell.extractors.rss")
# How far before the feed's cursor (as this run would move it) an entry in a zone name not guessed may be and still
# hold it: an older one (a year-old IST entry still listed) would keep every later run re-reading and re-writing
# all the feed's entries after it, for good. It is skipped with its reason, as before, and holds nothing.
HOLD_HORIZON = timedelta(days=2)


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
    timezone: str | None = Field(
        default=None,
        description="IANA time zone (Asia/Seoul) of the feeds' dates written without a zone; default UTC",
    )
    deadline_s: float = Field(
        default=DEFAULT_DEADLINE, gt=0, description="Seconds one feed's fetch may take in all (then skipped)"
    )
    max_response_mb: float = Field(
        default=DEFAULT_MAX_RESPONSE_MB,
        ge=MIN_RESPONSE_MB,
        description="MiB one feed may have once decompressed (then not retried; extractors/http.py)",
    )

    @field_validator("time_zones")
    @classmethod
    def _offsets(cls, value: dict[str, str]) -> dict[str, str]:
        for offset in value.values():
            parse_offset(offset)
        return {zone_key(name): offset for name, offset in value.items()}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


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
                cap = int(self.options.max_response_mb * (1 << 20))
                client = HttpClient(self.retry, deadline=self.options.deadline_s, max_bytes=cap)
                response = client.get(url, what=f"rss {shown}")
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
        saved = {
            url: value
            for url, value in _by_feed(decode_cursor(cursor, "rss"), opts.urls).items()
            if not selector.stale_future_cursor(_stamp_time(_at(value)[0]), f"{display_url(url)}: {_at(value)[0]}")
        }
        values = dict(saved)  # a feed not read this run keeps its entry as saved
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
            last = _at(saved.get(url))
            selector.reach_back_to(_stamp_time(last[0]))
            batch, read_up_to = self._read_feed(feed, url, selector, last, base)
            if read_up_to is not None:
                values[url] = read_up_to
            yield batch
        if failed and len(failed) == len(opts.urls):
            # Nothing could be fetched: an outage or a broken config, an error rather than an empty run.
            joined = "; ".join(failed)
            raise SourceError(failed[0] if len(failed) == 1 else f"rss: all {len(failed)} feeds failed: {joined}")
        moved = values != saved
        if moved or failed:
            reasons = [f"{reason} (this feed is skipped this run; its cursor stays)" for reason in failed]
            yield Batch([], cursor=encode_cursor(values) if moved else None, skipped=reasons)

    def shown_cursor(self, cursor: str) -> str:
        """The cursor with each feed named by its `display_url` (a private feed's token is in its query);
        `extract` reads it back. The saved cursor keeps the full URLs: the keys of stored state never change.
        Feeds that one name stands for keep the oldest time: a run resumed from it re-reads, never skips."""
        shown: dict[str, Any] = {}
        for url, value in decode_cursor(cursor, "rss").items():
            name = display_url(url)
            # ISO 8601 UTC stamps order as strings
            if name not in shown or str(_at(value)[0]) < str(_at(shown[name])[0]):
                shown[name] = value
        return encode_cursor(shown)

    def _read_feed(
        self,
        feed: Any,
        url: str,
        selector: Selector,
        last: tuple[str | None, frozenset[str]] = (None, frozenset()),
        base: str | None = None,
    ) -> tuple[Batch, dict[str, Any] | None]:
        """The batch of one parsed feed, and the feed's cursor after it (None: no time to save). `last` is the saved
        one: its time and the ids read at that time, which are not read again."""
        batch = Batch([])
        last_at, last_ids = last
        if feed.bozo:
            problem = f"{type(feed.bozo_exception).__name__}: {feed.bozo_exception}"
            if not feed.entries:
                batch.skipped.append(f"rss feed {display_url(url)}: unreadable ({problem})")
                return batch, None
            log.warning(
                "rss feed %s is malformed (%s); using its %d entries", display_url(url), problem, len(feed.entries)
            )
        lang = _lang(feed.feed.get("language"))
        zones = {name: parse_offset(offset) for name, offset in self.options.time_zones.items()}
        bases = (base, feed.feed.get("link"))
        settled: list[tuple[str, str]] = []  # (time, id) of the entries read for good
        held: list[datetime] = []  # the earliest instants of entries dated in a zone not guessed
        unguessed: Counter[str] = Counter()
        zoneless = 0  # entries this run reads whose date names no zone, read in UTC (no `timezone` option)
        for entry in feed.entries[: self.options.max_entries]:
            try:
                dated, bad_date = entry_date(entry, zones, self.options.timezone), None
            except SkipItem as exc:  # a zone name not guessed: reported by `Selector.add`, the cursor stays
                dated, bad_date = None, exc
            when = dated.when if dated else None
            stamp = when.isoformat() if when else None
            key = entry.get("id") or entry.get("link") or f"{entry.get('title')}|{stamp}"
            native = hashlib.sha1(f"{url}|{key}".encode()).hexdigest()[:20]
            if stamp and last_at and (stamp < last_at or (stamp == last_at and native in last_ids)):
                continue  # read by an earlier run: older than its cursor, or read at the cursor's own time
            # Counted only here, past the entries earlier runs read: else every run of a feed that writes no zone
            # would warn of its whole size, reading nothing.
            zoneless += bool(dated and dated.zoneless and not self.options.timezone)
            if isinstance(bad_date, UnknownZone):
                unguessed[bad_date.name] += 1
                if bad_date.earliest is not None:
                    held.append(bad_date.earliest)
            dated_by_collection = when is None and bad_date is None and self.options.undated == "collected"
            if dated_by_collection:
                when = selector.collected_at
            build = partial(self._mention, entry, native, when, lang, url, dated_by_collection, bad_date, bases)
            if selector.add(batch, native, build) and stamp:
                settled.append((stamp, native))
        if unguessed:
            # Once per feed and run (each entry's reason is in `skipped`): what to set to collect them.
            names = ", ".join(f"{name} ({count})" for name, count in sorted(unguessed.items()))
            log.warning(
                "rss feed %s: entries dated in zone names not guessed: %s; set options.time_zones to what this feed "
                "means by them ({%s: '+HH:MM'}) to collect them; until then the feed's cursor stays before those "
                "less than %d days older than its newest entry read (older ones are skipped for good)",
                display_url(url), names, min(unguessed), HOLD_HORIZON.days,
            )
        if zoneless:
            # Once per feed and run, as the import source says it of its rows: a feed that writes local time
            # without saying so would put every entry hours off.
            log.warning(
                "rss feed %s: %d entries dated without a time zone read as UTC; if the feed writes local time, set "
                "the source's `timezone` option (an IANA name such as Asia/Seoul)", display_url(url), zoneless,
            )
        return batch, _read_up_to(last, settled, held)

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


def _at(value: Any) -> tuple[str | None, frozenset[str]]:
    """A feed's saved cursor as (time, ids read at that time): `{"at": stamp, "ids": [...]}`, or a bare stamp as a
    version before this one saved it (no ids: the entries of that time are read once more, under the same ids)."""
    if isinstance(value, str):
        return value, frozenset()
    if isinstance(value, dict) and isinstance(value.get("at"), str):
        ids = value.get("ids")
        return value["at"], frozenset(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else frozenset()
    return None, frozenset()


def _read_up_to(
    last: tuple[str | None, frozenset[str]], settled: list[tuple[str, str]], held: list[datetime]
) -> dict[str, Any] | None:
    """A feed's cursor after a run: the newest time read for good and the ids read at it (those of the saved cursor
    too, when the time has not moved), but never past the earliest of `held`, the earliest instants entries skipped
    for their zone name can be: once `time_zones` says what the name means, the entry is newer than the cursor and
    collected (a cursor saved past it is moved back: the entries after it are read again, under the same ids). Only
    those within `HOLD_HORIZON` before that newest time hold it: an older one would hold it for good."""
    last_at, last_ids = last
    stamps = [stamp for stamp, _ in settled] + ([last_at] if last_at else [])
    if not stamps:
        return None
    at = max(stamps)  # ISO 8601 UTC stamps order as strings
    horizon = (datetime.fromisoformat(at) - HOLD_HORIZON).isoformat()
    holding = [when.isoformat() for when in held if when.isoformat() >= horizon]
    if holding and at > min(holding):
        at = min(holding)
    ids = {native for stamp, native in settled if stamp == at} | (set(last_ids) if at == last_at else set())
    return {"at": at, "ids": sorted(ids)}


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
