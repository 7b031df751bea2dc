"""Influencer alerts: an author with a large audience posting negatively about the brand.

One alert per author and brand per incident gap (`alerts.incident_gap_hours`, 12 h): an author's post alerts when
no alert of theirs (on the brand) is less than a gap old; their later posts within the gap of that alert fold into
it and send nothing, so a famous critic's six complaints in six hours are one page, not six. A post folds only into
an alert, never into a post that was itself folded: a critic who posts every 11 hours is paged again once their
last alert is a gap old (a Friday post about a new problem is not folded into Tuesday's alert). A folded post
alerts again only when its reach (followers plus engagement) is at least `REACH_GROWTH` times the most any earlier
post of the run had (the run: the author's posts since the alert that opened it); that update says how many posts
they wrote since when ("6 negative posts by @critic since 09:00 UTC"; `Alert.total`, `Alert.since`), and the gap
runs from it.

Every alert's window is its own post's hour and its subject the post's id, so its id (`core.alert.Alert`) is the
post's alone: an earlier post collected late, or one that stops counting (its label corrected, flagged spam), may
change whether a post opens or updates a run and what it says, never its id, so no run sends it twice.

Whether a post alerts depends on the author's posts back to the last one with a gap of silence before it (that one
surely opened a run): a scheduled run reads the posts it judges and the gap before them, and reads further back,
as far as its own history, only when an author's posts go on without such a silence (`recent_influencers`); so it
decides as a whole-history run does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from alerts.authors import author_key
from alerts.config import AlertsConfig, InfluencerRule
from alerts.detector import DetectContext, Detector, Kind
from alerts.series import STEP, floor_time
from alerts.wording import moment, number, when
from core.alert import Alert, Detection, DrivingPost
from core.mention import Mention
from indexing.base import Filters, Store

MAX_INFLUENCER_POSTS = 500
CRITICAL_MULTIPLE = 10  # an author with this many times `min_followers` makes the alert critical
_MAX_FOLLOWERS_FILTER = 2**63 - 1  # stores compare followers as signed 64-bit integers
REACH_GROWTH = 2.0  # a folded post alerts again when its reach is this multiple of its run's earlier posts'

# (since, until) -> the candidate posts (negatives by authors with `min_followers`) posted in [since, until); None:
# no bound there (the run's own).
Reader = Callable[[datetime | None, datetime | None], list[Mention]]


def default_gap() -> timedelta:
    """The fold's gap when none is given: the default `alerts.incident_gap_hours`."""
    return timedelta(hours=AlertsConfig().incident_gap_hours)


def detect_influencers(
    mentions: Iterable[Mention],
    brand: str,
    rule: InfluencerRule | None = None,
    interval: str = "hour",
    gap: timedelta | None = None,
    judge_from: datetime | None = None,
) -> list[Detection]:
    """Alerts for negative mentions by authors with at least `min_followers` followers: one per author per `gap`
    (default `default_gap`) after their last alert, later posts folded unless their reach grows (module
    docstring). `judge_from`: posts before it only tell whether a later post folds, and raise nothing themselves
    (a run that read them without what came before cannot tell whether they folded: taken for openers, one could
    be stored as an incident's opener long after it was folded)."""
    rule = rule or InfluencerRule()
    gap = default_gap() if gap is None else gap
    out: list[Detection] = []
    for posts in _by_author(mentions, rule).values():
        for m, opener, count in _alerting(posts, gap):
            if judge_from is None or m.created_at >= judge_from:
                out.append(_detection(m, opener, count, brand, rule, interval))
    out.sort(key=lambda d: (d.alert.window_start, d.alert.id))
    return out


def recent_influencers(
    read: Reader,
    brand: str,
    rule: InfluencerRule,
    interval: str,
    gap: timedelta,
    judge_from: datetime,
    history_from: datetime | None,
) -> list[Detection]:
    """A scheduled run's alerts, for the posts from `judge_from` on: `read` the gap before them too, and when an
    author's posts run on through it without a gap of silence (so whether the post before was an alert is not
    known), everything back to `history_from` (the run's own history; None: all), the way a whole-history run
    would see them (module docstring). That older read happens only then: a run usually reads a day and a gap."""
    since = judge_from - gap
    posts = read(since, None)
    older = history_from is None or history_from < since
    if older and not _settled(_by_author(posts, rule), since, judge_from, gap):
        posts = read(history_from, since) + posts
    return detect_influencers(posts, brand, rule, interval, gap, judge_from)


