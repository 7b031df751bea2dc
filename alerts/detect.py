"""Run every detector for one brand against a store and return explained alerts.

`detect_alerts(store, brand, config)` with `now=None` looks at the whole history (demo,
backtest) and returns every alert it would have raised. With `now`, it is a scheduled run:
it reads the history the baseline needs, replays it (so an episode begun hours ago is still
known to be open) and returns only alerts decided in the latest `recent_buckets` buckets, since the brand's last
run (`alerts.catchup`), or resting on posts collected since that run read the store (`collected_late`).
Alert ids are stable, so overlapping runs return the same ids and delivery sends each once. Each alert
carries when it was decided (`Alert.decided_at`), the earliest any run decided it (`decided_first`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from alerts.catchup import catch_up_from, catch_up_reach
from alerts.config import AlertsConfig, CrisisTerm, rules_for
from alerts.detector import DetectContext
from alerts.explain import alert_filters, carry_late_note, explain, late_note
from alerts.history import AlertLog
from alerts.history_start import history_start
from alerts.incidents import assign_incidents, folded_digest, is_followup, usual_ends
from alerts.kinds import detectors as registered
from alerts.kinds import kind_info, rule_problems
from alerts.series import STEP, floor_time, from_buckets
from core.alert import Alert, Detection
from core.errors import ConfigError
from core.query.aliases import written
from core.time import as_utc
from indexing.base import Filters, Store


class BrandLike(Protocol):
    """What detection reads of a brand (`groundswell.config.BrandConfig`). The keyword detector also reads an
    `inflect` list of language codes when the brand has one (`alerts.keyword.crisis_series`), and the
    explanation an `aliases` list (names or `{text, inflect}`: the brand's other names, never key phrases), and
    `rules_for` an `alerts` override (`alerts.config.BrandAlerts`: the brand's own rules) when it has one."""

    name: str
    crisis_terms: Sequence[CrisisTerm]  # terms, `{text, inflect}` and groups (alerts.config.TermGroup)


def detect_alerts(
    store: Store,
    brand: BrandLike,
    config: AlertsConfig,
    now: datetime | None = None,
    dashboard_url: str | None = None,
    explained: bool = True,
    collected_sources: frozenset[str] | None = None,
    *,
    caught_up: datetime | None = None,
    openers: bool = False,
    configured: Collection[str] | None = None,
    unlabelled_from: datetime | None = None,
    collected_since: datetime | None = None,
) -> list[Alert]:
    """Every registered detector's alerts for `brand` (`alerts.kinds`), explained, oldest first. `caught_up`: when
    the brand's last scheduled run judged (`alerts.catchup.DetectedUpTo`): with `now`, every alert decided since
    is reported too, not only the recent buckets' (`alerts.catchup.catch_up_from`). `openers`: with `now`, also the
    opener of each incident a reported alert follows up that the alert log lacks (`with_openers`; for a caller
    that stores what it gets, as `groundswell.pipeline.detect` does). `configured`: the config's brand names, the
    only other brands an explanation says the posts also name (`alerts.explain.explain`). `unlabelled_from`,
    `collected_since`: see `detections`. `config`: the global rules; the brand's own are merged over them here
    (`alerts.config.rules_for`)."""
    config = rules_for(config, brand)
    if not config.enabled:
        return []
    found = detections(store, brand, config, now, dashboard_url, explained, collected_sources,
                       caught_up=caught_up, openers=openers, configured=configured, unlabelled_from=unlabelled_from,
                       collected_since=collected_since)
    return [d.alert for d in found]


def detections(
    store: Store,
    brand: BrandLike,
    config: AlertsConfig,
    now: datetime | None = None,
    dashboard_url: str | None = None,
    explained: bool = True,
    collected_sources: frozenset[str] | None = None,
    *,
    caught_up: datetime | None = None,
    openers: bool = False,
    configured: Collection[str] | None = None,
    unlabelled_from: datetime | None = None,
    collected_since: datetime | None = None,
) -> list[Detection]:
    """Like `detect_alerts`, but each alert with the moment it was decided (for backtests).
    `collected_sources`: the sources configured for the brand (`DetectContext.collected_sources`).
    `unlabelled_from`: where posts waiting for a sentiment label begin (`alerts.unlabelled.awaiting_labels`):
    the alerts of rules that read labels (`Detector.reads_sentiment`) decided after it are held back, since such a
    rule would count those posts in a bucket's total but never as negative (an ongoing crisis read as over: a false
    all-clear). Those decided before it stand, so later alerts still join their incidents.
    `collected_since`: with `now`, when the brand's last scheduled run began to read the store, on the clock of
    `Mention.collected_at` (`alerts.catchup.DetectedUpTo.collected_since`): alerts its recent cut drops that rest on
    posts collected since are reported too, with their incidents' later alerts, and say so (`collected_late`).
    None (a first run; a backtest): none is.
    `config`: the global rules; every detector judges the brand by its own (`alerts.config.rules_for`)."""
    config = rules_for(config, brand)
    problems = rule_problems(config)
    if problems:  # a config not read by `groundswell.config` (which reports these when it loads)
        raise ConfigError("; ".join(problems))
    interval = config.spike.bucket
    step = STEP[interval]
    since, until = judged_span(config, now)
    base = Filters(brand=brand.name, since=since, until=until)
    buckets = store.histogram(base, interval)
    if not buckets:
        return []
    if since is not None:
        # A brand collected for less than the window: its history starts at its data, not at weeks of zeros.
        since = history_start(store, brand.name, since, buckets, interval)
        base = base.replace(since=since)
    series = from_buckets(buckets, interval, start=since, end=until, now=now)
    ctx = DetectContext(store, brand, config, base, series, now, collected_sources)
    found: list[Detection] = []
    late: dict[str, timedelta] = {}  # alert kind -> how long before `now` it still counts as recent
    for detector in registered():
        if detector.enabled(config):
            made = detector.detect(ctx)
            if unlabelled_from is not None and detector.reads_sentiment(config):
                made = [d for d in made if as_utc(d.decided_at) <= as_utc(unlabelled_from)]
            found += made
        if detector.late is not None:
            late.update(dict.fromkeys(detector.kinds, detector.late))

    # Before the recent-only cut: the incident an alert belongs to depends on the alerts before it.
    # An incident already stored keeps its id (a late alert must not reopen it under a new one).
    stored = AlertLog(store).stored(d.alert.id for d in found)
    for d in found:
        d.alert.decided_at = decided_first(d, stored.get(d.alert.id))
    known = {i: a.incident_id for i, a in stored.items() if a.incident_id}
    assign_incidents(found, max(timedelta(hours=config.incident_gap_hours), step), known)
    # Also before the cut: a follow-up's "usual" ends where its crisis began, perhaps before the recent buckets.
    usual_until = usual_ends(found)
    # Also before the cut: the later viral posts of an incident, which its all-clear lists (folded on a major-only
    # channel), may have been decided by earlier runs.
    digest = folded_digest(d.alert for d in found)
    came_late: dict[str, tuple[int, int]] = {}  # alert id -> (its posts collected late, all it counted)
    if now is not None:
        recent_from = max(series.start, recent_start(config, now))
        # After missed runs, everything decided since the last one (alerts/catchup.py); a first run: recent only.
        missed = catch_up_from(interval, config.spike.baseline_days, now, caught_up)
        # Some posts arrive late (collection lag): their kinds say how long; the rest must be recent.
        cut = [d for d in found if d.decided_at > _recent_cut(d.alert.kind, late, recent_from, step, now, missed)]
        # Posts collected late (a lagging collector): what rests on them was never judged by an earlier run.
        came_late = collected_late(store, found, cut, stored, late, collected_since, now,
                                   catch_up_reach(config.spike.baseline_days, now))
        cut = with_followups(cut, came_late, found, stored)
        found = with_openers(cut, found, stored) if openers else cut
    found.sort(key=lambda d: (d.decided_at, d.alert.kind, d.alert.id))
    if explained:
        aliases = [written(a)[0] for a in getattr(brand, "aliases", ())]  # the brand's other names: never key phrases
        for d in found:
            explain(d.alert, store, dashboard_url, config.spike.baseline_days, usual_until.get(d.alert.id), aliases,
                    until, configured)
            if d.alert.id in came_late:
                late_note(d.alert, *came_late[d.alert.id])
            else:  # an alert told as late stays so when a later pass (`--history`) explains it again
                carry_late_note(d.alert, stored.get(d.alert.id))
            if kind_info(d.alert.kind).closes and (note := digest.get(d.alert.incident_id or "")):
                d.alert.summary = f"{d.alert.summary} {note}".strip()
    return found


def judged_span(config: AlertsConfig, now: datetime | None) -> tuple[datetime | None, datetime | None]:
    """(since, until) of the posts a run at `now` reads: the whole history without `now`; else twice the baseline
    window (the first half warms the baseline up for the second) and one bucket more."""
    if now is None:
        return None, None
    return now - timedelta(days=2 * config.spike.baseline_days) - STEP[config.spike.bucket], now


def sentiment_rules(config: AlertsConfig) -> list[str]:
    """The enabled detectors (their `alerts:` keys) whose alerts read sentiment labels under `config`."""
    return [d.name for d in registered() if d.enabled(config) and d.reads_sentiment(config)]


def decided_first(detection: Detection, stored: Alert | None) -> datetime:
    """The `decided_at` to store with `detection`'s alert: when this pass decided it, or when the stored alert of
    its id was, if earlier. Runs replay different stretches of history (a scheduled run its baseline's, a
    `--history` run all of it; an unanswered-posts alert is decided again, later, by each run of its day), so one
    alert can be decided at different times: the first time it was is when it happened, and the digest that
    placed it on that day must not see it move to a later one. A stored alert without one (stored before
    `Alert.decided_at`) takes this pass's."""
    now = as_utc(detection.decided_at)
    if stored is not None and stored.decided_at is not None and stored.decided_at < now:
        return stored.decided_at
    return now


def _recent_cut(kind: str, late: dict[str, timedelta], recent_from: datetime, step: timedelta,
                now: datetime, missed: datetime | None = None) -> datetime:
    """The time after which an alert of `kind` counts as recent. Kinds that arrive late say how late. An
    alert that closes an episode (the all-clear) is decided on whole buckets only (alerts/spike.py), at
    the start of the bucket still filling, so it gets one bucket more: with `recent_buckets: 1` it would
    otherwise never be recent. `missed`: where the runs that did not happen began (`catch_up_from`), if earlier."""
    if kind in late:
        cut = now - late[kind]
    else:
        cut = recent_from - step if kind_info(kind).closes else recent_from
    return cut if missed is None else min(cut, missed)


def collected_late(store: Store, found: list[Detection], kept: list[Detection], stored: Mapping[str, Alert],
                   late: Mapping[str, timedelta], collected_since: datetime | None, now: datetime,
                   reach: datetime) -> dict[str, tuple[int, int]]:
    """The alerts of `found` that the recent cut left out (not in `kept`) and the alert log lacks, whose counted
    posts (`alerts.explain.alert_filters`, up to `now`) include some collected since `collected_since`: by alert id,
    (how many of them were, how many it counts). Posts dated hours back but stored after the last run read the
    store: no run judged that bucket with them, and the recent cut (by post time) dropped what they fired for good.

    Only kinds decided on their window's posts by post time: not a kind with its own `late` reach (influencer,
    viral), not an all-clear (it comes with its spike: `with_followups`), not one whose summary is not about its
    posts (`Kind.details` off: silence, unanswered). Decided after `reach` (`alerts.catchup.catch_up_reach`).
    None when `collected_since` is None (a first run), and on time collection finds none: every old bucket's posts
    were stored before the last run read, so an on-time run reports what it always did."""
    if collected_since is None:
        return {}
    kept_ids = {d.alert.id for d in kept}
    out: dict[str, tuple[int, int]] = {}
    for d in found:
        alert, info = d.alert, kind_info(d.alert.kind)
        if (alert.id in kept_ids or alert.id in stored or d.decided_at <= reach or alert.kind in late
                or info.closes or not info.details):
            continue
        posts = alert_filters(alert)
        if posts.until is None or posts.until > now:
            posts = posts.replace(until=now)
        fresh = store.count(posts.replace(collected_since=collected_since))
        if fresh:
            out[alert.id] = (fresh, store.count(posts))
    return out


def with_followups(kept: list[Detection], came_late: Mapping[str, object], found: list[Detection],
                   stored: Mapping[str, Alert]) -> list[Detection]:
    """`kept`, with the alerts of `came_late` (`collected_late`) and the later alerts of their incidents that the
    alert log lacks (its escalations, its all-clear, decided since on posts collected in time): else a crisis found
    late would stay open for good, its all-clear older than any later run reports."""
    if not came_late:
        return kept
    first: dict[str, datetime] = {}  # incident -> when its first alert collected late was decided
    for d in found:
        if d.alert.id in came_late and d.alert.incident_id:
            incident = d.alert.incident_id
            first[incident] = min(first.get(incident, d.decided_at), d.decided_at)
    ids = {d.alert.id for d in kept} | set(came_late)
    more = {
        d.alert.id for d in found
        if d.alert.incident_id in first and d.decided_at >= first[d.alert.incident_id] and d.alert.id not in stored
    }
    return [d for d in found if d.alert.id in ids or d.alert.id in more]


def with_openers(kept: list[Detection], found: list[Detection], stored: Mapping[str, Alert]) -> list[Detection]:
    """`kept` (the recent cut of `found`), with the opener of each incident a kept alert follows up when the
    alert log lacks it (a first run, or one after an outage longer than the catch-up's reach): else its
    follow-ups, the all-clear among them, would point at an alert never stored, of a crisis no channel was told
    of (delivery sends an opener with its follow-ups: `alerts.deliver.deliver`)."""
    ids = {d.alert.id for d in kept}
    wanted = {d.alert.incident_id for d in kept if is_followup(d.alert)} - ids - stored.keys()
    return [d for d in found if d.alert.id in ids or d.alert.id in wanted]


def recent_start(config: AlertsConfig, now: datetime) -> datetime:
    """Start of the latest `recent_buckets` buckets up to `now` (the series' last bucket holds the
    moment just before `now`): a scheduled run reports alerts decided after it."""
    interval = config.spike.bucket
    last = floor_time(now - timedelta(microseconds=1), interval)
    return last - (config.recent_buckets - 1) * STEP[interval]


def alert_window(config: AlertsConfig, now: datetime) -> tuple[datetime, str]:
    """The earliest moment a scheduled run at `now` still reports alerts from, over every enabled
    detector, and what sets it (the latest `recent_buckets` buckets, or a late-arriving kind's `late`).

    A brand whose newest mention is older than this has nothing this run can alert on."""
    start = recent_start(config, now)
    why = [f"the latest {config.recent_buckets} {config.spike.bucket} bucket(s)"]
    for detector in registered():
        if detector.late is not None and detector.enabled(config):
            start = min(start, now - detector.late)
            why.append(f"{detector.name} {_span(detector.late)}")
    return start, ", ".join(why)


def newest_mention(store: Store, brand: str) -> datetime | None:
    """When `brand`'s newest stored mention was posted; None when nothing is stored."""
    hits = store.search(Filters(brand=brand), size=1, sort="newest").hits
    return hits[0].mention.created_at if hits else None


def _span(delta: timedelta) -> str:
    hours = delta / timedelta(hours=1)
    if hours % 24 == 0:
        return f"{hours / 24:g} day(s)"
    return f"{hours:g} hour(s)"
