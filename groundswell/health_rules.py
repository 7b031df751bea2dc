"""The status of each health row (ok / warning / failing) and what to do about it: the documented thresholds of
`groundswell health` (docs/operations.md, "Thresholds"), applied to the records of groundswell/health.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

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
CRITICAL_OWED_FAILING = timedelta(hours=1)  # a critical alert a channel failed to take, owed this long
STALE_POST_DAYS = 2  # a brand's newest post older than this many days (`--stale-days`)


@dataclass
class Row:
    """One line of `groundswell health`."""

    kind: Literal["source", "channel", "store", "model", "brand"]
    name: str
    status: Status
    detail: str  # what the facts are
    action: str = ""  # what to do (empty when ok)
    facts: dict | None = None  # the record behind it, for --json

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "status": self.status, "detail": self.detail,
                "action": self.action, **({"record": self.facts} if self.facts is not None else {})}


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


def source_row(name: str, source_type: str, record: SourceHealth | None, now: datetime,
               interval: timedelta | None) -> Row:
    """A configured source × brand's row (`name`: "<source>/<brand>")."""
    if record is None:
        return Row("source", name, "warning", f"{source_type}: no collection recorded yet",
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
        action = f"{name}: {_hint(record.last_error or '')}" if record.consecutive_failures else \
            f"{name}: is collection scheduled? `groundswell run` by hand shows the error"
        return Row("source", name, "failing", f"{detail}{'; ' + overdue if overdue else ''}", action, facts)
    if record.consecutive_failures:
        return Row("source", name, "warning", detail, f"{name}: {_hint(record.last_error or '')}", facts)
    newest = parse_time(record.newest_post)
    gone_quiet = newest is None or now - newest >= ZERO_RUNS_QUIET
    if record.items_ever and record.zero_item_runs >= ZERO_RUNS_WARNING and gone_quiet:
        return Row("source", name, "warning", f"{detail}; {record.zero_item_runs} empty passes in a row "
                   f"(it brought posts before)",
                   f"{name}: check the brand's query and the source's options (a renamed account, a feed that "
                   "moved, a search that no longer matches)", facts)
    return Row("source", name, "ok", detail, "", facts)


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
