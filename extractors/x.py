"""X (Twitter) API v2 recent / full-archive search through tweepy, with a metered monthly read budget.

Credentials: a bearer token in the environment variable named by `bearer_token_env`.
Each tweet comes with its author's followers, public metrics, language, conversation
and referenced posts (expansions). The cursor is the newest id of the tweets read for good
(`Selector.add`, and whose snowflake time is not in the future), sent as `since_id`;
it is handed out only after every page of a run, so a crash mid-run re-reads (and
upserts) instead of skipping the older pages. X refuses an id limit beside a time limit, so with a
cursor the window's end goes as `until_id`; recent search reaches back 7 days, and a cursor or window
start older than that is moved up to the reach, with a warning (`XExtractor._bounds`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal

from pydantic import Field

from core.accounts import account_key
from core.mention import Mention
from core.query import QueryCompileError, parse
from core.time import as_utc
from extractors.base import Batch, Extractor, Selector, SourceError, SourceOptions, Window
from extractors.http import (
    RateLimited,
    Retry,
    classify_requests_error,
    make_session,
    rebase,
    retry_after_header,
    retry_after_seconds,
    retry_for_status,
)
from extractors.query_native import X_QUERY_LIMITS, NativeSearches, x_searches
from extractors.state import Backlog, Newest, ReadBudget, decode_backlogs, encode_backlogs

log = logging.getLogger("groundswell.extractors.x")

TWEET_FIELDS = [
    "created_at",
    "public_metrics",
    "lang",
    "conversation_id",
    "referenced_tweets",
    "author_id",
    "in_reply_to_user_id",
    "note_tweet",  # a post over 280 characters: `text` is cut, `note_tweet.text` is all of it
]
USER_FIELDS = ["public_metrics", "username", "name"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
TWITTER_EPOCH_MS = 1288834974657
# Recent search reads the last 7 days; X answers 400 to a since_id or start_time older than that. The margin
# keeps a request made at the edge from crossing it on the way.
RECENT_REACH = timedelta(days=7) - timedelta(minutes=5)
API_HOST = "https://api.twitter.com"


class XOptions(SourceOptions):
    bearer_token_env: str = Field(default="X_BEARER_TOKEN", description="Env var holding the app bearer token")
    endpoint: Literal["recent", "all"] = Field(default="recent", description="'all' needs full-archive access")
    max_results: int = Field(default=100, ge=10, le=100, description="Tweets per page (X bills each one read)")
    max_pages: int = Field(default=10, ge=1, le=1000, description="Pages per run at most")
    monthly_read_budget: int | None = Field(default=None, ge=1, description="Tweets read per month at most")
    budget_warn_ratio: float = Field(default=0.8, gt=0, le=1)
    native_query: str | None = Field(default=None, description="X query to send instead of the compiled one")
    max_query_length: int | None = Field(
        default=None, ge=1, description="Characters a search may have on your plan; default 512 (recent), 1024 (all)"
    )
    api_base_url: str | None = Field(default=None, description="Send API calls here instead (proxy, test server)")


def tweet_time(tweet_id: str) -> datetime:
    """A tweet's creation time from its snowflake id (used when created_at is absent)."""
    ms = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def snowflake_at(when: datetime) -> str:
    """The smallest id X gives a tweet created at `when` or later (ids are milliseconds since
    TWITTER_EPOCH_MS, shifted 22 bits): as `until_id`, which X reads as "older than", it ends a search
    just before `when`, as `end_time` would."""
    micros = int(when.timestamp()) * 1_000_000 + when.microsecond
    ms = -(-micros // 1000)  # rounded up: a tweet in the millisecond before `when` is still in
    return str(max(ms - TWITTER_EPOCH_MS, 0) << 22)


def _version(mention: Mention) -> str:
    """The id of the tweet version a mention was read from (its own id, or an edit's `version_id`)."""
    return str(mention.extra.get("version_id") or mention.native_id)


def _id_order(tweet_id: str) -> int:
    """Tweet ids order as numbers; ValueError for one that is not numeric."""
    if not isinstance(tweet_id, str) or not tweet_id.isdigit():
        raise ValueError(tweet_id)
    return int(tweet_id)


def _id_seconds(tweet_id: str) -> float:
    """A tweet id's snowflake time in POSIX seconds (a number: a bogus id would overflow a datetime)."""
    return ((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000


def _ids(body: Any) -> list[int]:
    """The numeric tweet ids of a search page, whatever else is wrong with its tweets."""
    data = body.get("data") if isinstance(body, dict) else None
    ids = [t.get("id") for t in data if isinstance(t, dict)] if isinstance(data, list) else []
    return [int(i) for i in ids if isinstance(i, str) and i.isdigit()]


def _id_in_future(tweet_id: Any, selector: Selector) -> bool:
    """Whether a tweet id's snowflake time is later than the run allows."""
    return isinstance(tweet_id, str) and tweet_id.isdigit() and selector.in_future(_id_seconds(tweet_id))


_DONE, _UNTOUCHED = "done", "untouched"  # how a range's read ended (`XExtractor._read_range`), beside an id


@dataclass
class _Read:
    """One run's searches and what they share across the ranges it reads (`XExtractor._search`)."""

    natives: tuple[str, ...]
    search: Callable[..., Any]
    selector: Selector
    budget: ReadBudget
    newest: Newest[str]
    seen: set[str]
    limited: RateLimited | None = None  # a rate limit met after some pages: nothing more is read this run
    starved: bool = False  # a search got no page (the read budget): nothing more is read this run


def _floor(bounds: dict[str, Any]) -> str | None:
    """Where a range read with `bounds` starts, as a tweet id (what a `Backlog` it leaves starts above)."""
    start = bounds.get("start_time")
    return bounds.get("since_id") or (str(int(snowflake_at(start)) - 1) if start else None)


def _ceiling(bounds: dict[str, Any]) -> int | None:
    """Where a range read with `bounds` ends, as a tweet id (what a search that got no page of it still owes
    lies below); None when it has no end."""
    end = bounds.get("end_time")
    top = bounds.get("until_id") or (snowflake_at(end) if end else None)
    return int(top) if top else None


def classify_tweepy(exc: Exception, now: float, token_env: str) -> Exception | None:
    import requests
    import tweepy

    if isinstance(exc, tweepy.TooManyRequests):
        return Retry("rate limited (429)", retry_after_seconds(exc.response.headers, now))
    if isinstance(exc, tweepy.TwitterServerError):
        # Only an explicit Retry-After: x-rate-limit-reset is the quota window, not when the server is back.
        return Retry(f"server error {exc.response.status_code}", retry_after_header(exc.response.headers, now))
    if isinstance(exc, tweepy.Unauthorized | tweepy.Forbidden):
        return SourceError(
            f"X refused the request ({exc.response.status_code}): check ${token_env} and that the plan "
            f"allows this endpoint: {'; '.join(exc.api_messages)[:200]}"
        )
    if isinstance(exc, tweepy.HTTPException):
        # A 408 (and any 5xx tweepy names no class for) is worth another try, as everywhere (`retry_for_status`).
        retry = retry_for_status(exc.response.status_code, exc.response.headers, now)
        if retry is not None:
            return retry
        return SourceError(f"X rejected the request ({exc.response.status_code}): {'; '.join(exc.api_messages)[:300]}")
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return Retry("malformed JSON in the response")
    return classify_requests_error(exc)


def _lang(value: Any) -> str | None:
    # X uses 'und' and private codes like 'qme' (media only), 'zxx' (no text): not languages.
    if not isinstance(value, str) or value in ("und", "zxx") or value.startswith("q"):
        return None
    return value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


# X escapes exactly these three in a post's text ("AT&amp;T", "5 &lt; 6"); nothing else is an entity there, so a
# typed "&quot;" stays as written. One pass: a typed "&amp;" (sent as "&amp;amp;") comes back as "&amp;".
_X_ENTITIES = re.compile(r"&(amp|lt|gt);")
_X_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def unescape_text(text: str) -> str:
    """A post's text as written: X's `&amp;`, `&lt;` and `&gt;` decoded, once."""
    return _X_ENTITIES.sub(lambda m: _X_CHARS[m.group(1)], text)


def full_text(tweet: dict[str, Any]) -> Any:
    """All of a post's text, unescaped: `note_tweet.text` for a post over 280 characters (whose `text` X cuts),
    else `text` (a non-string is returned as it came, for the caller to reject)."""
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) else None
    if not isinstance(text, str) or not text.strip():
        text = tweet.get("text")
    return unescape_text(text) if isinstance(text, str) else text


def post_id(tweet: dict[str, Any]) -> str | None:
    """The id every version of a post is stored under: the first of `edit_history_tweet_ids` (the original; X
    lists them oldest first and gives each edit a new id), else the tweet's own id."""
    tid = tweet.get("id")
    history = tweet.get("edit_history_tweet_ids")
    # A history that does not name the tweet itself is not its own: the tweet keeps its id, merged with no other.
    if isinstance(history, list) and tid in history and all(isinstance(i, str) and i.isdigit() for i in history):
        return history[0]
    return tid if isinstance(tid, str) else None


class XExtractor(Extractor[XOptions]):
    type = "x"
    Options = XOptions
    needs_credentials = ("bearer_token_env",)

    @staticmethod
    def owed_time(value: str) -> datetime | None:
        """A cursor's tweet id → its snowflake time (`Extractor.owed_time`)."""
        return tweet_time(value) if value.isdigit() else None

    def client(self) -> Any:
        try:
            import tweepy
        except ImportError as exc:  # pragma: no cover - in requirements.txt
            raise SourceError("the X source needs tweepy: pip install tweepy") from exc
        opts = self.options
        token = self.secret(opts.bearer_token_env)
        if not token:
            raise SourceError(f"X needs a bearer token: set ${opts.bearer_token_env}")
        client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
        client.session = make_session()
        if opts.api_base_url:
            rebase(client.session, API_HOST, opts.api_base_url)
        return client

    def compile_query(self, query: str) -> NativeSearches:
        """The X searches for a brand: `options.native_query` as written, else the brand's query compiled, split
        into several searches (ORed) when longer than the plan's `max_query_length` (`x_searches`)."""
        opts = self.options
        limit = opts.max_query_length or X_QUERY_LIMITS[opts.endpoint]
        native = opts.native_query
        if native is None:
            return x_searches(parse(query), limit)
        if len(native) > limit:
            raise QueryCompileError(
                f"native_query is {len(native):,} characters, and an X search may have {limit:,} ({opts.endpoint} "
                "search): shorten it, or set max_query_length if your plan allows longer queries"
            )
        return NativeSearches("X", (native,), len(native), limit)

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        searches = self.searched_query(query).searches
        yield from self._search(searches, Selector("x", brand, query, window, lang_of=self.lang_of), cursor)

    collects_own_posts = True

    def own_posts(
        self, brand: str, query: str, accounts: list[str], cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        """The own accounts' posts and replies: a `from:` search (billed against the same read budget)."""
        handles = [f"from:{account_key('x', a)}" for a in accounts]
        native = handles[0] if len(handles) == 1 else "(" + " OR ".join(handles) + ")"
        yield from self._search((native,), Selector("x", brand, query, window, match_all=True), cursor)

    def _search(self, natives: tuple[str, ...], selector: Selector, cursor: str | None) -> Iterator[Batch]:
        """Every page of the searches whose union is the query (one, or a long query split: `x_searches`), the
        one cursor batch last, once every search has been read: a run stopped between two searches saves
        nothing, and the next one reads them all again (a tweet found twice is stored once, by its id).
        `extract` and `own_posts` differ only in the query."""
        opts, brand = self.options, selector.brand
        client = self.client()
        search = client.search_all_tweets if opts.endpoint == "all" else client.search_recent_tweets
        if opts.monthly_read_budget and self._state is None:
            log.warning(
                "x: no store bound (build_extractor(source, state=store)): the read budget counts this run only"
            )
        budget = ReadBudget(self.state, self.source_key, opts.monthly_read_budget, opts.budget_warn_ratio)
        ranges = decode_backlogs(cursor)  # what stopped runs left, newest first
        then = ranges[0].then if ranges else cursor if cursor and cursor.isdigit() else None
        for gone in [r for r in ranges if self._beyond_reach(r.before, selector)]:
            log.warning("x/%s: the tweets a stopped run left (older than %s) are now beyond the 7 days recent "
                        "search reaches; going on without them", brand, tweet_time(gone.before).isoformat())
            ranges.remove(gone)
        if ranges:
            # The ranges stopped runs left are owed whatever this run's window (a scheduled run's interval
            # starts where the last one ended): their tweets must not be dropped as older than the window.
            selector.window = Window(until=selector.window.until)
        # The new tweets first (from `then` up), then the owed ranges, newest first, with the pages left: during a
        # burst that outruns a run, the store (the dashboard, the detectors) sees the burst go on, not freeze at
        # the point the first stopped run reached. A run of one page has nothing to share: it reads the owed.
        pages_left = opts.max_pages
        since_id, covered = then, None
        if ranges and then is None and opts.max_pages > 1:
            # Nothing above the newest range was read for good (a stopped run kept no tweet): the new read
            # covers it, from its start up.
            covered = ranges.pop(0)
            since_id = covered.after
        if since_id and selector.stale_future_cursor(_id_seconds(since_id), since_id):
            since_id = None
        if since_id:
            selector.reach_back_to(_id_seconds(since_id))  # X sends everything after it: none of it was read
        newest: Newest[str] = Newest({"": since_id} if since_id else None, order=_id_order)
        seen: set[str] = set()  # the posts yielded: a post two searches find is yielded once
        budget.check()  # a spent budget is an error up front, not a silent empty run
        state = _Read(natives, search, selector, budget, newest, seen)
        top: Backlog | None = None  # the range the new read leaves, when it stops with pages left
        moved = False  # whether anything owed or new was read (else the saved cursor stays)
        if not ranges or opts.max_pages > 1:
            # A split query's searches run one after another (pages, retries, a 429 wait between them): each is
            # bounded by the same top, the pass's start, so the newest id of any of them saved as `since_id`
            # skips no tweet that posted meanwhile matches only an earlier one. (One search needs no top: its
            # first page is the newest at that moment.)
            top_id = snowflake_at(as_utc(selector.collected_at)) if len(natives) > 1 else None
            if top_id is not None and since_id and int(since_id) >= int(top_id) - 1:
                top_id = None  # a cursor within the clock skew: a top below it would be refused
            bounds = self._bounds(since_id, top_id, selector)
            if bounds is None:
                return
            cap = opts.max_pages // 2 if ranges else opts.max_pages
            outcome, used = yield from self._read_range(state, bounds, cap)
            pages_left -= used
            if outcome is _UNTOUCHED and (state.limited is not None or not ranges):
                if state.limited is not None:
                    raise state.limited  # nothing read: the saved cursor stays
                return
            if outcome is _UNTOUCHED and covered is not None:
                ranges.insert(0, covered)  # still owed whole
            if outcome is not _UNTOUCHED:
                moved = True
                if outcome is not _DONE:
                    top = (covered.shrunk(_floor(bounds), str(outcome), _id_order) if covered is not None
                           else Backlog.owed(_floor(bounds), str(outcome), None, _id_order))
                    log.warning("x/%s: stopped with pages left; later runs read the tweets older than %s (newest "
                                "tweets first, then what is owed)", brand, outcome)
        kept: list[Backlog] = []
        for owed in ranges:
            if pages_left <= 0 or state.limited is not None or state.starved:
                kept.append(owed)
                continue
            bounds = self._bounds(owed.after, owed.before, selector)
            if bounds is None:
                moved = True  # out of reach (warned): nothing there can be read any more
                continue
            outcome, used = yield from self._read_range(state, bounds, pages_left)
            pages_left -= used
            if outcome is _UNTOUCHED:
                kept.append(owed)
                continue
            moved = True
            if outcome is not _DONE:
                kept.append(owed.shrunk(_floor(bounds), str(outcome), _id_order))
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        saved = decode_backlogs(cursor)
        if moved or len(kept) != len(saved):
            done = newest.get() or then
            owed_now = [r for r in [top, *kept] if r is not None]
            if owed_now:
                cursor_after = encode_backlogs([r.moved(done) for r in owed_now])
            else:
                cursor_after = done or (saved[-1].after if saved else None)
            if cursor_after is not None and cursor_after != cursor:
                yield Batch([], cursor=cursor_after)
        if state.limited is not None:
            # A rate limit after stored pages is a max_pages stop (what is owed saved just above), then the
            # source's failure as before (`report.rate_limited`): a limit met every run at page k must not make
            # every run read (and be billed for) the same k pages again.
            raise state.limited

    def _read_range(self, state: _Read, bounds: dict[str, Any], cap: int) -> Generator[Batch, None, tuple[Any, int]]:
        """Every search over `bounds`, each up to `cap` pages. Returns `_DONE` (X said there is nothing more, for
        every search), `_UNTOUCHED` (no search got a page of it: the range is owed whole), or the tweet id below
        which the range is still owed: the highest oldest id of the searches stopped with pages left, or the
        range's top when a search got no page of it (the budget, a rate limit) after another stored some; the
        others read it again, a superset. Also the pages used (the most of any search).

        Pages stored by any search of a split query always end in such an id, so the caller saves a cursor:
        returning `_UNTOUCHED` there kept the old cursor, and every run re-read (and was billed for) the same
        newest pages of the busiest search."""
        owed: list[int] = []
        used = 0
        read = False  # whether any search got a page of this range
        for native in state.natives:
            done, oldest, limited, pages = yield from self._search_one(
                state.search, native, state.selector, bounds, state.budget, state.newest, state.seen, cap)
            used = max(used, pages)
            read = read or pages > 0
            state.limited = limited
            if not done and oldest is None:
                state.starved = state.starved or (limited is None and pages == 0)
                top = _ceiling(bounds)
                if not read or top is None:
                    return _UNTOUCHED, used
                return max([*owed, top]), used  # this search owes the range whole; the run stops here
            if not done:
                owed.append(oldest)
            if limited is not None and native != state.natives[-1]:
                # The searches left are not read: they owe the range whole (from its top down).
                top = _ceiling(bounds)
                if not read or top is None:
                    return _UNTOUCHED, used
                return max([*owed, top]), used
        return (max(owed) if owed else _DONE), used

    def _search_one(self, search: Callable[..., Any], native: str, selector: Selector, bounds: dict[str, Any],
                    budget: ReadBudget, newest: Newest[str], seen: set[str], cap: int,
                    ) -> Generator[Batch, None, tuple[bool, int | None, RateLimited | None, int]]:
        """The pages of one search; returns whether X said there is nothing more, the oldest tweet id given, and
        the `RateLimited` that stopped it (the retry layer's wait ceiling), and the pages read (`cap` at most)."""
        opts, brand = self.options, selector.brand
        oldest: list[int] = []  # the oldest tweet id X gave this search, whatever became of the tweet
        token: str | None = None
        pages = 0
        while True:
            wanted = budget.check(opts.max_results)
            if wanted < 10:  # X's smallest page
                log.warning("x/%s: read budget nearly spent (%d left this month); stopping here", brand, wanted)
                break
            params: dict[str, Any] = {
                "query": native,
                "max_results": wanted,
                "expansions": EXPANSIONS,
                "tweet_fields": TWEET_FIELDS,
                "user_fields": USER_FIELDS,
            }
            params |= bounds
            if token:
                params["next_token"] = token
            try:
                body = self.retry.call(lambda p=params: search(**p), f"x search ({brand})", self._classify)
            except RateLimited as exc:
                return False, (oldest[0] if oldest else None), exc, pages
            pages += 1
            batch = self._page(body, selector, newest)
            # By the version read (an edit keeps its original's id, and each version is stored as before).
            batch.mentions = [m for m in batch.mentions if _version(m) not in seen]
            seen.update(_version(m) for m in batch.mentions)
            budget.charge(len(body.get("data") or []) if isinstance(body, dict) else 0)
            oldest[:] = [min([*oldest, *_ids(body)])] if oldest or _ids(body) else []
            yield batch
            token = (body.get("meta") or {}).get("next_token") if isinstance(body, dict) else None
            if not token:
                break
            if pages >= cap:
                break
        # Read through: X answered and said there is nothing more. Not when the budget stopped the run
        # before its first page, nor when it stopped with a page token left.
        return pages > 0 and token is None, (oldest[0] if oldest else None), None, pages

    def _beyond_reach(self, tweet_id: str, selector: Selector) -> bool:
        """Whether recent search can no longer reach back to this tweet id (the archive always can)."""
        if self.options.endpoint != "recent" or not tweet_id.isdigit():
            return False
        return _id_seconds(tweet_id) < (as_utc(selector.collected_at) - RECENT_REACH).timestamp()

    def _bounds(self, since_id: str | None, before_id: str | None, selector: Selector) -> dict[str, Any] | None:
        """The search's limits: `since_id` (the cursor) or `start_time`, and the window's end, or below
        `before_id` (a backlog's top). X refuses an id limit beside a time limit (400), so with an id limit
        the others go as ids too (`snowflake_at`). Recent search reaches back 7 days: an older cursor or
        start is moved up to that reach, with a warning naming what is out of it; None when the whole
        window is."""
        brand, window = selector.brand, selector.window
        reach = as_utc(selector.collected_at) - RECENT_REACH if self.options.endpoint == "recent" else None
        if reach is not None and window.until is not None and as_utc(window.until) <= reach:
            log.warning("x/%s: the window ends %s, beyond the 7 days recent search reaches; nothing read "
                        "(endpoint: all reads the archive)", brand, as_utc(window.until).isoformat())
            return None
        start = window.since
        if since_id and reach is not None and self._beyond_reach(since_id, selector):
            log.warning("x/%s: the cursor (%s) is older than the 7 days recent search reaches; tweets between "
                        "it and %s are out of reach", brand, tweet_time(since_id).isoformat(), reach.isoformat())
            since_id, start = None, reach
        if reach is not None and start is not None and as_utc(start) < reach:
            log.warning("x/%s: the window starts %s, before the 7 days recent search reaches; reading from %s",
                        brand, as_utc(start).isoformat(), reach.isoformat())
            start = reach
        if since_id or before_id:
            tops = [i for i in (before_id, snowflake_at(window.until) if window.until else None) if i]
            lower = since_id or (str(int(snowflake_at(start)) - 1) if start else None)
            return ({"since_id": lower} if lower else {}) | ({"until_id": min(tops, key=int)} if tops else {})
        bounds: dict[str, Any] = {"start_time": start} if start else {}
        return bounds | ({"end_time": window.until} if window.until else {})

    def _classify(self, exc: Exception) -> Exception | None:
        return classify_tweepy(exc, self.retry.clock(), self.options.bearer_token_env)

    def _page(self, body: Any, selector: Selector, newest: Newest[str]) -> Batch:
        batch = Batch([])
        if not isinstance(body, dict):
            batch.skipped.append(f"x: response is not a JSON object ({type(body).__name__})")
            return batch
        for error in body.get("errors") or []:
            # Partial errors: e.g. a referenced tweet was deleted. The main tweets still count.
            log.info("x: partial error: %s", (error or {}).get("detail") or error)
        includes = body.get("includes") or {}
        users = {u.get("id"): u for u in includes.get("users") or [] if isinstance(u, dict)}
        refs = {t.get("id"): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
        for tweet in body.get("data") or []:
            tid = tweet.get("id") if isinstance(tweet, dict) else None
            # The cursor rule of `Selector.add`, plus: an id is a time too, and a bogus one must not
            # become `since_id`. (meta.newest_id is not used: it counts tweets that were skipped.)
            if self._add(selector, batch, tweet, users, refs) and not _id_in_future(tid, selector):
                newest.offer(tid)
        return batch

    def _add(self, selector: Selector, batch: Batch, tweet: Any, users: dict[Any, dict], refs: dict[Any, dict]) -> bool:
        """`selector.add` of one tweet. An edit is dated by its original (`_mention`), which may be older than the
        window and the cursor's reach, but X listed it for this run by the version's own id and time: a version
        inside the window is judged so, its start not applied to the original's time (the edit would be dropped as
        older than the window, its text never stored). Its end still is: the original is older than the version."""
        build = partial(self._mention, tweet, users, refs)
        tid = tweet.get("id") if isinstance(tweet, dict) else None
        edit = isinstance(tid, str) and tid.isdigit() and post_id(tweet) not in (None, tid)
        window = selector.window
        # (A bogus id's time is checked before it becomes a datetime: 1e30 would overflow one.)
        if not edit or window.since is None or _id_in_future(tid, selector) or not selector.in_window(tweet_time(tid)):
            return selector.add(batch, tid, build)
        selector.window = Window(until=window.until)
        try:
            return selector.add(batch, tid, build)
        finally:
            selector.window = window

    @staticmethod
    def _mention(tweet: dict[str, Any], users: dict[Any, dict], refs: dict[Any, dict]) -> dict[str, Any]:
        tid = tweet["id"]
        if not isinstance(tid, str) or not tid.isdigit():
            raise ValueError(f"bad tweet id {tid!r}")
        text = full_text(tweet)
        native = post_id(tweet) or tid
        author = users.get(tweet.get("author_id")) or {}
        metrics = tweet.get("public_metrics") or {}
        user_metrics = author.get("public_metrics") or {}
        extra: dict[str, Any] = {}
        if tweet.get("conversation_id"):
            extra["conversation_id"] = str(tweet["conversation_id"])
        reply_to = None
        if native != tid:
            extra["version_id"] = tid  # an edited post: the version read (its latest, as X sends it)
        for ref in tweet.get("referenced_tweets") or []:
            kind, ref_id = ref.get("type"), ref.get("id")
            original = refs.get(ref_id)
            if original:
                # The referenced post as stored: under its original id when X sent its edit history.
                ref_id = post_id(original) or ref_id
            if kind == "retweeted":
                extra["repost_of"] = f"x:{ref_id}"
                whole = full_text(original) if original else None
                if isinstance(whole, str) and whole.strip():
                    # A retweet's own text is truncated; the original's full text is what to match and read.
                    text = whole
            elif kind == "quoted":
                extra["quote_of"] = f"x:{ref_id}"
            elif kind == "replied_to":
                extra["reply_to"] = reply_to = f"x:{ref_id}"
        if tweet.get("in_reply_to_user_id"):
            extra["in_reply_to_user_id"] = str(tweet["in_reply_to_user_id"])
        handle = author.get("username")
        if native != tid:
            # An edit is the post its original was: dated when the original was written (its snowflake time, to the
            # second as X writes created_at), not when it was edited. Dated by the edit, a post edited across a month
            # boundary was filed into the next month's Elasticsearch index beside the original: two documents, one id.
            created: Any = tweet_time(native).replace(microsecond=0)
        else:
            created = tweet.get("created_at") or tweet_time(tid)
        return {
            "source": "x",
            "native_id": native,
            "url": f"https://x.com/{handle}/status/{tid}" if handle else f"https://x.com/i/web/status/{tid}",
            "text": text,
            "created_at": created,
            "author": {
                "id": tweet.get("author_id"),
                "handle": handle,
                "name": author.get("name"),
                "followers": _int(user_metrics.get("followers_count")),
            },
            "engagement": {
                "likes": _int(metrics.get("like_count")),
                "reposts": _int(metrics.get("retweet_count")),
                "replies": _int(metrics.get("reply_count")),
                "quotes": _int(metrics.get("quote_count")),
            },
            "lang": _lang(tweet.get("lang")),
            "reply_to": reply_to,
            "extra": extra,
        }
