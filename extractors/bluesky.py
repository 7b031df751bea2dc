"""Bluesky post search through the atproto SDK, unauthenticated, against the public AppView.

No account needed. Bluesky's search has no boolean OR, so one search runs per term
from `extractors.query_native.search_terms` (the union covers every match) and the query
is applied locally. searchPosts filters `since`/`until` on, and orders by, a post's `sortAt`: the earlier
of its `createdAt` (the client's clock) and its `indexedAt` (the AppView's). So the window and the cursor are
decided on `sortAt` too (`Selector.add`'s `listed_at`), and the stored `created_at` stays `createdAt`: a
post whose client clock runs ahead is listed by the window of its `indexedAt`, and a cursor of `createdAt`
times would pass it before a window covers its `createdAt`. The cursor is the newest `sortAt` of the posts
read for good, sent as `since`; a malformed or future-dated post never moves it.
A run whose searches stop with pages left (`max_pages`, `sort: latest`) saves the range
still owed instead (an `extractors.state.Backlog` of `sortAt` times, sent as `since` and
`until`): later runs read the new posts first, then the owed ranges, newest first, whatever their window
(`extractors.state.read_newest_first`), and move the cursor on once nothing is owed. The own accounts'
feeds (`own_posts`) keep such a range per account beside `since` (under `OWED`), resumed from getAuthorFeed's
page cursor.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Generator, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal

from pydantic import Field

from core.accounts import account_key
from core.time import as_utc
from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window, keyword_searches
from extractors.bluesky_post import field as _get
from extractors.bluesky_post import quoted_uri, text_with_links
from extractors.http import Retry, retry_after_seconds, retry_for_status
from extractors.state import (
    Backlog,
    Newest,
    RangeRead,
    decode_backlogs,
    decode_cursor,
    encode_backlogs,
    encode_cursor,
    now_iso,
    read_newest_first,
    search_floor,
)

log = logging.getLogger("groundswell.extractors.bluesky")


class BlueskyOptions(SourceOptions):
    base_url: str = Field(default="https://public.api.bsky.app", description="AppView serving searchPosts")
    limit: int = Field(default=100, ge=1, le=100, description="Posts per page")
    max_pages: int = Field(default=10, ge=1, le=1000)
    sort: Literal["latest", "top"] = "latest"
    lang: str | None = Field(default=None, description="Only posts in this language (Bluesky's own filter)")
    timeout_s: float = Field(default=30.0, gt=0, le=600)


def _time_order(value: str) -> datetime:
    """A time string (`createdAt`, `indexedAt`, a saved cursor) as a comparable time; ValueError for one that is
    not a time."""
    when = _time(value)
    if when is None:
        raise ValueError(value)
    return when


def _time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else parsed.replace(tzinfo=UTC)


ONE_MS = timedelta(milliseconds=1)  # searchPosts times are milliseconds
# The own accounts' cursor key for the ranges they still owe, beside `since`: a reader that knows only `since`
# (an older version) reads on from it, as it always did.
OWED = "#owed"


def _sort_at(post: Any, created: Any) -> tuple[datetime, str] | None:
    """What search orders and `since`/`until` filter by: `sortAt`, the earlier of `createdAt` and `indexedAt`
    (the lexicon's own words: `since` "expected to use 'sortAt' timestamp, which may not match 'createdAt'"),
    as a time and as the string the post gave it in (a cursor sends it back as written). None without either."""
    indexed = _get(post, "indexed_at") or _get(post, "indexedAt")
    try:
        times = [(as_utc(t), raw) for raw in (created, indexed) if (t := _time(raw)) is not None]
    except OverflowError:  # a malformed date (year 1 east of UTC): the post is skipped, it bounds nothing
        return None
    return min(times, key=lambda pair: pair[0]) if times else None


def _until(before: str | None, window: Window) -> str | None:
    """The search's `until` (exclusive): the window's end, or just after a backlog's top when that is
    earlier. Just after: the stopped search's oldest post may share its time with posts on the pages it
    left, and `until` excludes its own time."""
    top = _time(before)
    if top is not None:
        top = as_utc(top) + ONE_MS
    if top is not None and (window.until is None or top < as_utc(window.until)):
        return top.isoformat()
    return window.until.isoformat() if window.until else None


def _read_before(when: datetime, read_up_to: datetime | None, window_start: datetime | None) -> bool:
    """Whether an own post is older than what this run needs: at or before the saved cursor's post, or
    strictly before the window's start (windows are [since, until): a post dated `since` belongs to it)."""
    if read_up_to is not None:
        return when <= read_up_to
    return window_start is not None and when < window_start


class _PageRefused(SourceError):
    """The AppView refused a saved getAuthorFeed page cursor (400)."""


def _owed(value: Any) -> dict[str, Backlog]:
    """The own cursor's `OWED` entry: per account, the range a stopped run left (a `Backlog`'s fields)."""
    if not isinstance(value, dict):
        return {}
    owed = {key: Backlog.decode(encode_cursor({"backlog": fields})) for key, fields in value.items()}
    return {key: backlog for key, backlog in owed.items() if backlog is not None}


def native_post_id(uri: Any) -> str | None:
    """`at://<did>/app.bsky.feed.post/<rkey>` as the native id posts are stored under (`<did>/<rkey>`)."""
    if not isinstance(uri, str) or not uri.startswith("at://") or "/app.bsky.feed.post/" not in uri:
        return None
    did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
    return f"{did}/{rkey}" if did and rkey else None


def _post_id(uri: Any) -> str | None:
    native = native_post_id(uri)
    return f"bluesky:{native}" if native else None


class BlueskyExtractor(Extractor[BlueskyOptions]):
    type = "bluesky"
    Options = BlueskyOptions

    def client(self) -> Any:
        try:
            from atproto import Client
            from atproto_client.request import Request
        except ImportError as exc:  # pragma: no cover - in requirements.txt
            raise SourceError("the Bluesky source needs atproto: pip install atproto") from exc
        opts = self.options
        return Client(base_url=opts.base_url, request=Request(timeout=opts.timeout_s))

    def compile_query(self, query: str) -> list[str]:
        """One search per term: no boolean search here."""
        return keyword_searches(query)

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        opts = self.options
        terms = self.searched_query(query)
        selector = Selector("bluesky", brand, query, window, lang_of=self.lang_of)
        backlog = Backlog.load(cursor, _time_order, f"bluesky/{brand}")  # logs an upside-down one
        ranges = decode_backlogs(cursor) if backlog else []
        client = self.client()
        seen: set[str] = set()
        if ranges:
            yield from self._owed_first(brand, terms, selector, client, seen, ranges, cursor, window)
            return
        since = decode_cursor(cursor, "bluesky").get("since")
        if selector.stale_future_cursor(_time(since), cursor):
            since = None
        selector.reach_back_to(_time(since))  # asked for everything after it: none of it was read
        lower = search_floor(since or None, window.since.isoformat() if window.since else None)
        # Compared as times: the `sortAt` strings vary in format.
        newest: Newest[str] = Newest({"": since} if since else None, order=_time_order)
        stops, _ = yield from self._pages(brand, terms, selector, client, newest, seen, lower, _until(None, window),
                                          opts.max_pages)
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        cursor_after = self._cursor_after(brand, lower, newest, stops)
        if cursor_after is not None:
            yield Batch([], cursor=cursor_after)

    def _owed_first(self, brand: str, terms: list[str], selector: Selector, client: Any, seen: set[str],
                    ranges: list[Backlog], cursor: str | None, window: Window) -> Iterator[Batch]:
        """A run that owes `ranges` (newest first): the new posts first, then the ranges
        (`extractors.state.read_newest_first`); one cursor batch last: the ranges still owed, or the newest
        `sortAt` read (`since`) once none is."""
        # The ranges stopped runs left are owed whatever this run's window (a scheduled run's interval starts
        # where the last one ended): their posts must not be dropped as older than the window.
        selector.window = Window(until=window.until)
        then = ranges[0].then if _time(ranges[0].then) else None
        if then is not None and selector.stale_future_cursor(_time(then), cursor):
            then = None
        newest: Newest[str] = Newest({"": then} if then else None, order=_time_order)

        def read(after: str | None, before: str | None, cap: int) -> Generator[Batch, None, RangeRead]:
            upper = _until(before, window)
            if after and upper and _time(after) and _time(upper) and _time(after) >= _time(upper):
                return RangeRead(0)  # empty (the window ends below it): done, never a `since` after `until`
            stops, used = yield from self._pages(brand, terms, selector, client, newest, seen, after, upper, cap)
            top = max(stops) if stops else None
            owed_top = _time(before)
            if top is not None and owed_top is not None and top >= as_utc(owed_top):
                # A whole run's pages of posts at one millisecond: go on below it, or the range never ends.
                log.warning("bluesky/%s: more posts at %s than max_pages reads; going on below it", brand, top)
                top = as_utc(owed_top) - ONE_MS
                bottom = _time(after)
                if bottom is not None and top < as_utc(bottom):
                    top = None  # that millisecond was the range's last: nothing below it is owed
            return RangeRead(used, None if top is None else top.isoformat())

        owed, _ = yield from read_newest_first(ranges, then, self.options.max_pages, read, _time_order)
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        done = newest.get()
        if owed:
            log.warning("bluesky/%s: stopped with pages left; later runs read the posts older than %s (newest posts "
                        "first, then what is owed)", brand, owed[0].before)
            cursor_after = encode_backlogs([b.moved(done) for b in owed])
        else:
            since = done or ranges[-1].after
            cursor_after = encode_cursor({"since": since} if since else {})
        if cursor_after != cursor:
            yield Batch([], cursor=cursor_after)

    def _pages(self, brand: str, terms: list[str], selector: Selector, client: Any, newest: Newest[str],
               seen: set[str], lower: str | None, upper: str | None, cap: int,
               ) -> Generator[Batch, None, tuple[list[datetime], int]]:
        """Every search's pages from `lower` (`since`) up to `upper` (`until`), `cap` pages each at most. Returns,
        per search left with posts unread, the oldest `sortAt` it was given (nothing is owed when `lower` is None:
        all the past is no range), and the most pages one search read."""
        opts = self.options
        bottom = _time(lower)
        stops: list[datetime] = []  # per search left with pages unread: the oldest post time it was given
        used = 0
        for term in terms:
            what = f"bluesky search {term!r} ({brand})"
            page_cursor: str | None = None
            oldest: datetime | None = None  # the oldest post (`sortAt`) given, whatever became of it
            for number in range(1, cap + 1):
                params: dict[str, Any] = {"q": term, "limit": opts.limit, "sort": opts.sort}
                if lower:
                    params["since"] = lower
                if upper:
                    params["until"] = upper
                if opts.lang:
                    params["lang"] = opts.lang
                if page_cursor:
                    params["cursor"] = page_cursor
                response = self.retry.call(
                    lambda p=params: client.app.bsky.feed.search_posts(params=p), what, self._classify
                )
                used = max(used, number)
                batch = Batch([])
                for post in _get(response, "posts") or []:
                    uri = _get(post, "uri")
                    created = _get(post, "record", "created_at") or _get(post, "record", "createdAt")
                    sort_at = _sort_at(post, created)
                    if sort_at is not None:
                        oldest = sort_at[0] if oldest is None else min(oldest, sort_at[0])
                    if uri in seen:
                        continue
                    seen.add(uri)
                    # Window and cursor on `sortAt`, what the next window's search filters on (module docstring).
                    listed = sort_at[0] if sort_at else None
                    settled = selector.add(batch, uri, lambda p=post: self._mention(p), listed_at=listed)
                    if settled and sort_at is not None:
                        newest.offer(sort_at[1])
                yield batch
                page_cursor = _get(response, "cursor")
                if not page_cursor or not _get(response, "posts"):
                    break
                if number >= cap:
                    if oldest is not None and bottom is not None and oldest < as_utc(bottom):
                        break  # given posts from below its `since` (not applied): it has reached it
                    if opts.sort == "latest" and oldest is not None and lower is not None:
                        stops.append(oldest)
                    else:  # `top` is not ordered by time; nothing below: all the past is no range to owe
                        why = "sort: top" if opts.sort != "latest" else "no cursor or window start below them"
                        log.warning("bluesky/%s: %s stopped after max_pages=%d; its other posts are not read (%s)",
                                    brand, what, number, why)
                    break
        return stops, used

    @staticmethod
    def _cursor_after(brand: str, after: str | None, newest: Newest[str], stops: list[datetime]) -> str | None:
        """The cursor to save after a run that owed nothing, or None to keep the saved one. A run whose searches
        stopped with pages left (`max_pages`) owes the posts below the oldest each was given: it saves the range
        below the latest of those as a `Backlog` (by every search: the cursor is one for all of them)."""
        if stops:
            before = max(stops).isoformat()
            log.warning("bluesky/%s: stopped with pages left; later runs read the posts older than %s (newest posts "
                        "first, then what is owed)", brand, before)
            return Backlog.owed(after, before, newest.get(), _time_order).encode()
        return encode_cursor({"since": newest.get()}) if newest.moved else None

    collects_own_posts = True

    def own_posts(
        self, brand: str, query: str, accounts: list[str], cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        """The own accounts' posts and replies (`getAuthorFeed`, filter posts_with_replies), newest first.

        Reposts in the feed are other people's posts: left out. Cursor: the newest `createdAt` read (`since`).
        An account whose read stops with pages left (`max_pages`) owes the posts below the last page it was
        given, down to where its read started (the cursor, else the window's start): saved beside `since` under
        `OWED`, per account an `extractors.state.Backlog` whose `before` is getAuthorFeed's own page cursor
        (sent back as it came) and whose `then` is the account's newest post read. The next run reads that
        range first, whatever its window, then the account's new posts down to `then` with the pages left.
        """
        opts = self.options
        selector = Selector("bluesky", brand, query, window, match_all=True)
        saved = decode_cursor(cursor, "bluesky")
        since = saved.get("since")
        if selector.stale_future_cursor(_time(since), cursor):
            since = None
        owed = _owed(saved.get(OWED))
        newest: Newest[str] = Newest({"": since} if since else None, order=_time_order)
        # Where a first run's read starts: just before the window (`since` is inclusive, a cursor is not).
        start = (as_utc(window.since) - timedelta(microseconds=1)).isoformat() if window.since else None
        client = self.client()
        actors = [account_key("bluesky", a) for a in accounts]
        left = {actor: backlog for actor, backlog in owed.items() if actor not in actors}  # not configured now: kept
        for actor in actors:
            what = f"bluesky author feed {actor} ({brand})"
            mine: Newest[str] = Newest(order=_time_order)  # this account's newest post read for good
            read = partial(self._own_feed, client, actor, what, selector, newest, mine)
            pages, backlog = opts.max_pages, owed.get(actor)
            if backlog:
                # Owed whatever this run's window (a scheduled run's interval starts where the last one ended).
                selector.window = Window(until=window.until)
                try:
                    used, page = yield from read(backlog.after, backlog.before, pages)
                except _PageRefused as exc:
                    # The saved page cursor is the AppView's own: should it ever refuse one (400), read the account
                    # again from its newest post down to the backlog's start (read again, nothing lost).
                    log.warning("bluesky/%s: %s refused the saved page cursor (%s); reading it again from its "
                                "newest post down to %s", brand, what, exc, backlog.after)
                    backlog, used = backlog.moved(None), 0
                else:
                    if page is not None:
                        left[actor] = self._owe(brand, actor, backlog.after, page, backlog.then, backlog.owed_at)
                        continue
                    newest.offer(backlog.then)
                pages -= used
                if pages <= 0:
                    continue  # the backlog took every page: the account's new posts are read next run
            last = (backlog.then or backlog.after) if backlog else since
            selector.window = window
            selector.reach_back_to(_time(last))  # everything after it comes: none of it was read
            floor = search_floor(last if _time(last) else None, start)  # an unreadable one bounds nothing
            mine.offer(last, actor)
            _, page = yield from read(last, None, pages)
            if page is not None and floor is not None:
                left[actor] = self._owe(brand, actor, floor, page, mine.get(actor))
            elif page is not None:  # nothing below: all of its past is no range to owe
                log.warning("bluesky/%s: %s stopped after max_pages=%d; its older posts are not read (no cursor or "
                            "window start below them)", brand, what, opts.max_pages)
        selector.window = window
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        values: dict[str, Any] = {"since": newest.get()} if newest.get() else {}
        if left:
            values[OWED] = {actor: backlog.entry() for actor, backlog in left.items()}
        kept = ({"since": since} if since else {}) | ({OWED: {a: b.entry() for a, b in owed.items()}} if owed else {})
        if values != kept:
            yield Batch([], cursor=encode_cursor(values))

    @staticmethod
    def _owe(brand: str, actor: str, floor: str, page: str, then: str | None, owed_at: str | None = None) -> Backlog:
        """The account's range still owed, owed since `owed_at` (a backlog read again keeps its own; None: now)."""
        log.warning("bluesky/%s: own account %s stopped with pages left; the next run reads its older posts first "
                    "(page cursor %s)", brand, actor, page[:80])
        # `before` is an opaque page cursor: not ordered against `floor` (`Backlog.owed` would compare times).
        return Backlog(floor, page, then, owed_at or now_iso())

    def _own_feed(
        self, client: Any, actor: str, what: str, selector: Selector, newest: Newest[str], mine: Newest[str],
        last: str | None, page_cursor: str | None, pages: int,
    ) -> Generator[Batch, None, tuple[int, str | None]]:
        """One account's author feed newest first, from `page_cursor` (None: the newest post) down to `last`
        (the time read up to, inclusive; None: the selector's window start), for at most `pages` pages.
        Returns the pages read and, when it stopped with pages left, the page cursor to go on from (else None).
        A `page_cursor` the AppView refuses (400 on the first page) raises `_PageRefused`."""
        opts = self.options
        read_up_to = _time(last)  # the newest post an earlier run read: that one and older are done
        window_start = as_utc(selector.window.since) if selector.window.since and read_up_to is None else None
        for number in range(1, pages + 1):
            params: dict[str, Any] = {"actor": actor, "limit": opts.limit, "filter": "posts_with_replies"}
            if page_cursor:
                params["cursor"] = page_cursor
            try:
                response = self.retry.call(
                    lambda p=params: client.app.bsky.feed.get_author_feed(params=p), what, self._classify
                )
            except SourceError as exc:
                refused = getattr(getattr(exc.__cause__, "response", None), "status_code", None) == 400
                if number == 1 and page_cursor is not None and refused:
                    raise _PageRefused(str(exc)) from exc
                raise
            batch, feed, older = Batch([]), _get(response, "feed") or [], 0
            for item in feed:
                post = _get(item, "post")
                created = _get(post, "record", "created_at") or _get(post, "record", "createdAt")
                when = _time(created)
                if when and _read_before(when, read_up_to, window_start):
                    older += 1  # read before (or before the window); a pinned post can be old, so go on
                    continue
                if _get(item, "reason") is not None:
                    continue  # a repost: someone else's post
                if selector.add(batch, _get(post, "uri"), lambda p=post: self._mention(p)) and isinstance(
                    created, str
                ):
                    newest.offer(created)
                    mine.offer(created, actor)
            yield batch
            page_cursor = _get(response, "cursor")
            record = _get(feed[-1], "post", "record") if feed else None
            bottom = _time(_get(record, "created_at") or _get(record, "createdAt"))
            if not page_cursor or not feed or (older and older >= len(feed) - 1):
                return number, None  # newest first: a page (all but a pinned post) of older posts ends it
            if bottom and _read_before(bottom, read_up_to, window_start):
                return number, None  # its last post is one read before: the read has reached where it stops
            if number >= pages:
                return number, page_cursor  # stopped with pages left: the next run goes on from here
        return pages, None

    def _classify(self, exc: Exception) -> Exception | None:
        import httpx
        from atproto_client import exceptions as ex

        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None) or {}
        if isinstance(exc, ex.RateLimitExceededError):
            return Retry("rate limited (429)", retry_after_seconds(headers, self.retry.clock()))
        if isinstance(exc, ex.NetworkError):  # timeouts, connection errors, 502/409/413
            return Retry(f"network error ({status or type(exc).__name__})")
        if isinstance(exc, ex.UnauthorizedError):
            return SourceError(f"bluesky: {status}: this host needs a login; use the public AppView base_url")
        if isinstance(exc, ex.RequestException) and status and (status >= 500 or status == 408):
            # `retry_for_status`: only an explicit Retry-After (ratelimit-reset is the quota window, not when the
            # server is back).
            return retry_for_status(status, headers, self.retry.clock())
        if isinstance(exc, ex.RequestErrorBase):
            return SourceError(f"bluesky rejected the request: {exc}")
        if isinstance(exc, json.JSONDecodeError | ex.ModelError):
            return Retry(f"malformed response ({type(exc).__name__})")
        # The SDK wraps only httpx's timeouts and NetworkError: the rest of its transport errors come raw.
        if isinstance(exc, httpx.UnsupportedProtocol):
            return SourceError(f"bluesky: base_url is not an http(s) URL ({exc})")
        if isinstance(exc, httpx.TransportError):  # a dropped connection ("Server disconnected"), a proxy error
            return Retry(f"connection failed ({type(exc).__name__})")
        return None

    @staticmethod
    def _mention(post: Any) -> dict[str, Any]:
        uri = _get(post, "uri")
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise ValueError(f"bad post uri {uri!r}")
        did, _, rkey = uri.removeprefix("at://").partition("/app.bsky.feed.post/")
        handle = _get(post, "author", "handle")
        text = _get(post, "record", "text")
        if isinstance(text, str):
            text = text_with_links(text, _get(post, "record", "facets"))
        created = _get(post, "record", "created_at") or _get(post, "record", "createdAt") or _get(post, "indexed_at")
        langs = _get(post, "record", "langs") or []
        reply_parent = _get(post, "record", "reply", "parent", "uri")
        thread_root = _get(post, "record", "reply", "root", "uri")
        extra = {"uri": uri, "reply_to": reply_parent, "conversation_id": _post_id(thread_root)}
        quoted = _post_id(quoted_uri(_get(post, "record", "embed")))
        if quoted:
            extra["quote_of"] = quoted  # as X's: the quoted post's mention id (a quote is no repost)
        return {
            "source": "bluesky",
            "native_id": f"{did}/{rkey}",
            "url": f"https://bsky.app/profile/{handle or did}/post/{rkey}",
            "text": text,
            "created_at": created,
            "author": {
                "id": _get(post, "author", "did"),
                "handle": handle,
                "name": _get(post, "author", "display_name") or None,
            },
            "engagement": {
                "likes": _get(post, "like_count"),
                "reposts": _get(post, "repost_count"),
                "replies": _get(post, "reply_count"),
                "quotes": _get(post, "quote_count"),
            },
            "lang": langs[0].lower() if langs and isinstance(langs[0], str) else None,
            "reply_to": _post_id(reply_parent),
            "extra": extra,
        }
