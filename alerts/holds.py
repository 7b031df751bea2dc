"""What holds an alert back from a channel that would take it: one object a delivery run hands each channel.

- a person's verdict on its incident (`alerts.verdict_filter`): a refusal the ledger keeps, counted
  `suppressed_by_verdict`;
- a mute of its brand on the channel (`alerts.mute`, `groundswell alerts mute`): a refusal the ledger keeps, so
  nothing it held is sent once it ends, counted `routed_out` with the reason "muted until ...";
- the channel's quiet hours (`alerts.quiet_hours`): an alert below their `min_severity` waits, unrecorded, counted
  `held_quiet`, and goes with the first run after the period. Its age for the "too old" rule counts from the end
  of the period that held it (`offered_at`), so the wait is never what makes it too old.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alerts.incidents import SEVERITY_RANK
from alerts.mute import Mute, holding, load_mutes
from alerts.quiet_hours import LONGEST, QuietHours, quiet_hours
from alerts.routing import RouteDecision
from alerts.verdict_filter import Verdicts
from core.alert import Alert, decided_at
from core.state import ListableState


@dataclass(frozen=True)
class Holds:
    """A run's holds: the verdicts it acts on, its clock (`now`, UTC), the team's clock (`tz`, the default
    zone of quiet hours), and the brands' mutes (`alerts.mute.load_mutes`), judged at its clock and the wall
    clock (`wall`)."""

    verdicts: Verdicts = field(default_factory=Verdicts)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    tz: str = "UTC"
    mutes: tuple[Mute, ...] = ()
    wall: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def for_run(cls, state: ListableState, verdicts: Verdicts, now: datetime, tz: str = "UTC") -> Holds:
        """The holds of a delivery run (or its plan) at `now`: `verdicts`, and the mutes `state` holds."""
        return cls(verdicts, now, tz, tuple(load_mutes(state)))

    def verdict(self, alert: Alert) -> RouteDecision | None:
        """The refusal a verdict on `alert`'s incident makes; None when it goes as usual."""
        return self.verdicts.hold(alert)

    def muted(self, channel: str, alert: Alert) -> Mute | None:
        """The mute of `alert`'s brand holding it back from `channel` (a channel's key); None when none does."""
        return holding(self.mutes, alert, channel, (self.now, self.wall)) if self.mutes else None

    def mute(self, channel: str, alert: Alert) -> RouteDecision | None:
        """The refusal a mute of `alert`'s brand on `channel` makes; None when it goes as usual."""
        muted = self.muted(channel, alert)
        return muted.refusal(alert) if muted is not None else None

    def quiet(self, channel: object, alert: Alert) -> str | None:
        """Why `alert` waits for the end of `channel`'s quiet hours at this run's clock; None when it goes now."""
        quiet = quiet_hours(channel)
        if quiet is None or not quiet_holds(quiet, alert, self.now, self.tz):
            return None
        return quiet.reason(self.now, self.tz)


def quiet_holds(quiet: QuietHours, alert: Alert, now: datetime, default_tz: str = "UTC") -> bool:
    """Whether `alert` waits at `now`: the period is on and the alert is below its `min_severity`."""
    return SEVERITY_RANK[alert.severity] < SEVERITY_RANK[quiet.min_severity] and quiet.is_quiet(now, default_tz)


def offered_at(alert: Alert, channels: Iterable[Any], default_tz: str = "UTC") -> datetime:
    """When `alert` was first offered to every channel that could take it: its decision time, or, when a
    channel's quiet hours were on then and held it, the end of that period (the latest of them). Delivery's
    "too old" rule and `with_pending` count an alert's age from here, so a night's wait never makes it too old."""
    decided = decided_at(alert)
    latest = decided
    for channel in channels:
        quiet = quiet_hours(channel)
        if quiet is not None and quiet_holds(quiet, alert, decided, default_tz):
            latest = max(latest, quiet.ends(decided, default_tz))
    return latest


def offered_by(alert: Alert, channels: Iterable[Any], since: datetime, default_tz: str = "UTC") -> bool:
    """Whether `alert` was offered (`offered_at`) at or after `since`. Cheap for most stored alerts: one decided
    since then was, and one decided over LONGEST before it was not (no quiet period holds an alert longer), so
    only those between need their period's end worked out."""
    decided = decided_at(alert)
    if decided >= since:
        return True
    return decided >= since - LONGEST and offered_at(alert, channels, default_tz) >= since
