"""The small interface every source implements, Singer/dlt style.

An extractor is a generator: given a brand, its parsed query, the saved cursor
and a time window, it yields `Batch`es of `Mention`s, each with the cursor that
would be safe to save *once that batch is stored*. It never saves cursors and
never retries by itself: `extractors.state` owns cursors, `extractors.http`
owns retries, and `groundswell.pipeline.collect` ties them together.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar, cast
from urllib.parse import urlsplit

from pydantic import ConfigDict, ValidationError

from core.mention import Mention, is_tombstone
from core.query import Query, QueryCompileError, parse
from core.query.match import LangOf, Post, evaluate
from core.state import StateStore
from core.strict import StrictModel
from core.time import as_utc
from extractors.errors import SourceError
from extractors.http import RetryPolicy
from extractors.query_native import search_terms
from extractors.state import MemoryState

log = logging.getLogger("groundswell.extractors")


class SourceOptions(StrictModel):
    """Base for each extractor's options; unknown keys and non-finite numbers are errors, and every `*_env`
    option names an environment variable (`core.strict.check_env_name`)."""

    # A rejected value is never repeated in a validation error: a misplaced `*_env` value is often the secret.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, hide_input_in_errors=True)


@dataclass
class Batch:
    """Mentions from one page/request, and the cursor that covers them."""

    mentions: list[Mention]
    cursor: str | None = None
    # Raw items the extractor could not turn into mentions, with the reason.
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The time range a run covers (Airflow's data interval when scheduled)."""

    since: datetime | None = None
    until: datetime | None = None
    # The run reads and saves cursors (`pipeline.collect_one` sets it): since/until are then only the interval it
    # was scheduled for, and a source that reads by position (an import file) follows its cursor instead. False for
    # an explicit range (`ingest --since/--until`, the backfill DAG, `groundswell collect`): read that range.
    follows_cursor: bool = False


def keyword_searches(query: str) -> list[str]:
    """One search per term, for sources without boolean search: their union covers the query.
    `QueryCompileError` when the query has no positive term to search for."""
    return search_terms(parse(query))


OptionsT = TypeVar("OptionsT", bound=SourceOptions)


