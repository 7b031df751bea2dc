"""Mastodon public hashtag timelines through Mastodon.py; no account needed.

Hashtag timelines are public on most instances. Tags come from `options.hashtags` or,
by default, from the #hashtags and single words that name the brand (`query_hashtags`). The query is then
applied locally. The cursor keeps, per tag, the newest id of the statuses read for good
(`Selector.add`, and whose snowflake time is not in the future). A tag whose read stopped with
pages left (`max_pages`) keeps the range it still owes instead (`{"backlog": ...}`, an
`extractors.state.Backlog`, or several): later runs read the tag's new statuses first, then the owed ranges
(`max_id`), newest first, whatever their window (`extractors.state.read_newest_first`). The own accounts'
timelines (`own_posts`) keep such a range per account beside its status id (under `OWED`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Generator, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import Field

from core.accounts import account_key
from core.query import QueryCompileError, parse
from core.query.ast import And, Hashtag, Near, Node, Or, Term
from core.query.brand_names import BrandNames
from core.time import as_utc
from extractors.base import Batch, Extractor, Selector, SkipItem, SourceError, SourceOptions, Window
from extractors.html_text import html_to_text
from extractors.http import Retry, classify_requests_error, make_session, retry_for_status
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

log = logging.getLogger("groundswell.extractors.mastodon")
_TAG = re.compile(r"\w+")
DEFAULT_PAGE = 20  # Mastodon's default page size
# The own accounts' cursor key for the ranges they still owe, beside their status ids (no account key has a "#"):
# a reader that knows only ids (an older version) reads each account on from its id, as it always did.
OWED = "#owed"


class MastodonOptions(SourceOptions):
    api_base_url: str = Field(default="https://mastodon.social", description="The instance to read from")
    hashtags: list[str] | None = Field(default=None, description="Tags to follow; default: derived from the query")
    access_token_env: str | None = Field(default=None, description="Optional; some instances need a token")
    limit: int | None = Field(default=None, ge=1, le=40, description="Statuses per page (server default 20)")
    max_pages: int = Field(default=10, ge=1, le=1000)
    local_only: bool = False


def query_hashtags(query: str, brand: str | None = None) -> list[str]:
    """Tags worth following for a query: the #hashtags and one-word names that identify the brand.

    Those are the query's top-level OR branches (its names and aliases); in an AND (or NEAR) only the operand
    that names the brand, by the one rule for which query words do (`core.query.brand_names.BrandNames`, with
    the brand's name when given): `(recall OR overheat*) AND lumora` follows #lumora, not the context words ANDed
    to it (#recall), which would bring in timelines of posts the query then drops, one request each. Where no
    operand names the brand, the first that has tags. A prefix or infix term is never followed: its bare stem is a
    different tag (`overheat*` is not #overheat)."""
    root = parse(query).root
    names = BrandNames.of(brand or "", root)
    naming = {t for leaf in names.leaves if isinstance(leaf, Term | Hashtag) for t in _brand_tags(leaf, set())}
    return list(dict.fromkeys(_brand_tags(root, naming)))


def _brand_tags(node: Node, naming: set[str]) -> list[str]:
    """`node`'s tags to follow; `naming`: the tags of the words that name the brand."""
    if isinstance(node, Hashtag):
        return [node.tag.lower()] if _TAG.fullmatch(node.tag) else []
    if isinstance(node, Term):
        word = node.bare_text
        return [word.lower()] if not (node.prefix or node.infix) and _TAG.fullmatch(word) else []
    if isinstance(node, Or):
        return [t for item in node.items for t in _brand_tags(item, naming)]
    if isinstance(node, And | Near):
        operands = [_brand_tags(i, naming) for i in (node.items if isinstance(node, And) else (node.left, node.right))]
        with_tags = [tags for tags in operands if tags]
        return next((tags for tags in with_tags if naming.intersection(tags)), with_tags[0] if with_tags else [])
    return []  # NOT, lang:, @handles and $cashtags: no tag to follow


NO_TAG = "the query has no #hashtag or single word to follow; set options.hashtags"


class MastodonExtractor(Extractor[MastodonOptions]):
    type = "mastodon"
    Options = MastodonOptions

    @staticmethod
    def owed_time(value: str) -> datetime | None:
        """A cursor's status id → its snowflake time (`Extractor.owed_time`)."""
        return datetime.fromtimestamp(_id_seconds(value), tz=UTC) if value.isdigit() else None

    def client(self) -> Any:
        try:
            from mastodon import Mastodon
        except ImportError as exc:  # pragma: no cover - in requirements.txt
            raise SourceError("the Mastodon source needs Mastodon.py: pip install Mastodon.py") from exc
        opts = self.options
        token = self.secret(opts.access_token_env)
        if opts.access_token_env and not token:
            raise SourceError(f"Mastodon: ${opts.access_token_env} is empty; set it or remove access_token_env")
        return Mastodon(
            api_base_url=opts.api_base_url,
            access_token=token,
            ratelimit_method="throw",  # waits go through our retry policy (and its injectable sleep)
            version_check_mode="none",
            session=make_session(),
            user_agent="groundswell/0.1",
        )

    def compile_query(self, query: str, brand: str | None = None) -> list[str]:
        """The tags a brand's query is followed through: `options.hashtags`, else the query's own
        (`query_hashtags`, in an AND the operand naming `brand`); `QueryCompileError` (`NO_TAG`) when there are
        none. (`config check` passes no brand: an operand with tags is chosen either way, so whether there are
        any is the same.)"""
        opts = self.options
        tags = [t.lstrip("#").lower() for t in opts.hashtags] if opts.hashtags else query_hashtags(query, brand)
        if not tags:
            raise QueryCompileError(NO_TAG)
        return tags

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        opts = self.options
        try:
            tags = self.compile_query(query, brand)  # `searched_query`, with the brand's name for its tags
        except QueryCompileError as exc:
            raise SourceError(str(exc)) from None
        selector = Selector("mastodon", brand, query, window, lang_of=self.lang_of)
        saved = decode_cursor(cursor, "mastodon")
        backlogs = {tag: owed for tag, value in saved.items() if (owed := _backlogs(value, f"mastodon/{brand} #{tag}"))}
        since = {
            tag: sid
            for tag, sid in saved.items()
            if tag not in backlogs
            and not (str(sid).isdigit() and selector.stale_future_cursor(_id_seconds(str(sid)), f"#{tag}: {sid}"))
        }
        newest: Newest[str] = Newest(since, order=int)  # snowflake ids order as numbers
        api = self.client()
        seen: set[str] = set()
        settled: set[str] = set()  # statuses read for good: the cursor may move past them
        kept = {tag: value for tag, value in saved.items() if tag in since or tag in backlogs}
        values = dict(newest.values) | {tag: kept[tag] for tag in backlogs if tag not in tags}
        for tag in tags:
            pages = partial(self._tag_pages, api, brand, tag, selector, newest, seen, settled)
            ranges = backlogs.get(tag)
            if ranges:
                value = yield from self._owed_first(brand, tag, selector, newest, ranges, pages, window)
            else:
                selector.window = window
                last = str(since.get(tag, ""))
                if last.isdigit():
                    selector.reach_back_to(_id_seconds(last))  # everything after it comes: none of it was read
                # What a backlog left by this run would start above: where this read goes down to.
                floor = search_floor(last if last.isdigit() else None, _window_floor(window))
                stopped, _ = yield from pages(last if last.isdigit() else None, floor, None, opts.max_pages)
                value = self._tag_cursor(brand, tag, None, newest.get(tag), floor, stopped)
            if value is None:
                values.pop(tag, None)
            else:
                values[tag] = value
        selector.window = window
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        if values != kept:
            yield Batch([], cursor=encode_cursor(values))

    def _owed_first(self, brand: str, tag: str, selector: Selector, newest: Newest[str], ranges: list[Backlog],
                    pages: Any, window: Window) -> Generator[Batch, None, Any]:
        """A tag that owes `ranges` (newest first): its new statuses first, then the ranges
        (`extractors.state.read_newest_first`). Returns the tag's cursor value: the ranges still owed (as a dict),
        or the newest status id read once none is."""
        # The statuses stopped runs left are owed whatever this run's window (a scheduled run's interval starts
        # where the last one ended): they must not be dropped as older than the window.
        selector.window = Window(until=window.until)
        then = ranges[0].then if ranges[0].then and ranges[0].then.isdigit() else None
        if then is not None and selector.stale_future_cursor(_id_seconds(then), f"#{tag}: {then}"):
            then = None
        newest.offer(then, tag)

        def read(after: str | None, before: str | None, cap: int) -> Generator[Batch, None, RangeRead]:
            last = after if after and after.isdigit() else None
            stopped, used = yield from pages(last, last, before, cap)
            return RangeRead(used, stopped)

        owed, _ = yield from read_newest_first(ranges, then, self.options.max_pages, read, int)
        done = newest.get(tag)
        if owed:
            log.warning("mastodon/%s: #%s stopped with pages left; later runs read the statuses older than %s "
                        "(newest statuses first, then what is owed)", brand, tag, owed[0].before)
            return json.loads(encode_backlogs([b.moved(done) for b in owed]))
        return done or ranges[-1].after

    def _tag_pages(self, api: Any, brand: str, tag: str, selector: Selector, newest: Newest[str], seen: set[str],
                   settled: set[str], last: str | None, floor: str | None, max_id: str | None, cap: int,
                   ) -> Generator[Batch, None, tuple[str | None, int]]:
        """A tag's timeline newest first, from below `max_id` (None: the newest) down to `last` (the id read up to,
        exclusive), `cap` pages at most. Returns the oldest status id given when it stopped with pages left and
        `floor` (where a range it leaves starts) below it (else None), and the pages read."""
        opts = self.options
        what = f"mastodon #{tag} ({brand})"
        tag_window = selector.window
        lowest = int(last) if last is not None else None
        params: dict[str, Any] = {"local": opts.local_only} if opts.local_only else {}
        if opts.limit:
            params["limit"] = opts.limit
        if max_id:
            params["max_id"] = max_id  # older than the oldest status the stopped run was given
        classify = lambda e, a=api: self._classify(e, a)  # noqa: E731
        oldest: int | None = None  # the oldest status id given for this tag, whatever became of it
        page = self.retry.call(lambda t=tag, p=params: api.timeline_hashtag(t, **p), what, classify)
        used = 1
        for number in range(1, cap + 1):
            if not page:
                break
            batch, reached_cursor = Batch([]), False
            for status in _statuses(page, batch, what):
                sid = str(status.get("id", ""))
                if sid.isdigit():
                    oldest = int(sid) if oldest is None else min(oldest, int(sid))
                if lowest is not None and sid.isdigit() and int(sid) <= lowest:
                    reached_cursor = True
                    continue
                if sid not in seen:  # the same status under two followed tags is added once
                    seen.add(sid)
                    if selector.add(batch, sid, lambda s=status: self._mention(s)):
                        settled.add(sid)
                # An id is a time too (milliseconds << 16): a bogus huge one is a date in the future.
                if sid in settled and sid.isdigit() and not selector.in_future(_id_seconds(sid)):
                    newest.offer(sid, tag)
            yield batch
            if reached_cursor or len(page) < (opts.limit or DEFAULT_PAGE) or _before(page, tag_window):
                break  # a short page is the last one
            if number >= cap:
                if oldest is not None and floor is not None and oldest <= int(floor):
                    break  # given statuses from below where its read stops: it has reached it
                if oldest is not None and floor is not None:
                    return str(oldest), used
                # nothing below: all of the tag's past is no range to owe
                log.warning("mastodon/%s: #%s stopped after max_pages=%d; its older statuses are not read "
                            "(no cursor or window start below them)", brand, tag, number)
                break
            page = self.retry.call(lambda p=page: api.fetch_next(p), what, classify)
            used += 1
        return None, used

    @staticmethod
    def _tag_cursor(brand: str, tag: str, owed: Backlog | None, newest: str | None, floor: str | None,
                    oldest: str | None) -> Any:
        """A tag's cursor after a run: the newest status id read for good; a run that stopped with pages left
        (`max_pages`) owes the statuses below the oldest it was given and saves that range (a `Backlog`, as
        a dict), read first by the next run; a run that read a backlog through saves its `then`."""
        newest = str(newest) if newest is not None else None
        if oldest is not None:
            log.warning("mastodon/%s: #%s stopped with pages left; later runs read the statuses older than %s "
                        "(newest statuses first, then what is owed)", brand, tag, oldest)
            return json.loads(Backlog.owed(floor, oldest, owed.then if owed else newest, int).encode())
        if owed:
            done = [v for v in (owed.then, newest) if v and v.isdigit()]
            return max(done, key=int) if done else owed.after
        return newest

    collects_own_posts = True

    def own_posts(
        self, brand: str, query: str, accounts: list[str], cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        """The own accounts' statuses and replies (`accounts/lookup`, then `accounts/:id/statuses` without
        boosts), newest first; the cursor keeps the newest status id per account.

        An account whose read stops with pages left (`max_pages`) owes the statuses below the oldest it was
        given, down to where the read started (its cursor, else the window's start): that range is saved beside
        its id, under `OWED` (an `extractors.state.Backlog` per account). The next run reads it first
        (`max_id`), whatever its window, then the account's new statuses with the pages left."""
        opts = self.options
        selector = Selector("mastodon", brand, query, window, match_all=True)
        saved = decode_cursor(cursor, "mastodon")
        since = {k: v for k, v in saved.items() if str(v).isdigit()}
        owed = _owed(saved.get(OWED), f"mastodon/{brand} own")
        newest: Newest[str] = Newest(since, order=int)
        api = self.client()
        classify = lambda e, a=api: self._classify(e, a)  # noqa: E731
        keys = [account_key("mastodon", a) for a in accounts]
        left = {acct: backlog for acct, backlog in owed.items() if acct not in keys}  # not configured now: kept
        for acct in keys:
            what = f"mastodon own account @{acct} ({brand})"
            account = self.retry.call(lambda a=acct: api.account_lookup(a), what, classify)
            read = partial(self._own_pages, api, account["id"], acct, what, classify, selector, newest)
            pages, backlog = opts.max_pages, owed.get(acct)
            if backlog:
                # Owed whatever this run's window (a scheduled run's interval starts where the last one ended).
                selector.window = Window(until=window.until)
                used, oldest = yield from read(backlog.after, backlog.before, pages)
                if oldest is not None:
                    left[acct] = self._owe(brand, acct, backlog.after, oldest, backlog.then, backlog.owed_at)
                    continue
                newest.offer(backlog.then, acct)  # read through: the account's id moves on
                pages -= used
                if pages <= 0:
                    continue  # the backlog took every page: its new statuses are read next run
            last = (backlog.then or backlog.after) if backlog else since.get(acct)
            selector.window = window
            if last is not None:
                selector.reach_back_to(_id_seconds(str(last)))  # everything after it comes: none of it was read
            floor = search_floor(None if last is None else str(last), _window_floor(window))
            _, oldest = yield from read(last, None, pages)
            if oldest is not None and floor is not None and int(oldest) > int(floor):
                left[acct] = self._owe(brand, acct, floor, oldest, newest.get(acct))
            elif oldest is not None and floor is None:  # nothing below: all of its past is no range to owe
                log.warning("mastodon/%s: own account @%s stopped after max_pages=%d; its older statuses are not "
                            "read (no cursor or window start below them)", brand, acct, opts.max_pages)
        selector.window = window
        # Every page above has been yielded (and stored by the caller) before the cursor moves.
        values: dict[str, Any] = dict(newest.values)
        if left:
            values[OWED] = {acct: backlog.entry() for acct, backlog in left.items()}
        if values != since | ({OWED: {a: b.entry() for a, b in owed.items()}} if owed else {}):
            yield Batch([], cursor=encode_cursor(values))

    @staticmethod
    def _owe(brand: str, acct: str, floor: str, oldest: str, then: str | None, owed_at: str | None = None) -> Backlog:
        """The account's range still owed, owed since `owed_at` (a backlog read again keeps its own; None: now)."""
        log.warning("mastodon/%s: own account @%s stopped with pages left; the next run reads its statuses older "
                    "than %s first", brand, acct, oldest)
        return Backlog.owed(floor, oldest, then, int, owed_at)

    def _own_pages(
        self, api: Any, account_id: Any, acct: str, what: str, classify: Any, selector: Selector,
        newest: Newest[str], last: str | None, max_id: str | None, pages: int,
    ) -> Generator[Batch, None, tuple[int, str | None]]:
        """One account's statuses newest first, below `max_id` (None: from the newest) down to `last` (the id
        read up to, exclusive) or the selector's window start, for at most `pages` pages. Returns the pages
        read and, when it stopped with pages left, the oldest status id it was given (else None)."""
        opts = self.options
        params: dict[str, Any] = {"exclude_reblogs": True}
        if opts.limit:
            params["limit"] = opts.limit
        if max_id:
            params["max_id"] = max_id  # older than the oldest status the stopped run was given
        floor = int(last) if last is not None and str(last).isdigit() else None
        oldest: int | None = None  # the oldest status id given, whatever became of it
        page = self.retry.call(lambda: api.account_statuses(account_id, **params), what, classify)
        for number in range(1, pages + 1):
            if not page:
                return number, None
            batch, reached_cursor = Batch([]), False
            for status in _statuses(page, batch, what):
                sid = str(status.get("id", ""))
                if sid.isdigit():
                    oldest = int(sid) if oldest is None else min(oldest, int(sid))
                if floor is not None and sid.isdigit() and int(sid) <= floor:
                    reached_cursor = True  # newest first: read before
                    continue
                settled = selector.add(batch, sid, lambda s=status: self._mention(s))
                if settled and sid.isdigit() and not selector.in_future(_id_seconds(sid)):
                    newest.offer(sid, acct)
            yield batch
            if reached_cursor or len(page) < (opts.limit or DEFAULT_PAGE) or _before(page, selector.window):
                return number, None
            if number >= pages:
                return number, None if oldest is None else str(oldest)
            page = self.retry.call(lambda p=page: api.fetch_next(p), what, classify)
        return pages, None

    def _classify(self, exc: Exception, api: Any) -> Exception | None:
        import mastodon

        if isinstance(exc, mastodon.MastodonRatelimitError):
            # Mastodon.py has already parsed X-RateLimit-Reset and shifted it onto this machine's clock.
            reset = getattr(api, "ratelimit_reset", None)
            wait = max(0.0, float(reset) - time.time()) if reset else None
            return Retry("rate limited (429)", wait)
        if isinstance(exc, mastodon.MastodonServerError | mastodon.MastodonNetworkError):
            return Retry(f"{type(exc).__name__}: {str(exc)[:120]}")
        if isinstance(exc, mastodon.MastodonUnauthorizedError):
            return SourceError(self._unauthorized(exc))
        if isinstance(exc, mastodon.MastodonNotFoundError):
            return SourceError(f"mastodon: not found; check api_base_url ({exc})")
        if isinstance(exc, mastodon.MastodonAPIError):
            if "parse response as JSON" in str(exc):
                return Retry("malformed JSON in the response")
            # Mastodon.py names 5xx up to 511 only: a 408 or a Cloudflare 52x comes as a plain MastodonAPIError,
            # its status second in its args.
            status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            retry = retry_for_status(status, None, time.time()) if status is not None else None
            if retry is not None:
                return retry
            return SourceError(f"mastodon: request rejected ({str(exc)[:200]})")
        return classify_requests_error(exc)

    def _unauthorized(self, exc: Exception) -> str:
        """What a 401 means: with no token, that the instance wants one; with one, that it refused it (its
        variable named, never its value: a token given but refused is no missing one)."""
        var = self.options.access_token_env
        if var and self.secret(var):
            return (f"mastodon: the instance refused the access token in ${var} (HTTP 401): check that it is "
                    f"valid, not revoked, and has the read scope ({exc})")
        return (f"mastodon: this instance needs a token to read this timeline; set access_token_env to the variable "
                f"holding one ({exc})")

    @staticmethod
    def _mention(status: Any) -> dict[str, Any]:
        if status.get("reblog"):
            raise SkipItem("boost of another status (collected under its own id)")
        account = status.get("account") or {}
        text = html_to_text(status["content"])
        if status.get("spoiler_text"):
            text = f"{status['spoiler_text']}\n\n{text}"
        return {
            "source": "mastodon",
            "native_id": str(status["id"]),
            "url": status.get("url") or status.get("uri"),
            "text": text,
            "created_at": status["created_at"],
            "author": {
                "id": str(account.get("id")) if account.get("id") is not None else None,
                "handle": account.get("acct"),
                "name": account.get("display_name") or None,
                "followers": account.get("followers_count"),
            },
            "engagement": {
                "likes": status.get("favourites_count"),
                "reposts": status.get("reblogs_count"),
                "replies": status.get("replies_count"),
                "quotes": status.get("quotes_count"),
            },
            "lang": status.get("language"),
            # Ids are the instance's own: the parent read from the same instance has this id.
            "reply_to": f"mastodon:{status['in_reply_to_id']}" if status.get("in_reply_to_id") else None,
            "extra": {"in_reply_to": str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None},
        }


def _id_seconds(status_id: str) -> float:
    """A snowflake status id's time in POSIX seconds (pre-2017 sequential ids read as 1970: harmless)."""
    return (int(status_id) >> 16) / 1000


def _backlogs(value: Any, source: str) -> list[Backlog]:
    """The ranges a tag's saved cursor owes, newest first (`{"backlog": {...}, "more": [...]}`, as
    `extractors.state.encode_backlogs` writes them), or [] for a status id; one whose ids are not ids is left out."""
    if not isinstance(value, dict) or Backlog.load(encode_cursor(value), int, source) is None:  # logs upside down
        return []
    ids = lambda b: all(v is None or v.isdigit() for v in (b.after, b.before, b.then))  # noqa: E731
    return [b for b in decode_backlogs(encode_cursor(value)) if ids(b)]


def _owed(value: Any, source: str) -> dict[str, Backlog]:
    """The own cursor's `OWED` entry: per account, the range a stopped run left (a `Backlog` of status ids);
    an entry that is not one is ignored (the account reads on from its id)."""
    if not isinstance(value, dict):
        return {}
    owed = {key: Backlog.load(encode_cursor({"backlog": fields}), int, f"{source} {key}")
            for key, fields in value.items()}
    ids = lambda b: all(v is None or v.isdigit() for v in (b.after, b.before, b.then))  # noqa: E731
    return {key: backlog for key, backlog in owed.items() if backlog is not None and ids(backlog)}


def _window_floor(window: Window) -> str | None:
    """The window's start as a status id to read down to (exclusive): just below its first millisecond."""
    return str((int(as_utc(window.since).timestamp() * 1000) << 16) - 1) if window.since else None


def _statuses(page: Any, batch: Batch, what: str) -> Iterator[dict[str, Any]]:
    """The page's statuses; an entry that is not one (`null`, a string) is skipped with its position."""
    for position, status in enumerate(page, start=1):
        if isinstance(status, dict):
            yield status
        else:
            batch.skipped.append(f"{what}: entry {position} of the page is not a status ({type(status).__name__})")


def _before(page: Any, window: Window) -> bool:
    """Whether the page already reaches back before the window (older pages are not needed)."""
    # Only parsed times: a bad entry or date is skipped as an item, it must not break this check.
    times = [s["created_at"] for s in page if isinstance(s, dict) and isinstance(s.get("created_at"), datetime)]
    return bool(window.since and times and min(times) < window.since)
