"""Send alerts to every channel, at least once per alert and channel, and as a rule once.

- Idempotent: right after a channel accepts an alert, state key `alert_sent:<channel>:<alert id>`
  is written (never before), so re-runs skip what was delivered.
  The entry records the severity sent: an alert more severe now (its severity rose under its id) is owed its
  escalation (`DeliveryLedger.rose_from`), sent once as an update saying so, with its own idempotency key.
- Deadlines: no send starts and no retry is waited for past DELIVERY_DEADLINE_S (wall clock); what is left fails
  unsent, for the next run. A webhook's whole request ends within its `timeout_s` (alerts.channels.webhook); one
  given up on is not retried beside itself in the run. One channel or many, the run returns within the deadline
  plus one try (`_serve`); a lane left behind keeps the claim on the alert it still sends (`_Lane.abandon`).
- Overlapping runs (the DAG's and a person's `detect --send`) never send an alert to a channel both: before
  sending, a run claims `claim:alert:<channel>:<alert id>` (`StateStore.claim`, atomic in every store) for longer
  than the send and all its retries can take (`claim_ttl`), renews it before each retry, and releases it once the
  ledger has the alert (or it failed). An alert another live run holds is counted `in_flight` (that run sends it),
  neither sent nor failed; one recorded meanwhile is `already_sent`. A crashed run's claim expires, so the next run
  sends its alerts: delivery stays at-least-once.
  A crash between the receiver's acceptance and that write (or a read timeout) sends it again:
  delivery is at-least-once, and every webhook payload carries a stable `idempotency_key`
  (alerts.channels.base.idempotency_key) for the receiver to drop the repeat. A store that fails that
  write (or any ledger write) stops that channel for this run, as a down one: the alert counts as sent and
  `unrecorded` (a failed run: the next run may send it again), the channel's later alerts fail unsent.
- Retries with exponential backoff on retryable failures (network errors, HTTP 5xx/408/429,
  SMTP 4xx), waiting at least what a `Retry-After` asks, up to MAX_RETRY_AFTER_S; permanent
  failures (HTTP 3xx and 4xx, SMTP 5xx, a missing secret, a payload that cannot be encoded) fail at once.
- No channel waits on another: each channel is served on a thread of its own (`_serve`), taking its alerts in
  the order they were decided (`with_pending`), an incident's opener before its updates (`openers_first`); a
  receiver that hangs until its `timeout_s`, or an alert waiting for a retry, holds back only that channel's later
  alerts. The channels wait side by side, each at most MAX_RUN_WAIT_S: a retry due later fails, and the next run
  tries again. The ledger is shared: each channel writes its own keys, through a store safe across threads.
- An incident's opener goes with its follow-ups: `with_pending` offers the stored opener of every incident an
  offered alert follows up that a channel has not accepted, and `deliver` sends it first however old to a channel
  that never got it, so no channel hears of a crisis first by an update or its all-clear; one that has it gets no
  escalation of it that old (`offered`: counted too_old).
- Any exception a channel raises is that channel's failed send (as_delivery_error), never a
  crash of the run. An email the server took for some recipients and refused for others is delivered
  (`was_delivered`): recorded, with the refused addresses in the channel's errors, never mailed to all again.
- A channel that is down fails fast for the rest of this run after one alert exhausted its
  retries; the other channels carry on, and nothing is marked sent, so the next run retries:
  `with_pending` offers every stored alert decided (`core.alert.decided_at`) within PENDING_WITHIN again, even
  once detection no longer reports it (its bucket left the recent window).
- One crisis, one thread: alerts carry `incident_id` (alerts.incidents). A channel gets the
  incident's first alert in full and, per its `followups` setting, every later one, only the
  major ones (spikes, escalations, all-clears, anything critical; the default), or none. The first
  alert of an incident a channel takes is its thread (`DeliveryLedger.thread`): rendered as a new
  message, and the later ones as updates of it (alerts.render).
- Routing: a channel's `route:` (alerts.routing.routes) decides which alerts it gets. An alert
  routed away is neither a failure nor retried. A refusal by brand, kind, language or term is written
  to the ledger with the facts it rests on (`{"skipped": reason, "facts": ...}`): a re-run reports the
  same skip and a later, wider route does not flood the channel with old alerts, but once those facts
  change (the explanation that failed fills in the languages) it is decided again; a refusal kept before facts
  were (`alerts.routing.legacy_facts`) stands when by brand or kind. `route.min_severity`,
  like the channel's `min_severity`, is decided every run: an alert's severity can rise under its id.
- Holds (alerts.holds): a person's verdict on an incident (alerts.verdict_filter: a false alarm stops the rest of
  it, a taken-on one its "still growing" updates) is a refusal the ledger keeps, counted `suppressed_by_verdict`;
  a channel's quiet hours (alerts.quiet_hours) hold the alerts below their min_severity, unrecorded and counted
  `held_quiet`, for the first run after them (their age counts from the period's end: `offered_at`). An alert that
  passes them takes with it, first, what they held of its incident in the run (`ChannelPlan._wake`): its opener and
  earlier updates, so no update of a crisis goes out while its opener waits for the morning.
- Only recent alerts are sent: `deliver(..., since=...)` holds back every alert decided (`core.alert.decided_at`)
  before `since` (the run's `offered_since`: PENDING_WITHIN before its clock), whatever the mode. They stay stored
  (dashboard, report, `alerts list`) and are counted `too_old`, never recorded in the ledger: a first import of
  last month's history must not flood the channels, and once a day old an alert is never offered again anyway.
  The clock (`delivery_clock`) is the run's `now`, but never before what the store's detection already judged: a
  re-run of an older interval measures age from the latest run, and sends no stored alert decided after its own
  `now` (`with_pending`).
- Secrets (webhook URLs, SMTP passwords) are read from the environment variables the config
  names, and never appear in logs or in this report.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TextIO

from alerts.catchup import latest_judged
from alerts.channels import DeliveryError, Sender, as_delivery_error, sender_for
from alerts.channels.email import PartlyDelivered
from alerts.config import ChannelConfig
from alerts.delivery_plan import ChannelPlan, Step, passed_over, route_decision
from alerts.holds import Holds, offered_by
from alerts.incidents import delivery_order, is_followup, openers_first
from alerts.install_id import install_id
from alerts.quiet_hours import now_or_wall_clock
from alerts.routing import RouteDecision, legacy_facts
from alerts.verdict_filter import Verdicts
from core.alert import SEVERITY_RANK, Alert, decided_at
from core.logsafe import redact
from core.state import CLAIM_PREFIX, ListableState, StateStore, prune_claims
from core.time import as_utc

log = logging.getLogger(__name__)
# A receiver asking for a longer pause than this is treated as down for this run (the next
# run retries) rather than holding every other alert and channel back.
MAX_RETRY_AFTER_S = 60.0
# All the waiting for retries one run does, its channels waiting side by side: a scheduled run must be
# over long before the next one starts, and what is still failing then is the next run's to retry.
MAX_RUN_WAIT_S = 120.0
# How long a stored alert some channel has not accepted is offered to it again: a day covers a receiver's
# outage over a night or a weekend day without flooding a new channel with last month's alerts.
PENDING_WITHIN = timedelta(hours=24)
# What a run's summary says of the alerts `deliver` held back for their age (`DeliveryReport.too_old`).
TOO_OLD = f"not sent: decided more than {PENDING_WITHIN / timedelta(hours=1):g} h ago"
# The ledger keeps at least this much whatever the retention: an alert is offered again while it was decided
# within PENDING_WITHIN, and one stored without `decided_at` counts from its window's end, which it may have been
# sent up to a day before (a partial bucket; an unanswered-posts alert whose window ends at midnight).
LEDGER_KEEPS = 2 * PENDING_WITHIN
# What a channel's report says of an alert it gave up on when the run's waiting was spent, and of a channel the ledger
# stopped (`_Lane._record`).
# The longest a ledger write may wait for the store (SQLite's busy timeout) before the claim is released: part of a
# claim's life (`claim_ttl`).
LEDGER_WRITE_S = 30.0
_SPENT = f"no retry left within this run's {MAX_RUN_WAIT_S:.0f} s of waiting: next run"
# The wall-clock deadline of a run's delivery, sends included (`_serve`): no send starts, and no retry is waited for,
# past it; what is left stays unsent, counted failed, for the next run. A send under way then ends within its
# channel's `timeout_s` (a webhook's whole request: alerts.channels.webhook). Waits alone stay within MAX_RUN_WAIT_S.
DELIVERY_DEADLINE_S = 180.0
_LATE = f"not sent: this run's delivery deadline ({DELIVERY_DEADLINE_S:.0f} s) passed; the next run sends it"
_LEDGER_DOWN = "the channel's later alerts wait for the next run"


@dataclass
class ChannelReport:
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    skipped: int = 0  # below the channel's min_severity
    folded: int = 0  # a minor update of an incident the channel already heard about (`followups`)
    routed_out: int = 0  # not for this channel by its `route:` (never retried)
    unrecorded: int = 0  # of `sent`: accepted, but the ledger write failed, so the next run may send it again
    escalated: int = 0  # of `sent`: escalations of alerts the channel had at a lower severity (`rose_from`)
    in_flight: int = 0  # another live run holds its claim and sends it: neither sent nor failed here
    # The escalation of an opener decided before the run's `since`, which this channel has: not sent (TOO_OLD). The
    # opener was offered only for a channel that never got it (`offered`). Not in `DeliveryReport.too_old` (alerts).
    too_old: int = 0
    # Held back (alerts.holds): by a person's verdict on its incident (kept in the ledger), or waiting for the end
    # of the channel's quiet hours (not recorded: the first run after them sends it).
    suppressed_by_verdict: int = 0
    held_quiet: int = 0
    errors: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)  # "<alert id>: <reason>" per alert routed away
    held: list[str] = field(default_factory=list)  # "<alert id>: <reason>" per alert a verdict or quiet hours held


@dataclass
class DeliveryReport:
    """What one `deliver` run did: totals over its channels, and each channel's own report."""

    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    folded: int = 0
    routed_out: int = 0
    unrecorded: int = 0
    escalated: int = 0  # of `sent`: escalations (`ChannelReport.escalated`)
    in_flight: int = 0  # in flight elsewhere: another live run holds the claim (`ChannelReport.in_flight`)
    suppressed_by_verdict: int = 0  # deliveries a verdict held back (`ChannelReport.suppressed_by_verdict`)
    held_quiet: int = 0  # deliveries waiting for the end of a channel's quiet hours
    # Alerts, not deliveries: decided before the run's `since` (TOO_OLD), offered to no channel. Stored, not sent.
    too_old: int = 0
    channels: dict[str, ChannelReport] = field(default_factory=dict)


