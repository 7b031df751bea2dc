"""The status of each health row (ok / warning / failing) and what to do about it: the documented thresholds of
`groundswell health` (docs/operations.md, "Thresholds"), applied to the records of groundswell/health.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote, quote_plus

from extractors.state import Owed
from groundswell.health import ChannelHealth, SourceHealth, parse_time

Status = Literal["ok", "warning", "failing"]
RANK: dict[str, int] = {"ok": 0, "warning": 1, "failing": 2}

FAILURES_FAILING = 3  # consecutive failed passes of a source (runs of a channel)
MISSED_INTERVALS_FAILING = 3  # no success for this many schedule intervals (`--interval`), when given
ZERO_RUNS_WARNING = 3  # consecutive empty passes of a source that brought posts before
# ... and its newest post at least this old: a quiet brand read hourly (a post every hour or two) is not a source
# that stopped, and the warning would stand on every page of the dashboard (`/api/health`); a busy source empty for
# 6 hours is worth a look.
ZERO_RUNS_QUIET = timedelta(hours=6)
# A source × brand whose cursor owes a backlog (a pass stopped with pages left) is a warning; failing once the oldest
# owed range has waited this long (`with_backlog`): the burst outruns what the runs read, not a passing spike.
BACKLOG_FAILING = timedelta(hours=6)
CRITICAL_OWED_FAILING = timedelta(hours=1)  # a critical alert a channel failed to take, owed this long
STALE_POST_DAYS = 2  # a brand's newest post older than this many days (`--stale-days`)
GROUP_NAMES_SHOWN = 3  # brands named in a grouped row's detail; the rest are counted ("and 57 more")


@dataclass(frozen=True)
class Problem:
    """What a source × brand row says is wrong, in the same words for every brand: rows of one source with the same
    status and Problem are one problem of that source (`group_sources`)."""

    source: str  # the source's key
    brand: str
    label: str  # "failing", "no collection recorded yet", ...
    hint: str  # what to do, without the row's name
    error: str = ""  # the last error with the brand's name and query masked (`same_error`); "" for no error


@dataclass
class Row:
    """One line of `groundswell health`."""

    kind: Literal["source", "channel", "store", "model", "brand"]
    name: str
    status: Status
    detail: str  # what the facts are
    action: str = ""  # what to do (empty when ok)
    facts: dict | None = None  # the record behind it, for --json
    problem: Problem | None = None  # a source × brand row: what it shares with the same source's other brands
    brands: list[str] | None = None  # a grouped row (`group_sources`): the brands it stands for, config order
    records: dict[str, dict] | None = None  # ... and each one's record, for --json

    def as_dict(self) -> dict:
        """The row as `--json` and `/api/health` give it: a grouped row adds `brands` (and `records`, brand ->
        record, where a single row has `record`)."""
        return {"kind": self.kind, "name": self.name, "status": self.status, "detail": self.detail,
                "action": self.action, **({"record": self.facts} if self.facts is not None else {}),
                **({"brands": self.brands} if self.brands is not None else {}),
                **({"records": self.records} if self.records is not None else {})}


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "never"
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def _hint(error: str) -> str:
    """What to do about a source's error, read from the error's text."""
    low = error.lower()
    if any(code in low for code in ("401", "403", "unauthor", "forbidden", "auth")):
        return "check the credentials in the source's *_env variables (`groundswell config check`)"
    if "429" in low or "rate limit" in low:
        return "rate limited: the next run resumes from the cursor; collect less often if it lasts"
    if "store" in low or "deadletter" in low:
        return "the store refused writes: see the store row and the run's stderr"
    if any(word in low for word in ("timeout", "timed out", "connection", "resolve", "unreachable")):
        return "the source did not answer: check the network and the source's URL"
    return "read the error and the run's stderr; `groundswell collect --source NAME` runs it alone"


BRAND_MARK = "<brand>"


def same_error(error: str, brand: str, query: str = "") -> str:
    """`error` as it reads for every brand: the brand's name and query (as typed, or URL-encoded in a request's URL)
    replaced by "<brand>", so a 401 whose URL carries `q=Acme` is the same error as Globex's `q=Globex`, while an
    error of one brand's own (its query's bad parenthesis) stays different. `_hint`'s buckets are too broad to tell
    errors apart: every error it does not know gets one catch-all hint."""
    forms = {f for text in (query, brand) if text.strip() for f in (text, quote(text, safe=""), quote_plus(text))}
    for form in sorted(forms, key=len, reverse=True):  # the query before the name it may contain
        # Whole words only: a brand "In" must not turn "Internal" into "<brand>ternal" for itself alone.
        error = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", BRAND_MARK, error, flags=re.IGNORECASE)
    return error


def source_row(source: str, brand: str, source_type: str, record: SourceHealth | None, now: datetime,
               interval: timedelta | None, query: str = "") -> Row:
    """A configured source × brand's row (named "<source>/<brand>"); `query`: the brand's query, masked in the error
    with its name when telling whether brands share a problem (`same_error`)."""
    name = f"{source}/{brand}"

    def row(status: Status, detail: str, label: str = "", hint: str = "", facts: dict | None = None) -> Row:
        error = same_error(record.last_error or "", brand, query) if record and record.consecutive_failures else ""
        problem = Problem(source, brand, label, hint, error) if status != "ok" else None
        return Row("source", name, status, detail, f"{name}: {hint}" if hint else "", facts, problem)

    if record is None:
        return row("warning", f"{source_type}: no collection recorded yet", "no collection recorded yet",
                   "run `groundswell run` (or the Airflow ingest DAG); it records each pass here")
    success = parse_time(record.last_success)
    attempt = parse_time(record.last_attempt)
    facts = {k: v for k, v in vars(record).items()}
    detail = (f"{source_type}: last success {_age(success, now)}, last attempt {_age(attempt, now)}, "
              f"{record.last_items} item(s) last pass")
    if record.consecutive_failures:
        detail += f"; {record.consecutive_failures} failure(s) in a row: {record.last_error}"
    overdue = None
    if interval is not None:
        limit = MISSED_INTERVALS_FAILING * interval
        since = success or attempt
        if since is not None and now - since > limit:
            overdue = (f"no success for {_age(success, now).removesuffix(' ago')} (over "
                       f"{MISSED_INTERVALS_FAILING} × the {interval / timedelta(minutes=1):g} min interval)")
    if record.consecutive_failures >= FAILURES_FAILING or overdue:
        if record.consecutive_failures:
            label, hint = "failing", _hint(record.last_error or "")
        else:
            label, hint = "overdue", "is collection scheduled? `groundswell run` by hand shows the error"
        return row("failing", f"{detail}{'; ' + overdue if overdue else ''}", label, hint, facts)
    if record.consecutive_failures:
        return row("warning", detail, "failed its last pass(es)", _hint(record.last_error or ""), facts)
    newest = parse_time(record.newest_post)
    gone_quiet = newest is None or now - newest >= ZERO_RUNS_QUIET
    if record.items_ever and record.zero_item_runs >= ZERO_RUNS_WARNING and gone_quiet:
        return row("warning", f"{detail}; {record.zero_item_runs} empty passes in a row (it brought posts before)",
                   "gone quiet (empty passes in a row)",
                   "check the brand's query and the source's options (a renamed account, a feed that moved, a "
                   "search that no longer matches)", facts)
    return row("ok", detail, facts=facts)


def with_backlog(row: Row, source: str, brand: str, owed: Owed | None, now: datetime) -> Row:
    """A source × brand's row (`source_row`) with what its saved cursor still owes (`extractors.state.owed_by`): a
    warning while a backlog is owed (the store, and so the dashboard's counts and the detectors, miss posts since
    its start), failing once a range has been owed for over `BACKLOG_FAILING` (wall-clock time since it became owed,
`Owed.waiting_since`, not the age of its posts: a first fill of a week of history has waited no time; a range saved
before that was recorded: since its top post). A worse row keeps its problem."""
    if owed is None:
        return row
    since = f"since {owed.since:%Y-%m-%d %H:%M} UTC" if owed.since else "(since when: not known)"
    waited = now - owed.waiting_since if owed.waiting_since else None
    wait = f", the longest owed for {_age(owed.waiting_since, now).removesuffix(' ago')}" if waited else ""
    detail = f"{row.detail}; behind: counts here are missing posts {since} ({owed.ranges} range(s) owed{wait})"
    facts = {**(row.facts or {}), "backlog": owed.as_dict()}
    status: Status = "failing" if waited is not None and waited > BACKLOG_FAILING else "warning"
    if RANK[row.status] >= RANK[status]:
        return Row(row.kind, row.name, row.status, detail, row.action, facts, row.problem)
    label = "behind (a backlog owed)" if status == "warning" else "behind for hours (a backlog owed)"
    hint = ("posts come faster than a run reads (its pages stopped at max_pages, the read budget or a rate limit): "
            "later runs read what is owed; to catch up sooner raise the source's max_pages (and the read budget), "
            "or collect more often")
    return Row(row.kind, row.name, status, detail, f"{row.name}: {hint}", facts, Problem(source, brand, label, hint))


def _group_key(r: Row) -> tuple:
    p = r.problem
    assert p is not None
    return p.source, r.status, p.label, p.hint, p.error


def group_sources(rows: list[Row]) -> list[Row]:
    """`rows` with the source × brand rows that share a source, a status and a problem (`Problem`: the same label,
    the same thing to do and the same last error, brand names and queries masked) made one row, named by the
    source, at the first one's place: a source failing for 60 brands is one row ("failing for 60 brands (Lumora,
    Sonique, Vexa and 57 more)"), not 60. A problem only one brand of its source has (its own error, say its
    query's) keeps its own "<source>/<brand>" row, as do ok rows and every other kind."""
    groups: dict[tuple, list[Row]] = {}
    for r in rows:
        if r.problem is not None:
            groups.setdefault(_group_key(r), []).append(r)
    out: list[Row] = []
    for r in rows:
        if r.problem is None:
            out.append(r)
            continue
        members = groups[_group_key(r)]
        if len(members) == 1:
            out.append(r)
        elif members[0] is r:
            out.append(_grouped(members))
    return out


