"""Send alerts to every channel, at least once per alert and channel, and as a rule once.

- Idempotent: right after a channel accepts an alert, state key `alert_sent:<channel>:<alert id>`
  is written (never before), so re-runs and overlapping scheduled runs skip what was delivered.
  A crash between the receiver's acceptance and that write (or a read timeout) sends it again:
  delivery is at-least-once, and every webhook payload carries a stable `idempotency_key`
  (alerts.channels.base.idempotency_key) for the receiver to drop the repeat.
- Retries with exponential backoff on retryable failures (network errors, HTTP 5xx/408/429,
  SMTP 4xx), waiting at least what a `Retry-After` asks, up to MAX_RETRY_AFTER_S; permanent
  failures (HTTP 3xx and 4xx, SMTP 5xx, a missing secret, a payload that cannot be encoded) fail at once.
- Any exception a channel raises is that channel's failed send (as_delivery_error), never a
  crash of the run.
- A channel that is down fails fast for the rest of this run after one alert exhausted its
  retries; the other channels carry on, and nothing is marked sent, so the next run retries:
  `with_pending` offers every stored alert whose window ended within PENDING_WITHIN again, even
  once detection no longer reports it (its bucket left the recent window).
- One crisis, one thread: alerts carry `incident_id` (alerts.incidents). A channel gets the
  incident's first alert in full and, per its `followups` setting, every later one, only the
  major ones (spikes, escalations, all-clears, anything critical; the default), or none.
- Routing: a channel's `route:` (alerts.routing.routes) decides which alerts it gets. An alert
  routed away is neither a failure nor retried: the decision and its reason are written to the
  ledger (`{"skipped": reason}`), so a re-run reports the same skip and a later, wider route does
  not flood the channel with old alerts.
- Secrets (webhook URLs, SMTP passwords) are read from the environment variables the config
  names, and never appear in logs or in this report.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TextIO

from alerts.channels import DeliveryError, as_delivery_error, sender_for
from alerts.config import ChannelConfig
from alerts.incidents import is_followup, is_major
from alerts.routing import routes
from core.alert import Alert
from core.state import ListableState, StateStore

log = logging.getLogger(__name__)
_RANK = {"info": 0, "warning": 1, "critical": 2}
# A receiver asking for a longer pause than this is treated as down for this run (the next
# run retries) rather than holding every other alert and channel back.
MAX_RETRY_AFTER_S = 60.0
# How long a stored alert some channel has not accepted is offered to it again: a day covers a receiver's
# outage over a night or a weekend day without flooding a new channel with last month's alerts.
PENDING_WITHIN = timedelta(hours=24)
# The ledger keeps at least this much whatever the retention: an alert is offered again while its window
# ended within PENDING_WITHIN, and it may have been sent up to a day before its window ended (a partial
# bucket; an unanswered-posts alert whose window ends at midnight).
LEDGER_KEEPS = 2 * PENDING_WITHIN


@dataclass
class ChannelReport:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    skipped: int = 0  # below the channel's min_severity
    folded: int = 0  # a minor update of an incident the channel already heard about (`followups`)
    routed_out: int = 0  # not for this channel by its `route:` (never retried)
    errors: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)  # "<alert id>: <reason>" per alert routed away


@dataclass
class DeliveryReport:
    """What one `deliver` run did: totals over its channels, and each channel's own report."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    folded: int = 0
    routed_out: int = 0
    channels: dict[str, ChannelReport] = field(default_factory=dict)


SENT_PREFIX = "alert_sent:"
# `alert_sent:<channel>:incident:<incident id>`: the channel heard of that incident (`DeliveryLedger.heard`);
# under SENT_PREFIX, so it is pruned with the rest. Alert ids are hex: no alert key looks like this.
INCIDENT_MARK = "incident:"


def sent_key(channel: str, alert_id: str) -> str:
    return f"{SENT_PREFIX}{channel}:{alert_id}"


