"""A channel's quiet hours: during them only alerts at or above their `min_severity` go; the others wait.

`quiet_hours: {start: "22:00", end: "07:00", timezone: Europe/Rome, min_severity: critical}` on a channel.
The period is read on the wall clock of `timezone` (default: the team's `digest.timezone`, the clock messages
are written on): an instant is quiet when its local time is from `start` up to (not including) `end`, and a
period whose `end` is not after its `start` runs across midnight. Reading the wall clock of each instant, not
building the period's ends as datetimes, is what keeps DST simple: on the night clocks go forward a `start` or
`end` in the skipped hour takes effect at the first instant after it (02:30 skipped: from 03:00), and on the
night they go back an `end` in the repeated hour ends the period at its first occurrence. `ends` computes that
end directly: the first instant after the alert's at which the wall clock reads `end` or jumps (DST) out of the
period, whichever comes first.

Which alerts the period holds, and when a held one counts as offered, is `alerts.holds`' (severities are ranked by
`alerts.incidents.SEVERITY_RANK`, which this module cannot import: `alerts.config` imports it). A held alert is not
recorded anywhere: it stays owed to the channel, and the first run after the period (`alerts.deliver.with_pending`
offers every owed alert of the last day) sends it, with its own times.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator

from core.strict import StrictModel
from core.time import as_utc, check_zone

_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# A period lasts under a day (start != end), so its end is within this of any instant in it; a day and an hour
# covers a period lengthened by the hour a DST change adds.
LONGEST = timedelta(hours=25)


def _clock(value: str) -> time:
    match = _CLOCK.fullmatch(value)
    if match is None:
        raise ValueError(f"'{value[:20]}' is not a time of day: write it as HH:MM on a 24-hour clock, e.g. \"22:00\"")
    return time(int(match[1]), int(match[2]))


class QuietHours(StrictModel):
    """`quiet_hours:` of a channel: when it takes only the alerts that must wake someone."""

    start: str = Field(description='Local time the quiet period begins, "HH:MM" (24-hour clock)')
    end: str = Field(description='Local time it ends, "HH:MM"; not after `start`: it runs across midnight')
    timezone: str | None = Field(
        default=None, description="IANA time zone of start and end (default: the team's digest.timezone)"
    )
    min_severity: Literal["info", "warning", "critical"] = Field(
        default="critical", description="During the period, alerts at or above this go; the others wait for its end"
    )

    @field_validator("start", "end")
    @classmethod
    def _is_a_time(cls, value: str) -> str:
        _clock(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _is_a_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if _clock(self.start) == _clock(self.end):
            raise ValueError(
                f"start and end are both {self.start}: a quiet period needs two different times "
                "(leave quiet_hours out for none; use the channel's min_severity to quiet it all day)"
            )
        return self

    def zone(self, default: str) -> ZoneInfo:
        """The clock the period is read on: its own `timezone`, else `default` (the team's)."""
        return ZoneInfo(self.timezone or default)

    def is_quiet(self, when: datetime, default_tz: str = "UTC") -> bool:
        """Whether the instant `when` (naive = UTC) falls in the period, on its wall clock."""
        local = as_utc(when).astimezone(self.zone(default_tz)).time().replace(second=0, microsecond=0)
        start, end = _clock(self.start), _clock(self.end)
        if start < end:
            return start <= local < end
        return local >= start or local < end  # across midnight

    def ends(self, when: datetime, default_tz: str = "UTC") -> datetime:
        """The end of the period holding `when` (UTC): the first whole minute after it that is not quiet;
        `when` itself when it is not quiet. The wall clock leaves the period only where it reads `end` or where it
        jumps (a DST change), so the end is the first of those instants that is not quiet; every UTC offset is
        whole minutes, so it is a whole minute. None within LONGEST: the first whole minute from then."""
        when = as_utc(when)
        if not self.is_quiet(when, default_tz):
            return when
        zone = self.zone(default_tz)
        first = when.replace(second=0, microsecond=0)
        stop = first + LONGEST + (timedelta(minutes=1) if first < when else timedelta(0))
        day, end = when.astimezone(zone).date(), _clock(self.end)
        reads_end = [
            at for offset in range(-1, 3) for fold in (0, 1)
            if (at := _instant(day + timedelta(days=offset), end, fold, zone)) is not None and when < at < stop
        ]
        for at in sorted({*reads_end, *_jumps(when, stop, zone)}):
            if not self.is_quiet(at, default_tz):
                return at
        return stop

    def reason(self, now: datetime, default_tz: str = "UTC") -> str:
        """Why an alert waits, in words, with when it goes."""
        until = self.ends(now, default_tz).astimezone(self.zone(default_tz))
        return (
            f"quiet hours {self.start}–{self.end} {self.timezone or default_tz}: below {self.min_severity}, "
            f"waits until {until:%Y-%m-%d %H:%M %Z}"
        )


def _instant(day: date, clock: time, fold: int, zone: ZoneInfo) -> datetime | None:
    """The instant (UTC) the wall clock of `zone` reads `clock` on `day`, its `fold`-th occurrence (a repeated
    hour has two); None when it never does (an hour DST skips)."""
    local = datetime.combine(day, clock, tzinfo=zone).replace(fold=fold)
    at = local.astimezone(UTC)
    return at if at.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None) else None


def _jumps(start: datetime, stop: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants in (`start`, `stop`) at which `zone`'s UTC offset changes (its clock jumps). Offsets change on
    whole minutes: read hour by hour, then halved down to the minute (no zone changes its offset twice in an hour)."""
    found, low = [], start.replace(second=0, microsecond=0)

    def offset(minutes: int) -> timedelta | None:
        return (low + timedelta(minutes=minutes)).astimezone(zone).utcoffset()

    while low < stop:
        lo, hi = 0, 60  # minutes after `low`: `lo` has its offset, `hi` (if it differs) the next one
        if offset(lo) != offset(hi):
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            jump = low + timedelta(minutes=hi)
            if start < jump < stop:
                found.append(jump)
        low += timedelta(hours=1)
    return found


def quiet_hours(channel: Any) -> QuietHours | None:
    """A channel's quiet hours, or None."""
    return getattr(channel, "quiet_hours", None)


def now_or_wall_clock(now: datetime | None) -> datetime:
    """The run's clock: its `now`, or the wall clock for a run without one (`--history`, the demo)."""
    return datetime.now(UTC) if now is None else as_utc(now)