SENT_PREFIX = "alert_sent:"
# `alert_sent:<channel>:incident:<incident id>`: the channel heard of that incident (`DeliveryLedger.thread`);
# under SENT_PREFIX, so it is pruned with the rest. Alert ids are hex: no alert key looks like this.
INCIDENT_MARK = "incident:"


def sent_key(channel: str, alert_id: str) -> str:
    return f"{SENT_PREFIX}{channel}:{alert_id}"


def claim_key(channel: str, alert_id: str) -> str:
    """The key a run claims before sending `alert_id` to `channel` (`StateStore.claim`)."""
    return f"{CLAIM_PREFIX}alert:{channel}:{alert_id}"


def run_owner() -> str:
    """A claim owner naming this run: unique per run, and it says where that run is (host and process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def try_s(channel: ChannelConfig) -> float:
    """The longest one try to `channel` can take: `timeout_s` bounds each network wait of it. A webhook waits twice
    (the connection, the answer); an SMTP session once per command (connect, EHLO, STARTTLS, EHLO, AUTH's two,
    MAIL, one RCPT per recipient, DATA, the message, QUIT), and a partly refused message a second session for the
    refused. Console and jsonl channels write locally: `LEDGER_WRITE_S` covers them."""
    timeout = float(getattr(channel, "timeout_s", 0.0))
    to = getattr(channel, "to", None)
    waits = 2 * (10 + len(to)) if to is not None else 2
    return waits * timeout


def claim_ttl(channel: ChannelConfig, waits_s: float = MAX_RUN_WAIT_S) -> timedelta:
    """How long a claim on one message to `channel` lasts: all its tries (`try_s` each), the waits between them
    (`waits_s`: a run's alerts wait at most MAX_RUN_WAIT_S all together; one message on its own, `retry_waits_s`),
    and the ledger write after. A run renews the claim before each retry, so it never lapses while that run still
    sends."""
    return timedelta(seconds=(channel.retries + 1) * try_s(channel) + waits_s + LEDGER_WRITE_S)


class DeliveryLedger:
    """Which alert went to which channel: owns the ``alert_sent:<channel>:<alert id>`` keys.

    Retention: `prune` drops the entries sent before the cutoff (the mention retention's: an
    alert that old can no longer be detected again, so it can not be sent again either).
    """

    def __init__(self, state: StateStore):
        self.state = state
        # (channel, incident id) -> thread, for what this run delivered: a follow-up threads under the first
        # alert even when the store failed to write its mark.
        self._threads: dict[tuple[str, str], str] = {}

    def was_sent(self, channel: str, alert: Alert) -> bool:
        """Whether `alert` has an entry for `channel`: delivered, or a kept refusal (`refusal` says which)."""
        return self.state.get_state(sent_key(channel, alert.id)) is not None

    def delivered(self, channel: str, alert: Alert) -> bool:
        """Whether `channel` accepted `alert`."""
        raw = self.state.get_state(sent_key(channel, alert.id))
        return raw is not None and "skipped" not in _entry(raw)

    def rose_from(self, channel: str, alert: Alert) -> str | None:
        """The severity `channel` was sent `alert` at, when `alert` is more severe now (its severity rose under its
        id: an unanswered-posts alert of the day whose queue grew): its escalation is owed. None when the channel
        does not have it, has it at this severity or above (a fall sends nothing), or its entry predates severities
        being recorded (then nothing is owed: an upgrade must not re-page old alerts)."""
        raw = self.state.get_state(sent_key(channel, alert.id))
        entry = _entry(raw) if raw is not None else {}
        was = entry.get("severity")
        if "skipped" in entry or was not in SEVERITY_RANK:
            return None
        return str(was) if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[str(was)] else None

    def owes(self, channel: str, alert: Alert) -> bool:
        """Whether `channel` is owed `alert`: it never accepted it, or accepted it at a lower severity."""
        return not self.delivered(channel, alert) or self.rose_from(channel, alert) is not None

    def refusal(self, channel: str, alert: Alert) -> RouteDecision | None:
        """The refusal of `channel`'s route kept for `alert` (its reason and the facts it rested on); None if none.
        An entry from before facts were kept has only its reason: `legacy_facts` reads them from it."""
        raw = self.state.get_state(sent_key(channel, alert.id))
        entry = _entry(raw) if raw is not None else {}
        reason, facts = entry.get("skipped"), entry.get("facts")
        if not reason:
            return None
        return RouteDecision(False, str(reason), facts if isinstance(facts, str) else legacy_facts(alert, str(reason)))

    def record(
        self, channel: str, alert: Alert, refusal: RouteDecision | None = None, rose_from: str | None = None
    ) -> None:
        """Mark `alert` as delivered to `channel` (call only after the channel accepted it), at its severity (its
        escalation, from `rose_from`, replaces the entry: sent once), or, with `refusal`, as routed away, with the
        facts that refusal rests on. A delivered alert also marks its incident as heard by the channel, under the
        first alert of it the channel got (`thread`)."""
        entry: dict[str, Any] = {"sent_at": datetime.now(UTC).isoformat(), "kind": alert.kind}
        thread = None
        if refusal is not None:
            entry |= {"skipped": refusal.reason, "facts": refusal.facts}
        else:
            entry["severity"] = alert.severity
            if rose_from:
                entry["rose_from"] = rose_from
            if alert.incident_id:
                thread = self.thread(channel, alert) or alert.id
                self._threads[(channel, alert.incident_id)] = thread
        self.state.set_state(sent_key(channel, alert.id), json.dumps(entry))
        if thread is not None and alert.incident_id:
            # Rewritten with each update (its sent_at keeps a long incident's mark from being pruned), its
            # thread kept: mail threads under the first message the mailbox got. "thread", not the "via" of
            # marks before it, which named the last alert sent (`thread` tells them apart).
            # "kinds": the kinds it was sent of the incident (`heard_kind`).
            mark_key = sent_key(channel, INCIDENT_MARK + alert.incident_id)
            old = self.state.get_state(mark_key)
            kinds = {str(k) for k in _entry(old).get("kinds", [])} if old is not None else set()
            mark = {"sent_at": entry["sent_at"], "thread": thread, "kinds": sorted(kinds | {alert.kind})}
            self.state.set_state(mark_key, json.dumps(mark))

    def thread(self, channel: str, alert: Alert) -> str | None:
        """The first alert of `alert`'s incident `channel` was sent: its opener, or the first one it took when its
        route or severity left the opener out; None when it heard of none (`alert` is then a new message to it)."""
        if not alert.incident_id:
            return None
        known = self._threads.get((channel, alert.incident_id))
        if known is not None:
            return known
        mark = self.state.get_state(sent_key(channel, INCIDENT_MARK + alert.incident_id))
        if mark is not None:
            thread = _entry(mark).get("thread")
            # A mark without one (older releases) has "via": the last alert sent, not the first, so it cannot say.
            # The opener's id is the incident's: right whenever the channel got the opener (its own entry), and
            # the best guess left when its route took a later alert first (entries do not name their incident).
            return str(thread) if thread else alert.incident_id
        # The opener's own entry (ledgers written before incident marks); its id is the incident's.
        opener = self.state.get_state(sent_key(channel, alert.incident_id))
        return alert.incident_id if opener is not None and "skipped" not in _entry(opener) else None

    def heard_kind(self, channel: str, alert: Alert) -> bool:
        """Whether `channel` was sent an alert of `alert`'s kind in its incident (`Kind.first_major`). A mark written
        before marks listed kinds says no: one more such alert goes, rather than none."""
        if not alert.incident_id:
            return False
        mark = self.state.get_state(sent_key(channel, INCIDENT_MARK + alert.incident_id))
        kinds = _entry(mark).get("kinds") if mark is not None else None
        return isinstance(kinds, list) and alert.kind in kinds

    def heard(self, channel: str, alert: Alert) -> bool:
        """Whether `channel` was sent an alert of `alert`'s incident (`thread`). Only then may it fold the
        incident's follow-ups."""
        return self.thread(channel, alert) is not None

    @staticmethod
    def prune(state: ListableState, cutoff: datetime, now: datetime | None = None) -> int:
        """Delete the entries sent before `cutoff`, but, given `now`, none of the last LEDGER_KEEPS: an alert
        still offered again (`with_pending`) must still find its entry, or it would be sent twice. Unreadable
        ones are kept. With them go the expired claims a crashed run left (`core.state.prune_claims`: every
        `claim:` key, period reports' too; a live run releases its own). Returns how many went."""
        claims = prune_claims(state, now)
        if now is not None:
            cutoff = min(cutoff, now - LEDGER_KEEPS)
        return claims + state.delete_state(
            key
            for key, raw in state.state_items(SENT_PREFIX).items()
            if (when := _sent_at(raw)) is not None and when < cutoff
        )


def _entry(raw: str) -> dict[str, Any]:
    """A ledger entry; an unreadable one reads as a delivery (no "skipped"), as before entries had fields."""
    try:
        entry = json.loads(raw)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}


