"""Group a brand's alerts into incidents, so one crisis is one thread, not a dozen pages.

A crisis usually trips several detectors: a crisis-term alert, the spike, an escalation, an
influencer post, per-language slices, and finally the all-clear. Each keeps its own stable id
(delivery stays idempotent per alert), and each also gets `incident_id`: the id of the alert
that opened the brand's incident. Channels use it to send the opening alert in full and the
rest as updates in the same thread (email `In-Reply-To`), or to fold minor updates away
(`followups: major`, the default).

An incident opens with a brand's first alert when none is open and stays open while a spike
episode it contains is open, or until `gap` has passed since its latest alert. It closes at the
all-clear of its last open spike episode. The grouping is a pure function of the alerts in time
order, so replaying the same history (a re-run, an overlapping scheduled run) gives the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from alerts.model import Alert


class _Decided(Protocol):
    alert: Alert
    decided_at: datetime


@dataclass
class _Open:
    id: str
    last: datetime
    episodes: set[str] = field(default_factory=set)


def assign_incidents(found: Iterable[_Decided], gap: timedelta) -> None:
    """Set `alert.incident_id` on every detection (each with `.alert` and `.decided_at`)."""
    ordered = sorted(found, key=lambda d: (d.decided_at, d.alert.kind == "all_clear", d.alert.id))
    open_by_brand: dict[str, _Open] = {}
    for d in ordered:
        a = d.alert
        current = open_by_brand.get(a.brand)
        if current is not None and not current.episodes and d.decided_at - current.last > gap:
            current = None  # quiet for longer than the gap: the next alert is a new incident
        if a.kind == "all_clear":
            if current is None:
                a.incident_id = a.episode_id or a.id  # its episode began before the replayed history
                continue
            a.incident_id = current.id
            current.episodes.discard(a.episode_id or "")
            current.last = d.decided_at
            if not current.episodes:
                del open_by_brand[a.brand]
            continue
        if current is None:
            current = open_by_brand[a.brand] = _Open(a.id, d.decided_at)
        a.incident_id = current.id
        current.last = d.decided_at
        if a.kind == "spike" and a.episode_id:
            current.episodes.add(a.episode_id)


def is_followup(alert: Alert) -> bool:
    """True for every alert of an incident but the one that opened it."""
    return bool(alert.incident_id) and alert.incident_id != alert.id


def is_major(alert: Alert) -> bool:
    """Updates worth interrupting for: a spike (new or growing), an all-clear, anything critical."""
    return alert.kind in ("spike", "all_clear") or alert.severity == "critical"
