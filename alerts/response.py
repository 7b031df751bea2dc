"""Our own replies: how fast a brand's own accounts answer, and which negative posts still wait.

A customer post is *answered* when a post by one of the brand's own accounts (`core.accounts`)
replies to it directly (`Mention.reply_to` is its id). Its response time is the time to the first
such reply. Per UTC day of the customer posts: how many were answered, the median and the 90th
percentile of the response times. The *needs reply* list: negative customer posts with no own
reply yet, older than the brand's goal (`response_goal_minutes`). Own accounts' posts are never
counted as customer posts; reposts are not posts to answer. Everything is read from the store, so
the dashboard, the digest and the `unanswered` alert kind (`ResponseDetector`) give the same figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.accounts import OwnAccounts
from core.mention import Mention
from core.time import as_utc
from indexing.base import Filters, Store

# Own replies may come after the window a report covers; a reply later than this is not looked for.
REPLY_HORIZON = timedelta(days=7)


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class DayStats:
    """Response figures for the customer posts of one UTC day (or of a whole report, `day=None`)."""

    day: date | None
    posts: int
    answered: int
    minutes: tuple[float, ...] = ()  # each answered post's time to first own reply

    @property
    def share(self) -> float | None:
        """Answered posts / posts; None when there were none."""
        return self.answered / self.posts if self.posts else None

    @property
    def median_minutes(self) -> float | None:
        return percentile(list(self.minutes), 50)

    @property
    def p90_minutes(self) -> float | None:
        return percentile(list(self.minutes), 90)


@dataclass(frozen=True)
class Waiting:
    """A negative customer post without an own reply, and how long it has waited."""

    mention: Mention
    waited: timedelta

    @property
    def minutes(self) -> float:
        return self.waited.total_seconds() / 60


@dataclass
class ResponseReport:
    """One brand's response figures over [since, until), as of `now`."""

    brand: str
    goal_minutes: int
    now: datetime
    configured: bool  # False: the brand has no own accounts, so nothing can be answered
    days: list[DayStats] = field(default_factory=list)
    overall: DayStats = field(default_factory=lambda: DayStats(None, 0, 0))
    needs_reply: list[Waiting] = field(default_factory=list)  # longest waiting first
    own_posts: int = 0

    @property
    def within_goal(self) -> int:
        """Answered posts whose first own reply came within the goal."""
        return sum(1 for m in self.overall.minutes if m <= self.goal_minutes)


def _is_customer_post(mention: Mention, own: OwnAccounts) -> bool:
    """Not the brand's own post, not a repost, not spam (spam wants no answer)."""
    if own.owns(mention) or mention.extra.get("repost_of"):
        return False
    return mention.spam is None


def first_replies(mentions: Iterable[Mention], own: OwnAccounts, now: datetime) -> dict[str, datetime]:
    """Post id -> when an own account first replied to it (replies after `now` do not exist yet)."""
    first: dict[str, datetime] = {}
    for m in mentions:
        if m.reply_to and own.owns(m) and m.created_at <= now:
            if m.reply_to not in first or m.created_at < first[m.reply_to]:
                first[m.reply_to] = m.created_at
    return first


def compute(
    posts: list[Mention],
    replies: dict[str, datetime],
    own: OwnAccounts,
    brand: str,
    goal_minutes: int,
    now: datetime,
) -> ResponseReport:
    """The report from customer-post candidates and own first replies (the store-free core, tested directly)."""
    report = ResponseReport(brand, goal_minutes, now, configured=bool(own))
    goal = timedelta(minutes=goal_minutes)
    by_day: dict[date, list[float | None]] = defaultdict(list)
    for m in posts:
        if own.owns(m):
            report.own_posts += 1
        if not _is_customer_post(m, own) or m.created_at > now:
            continue
        answered_at = replies.get(m.id)
        # A reply stamped a little before its post is clock skew between servers: zero, not negative.
        minutes = max(0.0, (answered_at - m.created_at).total_seconds() / 60) if answered_at else None
        by_day[m.created_at.date()].append(minutes)
        negative = m.sentiment is not None and m.sentiment.label == "negative"
        if answered_at is None and negative and now - m.created_at > goal:
            report.needs_reply.append(Waiting(m, now - m.created_at))
    report.days = [_stats(day, by_day[day]) for day in sorted(by_day)]
    report.overall = _stats(None, [v for values in by_day.values() for v in values])
    report.needs_reply.sort(key=lambda w: (-w.waited, w.mention.id))
    return report


def _stats(day: date | None, values: list[float | None]) -> DayStats:
    minutes = tuple(v for v in values if v is not None)
    return DayStats(day, len(values), len(minutes), minutes)


def response_report(
    store: Store,
    brand: str,
    own: OwnAccounts,
    goal_minutes: int,
    since: datetime,
    until: datetime,
    now: datetime | None = None,
) -> ResponseReport:
    """Response figures for `brand`'s customer posts created in [since, until), as of `now` (default `until`).

    Own replies are looked for up to `now` (at most `REPLY_HORIZON` after `until`): a reply often
    comes after the day its post was written.
    """
    since, until = as_utc(since), as_utc(until)
    now = as_utc(now) if now is not None else until
    # include_spam: the brand's own posts are set aside from counts like spam (groundswell.spam.OWN_POST);
    # here they are the replies. Spam customer posts are then skipped by `_is_customer_post`.
    posts = list(store.iter_mentions(Filters(brand=brand, since=since, until=until, include_spam=True)))
    replies_until = max(until, min(now, until + REPLY_HORIZON))
    later = (
        store.iter_mentions(Filters(brand=brand, since=until, until=replies_until, include_spam=True))
        if own
        else iter(())
    )
    replies = first_replies([*posts, *later], own, now) if own else {}
    return compute(posts, replies, own, brand, goal_minutes, now)
