"""Write the weekly/monthly report and send it to the channels, once per period and channel.

- Which channels: `digest.send_to` (names), or every channel, an incident tool's webhook included (its payload
  says `"type": "report"`, alerts' `"type": "alert"`: docs/alerts.md, "Webhook payloads"). A channel whose
  `route.brands` is set gets the report of those brands only; its other route keys concern alerts, not reports.
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
- The daily digest goes the same way when `digest.daily` is `send` (`run_daily_digest`): to the same
  channels, recorded as `report_sent:<channel>:day:<day>`, so a re-run for the same day sends nothing twice.
  A missed day is not caught up by the next one: yesterday's digest is stale news once today's is out.
- A period (or day) before the first day any brand has data is written but never sent (`no_data`): all zeros
  would read as a quiet week.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
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
from alerts.explain import summary_in
from alerts.history import stored_alerts
from alerts.install_id import install_id
from core.alert import Alert
from core.file_write import write_file
from core.state import CLAIM_PREFIX, StateStore
from groundswell import digest_render
from groundswell.config import Config
from groundswell.digest import write_digest
from groundswell.period_render import render_html, render_markdown, render_slack, render_teams, title
from groundswell.period_report import ResponseMinutes, build_period_report, first_day, for_brands
from groundswell.periods import Period, PeriodKind, last_complete, period_containing
from groundswell.report_message import Renderers, report_message
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


RENDERERS = Renderers(title=title, markdown=render_markdown, html=render_html, slack=render_slack, teams=render_teams)


def as_message(report: dict[str, Any]) -> Report:
    """One rendering of `report` for every channel format; its id covers the period and the brands in it
    (`groundswell.report_message`, as the daily digest's)."""
    return report_message(report, report["period"], RENDERERS)


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
    period: str | None = None,
    message_of: Callable[[dict[str, Any]], Report] = as_message,
) -> DeliveryReport:
    """Send `report` to each channel that has not had this period's report yet. `period`: its id in the delivery
    records (default the report's own 'week:…' / 'month:…'; the daily digest's 'day:…'), `message_of` renders it."""
    result, owner = DeliveryReport(), run_owner()
    period = period or report["period"]
    for channel in channels:
        mine = result.channels.setdefault(channel.key, ChannelReport())
        key = report_key(channel.key, period)
        if state.get_state(key) is not None:
            mine.already_sent += 1
            continue
        scoped = for_brands(report, channel.route.brands if channel.route else None)
        if not scoped["brands"]:
            mine.routed_out += 1
            mine.routed.append(f"{period}: none of route.brands is a configured brand")
            continue
        claim = claim_key(channel.key, period)
        expires = datetime.now(UTC) + claim_ttl(channel, retry_waits_s(channel))
        if not state.claim(claim, owner, expires):
            mine.in_flight += 1  # another live run is sending it
            continue
        if state.get_state(key) is not None:  # recorded by another run since this one looked
            mine.already_sent += 1
            _release(state, claim, owner)
            continue
        try:
            _send_one(channel, message_of(scoped), period, key, state, env, stream, sleep, mine)
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
    message: Report,
    period: str,
    key: str,
    state: StateStore,
    env: Mapping[str, str],
    stream: TextIO | None,
    sleep: Callable[[float], None],
    result: ChannelReport,
) -> None:
    try:
        # The install id goes into the webhook idempotency key (`alerts.install_id`), as for alerts.
        sender = sender_for(channel, env, stream, "UTC", (), install_id(state))
    except Exception as exc:  # a broken channel must not stop the others
        result.failed += 1
        result.errors.append(f"cannot set up channel: {type(exc).__name__}")
        return
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
            result.errors.append(f"{period}: delivered, but {error}")
            log.warning("report %s delivered to %s, but: %s", period, channel.key, error)
        return
    result.failed += 1
    result.errors.append(f"{period}: {error}")
    log.warning("report %s not delivered to %s: %s", period, channel.key, error)


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
    alerts = {a.id: a for a in stored_alerts(store)}
    report = for_people(build_period_report(config, store, period, response), alerts)
    folder = Path(config.report.path).parent / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / period.id.replace(":", "-")
    paths = {"markdown": f"{stem}.md", "html": f"{stem}.html", "json": f"{stem}.json"}
    # core/file_write.py: a symlink planted at any of the names is replaced, its target untouched.
    write_file(paths["markdown"], render_markdown(report))
    write_file(paths["html"], render_html(report))
    write_file(paths["json"], json.dumps(report, ensure_ascii=False, indent=1))
    summary: dict[str, Any] = {"period": period.id, "label": period.label, **paths}
    refused = send and no_data(store, config, period.start, period.end, period.label)
    if refused:
        summary["not_sent"] = refused
    if send and not refused:
        channels = report_channels(config)
        deliveries: list[DeliveryReport] = []
        if period == latest:
            summary["caught_up"] = []
            for earlier, missing in owed(store, latest, channels):
                if no_data(store, config, earlier.start, earlier.end, earlier.label):
                    continue  # was due, but had nothing to say: never sent
                earlier_report = for_people(build_period_report(config, store, earlier, response), alerts)
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


def for_people(report: dict[str, Any], alerts: Mapping[str, Alert]) -> dict[str, Any]:
    """`report` with its alerts' summaries on the wall clock of its timezone (`alerts.explain.summary_in`): the
    report is read by people, and its other times are local. `alerts`: the stored alerts by id."""
    tz = report["timezone"]
    for b in report["brands"]:
        for a in b["alerts"]["top"]:
            if a["id"] in alerts:
                a["summary"] = summary_in(alerts[a["id"]], tz)
    return report


def no_data(store: Store, config: Config, start: date, end: date, what: str) -> str | None:
    """Why the report of the local days [start, end) must not be sent: no brand has any data on or before its last
    day (the store starts later, or is empty), so its all-zero figures would read as a quiet period. None
    when some brand has data by then (a partly covered period says so itself: `coverage`)."""
    tz = config.digest.timezone
    firsts = [d for d in (first_day(store, b.name, tz) for b in config.brands) if d is not None]
    if not firsts:
        return f"not sent: {what} has no data, the store has no mentions of any brand yet"
    first = min(firsts)
    if first < end:
        return None
    last = end - timedelta(days=1)
    return (f"not sent: {what} has no data for any brand (the first day with data is {first.isoformat()}, after "
            f"{last.isoformat()}); its all-zero figures would read as a quiet period")


def run_daily_digest(
    config: Config,
    store: Store,
    day: date,
    *,
    send: bool = True,
    env: Mapping[str, str] = os.environ,
    stream: TextIO | None = None,
) -> dict[str, Any]:
    """Write the digest of `day` (Markdown + JSON); with `send` and `digest.daily: send`, send it to the report
    channels (`digest.send_to`, or every channel) once per day and channel (`send_report`)."""
    digest = write_digest(config, store, day)
    if config.digest.daily != "send" or not send:
        return digest
    refused = no_data(store, config, day, day + timedelta(days=1), f"the digest of {day.isoformat()}")
    if refused:
        return {**digest, "not_sent": refused}
    delivery = send_report(digest, report_channels(config), store, env, stream=stream,
                           period=digest_render.period_id(digest), message_of=digest_render.as_message)
    return {**digest, "delivery": _delivery_summary([delivery]), "failed": delivery.failed}
