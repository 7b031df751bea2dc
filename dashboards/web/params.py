"""Turn a request's query string into validated `Filters`, or a clear 4xx.

Every parameter is checked here, before anything reaches a store: dates must
be ISO 8601, sentiments one of the known labels, sizes within limits, and the
free-text query must parse in Groundswell's own query language (so a user's
string never reaches SQL or Elasticsearch query syntax unparsed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.mention import INTENT_LABELS, SENTIMENT_LABELS
from core.query import QuerySyntaxError, parse
from core.query.ast import And, Near, Node, Not, Or
from core.time import check_range, check_zone, moment_utc, parse_moment
from dashboards.web.errors import ApiError
from indexing.base import Filters

MAX_QUERY_CHARS = 1000
# Words, phrases, #hashtags, @handles and lang: filters one query may hold. The SQLite store checks each
# candidate post against the whole query in Python on a store thread, so the cost grows with the
# terms: ~200 ORed words (under MAX_QUERY_CHARS) held every page for ~20 s (docs/dashboard.md).
MAX_QUERY_TERMS = 50
MAX_PAGE_SIZE = 100
MAX_CURSOR_CHARS = 2000
MAX_WRITE_IDS = 1000  # mention ids one write (not spam, a sentiment correction) may carry
MAX_ID_CHARS = 512  # a mention id is "<source>:<native id>": far shorter in every source
MAX_WRITE_BODY = 1_000_000  # bytes of one write's JSON body: 1000 ids of 512 characters fit with room
# The dates a filter may name. Outside it, shifting to UTC or stepping back a period overflows
# `datetime`; no social post predates 1900 or postdates 2199.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
# Every integer parameter fits a JavaScript number, an SQLite integer and an Elasticsearch long.
MAX_INT = 2**53 - 1
# Languages are short identifiers; anything else is a typo or an attack.
_IDENT = re.compile(r"^[\w.:-]{1,64}$", re.UNICODE)
_INT = re.compile(r"[+-]?[0-9]{1,32}")

# collected_since: the posts stored or rewritten from then on (`Filters.collected_since`), for incremental loads.
FILTER_PARAMS = frozenset(
    {"brand", "source", "lang", "sentiment", "since", "until", "min_followers", "q", "theme", "uncertain", "spam",
     "intent", "collected_since"}
)
# tz: the IANA zone whose days the request's dates, day buckets and labels are in (default digest.timezone).
_PERIOD = frozenset({"brand", "since", "until", "days", "tz"})
# The facets the Themes page narrows its themes by (each a `Filters` field `parse_filters` reads):
# the API accepts them, the page shows their controls, a card's Explore link carries them.
THEME_FACETS = ("source", "lang", "sentiment", "intent")
# Every API endpoint's parameters, in one table: the app rejects any other, and the fuzz suite
# (tests/dashboards/test_web_fuzz.py) sends junk to each one listed here.
API_PARAMS: dict[str, frozenset[str]] = {
    "/api/meta": frozenset(),
    "/api/health": frozenset(),
    "/api/overview": _PERIOD | {"source", "lang", "interval", "spam"},
    # keep_alive: hold one snapshot between the pages of an engagement order (`parse_keep_alive`).
    "/api/search": FILTER_PARAMS | {"days", "size", "cursor", "sort", "tz", "keep_alive"},
    # sort: Explore's Order, so an export lists what the page lists, in its order.
    # bom: 1 starts a CSV with the UTF-8 byte-order mark, for Excel (`parse_bom`); the pages' ⬇ CSV links send it.
    "/api/export": FILTER_PARAMS | {"days", "format", "limit", "sort", "tz", "bom"},
    # format: json (default) or csv, the Themes and Alerts pages' ⬇ CSV (dashboards/web/export.py, alert_export.py).
    "/api/themes": _PERIOD | set(THEME_FACETS) | {"n", "min_count", "samples", "spam", "format", "bom"},
    "/api/alerts": _PERIOD | {"severity", "limit", "format", "bom"},
    "/api/replies": _PERIOD | {"limit"},
    # group: one group's posts (its id from the JSON), format=csv to download them (dashboards/web/faq.py).
    "/api/faq": _PERIOD | {"source", "lang", "n", "min_count", "examples", "spam", "group", "format", "bom"},
    "/api/advocates": _PERIOD | {"source", "lang", "spam", "kind", "n", "format", "bom"},
    "/api/spam/not-spam": frozenset(),  # POST, JSON body {"ids": [...]}
    "/api/spam/undo": frozenset(),  # POST, JSON body {"ids": [...]}
    "/api/sentiment/correct": frozenset(),  # POST, JSON body {"ids": [...], "label": "negative"}
    "/api/sentiment/undo": frozenset(),  # POST, JSON body {"ids": [...]}
    "/api/alerts/verdict": frozenset(),  # POST, JSON body {"incident": "<id>", "verdict": "real"[, "note": "..."]}
    "/api/alerts/verdict/undo": frozenset(),  # POST, JSON body {"incident": "<id>"}
}


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @property
    def length(self) -> timedelta:
        return self.until - self.since


def reject_unknown(params: Mapping[str, str], allowed: Iterable[str]) -> None:
    """A misspelt parameter would silently be ignored; say so instead."""
    allowed = set(allowed) | {"token"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ApiError(
            f"unknown parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed - {'token'}))}",
            param=unknown[0],
        )


def parse_tz(params: Mapping[str, str], default: str) -> str:
    """The `tz` parameter: an IANA zone name (Asia/Seoul, Europe/Berlin, UTC; `core.time.check_zone`), else
    `default` (digest.timezone)."""
    raw = params.get("tz")
    if raw is None or raw == "":
        return default
    try:
        return check_zone(raw)
    except ValueError as exc:
        raise ApiError(f"tz: {exc}", param="tz") from None


def parse_time(value: str, param: str, tz: str = "UTC") -> datetime:
    """ISO 8601 date or date-time within EARLIEST..LATEST. A date is its local midnight in the zone `tz` (the
    digest's day, `core.time.local_midnight`); naive date-times are UTC (like `Mention.created_at`)."""
    try:
        moment = parse_moment(value)  # the CLI's --since/--until rule (core.time), "+" sent unencoded included
        if not isinstance(moment, datetime):
            if not EARLIEST.date() <= moment < LATEST.date():
                raise OverflowError  # the message below; a zone's midnight may lie hours outside, never more
            return moment_utc(moment, tz)
    except ValueError:
        raise ApiError(
            f"{param}={value!r} is not a date: use ISO 8601, e.g. 2026-11-20 or 2026-11-20T14:00:00Z",
            param=param,
        ) from None
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 has no UTC equivalent
        moment = EARLIEST - timedelta(days=1)
    if not EARLIEST <= moment < LATEST:
        raise ApiError(
            f"{param}={value!r} is outside the supported dates "
            f"{EARLIEST:%Y-%m-%d} to {LATEST - timedelta(days=1):%Y-%m-%d}",
            param=param,
        )
    return moment


def parse_int(params: Mapping[str, str], name: str, default: int | None, lo: int, hi: int | None = None) -> int | None:
    """A whole number in lo..hi (hi at most MAX_INT, so no store or browser overflows on it)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    limit = f"between {lo} and {hi}" if hi is not None else f"at least {lo} (and at most {MAX_INT})"
    hi = MAX_INT if hi is None else min(hi, MAX_INT)
    # At most 32 plain digits: int() of thousands of digits is slow, and no limit needs more than 16.
    if not _INT.fullmatch(raw.strip()):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise ApiError(f"{name}={shown!r} is not a whole number {limit}", param=name)
    value = int(raw)
    if value < lo or value > hi:
        shown = str(value) if len(raw) <= 20 else raw.strip()[:20] + "…"
        raise ApiError(f"{name}={shown} is out of range: must be {limit}", param=name)
    return value


def parse_choice(params: Mapping[str, str], name: str, choices: Iterable[str], default: str | None) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    choices = tuple(choices)
    if raw not in choices:
        raise ApiError(f"{name}={raw!r} is not one of: {', '.join(choices)}", param=name)
    return raw


def parse_bom(params: Mapping[str, str], fmt: str | None) -> bool:
    """`bom`: 1 puts the UTF-8 byte-order mark before a CSV download, so Excel reads it as UTF-8 (without it,
    Excel opens a double-clicked CSV in the legacy code page and garbles Korean, Chinese, Russian); 0 or absent,
    none: what scripts want (pandas' encoding='utf-8' would read the first header as '\\ufeffid'). Only for a
    CSV (`fmt`, the request's format): JSON never carries one."""
    bom = parse_choice(params, "bom", ("0", "1"), "0") == "1"
    if bom and fmt != "csv":
        raise ApiError(f"bom=1 is for format=csv only: format={fmt} is never sent with a byte-order mark", param="bom")
    return bom


def parse_ident(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not _IDENT.match(raw):
        raise ApiError(f"{name}={raw!r} is not a valid {name} (letters, digits, '._:-', at most 64)", param=name)
    return raw


def parse_source(params: Mapping[str, str]) -> str | None:
    """`source`: any name a stored mention's source can have, matched exactly by the stores. An import names
    its posts' source freely ("Brand Watch"), and ids hold it ("Brand Watch:123"): renaming sources to
    identifiers would change those ids (a re-import would store every post twice), so the filter takes what
    the store has (its `by_source` facet) rather than an identifier. Only what no stored source can be is
    refused: text longer than a whole id may be. (A query string cannot carry a lone surrogate: it is decoded
    with U+FFFD for bytes that are no UTF-8.)"""
    raw = params.get("source")
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_ID_CHARS:
        shown = raw[:40] + "…" if len(raw) > 40 else raw
        raise ApiError(f"source={shown!r} is not a valid source: a source name as the dashboard lists it, at most "
                       f"{MAX_ID_CHARS} characters", param="source")
    return raw


# Theme labels are words of any script joined by " · " (nlp/themes.py): printable text, no control characters.
MAX_LABEL_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def parse_label(params: Mapping[str, str], name: str) -> str | None:
    """A stored label (e.g. a theme "battery · fire · recall"), matched exactly by the stores, never parsed."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_LABEL_CHARS or _CONTROL.search(raw) or raw != raw.strip():
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise ApiError(
            f"{name}={shown!r} is not a valid {name}: printable text without leading or trailing spaces, "
            f"at most {MAX_LABEL_CHARS} characters",
            param=name,
        )
    return raw


def parse_query(raw: str | None) -> str | None:
    """Check `q` parses in Groundswell's query language; return it for `Filters.text`."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_QUERY_CHARS:
        raise ApiError(f"q is too long ({len(raw)} characters; at most {MAX_QUERY_CHARS})", param="q")
    try:
        query = parse(raw)
    except QuerySyntaxError as exc:
        position = _error_position(exc)
        raise ApiError(f"query syntax error: {exc}", param="q", position=position) from None
    terms = count_terms(query.root)
    if terms > MAX_QUERY_TERMS:
        raise ApiError(
            f"q has {terms} terms; at most {MAX_QUERY_TERMS} (each post is checked against every term, and a "
            "longer query holds up every page of the dashboard): split it, or save it as a brand's query",
            param="q",
        )
    return raw.strip()


def count_terms(node: Node) -> int:
    """The leaves of a parsed query (words, phrases, #hashtags, @handles, lang:), negated ones too."""
    if isinstance(node, And | Or):
        return sum(count_terms(item) for item in node.items)
    if isinstance(node, Not):
        return count_terms(node.item)
    if isinstance(node, Near):
        return count_terms(node.left) + count_terms(node.right)
    return 1


def _error_position(exc: Exception) -> int | None:
    for attr in ("position", "pos", "offset", "column", "col"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    return None


def parse_brand(params: Mapping[str, str], brands: list[str], *, required: bool, default: str | None) -> str | None:
    raw = params.get("brand") or None
    if raw is None:
        if required and default is None:
            raise ApiError("brand is required", param="brand")
        return default if required else None
    if raw not in brands:
        raise ApiError(f"unknown brand {raw!r}; configured brands: {', '.join(brands)}", param="brand", status=404)
    return raw


def parse_period(params: Mapping[str, str], tz: str = "UTC") -> tuple[datetime | None, datetime | None]:
    """since/until; a date is read as a local day in `tz` (since its first moment, until exclusive)."""
    since = parse_time(params["since"], "since", tz) if params.get("since") else None
    until = parse_time(params["until"], "until", tz) if params.get("until") else None
    try:
        check_range(since, until)
    except ValueError as exc:
        raise ApiError(str(exc), param="since") from None
    return since, until


_BOOLS = {"true": True, "false": False, None: None}


def parse_filters(
    params: Mapping[str, str], brands: list[str], *, brand_required: bool = False, default_brand: str | None = None,
    tz: str = "UTC",
) -> Filters:
    """All filter parameters (see FILTER_PARAMS) as `Filters`; dates are local days in `tz` (`parse_tz`)."""
    since, until = parse_period(params, tz)
    return Filters(
        brand=parse_brand(params, brands, required=brand_required, default=default_brand),
        source=parse_source(params),
        lang=parse_ident(params, "lang"),
        sentiment=parse_choice(params, "sentiment", SENTIMENT_LABELS, None),
        since=since,
        until=until,
        collected_since=(parse_time(params["collected_since"], "collected_since", tz)
                         if params.get("collected_since") else None),
        min_followers=parse_int(params, "min_followers", None, 0),
        text=parse_query(params.get("q")),
        theme=parse_label(params, "theme"),
        uncertain=_BOOLS[parse_choice(params, "uncertain", ("true", "false"), None)],
        intent=parse_choice(params, "intent", INTENT_LABELS, None),  # nlp/intents.py's tag
        # spam=include: show what the spam rule (nlp/spam.py) leaves out of counts by default.
        include_spam=parse_choice(params, "spam", ("include", "exclude"), "exclude") == "include",
    )


def parse_days(params: Mapping[str, str]) -> int | None:
    """'The last N days' (up to the newest matching mention) when no explicit since is given."""
    return parse_int(params, "days", None, 1, 3660)


_KEEP_ALIVE = re.compile(r"^([1-9][0-9]{0,3})(s|m)$")
MAX_KEEP_ALIVE_S = 3600  # a snapshot held longer keeps the SQLite WAL (and Elasticsearch's search contexts) too long


def parse_keep_alive(params: Mapping[str, str]) -> str | None:
    """`keep_alive` (`30s`, `2m`, at most 1 hour): the pause allowed between two pages of a search that pages one
    snapshot, as Elasticsearch's point in time; None when not asked (SQLite then pages the live store)."""
    raw = params.get("keep_alive") or None
    if raw is None:
        return None
    match = _KEEP_ALIVE.match(raw)
    if not match or int(match.group(1)) * (60 if match.group(2) == "m" else 1) > MAX_KEEP_ALIVE_S:
        raise ApiError(f"keep_alive {raw!r} is not a duration such as 30s or 2m, at most 60m", param="keep_alive")
    return raw


def parse_cursor(params: Mapping[str, str]) -> str | None:
    raw = params.get("cursor") or None
    if raw is not None and len(raw) > MAX_CURSOR_CHARS:
        raise ApiError("cursor is too long: pass back the next_cursor of the previous page unchanged", param="cursor")
    return raw
