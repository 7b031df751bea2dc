"""Reddit through praw (read-only, app-only OAuth): search, or new posts / comments of subreddits.

Credentials: a Reddit "script" or "web" app's client id and secret in the environment
variables named by `client_id_env` / `client_secret_env` (free; ~100 requests/minute
per client id, praw paces itself from the x-ratelimit-* headers).
The cursor is the newest `created_utc` of the items read for good (`Selector.add`) plus the ids at
that second; it is handed out after all listings of a run, so an interrupted run re-reads rather
than skips.
A comment whose body is "[deleted]" / "[removed]", or a submission whose body is and whose author is gone, becomes a
tombstone (`core.mention.tombstone`): collection deletes the copy it stored (docs/sources.md, "Deleted posts").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from core.accounts import account_key
from core.mention import Mention, tombstone
from core.query import QueryCompileError, parse
from core.time import as_utc
from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window
from extractors.http import Retry, RetryPolicy, classify_requests_error, make_session, retry_for_status
from extractors.query_native import REDDIT_QUERY_LIMIT, NativeSearches, reddit_searches
from extractors.reddit_reach import reach_of, time_filter_for
from extractors.state import decode_cursor, encode_cursor

log = logging.getLogger("groundswell.extractors.reddit")
PAGE = 100  # Reddit's page size; one Batch per page
LISTING_CAP = 1000  # Reddit serves about this many items of a listing or search, whatever `limit` asks
_DELETED = {"[deleted]", "[removed]"}


class RedditOptions(SourceOptions):
    client_id_env: str = "REDDIT_CLIENT_ID"
    client_secret_env: str = "REDDIT_CLIENT_SECRET"
    user_agent: str = Field(default="groundswell/0.1 social listening", description="Reddit asks for a unique one")
    mode: Literal["search", "new", "comments"] = "search"
    subreddits: list[str] = Field(default_factory=lambda: ["all"], min_length=1)
    sort: Literal["new", "relevance", "hot", "top", "comments"] = "new"
    syntax: Literal["lucene", "cloudsearch", "plain"] = "lucene"
    time_filter: Literal["all", "year", "month", "week", "day", "hour"] | None = Field(
        default=None,
        description="Search's time filter; None: the narrowest that reaches the run's start (extractors.reddit_reach)",
    )
    limit: int | None = Field(
        default=1000, ge=1, description="Items per subreddit per run; None = as many as Reddit gives"
    )
    native_query: str | None = Field(default=None, description="Reddit query to send instead of the compiled one")
    reddit_url: str | None = Field(default=None, description="Override www.reddit.com (proxy, test server)")
    oauth_url: str | None = Field(default=None, description="Override oauth.reddit.com (proxy, test server)")


def _no_inner_retries(reddit: Any) -> None:
    """Turn off prawcore's own retries (two more tries of a 5xx or a dropped connection, with real sleeps
    of 2-4 s): our one retry layer (`extractors.http.RetryPolicy`) retries, waits and logs, so a failing
    request is not tried three times for each of our attempts. prawcore has no public switch: its session
    keeps the strategy class in `_retry_strategy_class` (prawcore 2.x); without it nothing changes."""
    from prawcore.sessions import FiniteRetryStrategy

    @dataclass(frozen=True)
    class NoRetry(FiniteRetryStrategy):
        retries: int = 0

        def _sleep_seconds(self) -> float | None:
            return None  # FiniteRetryStrategy sleeps 2-4 s before a request once retries < its default

    for core in (getattr(reddit, name, None) for name in ("_core", "_read_only_core", "_authorized_core")):
        if core is not None and hasattr(core, "_retry_strategy_class"):
            core._retry_strategy_class = NoRetry


def _paced_by(reddit: Any, policy: Callable[[], RetryPolicy]) -> None:
    """Route prawcore's own pre-request wait through our wait ceiling. prawcore's `RateLimiter.delay` sleeps, with
    `time.sleep`, until the window resets when a response said `x-ratelimit-remaining: 0` (Reddit's windows run up
    to 600 s), and spaces requests out near the limit: outside `RetryPolicy`, so `sources[].max_wait_s` did not
    bound it. Here every such wait is `RetryPolicy.wait`: slept within the source's budget, else `RateLimited`
    naming the reset. The limiter lives on each core session (`_rate_limiter`, prawcore 2.x); without it nothing
    changes."""
    import time  # lazy: with prawcore, which measures its pacing on time.monotonic_ns

    from prawcore.rate_limit import RateLimiter  # lazy: praw is imported with the client only

    class CeilingRateLimiter(RateLimiter):
        # The time of the next request on the policy's clock: a wait our retry layer already slept (a 429's
        # reset) counts against it, as it does on the real clock.
        next_request_at: float | None = None

        def update(self, *, response_headers: Any) -> None:
            super().update(response_headers=response_headers)
            if self.next_request_timestamp_ns is not None:
                ahead = max(0.0, (self.next_request_timestamp_ns - time.monotonic_ns()) / 1e9)
                self.next_request_at = policy().clock() + ahead

        def delay(self) -> None:
            if self.next_request_at is None:
                return
            seconds = self.next_request_at - policy().clock()
            if seconds > 0:
                reason = f"Reddit's rate limit: {self.remaining} request(s) left in its window"
                policy().wait(seconds, "reddit: next request", reason)

    for core in {id(c): c for c in (getattr(reddit, n, None) for n in ("_core", "_read_only_core",
                                                                       "_authorized_core")) if c}.values():
        limiter = getattr(core, "_rate_limiter", None)
        if isinstance(limiter, RateLimiter) and not isinstance(limiter, CeilingRateLimiter):
            paced = CeilingRateLimiter(window_size=limiter.window_size)
            paced.__dict__.update(limiter.__dict__)
            core._rate_limiter = paced


def classify_praw(exc: Exception, now: float, id_env: str, secret_env: str) -> Exception | None:
    import prawcore

    if isinstance(exc, prawcore.BadJSON):
        return Retry("malformed JSON in the response")
    # By status, not by prawcore's class: it names only some 5xx (ServerError), the rest (501, 52x) and 408
    # come as a bare ResponseException.
    if isinstance(exc, prawcore.ResponseException):
        retry = retry_for_status(exc.response.status_code, exc.response.headers, now)
        if retry is not None:
            return retry
    unauthorised = isinstance(exc, prawcore.ResponseException) and exc.response.status_code == 401
    if _auth_lookup_failed(exc):
        # prawcore maps a 401/403 to its class by the WWW-Authenticate error and has no entry for a 401 without
        # one (or an error it does not name): it raises KeyError(401). Reddit refused the credentials all the same.
        return SourceError(
            f"Reddit refused the app credentials: check ${id_env} and ${secret_env} "
            f"(Reddit answered {str(exc.args[0] if exc.args else exc)[:40]}, a refusal prawcore does not name)"
        )
    if unauthorised or isinstance(exc, prawcore.OAuthException | prawcore.InvalidToken | prawcore.InsufficientScope):
        return SourceError(f"Reddit refused the app credentials: check ${id_env} and ${secret_env} ({exc})")
    if isinstance(exc, prawcore.Redirect | prawcore.NotFound):
        return SourceError(f"Reddit: no such subreddit or page ({exc})")
    if isinstance(exc, prawcore.Forbidden):
        return SourceError(f"Reddit: forbidden (private, banned or quarantined subreddit?) ({exc})")
    if isinstance(exc, prawcore.ResponseException):
        return SourceError(f"Reddit rejected the request ({exc.response.status_code})")
    if isinstance(exc, prawcore.RequestException):
        return classify_requests_error(exc.original_exception) or Retry(f"request failed: {exc.original_exception}")
    return classify_requests_error(exc)


def _auth_lookup_failed(exc: Exception) -> bool:
    """Whether `exc` is prawcore's KeyError from looking up the class of an authorisation error (prawcore 2-4:
    `prawcore.util.authorization_error_class`), not a KeyError of ours."""
    if not isinstance(exc, KeyError):
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code if tb is not None else None
    return code is not None and code.co_name == "authorization_error_class" and "prawcore" in code.co_filename


class RedditExtractor(Extractor[RedditOptions]):
    type = "reddit"
    Options = RedditOptions
    needs_credentials = ("client_id_env", "client_secret_env")

    def client(self) -> Any:
        try:
            import praw
        except ImportError as exc:  # pragma: no cover - in requirements.txt
            raise SourceError("the Reddit source needs praw: pip install praw") from exc
        opts = self.options
        client_id, secret = self.secret(opts.client_id_env), self.secret(opts.client_secret_env)
        if not client_id or not secret:
            raise SourceError(f"Reddit needs app credentials: set ${opts.client_id_env} and ${opts.client_secret_env}")
        urls = {k: v for k, v in (("reddit_url", opts.reddit_url), ("oauth_url", opts.oauth_url)) if v}
        reddit = praw.Reddit(
            client_id=client_id,
            client_secret=secret,
            user_agent=opts.user_agent,
            check_for_updates=False,
            requestor_kwargs={"session": make_session()},
            **urls,
        )
        _no_inner_retries(reddit)
        _paced_by(reddit, lambda: self.retry)  # the policy at request time: build_extractor sets the source's
        return reddit

    def compile_query(self, query: str) -> NativeSearches | None:
        """The Reddit searches (`options.native_query` as written, else the brand's query compiled, split into
        several searches when longer than Reddit's 512 characters: `reddit_searches`), or None in the listing
        modes, which read every post and match locally."""
        opts = self.options
        if opts.mode != "search":
            return None
        native = opts.native_query
        if native is None:
            return reddit_searches(parse(query))
        if len(native) > REDDIT_QUERY_LIMIT:
            raise QueryCompileError(
                f"native_query is {len(native):,} characters, and a Reddit search may have {REDDIT_QUERY_LIMIT}: "
                "shorten it"
            )
        return NativeSearches("Reddit", (native,), len(native), REDDIT_QUERY_LIMIT)

    def _time_filter(self, selector: Selector) -> str:
        """The search's time filter: the option when set (with a warning when it does not reach the run's start,
        which then is not asked for), else the narrowest one that reaches it."""
        start, now = selector.window.since, selector.collected_at
        chosen = self.options.time_filter
        if chosen is None:
            return time_filter_for(start, now)
        reach = reach_of(chosen, now)
        if start is not None and reach is not None and as_utc(start) < reach:
            log.warning("reddit/%s: the window starts %s, before the time_filter %r reaches; reading from %s "
                        "(leave time_filter unset to derive it from the window)",
                        selector.brand, as_utc(start).isoformat(), chosen, reach.isoformat())
        return chosen

    def _listings(self, reddit: Any, query: str, selector: Selector) -> Iterator[tuple[str, Any]]:
        opts = self.options
        compiled = self.searched_query(query)
        time_filter = self._time_filter(selector) if opts.mode == "search" else None
        for name in opts.subreddits:
            sub = reddit.subreddit(name)
            if compiled is not None:
                # A long query split (`reddit_searches`): one listing per search. The cursor is handed out after
                # all of them (`_collect`), so a run stopped between two reads them all again, never skips.
                for n, native in enumerate(compiled.searches, 1):
                    part = f" (search {n} of {len(compiled.searches)})" if len(compiled.searches) > 1 else ""
                    yield f"r/{name}{part}", sub.search(
                        native, sort=opts.sort, syntax=opts.syntax, time_filter=time_filter, limit=opts.limit
                    )
                continue
            if opts.mode == "new":
                gen = sub.new(limit=opts.limit)
            else:
                gen = sub.comments(limit=opts.limit)
            yield f"r/{name}", gen

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        opts = self.options
        newest_first = opts.mode != "search" or opts.sort == "new"
        selector = Selector("reddit", brand, query, window, lang_of=self.lang_of)
        since = self._follow(selector, cursor)
        reddit = self.client()
        yield from self._collect(selector, self._listings(reddit, query, selector), since, newest_first)

    collects_own_posts = True

    def own_posts(
        self, brand: str, query: str, accounts: list[str], cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        """The own accounts' newest comments and posts (`/user/<name>/overview`, newest first)."""
        selector = Selector("reddit", brand, query, window, match_all=True)
        since = self._follow(selector, cursor)
        reddit = self.client()
        names = [account_key("reddit", a) for a in accounts]
        listings = ((f"u/{n}", reddit.redditor(n).overview.new(limit=self.options.limit)) for n in names)
        yield from self._collect(selector, listings, since, newest_first=True)

    @staticmethod
    def _follow(selector: Selector, cursor: str | None) -> tuple[float, set[str]]:
        """The saved cursor's time and ids (none for one in the future). The selector reaches back to it: Reddit
        lists everything after it, none of it read, whatever this run's window. A post listed late, dated before
        the last run's interval ended, was dropped as older than the window while the cursor moved past it."""
        since = decode_cursor(cursor, "reddit")
        since_ts = float(since.get("created_utc") or 0)
        since_ids = {str(i) for i in since.get("ids") or []}
        if selector.stale_future_cursor(since_ts, cursor):
            return 0.0, set()
        selector.reach_back_to(since_ts or None)
        return since_ts, since_ids

    def _collect(
        self,
        selector: Selector,
        listings: Iterator[tuple[str, Any]],
        since: tuple[float, set[str]],
        newest_first: bool,
    ) -> Iterator[Batch]:
        """Mentions from listings, one Batch per page, the cursor (newest time + ids there) last."""
        opts, brand = self.options, selector.brand
        since_ts, since_ids = since
        start = selector.window.since.timestamp() if selector.window.since else None
        newest_ts, newest_ids = since_ts, set(since_ids)
        cap = min(opts.limit or LISTING_CAP, LISTING_CAP)
        seen: set[str] = set()  # items handled: one that two searches of a split query find is yielded once
        for name, gen in listings:
            what = f"reddit {opts.mode if not selector.match_all else 'own posts'} {name} ({brand})"
            batch = Batch([])
            read, oldest, reached = 0, None, False
            for item in self._iterate(gen, what):
                read += 1
                data = vars(item)  # already-fetched fields only: never triggers a lazy request
                ts = data.get("created_utc")
                fullname = data.get("name") or f"?{data.get('id')}"
                if isinstance(ts, int | float):
                    oldest = ts if oldest is None else min(oldest, ts)
                    if newest_first and start is not None and ts < start:
                        reached = True
                        break  # the rest of a newest-first listing is older than the window (and the cursor)
                    if ts < since_ts or (ts == since_ts and fullname in since_ids):
                        if newest_first and ts < since_ts:
                            reached = True
                            break  # newest-first listing: the rest was collected before
                        continue  # one read at the cursor's second: others of that second may follow it, unread
                if fullname in seen:
                    continue
                seen.add(fullname)
                if selector.add(batch, fullname, lambda d=data: self._mention(d)) and isinstance(ts, int | float):
                    if ts > newest_ts:
                        newest_ts, newest_ids = ts, {fullname}
                    elif ts == newest_ts:
                        newest_ids.add(fullname)
                if len(batch.mentions) + len(batch.skipped) >= PAGE:
                    yield batch
                    batch = Batch([])
            if batch.mentions or batch.skipped:
                yield batch
            if newest_first and not reached and start is not None and read >= cap and oldest is not None:
                # Reddit serves a listing's newest ~1000 items at most (and `limit` of them): older ones are
                # out of reach, said as X says a window beyond its recent search.
                log.warning("reddit/%s: %s gave %d items, back to %s, before reaching the window's start %s; "
                            "the posts between are out of reach", brand, name, read,
                            datetime.fromtimestamp(oldest, tz=UTC).isoformat(),
                            datetime.fromtimestamp(start, tz=UTC).isoformat())
        if newest_ts > since_ts or newest_ids != since_ids:
            yield Batch([], cursor=encode_cursor({"created_utc": newest_ts, "ids": sorted(newest_ids)}))

    def _iterate(self, gen: Any, what: str) -> Iterator[Any]:
        done = object()
        while True:
            item = self.retry.call(lambda: next(gen, done), what, self._classify)
            if item is done:
                return
            yield item

    def _classify(self, exc: Exception) -> Exception | None:
        opts = self.options
        return classify_praw(exc, self.retry.clock(), opts.client_id_env, opts.client_secret_env)

    @staticmethod
    def _mention(d: dict[str, Any]) -> dict[str, Any] | Mention:
        fullname = d["name"]
        is_comment = fullname.startswith("t1_")
        author = d.get("author")
        author_name = getattr(author, "name", author) if author is not None else None
        if _deleted(d, is_comment, author_name):
            # Deleted or removed on Reddit: a tombstone, so that collection deletes the copy it stored.
            return tombstone("reddit", fullname, datetime.fromtimestamp(float(d["created_utc"]), tz=UTC))
        if is_comment:
            text = d["body"]
        else:
            # A removed post keeps its title; its body placeholder is not text anyone wrote.
            body = d.get("selftext") if d.get("selftext") not in _DELETED else ""
            text = d["title"] + ("\n\n" + body if body else "")
        if author_name in _DELETED:
            author_name = None
        subreddit = d.get("subreddit")
        extra: dict[str, Any] = {"subreddit": str(getattr(subreddit, "display_name", subreddit) or "") or None}
        if is_comment:
            extra["link_id"] = d.get("link_id")
            extra["parent_id"] = d.get("parent_id")
        elif d.get("url") and not d.get("is_self", True):
            extra["link_url"] = d["url"]
        permalink = d.get("permalink")
        parent = d.get("parent_id") if is_comment else None
        return {
            "source": "reddit",
            "native_id": fullname,
            "url": f"https://www.reddit.com{permalink}" if permalink else None,
            "text": text,
            "created_at": datetime.fromtimestamp(float(d["created_utc"]), tz=UTC),
            "author": {"id": d.get("author_fullname"), "handle": author_name},
            "engagement": {
                "likes": max(0, d["score"]) if isinstance(d.get("score"), int) else None,
                "replies": d.get("num_comments") if isinstance(d.get("num_comments"), int) else None,
            },
            # parent_id is a fullname (t1_ comment, t3_ post), the native id this extractor stores items under.
            "reply_to": f"reddit:{parent}" if isinstance(parent, str) and parent[:3] in ("t1_", "t3_") else None,
            "extra": extra,
        }


def _deleted(d: dict[str, Any], is_comment: bool, author_name: str | None) -> bool:
    """Whether Reddit says the item was deleted or removed: a comment whose body is "[deleted]" / "[removed]"; a
    submission whose body is, and whose author is gone too (a removed post whose author is still named keeps its
    title, which is what its author wrote)."""
    if is_comment:
        return d.get("body") in _DELETED
    return d.get("selftext") in _DELETED and (author_name is None or author_name in _DELETED)