class Extractor(Generic[OptionsT]):
    """Base class: `class XExtractor(Extractor[XOptions])` sets `type` and `Options`, implements `extract`.

    Generic over its options type, so `self.options` is the subclass's own options model.
    """

    # The registry's name for this source (`extractors.registry.EXTRACTORS`): every mention it yields has this
    # `source` (`checked_sources`), so its id is `<type>:<native_id>`.
    type: ClassVar[str]
    Options: ClassVar[type[SourceOptions]] = SourceOptions
    # The options (names ending in `_env`, each naming an environment variable) that hold the credentials a run
    # cannot do without, in order. The Airflow DAGs fill those variables from the connection `groundswell_<source
    # name>` (else `groundswell_<type>`): one credential from its password; two from its login, then its password;
    # more must come from the connection's extra `{"env": {...}}` (dags/groundswell_common.py, `credential_vars`).
    # A task whose connection and environment lack one fails at once, naming both. Optional secrets (a token some
    # instances want) are left out: a run goes without them.
    needs_credentials: ClassVar[tuple[str, ...]] = ()
    # Whether `own_posts` is implemented: the brand's own accounts' posts can be read from this source.
    collects_own_posts: ClassVar[bool] = False

    @staticmethod
    def owed_time(value: str) -> datetime | None:
        """When a value of this source's cursor (and its `Backlog`s) was posted, to say since when a source is
        behind (`extractors.state.owed_by`): an ISO time by default; None for one it can not date."""
        try:
            when = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    # Whether two sites this type can read (two instances, two forums: `site_of`) can give two different posts
    # the same native id. A mention's id is `<type>:<native_id>`, so such posts would be stored as one row, the
    # later read overwriting the earlier. A new type whose ids are numbered per site (a forum's post 1) should
    # prefix the site's host to its native ids instead (`forum.example/1`); a type that cannot (its stored ids
    # must stay what they are) sets this, and `config check` warns when two of its sources read two sites.
    # The existing sources, each decided:
    # - x, reddit, bluesky (`<did>/<rkey>`), hackernews (Algolia's objectID of the one HN site): one site, or
    #   ids global by construction.
    # - rss: the native id is a hash of the feed URL and the entry's id (`extractors.rss`): two feeds' entries
    #   with guid "1" get two ids.
    # - mastodon: ids are the instance's own, but snowflakes (Mastodon::Snowflake): a local status's id is its
    #   creation millisecond << 16 plus 16 bits hashed with the instance's secret salt; a federated status's is
    #   its publication second with 10 + 16 random bits. Two different statuses read from two instances share an
    #   id only when created in the same millisecond (1 in 65,536 then) or the same second (1 in ~65 million):
    #   improbable enough not to fail `config check` for every two-instance config. (One remote status read
    #   through two instances gets two ids: a duplicate, never a loss.)
    # - import: a row's id is the one its file carries, with the row's own `source` (a platform's id: the same
    #   post in two exports is meant to be one row). Only rows without a `source` take the `source` option
    #   ("import"): two tools' files numbered 1, 2, … would collide there, so each such file gets its own
    #   `source` option (docs/sources.md, *import*); the site is no host here.
    ids_per_site: ClassVar[bool] = False
    # Whether mentions keep a `source` other than `type` (the import source keeps each row's own): exempt from
    # `checked_sources`.
    keeps_item_sources: ClassVar[bool] = False

    def __init__(self, options: Mapping[str, Any] | OptionsT | None = None, env: Mapping[str, str] | None = None):
        # `Options` is OptionsT's class (a ClassVar can not name a type variable, hence the cast).
        self.options: OptionsT = (
            options
            if isinstance(options, SourceOptions)
            else cast(OptionsT, self.Options.model_validate(dict(options or {})))
        )
        self.env = os.environ if env is None else env
        self.source_key: str = self.type
        # Every brand of the config (`build_extractor` sets it; None when built on its own).
        self.config_brands: tuple[str, ...] | None = None
        # What a `lang:` reads for a post its source gave no language: the language enrich will detect. The
        # pipeline sets it (`groundswell.brands.collection_lang_of`); None when built on its own.
        self.lang_of: LangOf | None = None
        self._state: StateStore | None = None
        self._retry: RetryPolicy | None = None

    def bind(self, state: StateStore, source_key: str | None = None) -> Extractor[OptionsT]:
        """Give the extractor the store's state (for metered budgets) and its config key."""
        self._state = state
        if source_key:
            self.source_key = source_key
        return self

    @property
    def state(self) -> StateStore:
        if self._state is None:
            # Unbound (a one-off run): budgets are metered for this run only.
            self._state = MemoryState()
        return self._state

    @property
    def retry(self) -> RetryPolicy:
        """The shared retry policy; tests swap in one with a fake sleep/clock."""
        if self._retry is None:
            self._retry = RetryPolicy()
        return self._retry

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        self._retry = policy

    def secret(self, var: str | None) -> str | None:
        """Read a secret from the environment by variable name; never log the value."""
        return self.env.get(var) if var else None

    @classmethod
    def site_of(cls, options: SourceOptions) -> str | None:
        """The site (a host, lower-case) whose ids these options read, for `ids_per_site`: the host of a
        `base_url` or `api_base_url` option; None when there is none. Override where the site is named otherwise."""
        for name in ("base_url", "api_base_url"):
            value = getattr(options, name, None)
            if isinstance(value, str) and value:
                host = urlsplit(value if "://" in value else f"//{value}").hostname
                return host.lower() if host else value
        return None

    def compile_query(self, query: str) -> object:
        """What this source asks the platform for a brand's `query` under these options, or
        `QueryCompileError` when it cannot be searched here. The one rule that collection (`searched_query`)
        and `config check` share. Sources that read everything and match locally (import, RSS) take any query
        that parses."""
        return parse(query)

    def searched_query(self, query: str) -> Any:
        """`compile_query` for a run: a query this source cannot search is a config problem, raised as a
        `SourceError` so only this source stops."""
        try:
            return self.compile_query(query)
        except QueryCompileError as exc:
            raise SourceError(str(exc)) from None

    def extract(self, brand: str, query: str, cursor: str | None, window: Window) -> Iterator[Batch]:
        raise NotImplementedError

    def shown_cursor(self, cursor: str) -> str:
        """`cursor` as `groundswell collect` prints it, to resume from with --cursor: as it is, unless the
        source's cursor names something secret (RSS: private feed URLs) and overrides this."""
        return cursor

    def own_posts(
        self, brand: str, query: str, accounts: list[str], cursor: str | None, window: Window
    ) -> Iterator[Batch]:
        """The posts of the brand's own `accounts` (as written in the config), whatever the query says:
        their replies are how response times are measured (`alerts.response`). Same cursor rule as `extract`."""
        raise SourceError(f"{self.type}: reading the brand's own accounts is not supported for this source")


# How far past the run's clock an item may be dated: clocks of phones and feed servers drift, but a
# post dated later than this is a broken date (a typo, a bad client clock, `created_utc: 1e20`).
CLOCK_SKEW = timedelta(days=1)


