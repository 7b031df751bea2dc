"""Group a brand's alerts into incidents, so one crisis is one thread, not a dozen pages.

A crisis usually trips several detectors: a crisis-term alert, the spike, an escalation, an
influencer post, per-language slices, and finally the all-clear. Each keeps its own stable id
(delivery stays idempotent per alert), and each also gets `incident_id`: the id of the alert
that opened the brand's incident. Channels use it to send the opening alert in full and the
rest as updates in the same thread (email `In-Reply-To`), or to fold minor updates away
(`followups: major`, the default).

Good news is its own thread (`Kind.thread`): an opportunity alert never opens or joins a crisis's
incident. An incident opens with a brand's first alert of its thread when none is open and stays
open while a spike episode it contains is open, or until `gap` has passed since its latest alert.
It closes at the all-clear of its last open spike episode. The grouping is a pure function of the
alerts in time order, so replaying the same history (a re-run, an overlapping scheduled run) gives
the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from alerts.kinds import kind_info
from core.alert import SEVERITY_RANK, Alert, decided_at


class _Decided(Protocol):
    alert: Alert
    decided_at: datetime


@dataclass
class _Open:
    id: str
    last: datetime
    episodes: set[str] = field(default_factory=set)


def assign_incidents(found: Iterable[_Decided], gap: timedelta, known: Mapping[str, str] | None = None) -> None:
    """Set `alert.incident_id` on every detection (each with `.alert` and `.decided_at`). `known`: the
    incident ids alerts were stored under before (alert id -> incident id), which an incident keeps
    (`_keep_known`)."""
    ordered = sorted(found, key=lambda d: (d.decided_at, kind_info(d.alert.kind).closes, d.alert.id))
    _group(ordered, gap)
    if known:
        _keep_known(ordered, known)


def _keep_known(ordered: list[_Decided], known: Mapping[str, str]) -> None:
    """An incident that was already stored keeps its id when an alert that arrived late (an influencer
    post collected hours after it was written) now sorts first and would open it: its messages went out
    threaded under that id, and a new one would split one crisis into two threads, opening twice. The
    id of the earliest member stored with one wins."""
    members: dict[str, list[Alert]] = {}
    for d in ordered:
        members.setdefault(d.alert.incident_id or d.alert.id, []).append(d.alert)
    for alerts in members.values():
        kept = next((known[a.id] for a in alerts if a.id in known), None)
        if kept is not None:
            for alert in alerts:
                alert.incident_id = kept


def _group(ordered: list[_Decided], gap: timedelta) -> None:
    """The grouping itself, over detections in time order (see the module docstring)."""
    open_by_brand: dict[tuple[str, str], _Open] = {}  # by brand and thread (`Kind.thread`)
    for d in ordered:
        a = d.alert
        key = (a.brand, kind_info(a.kind).thread)
        current = open_by_brand.get(key)
        if current is not None and not current.episodes and d.decided_at - current.last > gap:
            current = None  # quiet for longer than the gap: the next alert is a new incident
        if kind_info(a.kind).closes:
            if current is None:
                a.incident_id = a.episode_id or a.id  # its episode began before the replayed history
                continue
            a.incident_id = current.id
            current.episodes.discard(a.episode_id or "")
            current.last = d.decided_at
            if not current.episodes:
                del open_by_brand[key]
            continue
        if current is None:
            current = open_by_brand[key] = _Open(a.id, d.decided_at)
        a.incident_id = current.id
        current.last = d.decided_at
        if kind_info(a.kind).crisis and a.episode_id:
            current.episodes.add(a.episode_id)


@dataclass
class _Span:
    """A crisis episode as `usual_ends` reads it: where it began, when it was decided open and closed."""

    start: datetime
    opened: datetime
    incident: str
    closed: datetime | None = None


def usual_ends(found: Iterable[_Decided]) -> dict[str, datetime]:
    """alert id -> where the "usual" of its explanation ends (`alerts.explain.explain`), for the alerts that
    follow up a crisis: those decided while a crisis episode of their incident was open (after it opened,
    until its all-clear) whose window began after the episode did. It ends where the episode began.

    The spike detector keeps an episode's buckets out of the baseline its follow-ups are judged against
    (alerts/spike.py), so an escalation's expected count is the days before the crisis's. The explanation's
    "usually" (a theme's share, the unusual mix) follows the same rule: ending at the follow-up's own window,
    it would hold the crisis's first hours and creep up with every escalation. Run after `assign_incidents`.
    An episode's first alert (its window is where it began) is not in the result."""
    found = list(found)
    spans: dict[str, _Span] = {}
    for d in sorted(found, key=lambda d: (d.decided_at, kind_info(d.alert.kind).closes, d.alert.id)):
        a, info = d.alert, kind_info(d.alert.kind)
        if not a.episode_id or not (info.crisis or info.closes):
            continue
        span = spans.setdefault(a.episode_id, _Span(a.window_start, d.decided_at, incident_key(a)))
        span.start = min(span.start, a.window_start)  # an all-clear's window begins where its episode did
        if info.closes:
            span.closed = d.decided_at
    ends: dict[str, datetime] = {}
    for d in found:
        a = d.alert
        begun = [
            s.start
            for s in spans.values()
            if s.incident == incident_key(a)
            and s.opened <= d.decided_at
            and (s.closed is None or d.decided_at <= s.closed)
            and s.start < a.window_start
        ]
        if begun:
            ends[a.id] = min(begun)
    return ends


def is_followup(alert: Alert) -> bool:
    """True for every alert of an incident but the one that opened it."""
    return bool(alert.incident_id) and alert.incident_id != alert.id


def delivery_order(alerts: Iterable[Alert]) -> list[Alert]:
    """`alerts` in the order channels get them: the order they were decided (`core.alert.decided_at`), whatever
    their brand or incident (an all-clear after what was decided with it), each incident's opener before its
    follow-ups (`openers_first`)."""
    return openers_first(sorted(alerts, key=lambda a: (decided_at(a), kind_info(a.kind).closes, a.kind, a.id)))


def openers_first(alerts: Iterable[Alert]) -> list[Alert]:
    """`alerts` in their order, except that an incident's opener, when among them, goes just before the first of
    its follow-ups: an update must not reach a channel before the message it updates (an incident keeps its stored
    id when a late alert sorts before its opener: `assign_incidents`). Each alert once."""
    alerts = list(alerts)
    by_id = {a.id: a for a in alerts}
    out: list[Alert] = []
    done: set[str] = set()
    for alert in alerts:
        opener = by_id.get(alert.incident_id or "") if is_followup(alert) else None
        for a in (opener, alert):
            if a is not None and a.id not in done:
                done.add(a.id)
                out.append(a)
    return out


def is_major(alert: Alert) -> bool:
    """Updates worth interrupting for: a spike (new or growing), an all-clear, anything critical.

    Which kinds are major is theirs to say (`alerts.detector.Kind.major`)."""
    return kind_info(alert.kind).major or alert.severity == "critical"


# -- reading incidents back (report, dashboard, run summary) ----------------------------------


@dataclass(frozen=True)
class Incident:
    """One incident as people read it: its alerts, oldest first, as a timeline."""

    id: str
    brand: str
    alerts: tuple[Alert, ...]

    @property
    def severity(self) -> str:
        return max((a.severity for a in self.alerts), key=SEVERITY_RANK.__getitem__)

    @property
    def start(self) -> datetime:
        return min(a.window_start for a in self.alerts)

    @property
    def end(self) -> datetime:
        return max(a.window_end for a in self.alerts)

    @property
    def crisis(self) -> bool:
        """A negative spike is part of it (keyword or influencer alerts alone are not a crisis)."""
        return any(kind_info(a.kind).crisis for a in self.alerts)

    @property
    def open(self) -> bool:
        """One of its spike episodes has had no all-clear yet (spikes stored without an episode are not tracked)."""
        episodes = {a.episode_id for a in self.alerts if kind_info(a.kind).crisis and a.episode_id}
        return bool(episodes - self._cleared_episodes())

    @property
    def cleared(self) -> bool:
        """An all-clear closed it (every spike episode it had)."""
        return bool(self._cleared_episodes()) and not self.open

    def _cleared_episodes(self) -> set[str]:
        return {a.episode_id for a in self.alerts if kind_info(a.kind).closes and a.episode_id}

    @property
    def headline(self) -> Alert:
        """The alert to show on the card: the most severe, the spike among equals, the first among those."""
        return max(
            self.alerts,
            key=lambda a: (SEVERITY_RANK[a.severity], kind_info(a.kind).crisis, -a.window_start.timestamp()),
        )


@dataclass(frozen=True)
class AlertCount:
    """How many incidents and alerts a list of alerts makes (every kind counts, all-clears included)."""

    incidents: int
    alerts: int

    def label(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return f"{n(self.incidents, 'incident')} · {n(self.alerts, 'alert')}"


def incident_key(alert: Alert) -> str:
    """The incident an alert belongs to; alerts stored before incidents existed stand alone."""
    return alert.incident_id or alert.id


def group_incidents(alerts: Iterable[Alert]) -> list[Incident]:
    """Alerts grouped by incident, ordered for reading: the pinned crisis first, then newest first."""
    by_id: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        by_id.setdefault((alert.brand, incident_key(alert)), []).append(alert)
    incidents = [Incident(key, brand, tuple(sorted(group, key=_timeline_key))) for (brand, key), group in by_id.items()]
    incidents.sort(key=lambda i: (max(a.window_start for a in i.alerts), i.id), reverse=True)
    top = pinned(incidents)
    return [top, *(i for i in incidents if i is not top)] if top else incidents


def _timeline_key(alert: Alert) -> tuple[datetime, bool, str]:
    # An all-clear's window is its whole episode; it was decided after it (`decided_at`: its quiet buckets later),
    # so it closes the timeline, after what was decided in those quiet buckets.
    closes = kind_info(alert.kind).closes
    return (decided_at(alert) if closes else alert.window_start, closes, alert.id)


def pinned(incidents: Iterable[Incident]) -> Incident | None:
    """The incident to pin on top: the most severe crisis, open ones before cleared ones, then the newest."""
    crises = [i for i in incidents if i.crisis]
    if not crises:
        return None
    return max(crises, key=lambda i: (i.open, SEVERITY_RANK[i.severity], i.end))


def count_alerts(alerts: Iterable[Alert]) -> AlertCount:
    """The one definition of 'how many alerts' used by the run summary, the report and the dashboard."""
    alerts = list(alerts)
    return AlertCount(incidents=len({(a.brand, incident_key(a)) for a in alerts}), alerts=len(alerts))


def worst_alert(alerts: Iterable[Alert]) -> Alert | None:
    """The alert of the period whose day the report's rising themes show.

    Crises (negative spikes) before any other kind, then the most severe, then the largest excess
    over what was expected, then the earliest. All-clears are left out: their window is a whole
    episode, not the day it broke. None when there is no other alert."""
    candidates = [a for a in alerts if not kind_info(a.kind).closes]
    return max(
        candidates,
        key=lambda a: (
            kind_info(a.kind).crisis,
            SEVERITY_RANK[a.severity],
            a.observed - a.expected,
            -a.window_start.timestamp(),
        ),
        default=None,
    )


def incident_days(alerts: Iterable[Alert]) -> list[date]:
    """The UTC days on which the alerts' windows began (all-clears left out, as in `worst_alert`), oldest first."""
    return sorted({a.window_start.date() for a in alerts if not kind_info(a.kind).closes})


DIGEST_TOP = 3  # the folded posts an all-clear names, by reach


def folded_digest(alerts: Iterable[Alert]) -> dict[str, str]:
    """Incident id -> the sentence its all-clear adds about the viral posts a `followups: major` channel did not get:
    the warning-level alerts of a `Kind.first_major` kind (viral posts) after the incident's first of that kind
    (`alerts.delivery_plan.passed_over` folds them; a critical one is sent). E.g. "4 more posts went viral: @a
    (reach 12,000, 60 reposts), @b (…), @c (…)." The top `DIGEST_TOP` by reach, then reposts. `alerts`: every
    alert of the incidents, in any order (a run's detections before its recent-only cut: earlier runs' alerts
    included)."""
    by_incident: dict[str, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: (decided_at(a), a.id)):
        if alert.incident_id and kind_info(alert.kind).first_major:
            by_incident.setdefault(alert.incident_id, []).append(alert)
    out: dict[str, str] = {}
    for incident, members in by_incident.items():
        seen: set[str] = set()
        folded = []
        for alert in members:
            if alert.kind in seen and alert.severity != "critical":
                folded.append(alert)
            seen.add(alert.kind)
        if folded:
            top = sorted(folded, key=lambda a: (a.reach or 0, a.observed, a.id), reverse=True)[:DIGEST_TOP]
            named = ", ".join(_digest_item(a) for a in top)
            out[incident] = f"{len(folded)} more post{'s' if len(folded) != 1 else ''} went viral: {named}."
    return out


def _digest_item(alert: Alert) -> str:
    post = alert.top_posts[0] if alert.top_posts else None
    who = f"@{post.author}" if post and post.author else (post.source if post and post.source else alert.subject)
    reach = f"reach {alert.reach:,}, " if alert.reach else ""
    return f"{who} ({reach}{alert.observed:,.0f} reposts)"
