"""How far each brand's scheduled detection got, so a run after missed ones catches up.

A scheduled run (`alerts.detect.detections` with a `now`) reports the alerts decided in its latest
`recent_buckets` buckets. Runs that did not happen (a scheduler outage, a paused DAG: `catchup` is off) would
lose what was decided in between for good: a crisis opened and escalated while nothing ran was never stored,
and its all-clear later went out for a spike no channel heard of. So each run that stored its alerts records,
per brand, the moment it judged (`DetectedUpTo`, written only after the alerts are saved: the cursor rule),
and the next run reports everything decided since that run's still-filling bucket (`catch_up_from`).

The look-back is bounded (`catch_up_from`): at most `baseline_days` before `now`, the replayed history whose
baseline is warmed up (`alerts.detect`: the first half of the 2 x `baseline_days` read only warms it). What a
long outage leaves older than a day is stored and shown, and delivery holds it back as too old
(`alerts.deliver.PENDING_WITHIN`). A store without a mark (its first scheduled run) reports its recent buckets
only, as before: a first run does not page weeks of history.

State: ``alert_detected:<brand>`` -> ISO time. One key per brand, rewritten by every run; no retention.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from alerts.series import floor_time
from core.state import StateStore
from core.time import as_utc

PREFIX = "alert_detected:"
log = logging.getLogger(__name__)


def mark_key(brand: str) -> str:
    return f"{PREFIX}{brand}"


class DetectedUpTo:
    """The moment each brand's last scheduled detection judged, once its alerts were stored."""

    def __init__(self, state: StateStore):
        self.state = state

    def get(self, brand: str) -> datetime | None:
        """When `brand` was last judged by a run that stored its alerts; None when never (or unreadable: that
        run then reports its recent buckets only, as a first run does)."""
        raw = self.state.get_state(mark_key(brand))
        if raw is None:
            return None
        try:
            return as_utc(datetime.fromisoformat(raw))
        except (TypeError, ValueError):
            log.warning("state %s is not a time (%r); this run reports its recent buckets only", mark_key(brand), raw)
            return None

    def advance(self, brand: str, now: datetime) -> None:
        """Record that `brand` was judged up to `now`: call only after the run's alerts are stored. Never moves
        back (a re-run of an older data interval leaves the latest mark)."""
        now = as_utc(now)
        last = self.get(brand)
        if last is None or now > last:
            self.state.set_state(mark_key(brand), now.isoformat())


def catch_up_from(interval: str, baseline_days: int, now: datetime, last: datetime | None) -> datetime | None:
    """The moment after which a run at `now` must report every alert decided, given the brand's last judged
    moment `last` (`DetectedUpTo.get`); None when there is none (a first run: its recent buckets only).

    The last run reported every alert decided up to its still-filling bucket's start (those rest on buckets
    complete by then); what was decided after may rest on posts it had not seen. Bounded by `baseline_days`
    before `now`."""
    if last is None:
        return None
    last = min(as_utc(last), as_utc(now))
    filling = floor_time(last - timedelta(microseconds=1), interval)
    return max(filling, as_utc(now) - timedelta(days=baseline_days))
