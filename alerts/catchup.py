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

Posts collected late are the other gap: a collector lagging hours behind (an import dropped every few hours, an API
backlog) stores posts dated in buckets a run already judged, and catch-up covers runs that did not happen, not posts
that arrived after a run that did. So the mark also records when that run began to read the store, on the wall
clock that stamps `Mention.collected_at` (`DetectedUpTo.get` notes it, `advance` writes it): the next run asks which
of the alerts its recent cut dropped rest on posts collected since (`collected_since`, `alerts.detect.collected_late`).
The run's `now` cannot say it: a replay of a 2015 stream judges at 2015 times posts collected today.

State: ``alert_detected:<brand>`` -> ``{"judged": ISO time, "read": ISO time}`` (a bare ISO time, the judged moment,
as written before `read` was: read as having no `read`). One key per brand, rewritten by every run; no retention.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from alerts.series import floor_time
from core.state import StateStore
from core.time import as_utc

PREFIX = "alert_detected:"
log = logging.getLogger(__name__)


def mark_key(brand: str) -> str:
    return f"{PREFIX}{brand}"


class DetectedUpTo:
    """The moment each brand's last scheduled detection judged, once its alerts were stored, and when that run began
    to read the store (the wall clock: `collected_since`)."""

    def __init__(self, state: StateStore):
        self.state = state
        self._reading: dict[str, datetime] = {}  # brand -> when this run began to read it (`get`)

    def get(self, brand: str) -> datetime | None:
        """When `brand` was last judged by a run that stored its alerts; None when never (or unreadable: that
        run then reports its recent buckets only, as a first run does). Called as a run begins to judge `brand`
        (`groundswell.pipeline.detect`): notes the wall clock then, which `advance` records as this run's read."""
        self._reading[brand] = datetime.now(UTC)
        return self._entry(brand)[0]

    def collected_since(self, brand: str) -> datetime | None:
        """The earliest `collected_at` of a post the last run that stored `brand`'s alerts had not seen: when it began
        to read the store. None when no run recorded it (a first run, a mark written before `read` was): such a run
        takes nothing as collected late.

        No margin before it: a post stamped before that read sat in the store for the run (collection stamps a batch
        as it writes it, and both stores show a write once it returns), but for one written in the very second the
        run began, which a later run then reports only while it is recent, as before. A margin would take what that
        run did see as new: the history imported minutes before a store's first run, which reports its recent
        buckets only, would come back as late alerts; in a replay, whose runs are seconds apart, every post."""
        return self._entry(brand)[1]

    def _entry(self, brand: str) -> tuple[datetime | None, datetime | None]:
        """(judged, read) of `brand`'s mark; (None, None) when there is none or it cannot be read (logged)."""
        raw = self.state.get_state(mark_key(brand))
        if raw is None:
            return None, None
        try:
            return _parse(raw)
        except (TypeError, ValueError, KeyError, AttributeError):
            log.warning("state %s is not a time (%r); this run reports its recent buckets only", mark_key(brand), raw)
            return None, None

    def advance(self, brand: str, now: datetime) -> None:
        """Record that `brand` was judged up to `now`: call only after the run's alerts are stored. Never moves
        back (a re-run of an older data interval leaves the latest mark). The read noted by `get` moves with it,
        never alone: where the mark stays (a re-run of an older interval; late posts still waiting for labels in
        buckets judged before, `groundswell.pipeline.detect` holding the mark at them), what was collected since
        the last read stays new to the next run; where it moves only up to posts waiting for labels, the next run
        catches up from there (`catch_up_from`)."""
        now = as_utc(now)
        last = self._entry(brand)[0]
        if last is None or now > last:
            entry = {"judged": now.isoformat()}
            if (read := self._reading.get(brand)) is not None:
                entry["read"] = read.isoformat()
            self.state.set_state(mark_key(brand), json.dumps(entry))


def latest_judged(state: StateStore) -> datetime | None:
    """The latest moment any brand's scheduled detection judged in this store (`DetectedUpTo`); None when none did
    or `state` cannot be listed. A run whose `now` is older re-runs an interval later runs judged already."""
    items = getattr(state, "state_items", None)  # a bare key/value state (tests) cannot be listed
    if items is None:
        return None
    judged = []
    for raw in items(PREFIX).values():
        try:
            judged.append(_parse(raw)[0])
        except (TypeError, ValueError, KeyError, AttributeError):
            continue  # `DetectedUpTo.get` says so when its brand is judged
    return max(judged, default=None)


def _parse(raw: str) -> tuple[datetime, datetime | None]:
    """(judged, read) of a stored mark; raises on one that cannot be read."""
    if not raw.lstrip().startswith("{"):
        return as_utc(datetime.fromisoformat(raw)), None  # written before `read` was recorded
    entry = json.loads(raw)
    read = entry.get("read")
    judged = as_utc(datetime.fromisoformat(entry["judged"]))
    return judged, None if read is None else as_utc(datetime.fromisoformat(read))


def catch_up_reach(baseline_days: int, now: datetime) -> datetime:
    """The earliest decision a scheduled run at `now` still reports for missed runs or late posts: `baseline_days`
    before it, the part of the replayed history whose baseline is warmed up (`alerts.detect.judged_span`)."""
    return as_utc(now) - timedelta(days=baseline_days)


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
    return max(filling, catch_up_reach(baseline_days, now))