class DeliveryLedger:
    """Which alert went to which channel: owns the ``alert_sent:<channel>:<alert id>`` keys.

    Retention: `prune` drops the entries sent before the cutoff (the mention retention's: an
    alert that old can no longer be detected again, so it can not be sent again either).
    """

    def __init__(self, state: StateStore):
        self.state = state

    def was_sent(self, channel: str, alert: Alert) -> bool:
        """Whether `alert` was decided for `channel`: delivered, or routed away (`routed_away` says which)."""
        return self.state.get_state(sent_key(channel, alert.id)) is not None

    def routed_away(self, channel: str, alert: Alert) -> str | None:
        """The recorded reason `channel`'s route skipped `alert`; None when it was not skipped."""
        raw = self.state.get_state(sent_key(channel, alert.id))
        return _skipped(raw) if raw else None

    def record(self, channel: str, alert: Alert, skipped: str | None = None) -> None:
        """Mark `alert` as delivered to `channel` (call only after the channel accepted it), or, with
        `skipped`, as routed away for that reason. A delivered alert also marks its incident as heard
        by the channel (`heard`)."""
        entry = {"sent_at": datetime.now(UTC).isoformat(), "kind": alert.kind}
        if skipped:
            entry["skipped"] = skipped
        self.state.set_state(sent_key(channel, alert.id), json.dumps(entry))
        if not skipped and alert.incident_id:
            mark = {"sent_at": entry["sent_at"], "via": alert.id}
            self.state.set_state(sent_key(channel, INCIDENT_MARK + alert.incident_id), json.dumps(mark))

    def heard(self, channel: str, alert: Alert) -> bool:
        """Whether `channel` was sent an alert of `alert`'s incident: its opener, or the first one it took
        when its route or severity left the opener out. Only then may it fold the incident's follow-ups."""
        if not alert.incident_id:
            return False
        if self.state.get_state(sent_key(channel, INCIDENT_MARK + alert.incident_id)) is not None:
            return True
        # The opener's own entry (ledgers written before incident marks); its id is the incident's.
        opener = self.state.get_state(sent_key(channel, alert.incident_id))
        return opener is not None and _skipped(opener) is None

    @staticmethod
    def prune(state: ListableState, cutoff: datetime, now: datetime | None = None) -> int:
        """Delete the entries sent before `cutoff`, but, given `now`, none of the last LEDGER_KEEPS: an alert
        still offered again (`with_pending`) must still find its entry, or it would be sent twice. Unreadable
        ones are kept. Returns how many went."""
        if now is not None:
            cutoff = min(cutoff, now - LEDGER_KEEPS)
        return state.delete_state(
            key
            for key, raw in state.state_items(SENT_PREFIX).items()
            if (when := _sent_at(raw)) is not None and when < cutoff
        )


def _skipped(raw: str) -> str | None:
    """The routing reason of a ledger entry, None for a delivery (or an entry that cannot be read)."""
    try:
        return json.loads(raw).get("skipped")
    except (ValueError, AttributeError):
        return None


