"""Our own replies: how fast a brand's own accounts answer, and which negative posts still wait.

A customer post is *answered* when a post by one of the brand's own accounts (`core.accounts`)
replies to it directly (`Mention.reply_to` is its id). Its response time is the time to the first
such reply. Per UTC day of the customer posts: how many were answered, the median and the 90th
percentile of the response times. The *needs reply* list: negative customer posts with no own
reply yet, older than the brand's goal (`response_goal_minutes`). Own accounts' posts are never
counted as customer posts; reposts are not posts to answer. Everything is read from the store, so
the dashboard, the digest and the `unanswered` alert kind (`ResponseDetector`) give the same figures.
A period is read as streamed light rows (`Store.iter_rows`) and added up as it comes (`Tally`): memory
grows with the answered posts and the waiting posts a caller lists (`keep`), not with the period.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from core.accounts import OwnAccounts
from core.mention import Mention
from core.time import as_utc
from indexing.base import Filters, PostRow, Store

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
    needs_reply: list[Waiting] = field(default_factory=list)  # longest waiting first (`keep` of them)
    needs_reply_total: int = 0  # every negative post waiting past the goal, listed or not
    own_posts: int = 0

    @property
    def within_goal(self) -> int:
        """Answered posts whose first own reply came within the goal."""
        return sum(1 for m in self.overall.minutes if m <= self.goal_minutes)


def first_replies(posts: Iterable[Mention | PostRow], own: OwnAccounts, now: datetime) -> dict[str, datetime]:
    """Post id -> when an own account first replied to it (replies after `now` do not exist yet)."""
    first: dict[str, datetime] = {}
    for m in posts:
        if m.reply_to and own.owns(m) and m.created_at <= now:  # type: ignore[arg-type]
            if m.reply_to not in first or m.created_at < first[m.reply_to]:
                first[m.reply_to] = m.created_at
    return first


@dataclass
class Tally:
    """The report's figures, added up one post at a time (`add`) over a stream of `PostRow`s: what it keeps grows
    with the answered posts (their response times, for exact percentiles) and the `keep` longest-waiting posts,
    never with the posts read."""

    report: ResponseReport
    replies: dict[str, datetime]
    own: OwnAccounts
    keep: int | None = None  # how many of the longest-waiting posts to keep (None: all)
    by_day: dict[date, list[float]] = field(default_factory=lambda: defaultdict(list))  # answered: minutes
    unanswered: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    waiting: list[tuple[datetime, str, PostRow]] = field(default_factory=list)  # oldest (longest waiting) first

    def add(self, post: PostRow) -> None:
        """Count one post of the report's period (any post: the rule picks the customer posts)."""
        report, now = self.report, self.report.now
        if self.own.owns(post):  # type: ignore[arg-type]  # a PostRow reads as a Mention's fields
            report.own_posts += 1
            return
        # A customer post: not the brand's own (above), not a repost, not spam (spam wants no answer).
        if post.repost_of or post.spam is not None or post.created_at > now:
            return
        day = post.created_at.date()
        answered_at = self.replies.get(post.id)
        if answered_at is None:
            self.unanswered[day] += 1
            if post.sentiment == "negative" and now - post.created_at > timedelta(minutes=report.goal_minutes):
                report.needs_reply_total += 1
                self._wait(post)
            return
        # A reply stamped a little before its post is clock skew between servers: zero, not negative.
        self.by_day[day].append(max(0.0, (answered_at - post.created_at).total_seconds() / 60))

    def _wait(self, post: PostRow) -> None:
        """Keep `post` if it is among the `keep` longest waiting (ties: by id, as the report sorts them)."""
        key = (post.created_at, post.id, post)
        if self.keep is not None and len(self.waiting) >= self.keep:
            if self.keep == 0 or key[:2] >= self.waiting[-1][:2]:
                return  # the stream is oldest first, so this is the common case: nothing to move
            self.waiting.pop()
        bisect.insort(self.waiting, key, key=lambda k: k[:2])

    def finish(self) -> tuple[ResponseReport, list[PostRow]]:
        """The report (all but its `needs_reply` list) and the longest-waiting posts, longest first."""
        report = self.report
        days = sorted(set(self.by_day) | set(self.unanswered))
        report.days = [_stats(day, self.by_day.get(day, []), self.unanswered.get(day, 0)) for day in days]
        report.overall = _stats(None, [v for values in self.by_day.values() for v in values],
                                sum(self.unanswered.values()))
        return report, [post for _, _, post in self.waiting]


def compute(
    posts: Iterable[Mention | PostRow],
    replies: dict[str, datetime],
    own: OwnAccounts,
    brand: str,
    goal_minutes: int,
    now: datetime,
) -> ResponseReport:
    """The report from customer-post candidates and own first replies (the store-free core, tested directly)."""
    tally = Tally(ResponseReport(brand, goal_minutes, now, configured=bool(own)), replies, own)
    mentions: dict[str, Mention] = {}
    for m in posts:
        if isinstance(m, Mention):
            mentions[m.id] = m
        tally.add(m if isinstance(m, PostRow) else PostRow.of(m))
    report, waiting = tally.finish()
    report.needs_reply = [Waiting(mentions[p.id], now - p.created_at) for p in waiting if p.id in mentions]
    return report


def _stats(day: date | None, minutes: list[float], unanswered: int) -> DayStats:
    return DayStats(day, len(minutes) + unanswered, len(minutes), tuple(minutes))


def response_report(
    store: Store,
    brand: str,
    own: OwnAccounts,
    goal_minutes: int,
    since: datetime,
    until: datetime,
    now: datetime | None = None,
    keep: int | None = None,
) -> ResponseReport:
    """Response figures for `brand`'s customer posts created in [since, until), as of `now` (default `until`).

    Own replies are looked for up to `now` (at most `REPLY_HORIZON` after `until`): a reply often
    comes after the day its post was written. `keep`: how many of the longest-waiting posts `needs_reply`
    lists (None: all; `needs_reply_total` counts them all either way).

    Two streamed passes over light rows (`Store.iter_rows`), never a list of the period's mentions: the own
    replies first, then the period's posts, added up as they come (`Tally`); only the kept waiting posts are
    read whole (`Store.get_readable`). Memory grows with the answered posts, not with the period's posts.
    """
    since, until = as_utc(since), as_utc(until)
    now = as_utc(now) if now is not None else until
    # include_spam: the brand's own posts are set aside from counts like spam (groundswell.spam.OWN_POST);
    # here they are the replies. Spam customer posts are then skipped by `Tally.add`.
    period = Filters(brand=brand, since=since, until=until, include_spam=True)
    replies: dict[str, datetime] = {}
    if own:
        replies_until = max(until, min(now, until + REPLY_HORIZON))
        replies = first_replies(store.iter_rows(period.replace(until=replies_until), replies_only=True), own, now)
    tally = Tally(ResponseReport(brand, goal_minutes, now, configured=bool(own)), replies, own, keep)
    for post in store.iter_rows(period):
        tally.add(post)
    report, waiting = tally.finish()
    mentions = {m.id: m for m in store.get_readable([p.id for p in waiting])} if waiting else {}
    # A kept post deleted since it was read (retention, erasure) is no longer listed; the total counted it. So is
    # one this version cannot read whole (skipped and counted in `store.unreadable`, as scans do): it must not
    # stop the report, the digest or the unanswered alert.
    report.needs_reply = [Waiting(mentions[p.id], now - p.created_at) for p in waiting if p.id in mentions]
    return report