def _from_posix(seconds: float) -> datetime | None:
    """POSIX seconds as a UTC datetime; None for a value no datetime can hold."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


class SkipItem(ValueError):
    """Raised by a mention builder for an item that is fine but not a post (deleted, removed)."""


class Selector:
    """Turns raw items into the mentions a run keeps: valid, inside the window, matching the query.

    `source` is the extractor's registry type (`self.type`), never its config key (`self.source_key`, a source's
    `name`): a built mention without a `source` gets this one, its id is `<source>:<native_id>`, and collection
    fails a source whose mentions say another (`checked_sources`).

    The query is applied locally to everything collected, so a source's own search
    only has to over-collect. Bad items land in `skipped` with the reason.

    It also owns the incremental-cursor rule every source follows: a source's cursor moves
    only past items `add` returned True for (kept, or valid but unwanted by the query or older
    than the window). Malformed items, items dated in the future (later than the run's clock
    plus `CLOCK_SKEW`) and items after the window's end never move it, so one bad date can not
    push the cursor past good posts a later run still has to collect. An item dated after the
    run's clock but within `CLOCK_SKEW` (a fast phone clock, a feed's wrong time zone) is kept, but
    does not move it either: as a time cursor it would make every real post of the hours until that
    date look already collected. A later run reads it again (the same id: overwritten, not doubled).
    A scheduled run (`Window.follows_cursor`) keeps such an item even when it is after the window's
    end: the window that covers its date runs only once the clock has passed it, up to `CLOCK_SKEW`
    later, and a source that lists only its newest items (a feed) may have dropped it by then.

    Window and cursor are judged on the time the source's read lists an item by (`add`'s `listed_at`,
    by default its date): a later window only sees again what its own read filters in.
    """

    def __init__(
        self,
        source: str,
        brand: str,
        query: str,
        window: Window,
        collected_at: datetime | None = None,
        match_all: bool = False,
        lang_of: LangOf | None = None,
    ):

        self.source = source
        self.brand = brand
        self.query_text = query
        self.query = parse(query)
        # True for the brand's own posts: kept whether or not they match the query (a reply rarely names the brand).
        self.match_all = match_all
        # A post whose source gave no language is judged by `lang:` on the language enrich will give it (the app
        # injects the detector: `Extractor.lang_of`); None: such a post has no language.
        self.lang_of = lang_of
        self.window = window
        self.collected_at = collected_at or datetime.now(UTC)
        self.latest_allowed = as_utc(self.collected_at) + CLOCK_SKEW
        # Whether the run is a scheduled one (`Window.follows_cursor`), whatever window an extractor sets later
        # (`reach_back_to`, a backlog's range).
        self.scheduled = window.follows_cursor
        self.unmatched = 0
        self.outside_window = 0

    def reach_back_to(self, read_up_to: datetime | float | None) -> None:
        """Keep items newer than `read_up_to` (when the saved cursor was read up to; a datetime or POSIX
        seconds) even when they are older than the window's start. The cursor says they were never read:
        a scheduled run's window starts where the last run's interval ended, not where its reading did (a
        run that read a backlog, ran out of pages, or was missed), and dropping them would lose them for
        good while the cursor moves past."""
        if read_up_to is None or self.window.since is None:
            return
        when = read_up_to if isinstance(read_up_to, datetime) else _from_posix(read_up_to)
        if when is not None and as_utc(when) < as_utc(self.window.since):
            self.window = replace(self.window, since=as_utc(when))

    def in_window(self, created_at: datetime) -> bool:
        w = self.window
        ts = as_utc(created_at)
        return (w.since is None or ts >= as_utc(w.since)) and (w.until is None or ts < as_utc(w.until))

    def in_future(self, when: datetime | float) -> bool:
        """Whether a date (or POSIX seconds) is later than this run's clock allows: a broken date."""
        if isinstance(when, datetime):
            return as_utc(when) > self.latest_allowed
        return when > self.latest_allowed.timestamp()  # as a number: 1e20 would overflow a datetime

    def stale_future_cursor(self, when: datetime | float | None, cursor: Any) -> bool:
        """Whether a saved cursor lies in the future (saved before this rule); if so, say it is ignored.

        Without this, a cursor a bogus date once set would keep every later post out for good.
        """
        if when is None or not self.in_future(when):
            return False
        log.warning(
            "%s: ignoring the saved cursor %s: it is in the future (after %s); collecting the window again",
            self.source, str(cursor)[:80], self.latest_allowed.isoformat(),
        )
        return True

    def add(
        self,
        batch: Batch,
        native_id: Any,
        build: Callable[[], Mention | dict[str, Any]],
        listed_at: datetime | None = None,
    ) -> bool:
        """Build one mention (a Mention or the dict for one); keep it in `batch` if it is wanted.

        `listed_at`: the time the source's read filters its range on and orders by, where that is not the post's
        own date (Bluesky's `sortAt`, the earlier of `createdAt` and `indexedAt`). The window and the cursor rule
        are decided on it, the mention keeps its date; None: its date. Returns whether the source's cursor may
        move past this item (see the class docstring).
        """
        mention = self._build(batch, native_id, build)
        if mention is None:
            return False
        if self.in_future(mention.created_at):
            batch.skipped.append(
                f"{self.source} item {native_id}: created_at {mention.created_at.isoformat()} is in the future "
                f"(after {self.latest_allowed.isoformat()}, this run's clock + {CLOCK_SKEW}); "
                "skipped, and the cursor stays before it"
            )
            return False
        listed = as_utc(mention.created_at if listed_at is None else listed_at)
        if not self.in_window(listed) and not self._ahead_of_schedule(listed):
            self.outside_window += 1
            # After the window's end: the next window collects it, so the cursor must not pass it.
            return self.window.until is None or listed < as_utc(self.window.until)
        # A tombstone (`core.mention.tombstone`: deleted on the platform) has no text to match: it is kept, so that
        # collection can delete the copy it stored.
        wanted = self.match_all or is_tombstone(mention) or self.wants(mention)
        if wanted:
            batch.mentions.append(wanted if isinstance(wanted, Mention) else mention)
        else:
            self.unmatched += 1
        return listed <= as_utc(self.collected_at)

    def _ahead_of_schedule(self, listed: datetime) -> bool:
        """Whether a scheduled run keeps an item listed after its window's end: one dated after the run's clock
        (within `CLOCK_SKEW`: `add` has skipped later ones). No window before its date can take it, and the
        one that can runs hours later, when a feed may list it no more; kept now, as a run without an end keeps
        it, it does not move the cursor."""
        until = self.window.until
        return self.scheduled and until is not None and listed >= as_utc(until) and listed > as_utc(self.collected_at)

    def wants(self, mention: Mention) -> Mention | None:
        """`mention` if the query matches it (with the language `lang_of` detected for it, when a `lang:` made
        it look: stored, enrich keeps it, so the store says the language the post was collected by); else None."""
        return matching(self.query, mention, self.lang_of)

    def _build(self, batch: Batch, native_id: Any, build: Callable[[], Mention | dict[str, Any]]) -> Mention | None:
        """The validated mention, or None with the reason in `batch.skipped`."""
        try:
            built = build()
            data = built.model_dump() if isinstance(built, Mention) else dict(built)
            data.setdefault("source", self.source)
            data.update(brands=[self.brand], matches={self.brand: self.query_text}, collected_at=self.collected_at)
            return Mention.model_validate(data)
        except SkipItem as exc:
            batch.skipped.append(f"{self.source} item {native_id}: {exc}")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            batch.skipped.append(f"{self.source} item {native_id}: {where}: {first['msg']}")
        except Exception as exc:  # noqa: BLE001 - one bad item is skipped, it never stops the source
            batch.skipped.append(f"{self.source} item {native_id}: malformed ({type(exc).__name__}: {exc})"[:500])
        return None