def _grouped(members: list[Row]) -> Row:
    """One row for `members` (two or more rows of one source's problem): the brands counted and the first few
    named, then the first brand's own detail as the example (its error is every member's, names masked)."""
    first = members[0]
    p = first.problem
    assert p is not None
    brands = [m.problem.brand for m in members if m.problem is not None]
    shown = ", ".join(brands[:GROUP_NAMES_SHOWN])
    rest = len(brands) - GROUP_NAMES_SHOWN
    named = f"{shown} and {rest} more" if rest > 0 else shown
    source_type, _, example = first.detail.partition(": ")
    detail = f"{source_type}: {p.label} for {len(brands)} brands ({named}); {p.brand}: {example}"
    records = {m.problem.brand: m.facts for m in members if m.problem is not None and m.facts is not None}
    return Row("source", p.source, first.status, detail, f"{p.source}: {p.hint}", None,
               Problem(p.source, "", p.label, p.hint, p.error), brands, records or None)


def channel_row(name: str, channel_type: str, record: ChannelHealth | None, now: datetime) -> Row:
    """A configured channel's row."""
    if record is None:
        return Row("channel", name, "ok", f"{channel_type}: no delivery recorded yet")
    facts = {k: v for k, v in vars(record).items()}
    detail = f"{channel_type}: last success {_age(parse_time(record.last_success), now)}"
    if record.consecutive_failures:
        detail += f"; {record.consecutive_failures} failed run(s) in a row: {record.last_error}"
    critical = record.owed_critical
    critical_since = parse_time(critical["since"]) if critical else None
    owed = record.owed
    if owed:
        detail += (f"; owes {owed['severity']} alert {owed['id']} ({owed['brand']}) since "
                   f"{_age(parse_time(owed['since']), now)}")
    action = (f"{name}: check the receiver (URL, token, its own logs); the next run sends the alerts of the last "
              "24 h it missed, older ones are only in `groundswell alerts` and the dashboard")
    late_critical = critical_since is not None and now - critical_since > CRITICAL_OWED_FAILING
    if record.consecutive_failures >= FAILURES_FAILING or late_critical:
        if late_critical and critical:
            late = _age(critical_since, now).removesuffix(" ago")
            detail += f"; critical alert {critical['id']} undelivered for {late}"
        return Row("channel", name, "failing", detail, action, facts)
    if record.consecutive_failures or owed:
        return Row("channel", name, "warning", detail, action, facts)
    return Row("channel", name, "ok", detail, "", facts)


def brand_row(brand: str, newest: datetime | None, now: datetime, stale_days: float) -> Row:
    """A brand's newest stored post against now."""
    if newest is None:
        return Row("brand", brand, "warning", "no post stored",
                   f"{brand}: nothing collected yet: check its sources' rows above")
    age = now - newest
    detail = f"newest post {newest:%Y-%m-%d %H:%M} UTC ({_age(newest, now)})"
    if age > timedelta(days=stale_days):
        return Row("brand", brand, "warning", detail,
                   f"{brand}: newest post is {age.days} days old: is collection running? (a quiet brand, or a "
                   "source that stopped: see its sources' rows)")
    return Row("brand", brand, "ok", detail)


def overall(rows: list[Row]) -> Status:
    """The worst status of all rows."""
    worst = max((RANK[r.status] for r in rows), default=0)
    return next(s for s, rank in RANK.items() if rank == worst)  # type: ignore[return-value]