def _by_author(mentions: Iterable[Mention], rule: InfluencerRule) -> dict[str, list[Mention]]:
    """The posts the rule counts (negative, by an author with `min_followers`, with `min_engagement`), by author
    (`alerts.authors.author_key`; a post naming none is an author of its own), each author's in time order."""
    by_author: dict[str, list[Mention]] = {}
    for m in mentions:
        if m.sentiment is None or m.sentiment.label != "negative":
            continue
        if (m.author.followers or 0) < rule.min_followers or m.engagement.total < rule.min_engagement:
            continue
        by_author.setdefault(author_key(m) or f"post:{m.id}", []).append(m)
    for posts in by_author.values():
        posts.sort(key=lambda m: (m.created_at, m.id))
    return by_author


def _alerting(posts: list[Mention], gap: timedelta) -> Iterator[tuple[Mention, Mention | None, int]]:
    """The posts of one author (in time order) that alert: (post, None, 1) for one that opens a run (no alert of
    theirs less than `gap` old), (post, the run's opener, the run's posts so far) for an update. A folded post
    is not an alert, so it extends nothing: the gap runs from the last alert (`anchor`)."""
    opener: Mention | None = None
    anchor: Mention | None = None  # the run's last alert: its opener or latest update
    count, top = 0, 0  # the run's posts so far, and the largest reach among them
    for m in posts:
        if anchor is None or m.created_at - anchor.created_at >= gap:
            opener = anchor = m
            count, top = 1, _reach(m)
            yield m, None, 1
            continue
        count += 1
        if _reach(m) >= REACH_GROWTH * top:
            anchor = m
            yield m, opener, count
        top = max(top, _reach(m))


def _settled(by_author: dict[str, list[Mention]], since: datetime, judge_from: datetime, gap: timedelta) -> bool:
    """Whether posts read from `since` tell, for every author with a post from `judge_from` on, what their
    earlier posts were: each such author has, no later than their first judged post, a post with a gap of silence
    before it (within what was read), which surely opened a run; `_alerting` is exact from there."""
    for posts in by_author.values():
        before = since  # nothing of theirs was read before `since`: silence back to there, as far as is known
        for m in posts:
            if m.created_at - before >= gap:
                break  # a run surely opens here
            if m.created_at >= judge_from:
                return False  # a judged post with nothing known to open its run
            before = m.created_at
    return True


def _detection(
    m: Mention, opener: Mention | None, count: int, brand: str, rule: InfluencerRule, interval: str
) -> Detection:
    """The alert for `m`, over its own hour (so its id is the post's alone); on an update (`opener` set), how many
    posts its run holds (`total`) since the hour of the run's first (`since`)."""
    followers = m.author.followers or 0
    start = floor_time(m.created_at, interval)
    end = start + STEP[interval]
    alert = Alert(
        kind="influencer",
        brand=brand,
        severity="critical" if followers >= CRITICAL_MULTIPLE * rule.min_followers else "warning",
        window_start=start,
        window_end=end,
        observed=float(followers),
        expected=float(rule.min_followers),
        statistic="followers",
        score=round(followers / rule.min_followers, 3),
        subject=m.id,
        detector="influencer",
        top_posts=[post_of(m)],
        total=count if opener else None,  # a single post's alert stays as it always was
        since=floor_time(opener.created_at, interval) if opener else None,
    )
    return Detection(alert, end, 0)


def _reach(m: Mention) -> int:
    """Who a post can reach: its author's followers and its engagement (the top posts' order, `alerts.evidence`)."""
    return (m.author.followers or 0) + m.engagement.total


def post_of(m: Mention, limit: int = 280) -> DrivingPost:
    """The alert's view of a mention: short text, author, audience and engagement."""
    text = m.text if len(m.text) <= limit else m.text[: limit - 1] + "…"
    return DrivingPost(
        id=m.id,
        url=m.url,
        text=text,
        author=m.author.handle or m.author.name,
        followers=m.author.followers,
        engagement=m.engagement.total,
        lang=m.lang,
        source=m.source,
        sentiment=m.sentiment.label if m.sentiment else None,
    )


