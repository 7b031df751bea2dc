"""Write the weekly/monthly report and send it to the channels, once per period and channel.

- Which channels: `digest.send_to` (names), or every channel. A channel whose `route.brands` is
  set gets the report of those brands only; its other route keys concern alerts, not reports.
- Idempotent like alert delivery: `report_sent:<channel>:<period id>` is written right after the
  channel accepted the report, so a re-run (or a retried Airflow task) sends nothing twice; the
  email Message-ID and webhook idempotency key are stable for the receiver to drop a repeat.
  Overlapping runs send it once: a run first claims `claim:report:<channel>:<period id>` (`StateStore.claim`)
  for longer than the send and its retries can take (`alerts.deliver.claim_ttl`), and releases it once recorded
  (or failed); a channel another live run holds is counted `in_flight`, neither sent nor failed. A crashed
  run's claim expires, so the next run sends it (at-least-once).
- Retries and failure handling are alert delivery's (`alerts.deliver.send_with_retries`); a
  failed channel is reported and retried by the next run, the others are sent. The run of the
  latest complete period (the scheduled one: the DAG, cron, no `day`) writes `report_due:<period
  id>` with the channels the report is due to, and first sends each of the `LOOK_BACK` periods
  before it, oldest first, to the channels it was due to that have no `report_sent` key for it: a
  report lost to a Monday outage still arrives with the next week's. Never a period already
  recorded, and never one that was not due (before the first scheduled run, or before a channel
  was added).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from alerts.channels import Report, as_delivery_error, sender_for
from alerts.config import ChannelConfig
from alerts.deliver import (
    ChannelReport,
    DeliveryReport,
    claim_ttl,
    retry_waits_s,
    run_owner,
    send_with_retries,
    was_delivered,
)
from core.state import CLAIM_PREFIX, StateStore
from groundswell.config import Config
from groundswell.period_render import render_html, render_markdown, render_slack, render_teams, title
from groundswell.period_report import ResponseMinutes, build_period_report, for_brands
from groundswell.periods import Period, PeriodKind, last_complete, period_containing
from indexing.base import Store

log = logging.getLogger(__name__)
REPORT_PREFIX = "report_sent:"
DUE_PREFIX = "report_due:"
# Earlier periods a scheduled run still owes a failed channel: one outage, or two runs in a row that
# failed, are caught up; a report older than that is stale news, and the failures were reported.
LOOK_BACK = 2


def report_key(channel: str, period_id: str) -> str:
    return f"{REPORT_PREFIX}{channel}:{period_id}"


def claim_key(channel: str, period_id: str) -> str:
    """The key a run claims before sending `period_id`'s report to `channel` (`StateStore.claim`)."""
    return f"{CLAIM_PREFIX}report:{channel}:{period_id}"


def due_key(period_id: str) -> str:
    """The state key listing the channels a scheduled run owed `period_id`'s report (a JSON list)."""
    return f"{DUE_PREFIX}{period_id}"


def mark_due(state: StateStore, period: Period, channels: list[ChannelConfig]) -> None:
    """Record that `period`'s report is due to `channels` (added to those a run before recorded)."""
    raw = state.get_state(due_key(period.id))
    keys = set(json.loads(raw)) if raw else set()
    state.set_state(due_key(period.id), json.dumps(sorted(keys | {c.key for c in channels})))


def owed(state: StateStore, latest: Period, channels: list[ChannelConfig]) -> list[tuple[Period, list[ChannelConfig]]]:
    """The `LOOK_BACK` periods before `latest`, oldest first, each with the channels it was due to
    that have not had it; periods that owe nothing are left out."""
    earlier = [latest]
    for _ in range(LOOK_BACK):
        earlier.insert(0, earlier[0].previous())
    out = []
    for period in earlier[:-1]:
        raw = state.get_state(due_key(period.id))
        due = set(json.loads(raw)) if raw else set()
        missing = [c for c in channels if c.key in due and state.get_state(report_key(c.key, period.id)) is None]
        if missing:
            out.append((period, missing))
    return out


def as_message(report: dict[str, Any]) -> Report:
    """One rendering of `report` for every channel format; its id covers the period and the brands in it."""
    scope = ",".join(b["brand"] for b in report["brands"])
    digest = hashlib.sha1(f"{report['period']}|{scope}".encode()).hexdigest()[:12]
    return Report(
        id=f"{report['period'].replace(':', '-')}-{digest}",
        subject=title(report),
        text=render_markdown(report),
        html=render_html(report),
        slack=render_slack(report),
        teams=render_teams(report),
        data=report,
    )


def report_channels(config: Config) -> list[ChannelConfig]:
    """The channels that receive reports: `digest.send_to`, or all of them."""
    names = config.digest.send_to
    return [c for c in config.channels if names is None or c.key in names]