def _sent_at(raw: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(json.loads(raw)["sent_at"])
    except (ValueError, TypeError, KeyError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def offered_since(now: datetime | None, state: StateStore | None = None) -> datetime:
    """The oldest decision a run still sends (`deliver`'s `since`): PENDING_WITHIN before its clock
    (`delivery_clock`)."""
    return delivery_clock(now, state) - PENDING_WITHIN


def delivery_clock(now: datetime | None, state: StateStore | None = None) -> datetime:
    """The moment a run's alerts' age is measured from. A run given a `now` (a scheduled run, the DAG, a replay of a
    2015 stream hour by hour) is at that moment: its `now` IS its clock. A run without one (`--history`, examining
    the whole stored history) is at the wall clock: what it finds of last month was decided last month, and no one
    should be told of it now.

    Never before what this store's scheduled detection already judged (`alerts.catchup.latest_judged`, from
    `state`; at most the wall clock, so a mark a run with a future `now` left cannot age today's alerts): a re-run
    of an older interval (an Airflow run cleared two days on, `detect --now` of last week) is at the latest run's
    clock, so what it finds of two days ago is two days old, not news for a channel added since. A replay, whose
    marks are its own `now`s, and an on-time run, whose `now` is the latest, keep their `now`."""
    clock = datetime.now(UTC) if now is None else as_utc(now)
    judged = latest_judged(state) if state is not None else None
    if judged is not None:
        clock = max(clock, min(judged, datetime.now(UTC)))
    return clock


def offered(
    alerts: Iterable[Alert],
    channels: list[ChannelConfig],
    since: datetime | None,
    tz: str = "UTC",
    ledger: DeliveryLedger | None = None,
) -> tuple[list[Alert], list[Alert]]:
    """`alerts` split into those a run offers its channels, an incident's opener before its updates
    (`alerts.incidents.openers_first`), and those too old to send (TOO_OLD): decided before `since` (counted from
    the end of the quiet hours that held them: `alerts.holds.offered_by`), except an incident's opener offered
    with a recent follow-up of it that some channel never got (per `ledger`), which goes first however old. A
    channel that has it gets no escalation of it that old (`old_openers`; `ChannelPlan` says "too_old"). Without
    `since` (or channels), none is too old."""
    alerts = list(alerts)
    if since is None or not channels:
        return openers_first(alerts), []
    recent = [a for a in alerts if offered_by(a, channels, since, tz)]  # a quiet night's wait is no age
    # An incident's opener goes with its recent follow-ups, however old: no channel hears of a crisis first by an
    # update or its all-clear (`with_pending` offers it; the ledger skips it where it was delivered). Only for a
    # channel that never got it: one owed only its escalation is told nothing days late (the 24 h rule).
    followed = {a.incident_id for a in recent if is_followup(a)}
    keep = {a.id for a in recent} | {
        a.id for a in alerts if a.id in followed and (ledger is None or _untold(a, channels, ledger))
    }
    return openers_first([a for a in alerts if a.id in keep]), [a for a in alerts if a.id not in keep]


def old_openers(alerts: Iterable[Alert], channels: list[ChannelConfig], since: datetime | None, tz: str) -> set[str]:
    """The ids of `offered`'s alerts that are too old on their own, offered only as an incident's opener for the
    channels that never got it: a channel that has one gets no escalation of it ("too_old", `ChannelPlan`)."""
    if since is None or not channels:
        return set()
    return {a.id for a in alerts if not offered_by(a, channels, since, tz)}


def _untold(alert: Alert, channels: list[ChannelConfig], ledger: DeliveryLedger) -> bool:
    """Whether some channel never accepted `alert` (an incident's opener): it must hear of the crisis first."""
    return any(not ledger.delivered(c.key, alert) for c in channels)


def plan(
    alerts: Iterable[Alert],
    channels: list[ChannelConfig],
    state: StateStore,
    holds: Holds,
    *,
    since: datetime | None = None,
    tz: str = "UTC",
) -> dict[str, list[Step]]:
    """What `deliver` would do now with `alerts`, per channel key: every alert's step (`alerts.delivery_plan.Step`),
    in the order delivery takes them, assuming each send goes through; then the alerts too old to offer (`offered`):
    "too_old" where the channel would take one (the route's reason), else why it would not anyway (passed over,
    the channel has it, refused). Reads the ledger, writes nothing. The same rules, in the same code, as `deliver`
    (`offered`, `ChannelPlan`), so what `groundswell alerts routes` says cannot differ from what delivery does."""
    ledger = DeliveryLedger(state)
    kept, old = offered(alerts, channels, since, tz, ledger)
    aged = old_openers(kept, channels, since, tz)
    out = {}
    for channel in channels:
        steps = ChannelPlan.of(channel, kept, ledger, holds, aged).run()
        judge = ChannelPlan.of(channel, [], ledger, holds)
        for alert in old:
            step = judge.decide(alert)
            sendable = step.action in ("send", "held_quiet")
            steps.append(Step(alert, "too_old", step.decision.reason, step.decision) if sendable and step.decision
                         else step)
        out[channel.key] = steps
    return out


def deliver(
    alerts: Iterable[Alert],
    channels: list[ChannelConfig],
    state: StateStore,
    env: Mapping[str, str] = os.environ,
    *,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    since: datetime | None = None,
    tz: str = "UTC",
    verdicts: Verdicts | None = None,
    now: datetime | None = None,
    competitors: Collection[str] = (),
) -> DeliveryReport:
    """Send each alert to each channel once; return what was sent, skipped and failed. Each channel gets them in
    the order given (`with_pending` gives the order they were decided: `alerts.incidents.delivery_order`), an
    incident's opener before its follow-ups (`alerts.incidents.openers_first`), each on a thread of its own: no
    channel waits on another's sends or retries (`_serve`). With `since` (`offered_since`), an alert decided before
    it goes to no channel: counted `too_old`, not recorded; except an incident's opener offered with a recent
    follow-up of it (`with_pending`), which goes first.
    `tz`: the wall clock messages state their times on (the team's `digest.timezone`). `verdicts`: the judged
    incidents whose alerts a verdict holds back (alerts.verdict_filter); `now`: the run's clock, which quiet hours
    are read at (default: the wall clock); `competitors`: the brands whose messages say they are a competitor's."""
    report = DeliveryReport()
    ledger = DeliveryLedger(state)
    alerts, old = offered(alerts, channels, since, tz, ledger)
    aged = old_openers(alerts, channels, since, tz)  # old openers offered to the channels that never got them
    report.too_old = len(old)
    if report.too_old:
        log.info("%d alert(s) %s: stored, shown, not sent", report.too_old, TOO_OLD)
    keys = [c.key for c in channels]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise ValueError(f"channels need distinct names (add 'name:'); repeated: {', '.join(dupes)}")
    lanes: list[_Lane] = []
    owner = run_owner()
    holds = Holds.for_run(state, verdicts or Verdicts(), now_or_wall_clock(now), tz)  # verdicts, mutes, quiet hours
    deadline = time.monotonic() + DELIVERY_DEADLINE_S
    install: str | None = None
    for channel in channels:
        result = report.channels.setdefault(channel.key, ChannelReport())
        try:
            install = install_id(state) if install is None else install  # in every idempotency key
            sender = sender_for(channel, env, stream, tz, competitors, install)
        except Exception as exc:  # a broken channel (or a store that cannot say its install id) must not stop others
            result.failed += len(alerts)
            result.errors.append(f"cannot set up channel: {type(exc).__name__}")
            continue
        plan = ChannelPlan.of(channel, alerts, ledger, holds, aged)
        lanes.append(_Lane(channel, sender, result, plan, owner, deadline=deadline))
    try:
        _serve(lanes, ledger, sleep)
    finally:
        for lane in lanes:
            if not lane.abandoned:  # a lane left behind still sends its head alert: its claim stays (`_Lane.abandon`)
                lane.release(ledger)  # only after a crash of the run: else every claim is released or kept by now
            _close(lane.sender, lane.channel.key)
    for result in report.channels.values():
        report.sent += result.sent
        report.already_sent += result.already_sent
        report.failed += result.failed
        report.folded += result.folded
        report.routed_out += result.routed_out
        report.unrecorded += result.unrecorded
        report.escalated += result.escalated
        report.in_flight += result.in_flight
        report.suppressed_by_verdict += result.suppressed_by_verdict
        report.held_quiet += result.held_quiet
    return report


def _serve(lanes: list[_Lane], ledger: DeliveryLedger, sleep: Callable[[float], None]) -> None:
    """Serve every channel on a thread of its own (`_serve_lane`), so a receiver that hangs until its `timeout_s`,
    or one whose retries wait, holds back no other channel; return once all are done. The lanes share the ledger:
    each writes only its own channel's keys, through a store safe to share between threads (SQLite: a connection
    per thread and one write lock; Elasticsearch: its client's connection pool). A lane that raised (a bug)
    re-raises here, once the others are done. One channel too runs on a thread: the run's deadline is kept the same
    way however many channels there are."""
    crashed: list[BaseException] = []

    def serve(lane: _Lane) -> None:
        try:
            _serve_lane(lane, ledger, sleep)
        except BaseException as exc:  # re-raised by the run, once every other channel is done
            crashed.append(exc)

    # Daemons: a channel stuck past the deadline (below) must not keep the process alive once the run is over.
    threads = [
        threading.Thread(target=serve, args=(lane,), name=f"deliver:{lane.channel.key}", daemon=True) for lane in lanes
    ]
    for thread in threads:
        thread.start()
    for lane, thread in zip(lanes, threads, strict=True):
        # Past the deadline a lane starts nothing, and its send under way ends within one try (`try_s`): a lane
        # still busy after that (an SMTP server answering a byte at a time) is left behind, its alerts counted.
        thread.join(max(lane.deadline - time.monotonic(), 0.0) + try_s(lane.channel) + LEDGER_WRITE_S)
        if thread.is_alive():
            lane.abandon()
    if crashed:
        raise crashed[0]


def _serve_lane(lane: _Lane, ledger: DeliveryLedger, sleep: Callable[[float], None]) -> None:
    """Serve one channel: its queue in order, waiting out its retries, until it is done or its waiting would pass
    MAX_RUN_WAIT_S (the channels wait side by side, so the run's waiting stays within it)."""
    waited = 0.0  # seconds this channel waited; sends count as no time, so a real wait is never shorter than asked
    while (wait := lane.advance(ledger)) is not None:
        if waited + wait > MAX_RUN_WAIT_S or time.monotonic() + wait > lane.deadline:
            lane.give_up(ledger)
            return
        sleep(round(wait, 6))  # to the microsecond: no 0.019999… for a 0.02 s backoff
        waited += wait


@dataclass
class _Lane:
    """One channel's part of a run: its plan's steps in order (`alerts.delivery_plan.ChannelPlan`), the head alert's
    tries while it waits for a retry."""

    channel: ChannelConfig
    sender: Sender
    result: ChannelReport
    plan: ChannelPlan
    owner: str = ""  # this run, as its claims name it (`run_owner`)
    deadline: float = float("inf")  # `time.monotonic()` past which nothing starts (DELIVERY_DEADLINE_S)
    tries: _Tries | None = None
    head: Alert | None = None  # the alert being sent while `tries` is set
    rose: str | None = None  # the head alert's earlier severity when it goes as an escalation (`Step.rose_from`)
    late: bool = False  # the deadline passed: what is left fails unsent, for the next run
    abandoned: bool = False  # `_serve` stopped waiting for this lane: it changes its report no more
    claimed: str | None = None  # the key of the head alert's claim while this run holds it
    # An alert exhausted its retries, or the ledger refused a write: the rest fail fast, unmarked, for the next run.
    down: bool = False

    def advance(self, ledger: DeliveryLedger) -> float | None:
        """Go through the plan until it is done (None) or its head waits for a retry (the seconds to wait)."""
        while True:
            if self.abandoned:
                return None
            if self.tries is None:
                if not self.late and time.monotonic() >= self.deadline:
                    self.late = self.down = True  # nothing more starts in this run
                step = self.plan.next(wake=not self.down)  # a down channel sends nothing: held alerts stay held
                if step is None:
                    return None
                self.tries = self._start(step, ledger)
                if self.tries is None:
                    continue
                self.head = step.alert
            elif self.head is None or not self._claim(self.head, ledger, self.rose):  # a retry: renewed, unless taken
                self.tries = self.head = self.rose = None
                continue
            wait = self.tries.once()
            if wait is not None:
                return wait
            self._finish(ledger, self.tries.error)

    def give_up(self, ledger: DeliveryLedger) -> None:
        """The run's waiting is spent: the alert waiting for a retry fails (the next run tries it again), unless
        the receiver took it already (`was_delivered`), and the channel counts as down for the rest of its queue."""
        if self.tries is None:
            return
        error = self.tries.error
        if not was_delivered(error):
            error = DeliveryError(f"{error} ({_SPENT})")
        self._finish(ledger, error)
        self.down = True  # no more waiting in this run, whatever the head alert's outcome
        self.advance(ledger)  # a down channel sends nothing more: this never waits

    def abandon(self) -> None:
        """`_serve` stops waiting for this lane (stuck in a send past the deadline): what it has not finished counts
        failed, for the next run, and the lane changes its report no more. The claim on the alert it is still sending
        stays this run's (`deliver` does not release it): once that send ends the lane records it if it went and then
        releases it (`_finish`); should the process end first, the claim expires (`claim_ttl`), or a later run on this
        host takes it over from the dead owner (`core.state.owner_gone`). Released now, the next run (or one already
        waiting) would send the same alert again while this send is still under way."""
        left = len(self.plan.queue) + (self.head is not None)
        self.abandoned = True
        self.result.failed += left
        self.result.errors.append(f"{left} alert(s) {_LATE} (a send was still under way)")
        log.warning("channel %s still sending at the delivery deadline: %d alert(s) left", self.channel.key, left)

    def _start(self, step: Step, ledger: DeliveryLedger) -> _Tries | None:
        """The tries to send `step`'s alert; None, counted, when the plan says it does not go now (passed over, the
        channel has it, refused, held) or it cannot (the channel is down, another run holds it)."""
        alert, result, key = step.alert, self.result, self.channel.key
        if step.wakes is not None:  # held earlier in this run, until a later alert of its incident passed
            result.held_quiet -= 1
            result.held.remove(f"{alert.id}: {step.wakes.reason}")
        if step.action in ("skipped", "folded"):
            setattr(result, step.action, getattr(result, step.action) + 1)
            return None
        if step.action == "already_sent":
            result.already_sent += 1
            return None
        if step.action == "too_old":  # an old opener's escalation: the channel has the opener (`offered`)
            result.too_old += 1
            return None
        if step.action in ("routed_out", "held_by_verdict"):
            assert step.decision is not None
            if step.record and (problem := self._record(ledger, alert, step.decision)):
                result.errors.append(f"{alert.id}: routed away, not recorded ({problem}); {_LEDGER_DOWN}")
            if step.action == "held_by_verdict":  # reported as held, never silently lost
                result.suppressed_by_verdict += 1
                result.held.append(f"{alert.id}: {step.reason}")
            else:
                result.routed_out += 1
                result.routed.append(f"{alert.id}: {step.reason}")
            return None
        if step.action == "held_quiet":
            result.held_quiet += 1  # unrecorded: owed until the period ends
            result.held.append(f"{alert.id}: {step.reason}")
            return None
        if self.down:
            result.failed += 1
            if self.late:
                result.errors.append(f"{alert.id}: {_LATE}")
            return None
        if not self._claim(alert, ledger, step.rose_from):
            return None
        thread = ledger.thread(key, alert) or alert.id  # its own id: the first of its incident this channel gets
        self.rose = step.rose_from
        # An escalation names the severity it rose from; a first send passes only what every sender takes.
        escalation = {"rose_from": step.rose_from} if step.rose_from else {}
        return _Tries(
            partial(self.sender.send, alert, thread, **escalation), self.channel.retries, self.channel.backoff_s
        )

    def _claim(self, alert: Alert, ledger: DeliveryLedger, rose: str | None = None) -> bool:
        """Take, or before a retry renew, this run's claim on sending `alert` to the channel (`claim_key`; its
        escalation from `rose`). False, counted, when it is not this run's to send: another live run holds it
        (`in_flight`), it (or that escalation) was recorded since this run looked (`already_sent`), or the store
        failed (then the channel stops, as when the ledger does)."""
        key, result = claim_key(self.channel.key, alert.id), self.result
        try:
            mine = ledger.state.claim(key, self.owner, datetime.now(UTC) + claim_ttl(self.channel))
        except Exception as exc:  # any store failure: sending unclaimed could send it twice
            problem = f"{type(exc).__name__}: {redact(str(exc))[:200]}"
            log.warning("could not claim alert %s for %s: %s", alert.id, self.channel.key, problem)
            self.down = True
            result.failed += 1
            result.errors.append(f"{alert.id}: not claimed ({problem}); {_LEDGER_DOWN}")
            return False
        if not mine:
            self.claimed = None
            result.in_flight += 1
            return False
        self.claimed = key
        recorded = ledger.delivered(self.channel.key, alert)
        if recorded and (rose is None or ledger.rose_from(self.channel.key, alert) is None):
            # another run sent and recorded it (or its escalation) since this one looked
            result.already_sent += 1
            self.release(ledger)
            return False
        return True

    def _release_after(self, ledger: DeliveryLedger, worker: threading.Thread | None) -> None:
        """Give up the head alert's claim once `worker` (a request still under way) ends; now when there is none."""
        if worker is None or not worker.is_alive():
            self.release(ledger)
            return
        key, self.claimed = self.claimed, None
        if key is None:
            return

        waits_s = claim_ttl(self.channel).total_seconds()

        def release_when_done() -> None:
            # Never longer than the claim lives: by then it has expired anyway, and a long-lived process (an Airflow
            # worker) does not keep one such thread per request that never ends.
            worker.join(waits_s)
            if worker.is_alive():
                return
            try:
                ledger.state.release(key, self.owner)
            except Exception as exc:  # the claim expires by itself (`claim_ttl`)
                log.warning("could not release claim %s: %s", key, type(exc).__name__)

        threading.Thread(target=release_when_done, name=f"release:{self.channel.key}", daemon=True).start()

    def release(self, ledger: DeliveryLedger) -> None:
        """Give up the head alert's claim, if this run holds one; a store that fails leaves it to expire."""
        key, self.claimed = self.claimed, None
        if key is None:
            return
        try:
            ledger.state.release(key, self.owner)
        except Exception as exc:  # the claim expires by itself (`claim_ttl`)
            log.warning("could not release claim %s: %s", key, type(exc).__name__)

    def _finish(self, ledger: DeliveryLedger, error: DeliveryError | None) -> None:
        """The head alert is done: sent (`error` None, or what the receiver refused while taking it) and recorded,
        or failed."""
        alert, rose, self.head, self.tries, self.rose = self.head, self.rose, None, None, None
        assert alert is not None
        result = self.result
        if self.abandoned:  # the run reported this lane already: only keep the ledger true
            if was_delivered(error):
                self._record(ledger, alert, rose_from=rose)
            self.release(ledger)
            return
        if was_delivered(error):
            result.sent += 1
            result.escalated += rose is not None
            self.plan.sent(alert)  # the channel heard of its incident: its minor updates may fold
            if error is not None:  # refused addresses are told, not a failure: the alert is not sent again
                result.errors.append(f"{alert.id}: delivered, but {error}")
                log.warning("alert %s delivered to %s, but: %s", alert.id, self.channel.key, error)
            problem = self._record(ledger, alert, rose_from=rose)
            self.release(ledger)  # recorded, or (unrecorded) the next run's to send again, as without claims
            if problem:
                result.unrecorded += 1
                result.errors.append(
                    f"{alert.id}: sent, not recorded ({problem}): the next run may send it again; {_LEDGER_DOWN}"
                )
            return
        if error.stuck:
            # Its request may still be handing the receiver the alert: the claim stays until that request ends, so an
            # overlapping run does not POST it beside (should the process end first, the claim expires, `claim_ttl`,
            # or a later run on this host takes it over from the dead owner).
            self._release_after(ledger, error.still_sending)
        else:
            self.release(ledger)  # failed: free for the next run (or a live one) to try
        result.failed += 1
        result.errors.append(f"{alert.id}: {error}")
        log.warning("alert %s not delivered to %s: %s", alert.id, self.channel.key, error)
        if error.retryable or error.stuck:
            # retries exhausted, or a request left behind still under way: the channel is down for this run
            self.down = True

    def _record(
        self, ledger: DeliveryLedger, alert: Alert, refusal: RouteDecision | None = None, rose_from: str | None = None
    ) -> str | None:
        """Write the ledger entry; what went wrong (redacted) when the store failed. Then the channel stops for this
        run, as a down one: whatever it was sent now could not be recorded either, and every later run (a store
        refusing writes for good) would send it again. Its later alerts fail, for the next run."""
        try:
            ledger.record(self.channel.key, alert, refusal, rose_from)
        except Exception as exc:  # any store failure (a locked SQLite, an unreachable cluster)
            problem = f"{type(exc).__name__}: {redact(str(exc))[:200]}"
            log.warning("could not record alert %s for %s in the ledger: %s", alert.id, self.channel.key, problem)
            self.down = True
            return problem
        return None


def was_delivered(error: DeliveryError | None) -> bool:
    """Whether a send that ended with `error` reached the receiver: no error, or an email the server took for some
    recipients while refusing others (`PartlyDelivered`: sending it again would mail everyone who has it). The one
    rule for alerts and reports."""
    return error is None or isinstance(error, PartlyDelivered)


def _owed(channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger) -> bool:
    """Whether `channel` takes `alert` (not passed over, routed to it) and has not accepted it yet."""
    return (
        passed_over(channel, alert, ledger) is None
        and ledger.owes(channel.key, alert)  # never accepted, or accepted at a lower severity (an escalation)
        and route_decision(channel, alert, ledger)[0].sent
    )


def with_pending(
    alerts: Iterable[Alert],
    stored: Iterable[Alert],
    channels: list[ChannelConfig],
    state: StateStore,
    now: datetime,
    tz: str = "UTC",
) -> list[Alert]:
    """`alerts`, with the stored alerts decided within PENDING_WITHIN of the run's clock (`offered_since`, from
    `now` and what `state` says was judged) and not after `now` (`core.alert.decided_at`) that a channel takes and
    has not accepted: an alert that failed while a channel was down is delivered once it is back, though detection
    reports only its recent buckets. A run never sends a stored alert decided after its `now` (a later run's, met by
    a re-run of an older interval: an all-clear of a crisis this run sees begin). With them, the stored opener of any
    incident they follow up that a channel takes and has not accepted, however old: it goes first (`deliver`), so no
    channel gets an update, or an all-clear, of a crisis it was never told of (one owed only its escalation:
    `offered` counts it too_old). In the order they were decided, each opener
    before its follow-ups (`alerts.incidents.delivery_order`); each alert once. (By the window's end instead, an
    all-clear on daily buckets, decided three days after its window, was never offered again, and one on hourly
    buckets went before the alerts decided in its quiet hours.)"""
    alerts, since = list(alerts), offered_since(now, state)
    stored = [a for a in stored if decided_at(a) <= as_utc(now)]  # what a later run decided is not this run's
    ledger, fresh = DeliveryLedger(state), {a.id for a in alerts}
    pending = [
        a
        for a in stored
        # counted from the end of the quiet hours that held it, if any (`offered_by`; `tz`: their default zone)
        if a.id not in fresh and offered_by(a, channels, since, tz) and any(_owed(c, a, ledger) for c in channels)
    ]
    # The opener of an incident they follow up, however old, where a channel has not accepted it (`deliver`).
    offered = [*pending, *alerts]
    missing = {a.incident_id for a in offered if is_followup(a)} - {a.id for a in offered}
    openers = [a for a in stored if a.id in missing and any(_owed(c, a, ledger) for c in channels)]
    return delivery_order([*openers, *offered])


@dataclass
class _Tries:
    """One message's tries on one channel, one at a time (`once`): the one retry rule, for alerts and reports.

    A retryable failure is tried again after exponential backoff, or at least what Retry-After asks; one that
    asks for more than MAX_RETRY_AFTER_S fails at once (the receiver is down for this run)."""

    send: Callable[[], None]
    retries: int
    backoff_s: float
    attempt: int = 0
    error: DeliveryError | None = None  # the last failure; None once sent

    def once(self) -> float | None:
        """Try to send. None when done (sent, or `error` is final); else the seconds to wait before trying again."""
        try:
            self.send()
            self.error = None
            return None
        except Exception as exc:  # any failure of a channel is its failed send
            error = self.error = as_delivery_error(exc)
        attempt, self.attempt = self.attempt, self.attempt + 1
        if not error.retryable or attempt == self.retries:
            return None
        wait = self.backoff_s * 2**attempt
        if error.retry_after is not None:
            if error.retry_after > MAX_RETRY_AFTER_S:
                self.error = DeliveryError(
                    f"{error} asking to wait {error.retry_after:.0f} s (over {MAX_RETRY_AFTER_S:.0f} s: next run)"
                )
                return None
            wait = max(wait, error.retry_after)
        return wait


def retry_waits_s(channel: ChannelConfig) -> float:
    """The longest `send_with_retries` can wait between the tries of one message to `channel`: each wait is its
    backoff, or a Retry-After up to MAX_RETRY_AFTER_S when longer (`_Tries.once`)."""
    return sum(max(channel.backoff_s * 2**k, MAX_RETRY_AFTER_S) for k in range(channel.retries))


def send_with_retries(
    send: Callable[[], None], retries: int, backoff_s: float, sleep: Callable[[float], None]
) -> DeliveryError | None:
    """Call `send` until it succeeds, waiting between tries as `_Tries` says; the last error, or None once sent.
    For one message on its own (a report); `deliver` interleaves its channels' waits instead."""
    tries = _Tries(send, retries, backoff_s)
    while (wait := tries.once()) is not None:
        sleep(wait)
    return tries.error


def _close(sender: Sender, channel: str) -> None:
    try:
        sender.close()
    except Exception as exc:  # closing must not undo what was delivered
        log.warning("closing channel %s failed: %s", channel, type(exc).__name__)
