"""Viral alerts: one post being reposted fast ("@TeamCavuto's post was reposted 92 times in an hour").

Collection stores a post once and drops its reposts as copies, so no stored count sees a post spread; each
dropped repost is recorded as a share instead (`alerts.shares`, written by `groundswell.shares`). This detector
counts a brand's shares per original post and UTC hour: an hour with at least `min_reposts` reposts of one post
whose sentiment the rule counts (negative by default) fires. One alert per post per episode: the episode's first
such hour is the alert's window and the post's id its subject (so its id is stable), and later hours of the same
post fire nothing new until `cooldown_hours` pass without one (nor does an episode a run raised on a repost that
stood in for the post before it was collected: `groundswell.copies.CopyIndex.merge_stand_ins`). Critical from
`critical_multiple` x `min_reposts` in the hour, or when the reposters' followers add up to `critical_reach`.
A channel with `followups: major` gets the first viral alert of an incident; later warnings fold (`Kind.first_major`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from alerts.config import AlertsConfig
from alerts.detector import DetectContext, Detector, Kind
from alerts.history import AlertLog
from alerts.history_start import first_stored
from alerts.influencer import post_of
from alerts.series import floor_time
from alerts.shares import Share, Shares
from alerts.wording import number, when
from core.alert import Alert, Detection
from core.mention import RT_PREFIX, Mention, is_repost
from core.strict import StrictModel
from indexing.base import Filters, Store

HOUR = timedelta(hours=1)
USUAL = timedelta(hours=24)  # the brand's usual reposts per hour: over the day before the viral hour


class ViralRule(StrictModel):
    """`alerts.viral`: alert when one post is reposted at least `min_reposts` times in one hour."""

    enabled: bool = True
    min_reposts: int = Field(default=20, ge=2, description="Reposts of one post in one UTC hour that alert")
    sentiment: Literal["negative", "any"] = Field(
        default="negative", description="Which posts count: negative ones (a crisis spreading), or any post"
    )
    critical_multiple: float = Field(default=5.0, ge=1, description="Critical from this many times min_reposts")
    critical_reach: int = Field(
        default=1_000_000, ge=1, description="Critical when the hour's reposters' followers add up to this"
    )
    cooldown_hours: int = Field(
        default=24, ge=1, le=24 * 30, description="Hours without a viral hour before the same post alerts again"
    )


class ViralDetector(Detector):
    """A post whose reposts in one hour reach `min_reposts`; its reposts may be collected late, so a day is recent."""

    name = "viral"
    # The first viral post of an incident goes in full, later ones fold unless critical (`Kind.first_major`).
    kinds = {"viral": Kind("Viral post", first_major=True, details=False)}
    rule_model = ViralRule
    late = timedelta(days=1)
    carries_posts = True

    def reads_sentiment(self, config: AlertsConfig) -> bool:
        return self.rule(config).sentiment != "any"

    def detect(self, ctx: DetectContext) -> list[Detection]:
        rule: ViralRule = self.rule(ctx.config)
        since = ctx.base.since
        if ctx.now is not None:
            # The recent day, and before it what tells an episode's start and the usual rate: never all history.
            since = floor_time(ctx.now - self.late, "hour") - max(timedelta(hours=rule.cooldown_hours), USUAL)
        shares = [s for s in Shares(ctx.store).between(since, ctx.base.until) if ctx.brand.name in s.brands]
        return viral_detections(ctx.store, shares, ctx.brand.name, rule, ctx.now)

    def filters(self, alert: Alert, base: Filters) -> Filters:
        """The post itself is all the store holds of it (its reposts are shares, not stored mentions)."""
        post = alert.top_posts[0] if alert.top_posts else None
        return base.replace(sentiment=None, source=(post and post.source) or alert.source)

    def measured(self, alert: Alert) -> list[tuple[str, str]]:
        rows = [("Reposts", f"{number(alert.observed)} in one hour; {_usual_rate(alert, 'an hour in all')}")]
        if alert.reach:
            rows.append(("Reach", f"{number(alert.reach)} followers of the reposters (where known)"))
        return rows

    def describe(self, alert: Alert, tz: str = "UTC") -> list[str]:
        post = alert.top_posts[0] if alert.top_posts else None
        # A stand-in (a repost stored because its original was not collected, `core.stories`): the post that went
        # viral is the original, by the author its `RT @` prefix names; the store holds only the repost.
        original = _named(post.text) if post else None
        stand_in = post is not None and (post.stands_in or original is not None)
        author = original if stand_in else post.author if post else None
        who = f"@{author}'s post" if author else "A post"
        reach = f", reaching {number(alert.reach)} followers" if alert.reach else ""
        lines = [
            f"{alert.brand}: {who} was reposted {number(alert.observed)} times during {when(alert, tz)}{reach} "
            f"({_usual_rate(alert, 'reposts an hour in all')})."
        ]
        if stand_in:
            by = f"@{post.author}'s repost" if post.author else "a repost"
            link = f": {post.url}" if post.url else ""
            lines.append(f"The post itself was not collected; the store holds {by} of it, which stands in for it"
                         f"{link}.")
        return lines


def _named(text: str) -> str | None:
    """The handle a `RT @handle:` prefix names, as written (`core.mention.reposted_author` lower-cases it)."""
    prefix = RT_PREFIX.match(text)
    return prefix.group(0).split("@", 1)[1].rstrip(": \t").strip() or None if prefix else None


def _usual_rate(alert: Alert, unit: str) -> str:
    """The brand's usual repost rate, as far as its history tells: over the day before the viral hour, or only the
    hours since its first stored post when that is less (`Alert.baseline_days`); none when there are none."""
    days = alert.baseline_days
    if days is not None and days <= 0:
        return "the brand has no repost history before this hour yet"
    if days is not None and days * 24 < USUAL / HOUR:
        hours = round(days * 24)
        return (f"the brand's posts got {number(alert.expected)} {unit} in its {hours} hour"
                f"{'s' if hours != 1 else ''} of history so far")
    return f"the brand's posts usually get {number(alert.expected)} {unit}"


def viral_detections(store: Store, shares: list[Share], brand: str, rule: ViralRule,
                     now: datetime | None = None) -> list[Detection]:
    """One detection per viral episode of a post among `shares` (one brand's), oldest first."""
    by_hour: dict[tuple[str, datetime], list[Share]] = {}
    per_hour: Counter[datetime] = Counter()
    for share in shares:
        hour = floor_time(share.at, "hour")
        by_hour.setdefault((share.original, hour), []).append(share)
        per_hour[hour] += 1
    hot: dict[str, list[datetime]] = {}
    for (original, hour), group in sorted(by_hour.items(), key=lambda item: item[0][1]):
        # Rows stored twice, merged into shares (an upgrade's pass, a stand-in whose post came): counted, no news.
        if sum(not s.merged for s in group) >= rule.min_reposts:
            hot.setdefault(original, []).append(hour)
    if not hot:
        return []
    posts = {m.id: m for m in store.get(sorted(hot))}
    merged: dict[str, set[str]] = {}  # a hot post -> its merged shares' reposts (stand-ins among them)
    for share in shares:
        if share.merged and share.original in hot:
            merged.setdefault(share.original, set()).add(share.repost)
    out: list[Detection] = []
    for original, hours in hot.items():
        post = posts.get(original)
        if post is None or post.spam or not _counts(post, rule):
            continue  # deleted, flagged as spam, or not the sentiment the rule watches (or not tagged yet)
        for episode in _episodes(hours, timedelta(hours=rule.cooldown_hours)):
            if original in merged and AlertLog(store).stored(_ids(brand, merged[original], episode)):
                # A run already raised it on a repost that stood in for the post, merged into it once the post was
                # collected (`groundswell.copies.CopyIndex.merge_stand_ins`): the same news, not sent again.
                continue
            hour = _stored_start(store, brand, original, episode)
            group = by_hour[(original, hour)]
            # The usual rate over the day before, or over the hours since the brand's first stored post when it
            # was collected for less: the hours before are no data, and counted as zeros they read "usually 0".
            first = first_stored(store, brand, before=hour)
            known = 0 if first is None else min(int(USUAL / HOUR), int((hour - floor_time(first, "hour")) / HOUR))
            usual = sum(per_hour[hour - n * HOUR] for n in range(1, known + 1)) / known if known else 0.0
            out.append(_detection(brand, post, hour, group, usual, rule, now, known / 24))
    out.sort(key=lambda d: (d.alert.window_start, d.alert.id))
    return out


def _counts(post: Mention, rule: ViralRule) -> bool:
    if rule.sentiment == "any":
        return True
    return post.sentiment is not None and post.sentiment.label == "negative"


def _episodes(hours: list[datetime], cooldown: timedelta) -> list[list[datetime]]:
    """Viral hours (sorted) split where `cooldown` passes without one."""
    episodes: list[list[datetime]] = []
    for hour in hours:
        if episodes and hour - episodes[-1][-1] < cooldown:
            episodes[-1].append(hour)
        else:
            episodes.append([hour])
    return episodes


def _stored_start(store: Store, brand: str, original: str, episode: list[datetime]) -> datetime:
    """The hour the episode's alert was stored under, if a run already raised it (reposts of an earlier hour
    collected late must not open it again under a new id); else its first viral hour."""
    ids = _ids(brand, [original], episode)
    stored = AlertLog(store).stored(ids)
    return min((ids[i] for i in stored), default=episode[0])


def _ids(brand: str, subjects: Iterable[str], hours: list[datetime]) -> dict[str, datetime]:
    """The id of the viral alert on each of `subjects` in each of `hours` -> its hour."""
    return {Alert(kind="viral", brand=brand, window_start=h, window_end=h + HOUR, observed=0, expected=0,
                  statistic="", score=0, subject=subject).id: h for subject in subjects for h in hours}


def _detection(brand: str, post: Mention, hour: datetime, group: list[Share], usual: float, rule: ViralRule,
               now: datetime | None, history_days: float) -> Detection:
    reposts = len(group)
    known = [s.followers for s in group if s.followers is not None]
    reach = sum(known) if known else None
    critical = reposts >= rule.critical_multiple * rule.min_reposts or (reach or 0) >= rule.critical_reach
    top = post_of(post)
    top.stands_in = is_repost(post)  # its shares are reposts of the post it reposts (`core.stories`)
    if not top.author and not top.stands_in:  # a post read without its author (an import): its retweets name it
        top.author = next((s.of for s in group if s.of), None)
    end = hour + HOUR
    alert = Alert(
        kind="viral",
        brand=brand,
        severity="critical" if critical else "warning",
        window_start=hour,
        window_end=end,
        observed=float(reposts),
        expected=round(usual, 2),
        baseline_days=round(history_days, 3),  # the hours the usual rate is over, in days (`_usual_rate`)
        statistic="reposts per hour",
        score=round(reposts / rule.min_reposts, 3),
        subject=post.id,
        detector="viral",
        top_posts=[top],
        reach=reach,
        counted_sentiment=None if rule.sentiment == "any" else "negative",
    )
    # Decided when its hour ended, or at the run that saw the hour reach `min_reposts` while it was still running.
    return Detection(alert, min(end, now) if now is not None else end, 0)