def send_report(
    report: dict[str, Any],
    channels: list[ChannelConfig],
    state: StateStore,
    env: Mapping[str, str] = os.environ,
    *,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send `report` to each channel that has not had this period's report yet."""
    result, owner = DeliveryReport(), run_owner()
    for channel in channels:
        mine = result.channels.setdefault(channel.key, ChannelReport())
        key = report_key(channel.key, report["period"])
        if state.get_state(key) is not None:
            mine.already_sent += 1
            continue
        scoped = for_brands(report, channel.route.brands if channel.route else None)
        if not scoped["brands"]:
            mine.routed_out += 1
            mine.routed.append(f"{report['period']}: none of route.brands is a configured brand")
            continue
        claim = claim_key(channel.key, report["period"])
        expires = datetime.now(UTC) + claim_ttl(channel, retry_waits_s(channel))
        if not state.claim(claim, owner, expires):
            mine.in_flight += 1  # another live run is sending it
            continue
        if state.get_state(key) is not None:  # recorded by another run since this one looked
            mine.already_sent += 1
            _release(state, claim, owner)
            continue
        try:
            _send_one(channel, scoped, key, state, env, stream, sleep, mine)
        finally:  # recorded, failed, or (a store refusing the record) the next run's to send again
            _release(state, claim, owner)
    for mine in result.channels.values():
        result.sent += mine.sent
        result.already_sent += mine.already_sent
        result.failed += mine.failed
        result.routed_out += mine.routed_out
        result.in_flight += mine.in_flight
    return result


def _release(state: StateStore, claim: str, owner: str) -> None:
    try:
        state.release(claim, owner)
    except Exception as exc:  # the claim expires by itself
        log.warning("could not release claim %s: %s", claim, type(exc).__name__)


def _send_one(
    channel: ChannelConfig,
    report: dict[str, Any],
    key: str,
    state: StateStore,
    env: Mapping[str, str],
    stream: TextIO | None,
    sleep: Callable[[float], None],
    result: ChannelReport,
) -> None:
    try:
        sender = sender_for(channel, env, stream)
    except Exception as exc:  # a broken channel must not stop the others
        result.failed += 1
        result.errors.append(f"cannot set up channel: {type(exc).__name__}")
        return
    message = as_message(report)
    try:
        error = send_with_retries(lambda: sender.send_report(message), channel.retries, channel.backoff_s, sleep)
    finally:
        try:
            sender.close()
        except Exception as exc:  # closing must not undo what was delivered
            log.warning("closing channel %s failed: %s", channel.key, as_delivery_error(exc))
    if was_delivered(error):
        entry = {"sent_at": datetime.now(UTC).isoformat(), "report": message.id}
        state.set_state(key, json.dumps(entry))
        result.sent += 1
        if error is not None:  # addresses the server refused while the others got it: told, never re-sent to all
            result.errors.append(f"{report['period']}: delivered, but {error}")
            log.warning("report %s delivered to %s, but: %s", report["period"], channel.key, error)
        return
    result.failed += 1
    result.errors.append(f"{report['period']}: {error}")
    log.warning("report %s not delivered to %s: %s", report["period"], channel.key, error)


def report_period(kind: PeriodKind, day: date | None, timezone: str, now: datetime) -> tuple[Period, Period]:
    """(the period to report on: the one containing `day`, else the last complete one; the last complete one),
    in `timezone` as of `now`. ValueError for a period that has not ended: its report would count part of it
    (or nothing) and read like a quiet week."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    latest = last_complete(kind, today)
    period = latest if day is None else period_containing(kind, day)
    if period.end > today:
        raise ValueError(f"the {period.label} has not ended yet in {timezone} (digest.timezone): the latest "
                         f"complete one is the {latest.label}")
    return period, latest


def run_period_report(
    config: Config,
    store: Store,
    kind: PeriodKind,
    day: date | None = None,
    *,
    send: bool = True,
    response: ResponseMinutes | None = None,
    env: Mapping[str, str] = os.environ,
    stream: TextIO | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report of the week/month containing `day` (default: the last complete one as of `now`, in
    the digest's timezone), written as Markdown, HTML and JSON beside the digests and, with `send`,
    sent; the run of the last complete period also sends the earlier reports still owed (`owed`)."""
    period, latest = report_period(kind, day, config.digest.timezone, now or datetime.now(UTC))
    report = build_period_report(config, store, period, response)
    folder = Path(config.report.path).parent / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / period.id.replace(":", "-")
    paths = {"markdown": f"{stem}.md", "html": f"{stem}.html", "json": f"{stem}.json"}
    Path(paths["markdown"]).write_text(render_markdown(report), encoding="utf-8")
    Path(paths["html"]).write_text(render_html(report), encoding="utf-8")
    Path(paths["json"]).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    summary: dict[str, Any] = {"period": period.id, "label": period.label, **paths}
    if send:
        channels = report_channels(config)
        deliveries: list[DeliveryReport] = []
        if period == latest:
            summary["caught_up"] = []
            for earlier, missing in owed(store, latest, channels):
                earlier_report = build_period_report(config, store, earlier, response)
                deliveries.append(send_report(earlier_report, missing, store, env, stream=stream))
                summary["caught_up"].append(earlier.id)
            mark_due(store, period, channels)  # before sending: a run that dies mid-way still owes it
        deliveries.append(send_report(report, channels, store, env, stream=stream))
        summary["delivery"] = _delivery_summary(deliveries)
        summary["failed"] = sum(d.failed for d in deliveries)
    return summary


def _delivery_summary(deliveries: list[DeliveryReport]) -> dict[str, dict[str, Any]]:
    """Per channel, what this run's deliveries did, added up (each error names its period)."""
    out: dict[str, dict[str, Any]] = {}
    for delivery in deliveries:
        for name, c in delivery.channels.items():
            mine = out.setdefault(name, {"sent": 0, "already_sent": 0, "in_flight": 0, "failed": 0, "errors": []})
            mine["sent"] += c.sent
            mine["already_sent"] += c.already_sent
            mine["in_flight"] += c.in_flight
            mine["failed"] += c.failed
            mine["errors"] += c.errors
    return out
