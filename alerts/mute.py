"""Muting a brand's alerts for a while (`groundswell alerts mute`): one brand silenced on some channels, or all,
without losing the others, and ending by itself.

- A mute names a brand, a channel (a channel's name, or every channel), when it began (`since`), when it ends by
  itself (`until`), who set it and why (`by`, `note`), and whether it holds critical alerts too
  (`include_critical`). An unmute ends it early (`ended`).
- It holds an alert of its brand on its channels when the alert is below critical (or `include_critical`) and the
  mute is in force at the run's clock or at the wall clock (a re-run of an old interval is sent now, and is silenced
  now), or the alert was decided (`core.alert.decided_at`) while the mute was in force: an alert decided during the
  mute that no run offered before it ended (delivery was down, the mute was shorter than the runs' interval) is held
  all the same.
- What a mute holds is a refusal the delivery ledger keeps (`alerts.routing.MUTE` facts, `mute=<severity>`), like a
  verdict's: still detected, stored and shown (the dashboard, `alerts list`), counted `routed_out` with the reason
  "muted until ...", and never sent later. After the mute ends, a channel gets only the alerts decided after its
  end: unmuting does not flood it with what was held, nor with the newest held alert (a warning of hours ago is
  old news; a crisis still under way fires again, and its next alert reaches the channel as a new message). An
  alert whose severity rises under its id (a warning turning critical) is decided again.
- Critical alerts go through a mute unless it was set with `include_critical`: a mute is for noise, and a brand's
  real crisis must not be lost to a snooze set for its false alarms; whoever wants silence whatever happens says so.

State: `alert-mute:<digest>` keys (`MUTE_PREFIX`), one per mute, each value the mute as JSON. Retention (`prune`):
a mute that ended over KEPT_AFTER ago goes (kept that long, an alert decided during it is still held when offered
again: delivery offers an alert for a day, `alerts.deliver.PENDING_WITHIN`); unreadable entries are kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.routing import RouteDecision, facts_for
from core.alert import Alert, decided_at
from core.state import ListableState
from core.time import as_utc

MUTE_PREFIX = "alert-mute:"
ALL_CHANNELS = "*"  # a mute of every channel
# The longest mute: a brand silenced for longer is a config change (`route.exclude_brands`), which a reader of the
# config sees, not state nobody remembers setting.
MAX_MUTE = timedelta(days=30)
# How long an ended mute is kept: at least as long as delivery offers an alert again (`alerts.deliver.
# PENDING_WITHIN`, a day; a test checks), so an alert decided during the mute is held whenever it is offered.
KEPT_AFTER = timedelta(days=1)
MAX_NOTE_CHARS = 500  # a note goes into the reason of every alert the mute holds (ledger, run report, `routes`)
_DURATION = re.compile(r"(\d+)\s*([mhdw])")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class MuteError(ValueError):
    """A mute that cannot be set: a length that is not one, an end not after now or too far off, a note too long."""


@dataclass(frozen=True)
class Mute:
    """One brand muted on one channel (or every channel: ALL_CHANNELS) from `since` until `until` (UTC)."""

    brand: str
    channel: str
    since: datetime
    until: datetime
    by: str
    note: str | None = None
    include_critical: bool = False
    ended: datetime | None = None  # an unmute before `until`
    ended_by: str | None = None

    @property
    def key(self) -> str:
        """Its state key: one per brand, channel and start (two mutes of the same brand may follow each other)."""
        digest = hashlib.sha1(f"{self.brand}\x1f{self.channel}\x1f{self.since.isoformat()}".encode()).hexdigest()
        return MUTE_PREFIX + digest[:20]

    @property
    def end(self) -> datetime:
        """When it ends (ended): its `until`, or the unmute before it."""
        return min(self.until, self.ended) if self.ended is not None else self.until

    def in_force(self, at: datetime) -> bool:
        """Whether it is in force at `at`."""
        return self.since <= as_utc(at) < self.end

    def on(self, channel: str) -> bool:
        """Whether it mutes `channel` (a channel's key)."""
        return self.channel in (ALL_CHANNELS, channel)

    def holds(self, alert: Alert, channel: str, clocks: Iterable[datetime]) -> bool:
        """Whether it holds `alert` back from `channel` in a run whose clocks are `clocks` (module docstring)."""
        if alert.brand.casefold() != self.brand.casefold() or not self.on(channel):
            return False
        if alert.severity == "critical" and not self.include_critical:
            return False
        return any(self.in_force(at) for at in clocks) or self.in_force(decided_at(alert))

    def reason(self) -> str:
        """Why an alert it holds is not sent: the words the run's report, the ledger and `alerts routes` give."""
        said = f"muted until {self.end:%Y-%m-%d %H:%M} UTC by {self.by}" + (f": {self.note}" if self.note else "")
        return said + (f" (ended early by {self.ended_by})" if self.ended is not None else "")

    def refusal(self, alert: Alert) -> RouteDecision:
        """The refusal delivery records for `alert` (alerts.routing.MUTE facts: it stands after the mute ends)."""
        return RouteDecision(False, self.reason(), facts_for(alert, "mute"))

    def as_dict(self) -> dict[str, Any]:
        """The mute as stored and as `groundswell alerts mutes` prints it (times as ISO 8601 UTC)."""
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


def parse_for(text: str) -> timedelta:
    """A `--for` length: one or more `<number><unit>` (m, h, d, w), e.g. "6h", "90m", "1d12h"; MuteError if not."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise MuteError(f"{text!r} is not a length: write e.g. 30m, 6h, 2d or 1d12h")
    return sum((int(n) * _UNIT[unit] for n, unit in parts), timedelta())


def mute_until(now: datetime, until: datetime | None, length: timedelta | None) -> datetime:
    """When a mute set at `now` ends: `until`, or `now + length`; MuteError unless it is after `now` and within
    MAX_MUTE of it."""
    if (until is None) == (length is None):
        raise MuteError("give how long: --for (e.g. 6h) or --until, not both")
    end = as_utc(until) if until is not None else now + (length or timedelta())
    if end <= now:
        raise MuteError(f"the mute would end at {end:%Y-%m-%d %H:%M} UTC, which is not after now")
    if end - now > MAX_MUTE:
        raise MuteError(f"a mute lasts at most {MAX_MUTE.days} days: to leave a brand out for good, name it in the "
                        "channel's route.exclude_brands")
    return end


def load_mutes(state: ListableState) -> list[Mute]:
    """Every stored mute, oldest first (in force or ended and kept); unreadable entries are left out."""
    found = (_read(raw) for raw in state.state_items(MUTE_PREFIX).values())
    return sorted((m for m in found if m is not None), key=lambda m: (m.since, m.brand, m.channel))


def holding(mutes: Sequence[Mute], alert: Alert, channel: str, clocks: Iterable[datetime]) -> Mute | None:
    """The mute of `mutes` holding `alert` back from `channel` (`Mute.holds`), the one ending last; None if none."""
    clocks = list(clocks)
    held = [m for m in mutes if m.holds(alert, channel, clocks)]
    return max(held, key=lambda m: m.end) if held else None


def set_mute(
    state: ListableState,
    brand: str,
    *,
    until: datetime,
    channels: Sequence[str] = (),
    by: str,
    now: datetime,
    note: str | None = None,
    include_critical: bool = False,
) -> list[Mute]:
    """Mute `brand` on `channels` (none: every channel) from `now` until `until`; the mutes it set.
    A mute of the brand and channel already in force is changed (its end, note, who and `include_critical`),
    keeping when it began. MuteError for a note over MAX_NOTE_CHARS."""
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise MuteError(f"the note has {len(note):,} characters; at most {MAX_NOTE_CHARS}")
    now = as_utc(now)
    current = [m for m in load_mutes(state) if m.in_force(now) and m.brand == brand]
    out = []
    for channel in channels or [ALL_CHANNELS]:
        same = next((m for m in current if m.channel == channel), None)
        fields = {"until": as_utc(until), "by": by, "note": note, "include_critical": include_critical}
        mute = replace(same, **fields) if same is not None else Mute(brand, channel, now, **fields)
        state.set_state(mute.key, json.dumps(mute.as_dict()))
        out.append(mute)
    return out


def unmute(
    state: ListableState,
    brand: str,
    *,
    channels: Sequence[str] = (),
    every_channel: Sequence[str] = (),
    by: str,
    now: datetime,
) -> list[Mute]:
    """End `brand`'s mutes in force on `channels` (none: all of them) at `now`; the mutes ended. Ending one channel of
    a mute of every channel ends that mute and mutes the rest of `every_channel` (the config's channels) until its
    end. Ended mutes are kept (KEPT_AFTER): what was decided while they were in force stays held."""
    now = as_utc(now)
    current = [m for m in load_mutes(state) if m.in_force(now) and m.brand == brand]
    ended, writes = [], {}
    for mute in current:
        if channels and mute.channel != ALL_CHANNELS and mute.channel not in channels:
            continue
        done = replace(mute, ended=now, ended_by=by)
        ended.append(done)
        writes[done.key] = json.dumps(done.as_dict())
        if channels and mute.channel == ALL_CHANNELS:  # the other channels stay muted, as they were
            for channel in every_channel:
                if channel not in channels:
                    rest = replace(mute, channel=channel, since=now)
                    writes[rest.key] = json.dumps(rest.as_dict())
    if writes:
        state.set_states(writes)
    return ended


def prune(state: ListableState, now: datetime) -> int:
    """Delete the mutes that ended more than KEPT_AFTER before `now` (unreadable ones are kept); how many went."""
    items = state.state_items(MUTE_PREFIX).items()
    return state.delete_state(k for k, raw in items if (m := _read(raw)) is not None and m.end < now - KEPT_AFTER)


def _read(raw: str) -> Mute | None:
    try:
        entry = json.loads(raw)
        times = {k: _when(entry.get(k)) for k in ("since", "until", "ended")}
        if times["since"] is None or times["until"] is None:
            return None
        return Mute(
            brand=str(entry["brand"]),
            channel=str(entry["channel"]),
            by=str(entry.get("by") or ""),
            note=entry.get("note") if isinstance(entry.get("note"), str) else None,
            include_critical=entry.get("include_critical") is True,
            ended_by=entry.get("ended_by") if isinstance(entry.get("ended_by"), str) else None,
            since=times["since"],
            until=times["until"],
            ended=times["ended"],
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _when(value: object) -> datetime | None:
    if value is None:
        return None
    when = datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