def _sent_at(raw: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(json.loads(raw)["sent_at"])
    except (ValueError, TypeError, KeyError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def deliver(
    alerts: Iterable[Alert],
    channels: list[ChannelConfig],
    state: StateStore,
    env: Mapping[str, str] = os.environ,
    *,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send each alert to each channel once; return what was sent, skipped and failed. Openers go first
    (a stable sort): an update must not reach a channel before the message it updates."""
    alerts = sorted(alerts, key=is_followup)
    ledger = DeliveryLedger(state)
    report = DeliveryReport()
    keys = [c.key for c in channels]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"channels need distinct names (add 'name:'); repeated: {', '.join(dupes)}")
    for channel in channels:
        result = report.channels.setdefault(channel.key, ChannelReport())
        try:
            sender = sender_for(channel, env, stream)
        except Exception as exc:  # a broken channel must not stop the others
            result.failed += len(alerts)
            result.errors.append(f"cannot set up channel: {type(exc).__name__}")
            continue
        down: str | None = None
        try:
            for alert in alerts:
                passed = _passed_over(channel, alert, ledger)
                if passed == "skipped":
                    result.skipped += 1
                    continue
                if passed == "folded":
                    result.folded += 1
                    continue
                if ledger.was_sent(channel.key, alert):
                    reason = ledger.routed_away(channel.key, alert)
                    if reason:
                        result.routed_out += 1
                        result.routed.append(f"{alert.id}: {reason}")
                    else:
                        result.already_sent += 1
                    continue
                decision = routes(alert, channel.route)
                if not decision:
                    ledger.record(channel.key, alert, skipped=decision.reason)
                    result.routed_out += 1
                    result.routed.append(f"{alert.id}: {decision.reason}")
                    continue
                if down is not None:
                    result.failed += 1
                    continue
                error = send_with_retries(partial(sender.send, alert), channel.retries, channel.backoff_s, sleep)
                if error is None:
                    ledger.record(channel.key, alert)
                    result.sent += 1
                    continue
                result.failed += 1
                result.errors.append(f"{alert.id}: {error}")
                log.warning("alert %s not delivered to %s: %s", alert.id, channel.key, error)
                if error.retryable:
                    down = str(error)  # retries exhausted: treat the channel as down for this run
        finally:
            _close(sender, channel.key)
    for result in report.channels.values():
        report.sent += result.sent
        report.already_sent += result.already_sent
        report.failed += result.failed
        report.folded += result.folded
        report.routed_out += result.routed_out
    return report


def _passed_over(channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger) -> str | None:
    """Why `channel` does not get `alert` at all: "skipped" (below its min_severity), "folded" (a follow-up
    its `followups` setting leaves out, of an incident the channel heard of); None when it gets it (routes
    and the ledger decide the rest). A channel whose route or severity left the incident's opener out gets
    the first alert of the incident it takes, whatever `followups` says: else it would never hear of it."""
    if _RANK[alert.severity] < _RANK[channel.min_severity]:
        return "skipped"
    minor = channel.followups == "none" or (channel.followups == "major" and not is_major(alert))
    if is_followup(alert) and minor and ledger.heard(channel.key, alert):
        return "folded"
    return None


def with_pending(alerts: Iterable[Alert], stored: Iterable[Alert], channels: list[ChannelConfig],
                 state: StateStore, now: datetime) -> list[Alert]:
    """`alerts`, after the stored alerts whose window ended within PENDING_WITHIN of `now` that a channel
    gets and has no ledger entry for (not sent, not routed away): an alert that failed while a channel
    was down is delivered once it is back, though detection reports only its recent buckets. Oldest
    first; each alert once."""
    alerts = list(alerts)
    ledger, fresh, since = DeliveryLedger(state), {a.id for a in alerts}, now - PENDING_WITHIN
    pending = [
        a for a in stored
        if a.id not in fresh and a.window_end >= since
        and any(_passed_over(c, a, ledger) is None and not ledger.was_sent(c.key, a) for c in channels)
    ]
    pending.sort(key=lambda a: (a.window_end, a.kind, a.id))
    return [*pending, *alerts]


def send_with_retries(
    send: Callable[[], None], retries: int, backoff_s: float, sleep: Callable[[float], None]
) -> DeliveryError | None:
    """Call `send` until it succeeds, retrying retryable failures with exponential backoff (honouring
    Retry-After up to MAX_RETRY_AFTER_S); the last error, or None once sent. Alerts and reports alike."""
    for attempt in range(retries + 1):
        try:
            send()
            return None
        except Exception as exc:  # any failure of a channel is its failed send
            error = as_delivery_error(exc)
            if not error.retryable or attempt == retries:
                return error
            wait = backoff_s * 2**attempt
            if error.retry_after is not None:
                if error.retry_after > MAX_RETRY_AFTER_S:
                    return DeliveryError(
                        f"{error} asking to wait {error.retry_after:.0f} s (over {MAX_RETRY_AFTER_S:.0f} s: next run)"
                    )
                wait = max(wait, error.retry_after)
            sleep(wait)
    return None  # unreachable: the loop returns on the last attempt


def _close(sender, channel: str) -> None:
    try:
        sender.close()
    except Exception as exc:  # closing must not undo what was delivered
        log.warning("closing channel %s failed: %s", channel, type(exc).__name__)