class InfluencerDetector(Detector):
    """Negative posts by authors with a large audience, one alert per author per incident gap; they may arrive
    late, so a day counts as recent."""

    name = "influencer"
    kinds = {"influencer": Kind("Influencer post")}
    rule_model = InfluencerRule
    late = timedelta(days=1)
    carries_posts = True

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: InfluencerRule = self.rule(ctx.config)
        # The fold's gap is the incident's (`alerts.detect` groups incidents by the same): one page per incident.
        gap = max(timedelta(hours=ctx.config.incident_gap_hours), ctx.step)
        if ctx.now is None:
            posts = _negatives_by_influencers(ctx.store, ctx.base, rule.min_followers)
            return detect_influencers(posts, ctx.brand.name, rule, ctx.interval, gap)
        # A scheduled run judges only the posts of the last day (late arrivals included; and of the bucket a day
        # ago, which may be decided within it), not the baseline's weeks; it reads what came before them as far as
        # whether a post folds needs (`recent_influencers`). Each read is capped on its own: older posts never
        # crowd out the ones judged.
        def read(since: datetime | None, until: datetime | None) -> list[Mention]:
            span = ctx.base.replace(since=since, until=until or ctx.base.until)
            return _negatives_by_influencers(ctx.store, span, rule.min_followers)

        judge_from = ctx.now - self.late - ctx.step
        return recent_influencers(read, ctx.brand.name, rule, ctx.interval, gap, judge_from, ctx.base.since)

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """Negatives on the post's source by authors at least as followed as its author."""
        post = alert.top_posts[0] if alert.top_posts else None
        return base.replace(
            sentiment="negative", source=(post and post.source) or alert.source, min_followers=int(alert.observed)
        )

    def measured(self, alert: Alert) -> list[tuple[str, str]]:
        """The author's audience against the rule's `min_followers` (an alert holds them as observed and
        expected; no test judged them: 'Observed / expected' and 'score 13.5' said nothing to a reader), and
        on an update of several posts, how many."""
        over = "over" if alert.observed > alert.expected else "at"
        rows = [("Reach", f"{number(alert.observed)} followers, {over} the {number(alert.expected)} threshold")]
        if (alert.total or 0) > 1:
            rows.append(("Posts", f"{alert.total} negative posts by this author since {moment(_since(alert))}"))
        return rows

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        post = alert.top_posts[0] if alert.top_posts else None
        who = f"@{post.author}" if post and post.author else "An author"
        where = f" ({post.source})" if post and post.source else ""
        if (alert.total or 0) > 1:  # an update: the author's earlier posts of its run were folded into one alert
            return [
                f"{alert.brand}: {alert.total} negative posts by {who if post and post.author else 'one author'} "
                f"({alert.observed:,.0f} followers) since {moment(_since(alert), tz)}{where}. The latest reaches "
                f"at least {REACH_GROWTH:g}× as many people (followers plus engagement) as their earlier ones."
            ]
        return [f"{alert.brand}: {who} with {alert.observed:,.0f} followers posted negatively during {when(alert, tz)}"
                + where + "."]


def _since(alert: Alert) -> datetime:
    """Where an update's run began: `Alert.since` (its window's start, were it ever unset)."""
    return alert.since or alert.window_start


def _negatives_by_influencers(store: Store, base: Filters, min_followers: int) -> list[Mention]:
    """At most MAX_INFLUENCER_POSTS negative posts by authors with `min_followers`, the ones that matter
    most first: the critical tier (CRITICAL_MULTIPLE x min_followers) before the rest, each newest first.
    So a busy day of mid-size accounts cannot crowd out a huge account's post, and old posts cannot crowd
    out the newest (those a scheduled run has not alerted on yet). A whole-history run is capped the same way."""
    critical = min(CRITICAL_MULTIPLE * min_followers, _MAX_FOLLOWERS_FILTER)
    out: dict[str, Mention] = {}
    for floor in (critical, min_followers):
        _read_newest(store, base.replace(sentiment="negative", min_followers=floor), out)
    return list(out.values())


def _read_newest(store: Store, filters: Filters, out: dict[str, Mention]) -> None:
    """Add matches of `filters` to `out` (by id, so a tier read again is not counted twice), newest first,
    until `out` holds MAX_INFLUENCER_POSTS. Bounded: the second tier's only repeats are the critical posts
    already in `out` (fewer than the cap, or it would not be read), so both tiers read about twice the cap."""
    cursor = None
    while len(out) < MAX_INFLUENCER_POSTS:
        page = store.search(filters, size=100, cursor=cursor, sort="newest")
        for hit in page.hits:
            if len(out) < MAX_INFLUENCER_POSTS:
                out.setdefault(hit.mention.id, hit.mention)
        cursor = page.next_cursor
        if not cursor:
            break