def matching(query: Query, mention: Mention, lang_of: LangOf | None) -> Mention | None:
    """`mention` (with the language `lang_of` detected, if a `lang:` of the query asked) when `query` matches it;
    None when it does not. The one collection rule (`Selector.wants`, the import source)."""
    post = Post.of(mention.text, mention.lang, mention.source, lang_of)
    if not evaluate(query.root, post):
        return None
    detected = post.detected
    return mention if detected is None else mention.model_copy(update={"lang": detected})


class SourceMismatch(RuntimeError):
    """An extractor yielded a mention whose `source` is not its registry type: a bug in that extractor."""


def checked_sources(extractor: Extractor, batches: Iterator[Batch]) -> Iterator[Batch]:
    """`batches` as they come, each checked before it is stored: every mention's `source` must be the extractor's
    `type` (its id is `<type>:<native_id>`; a mention under another source, the config key say, would be stored
    under ids no other part knows). Raises `SourceMismatch` naming the extractor; a type with
    `keeps_item_sources` (import) is passed through."""
    if extractor.keeps_item_sources:
        yield from batches
        return
    for batch in batches:
        wrong = next((m for m in batch.mentions if m.source != extractor.type), None)
        if wrong is not None:
            cls = type(extractor)
            raise SourceMismatch(
                f"{cls.__module__}.{cls.__qualname__} (type '{extractor.type}') yielded mention {wrong.id!r} with "
                f"source '{wrong.source}': a mention's source must be the registry type '{extractor.type}' "
                "(Selector(self.type, ...), never self.source_key); nothing of this batch was stored"
            )
        yield batch
