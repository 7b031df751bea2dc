"""What delivery does with each alert on one channel, and why: the one rule `alerts.deliver.deliver` follows step by
step and `alerts.deliver.plan` runs through for `groundswell alerts routes`, so the command cannot say otherwise.

A channel takes a run's alerts in order (`alerts.incidents.openers_first`). For each: passed over (below its
min_severity, or a minor update it folds: `passed_over`), already sent, refused by its route, held by a verdict or
by a mute of its brand (`held_decision`; a mute's hold is a "routed_out" step, its reason "muted until ..."), held by
its quiet hours, or sent. An alert that goes wakes what quiet hours held of its incident in
the run (its opener, earlier updates): they go first, in their order, so no channel hears of a crisis first by an
update (`ChannelPlan._wake`). A send decides what comes after it: the channel has then heard of the incident, and
may fold its minor updates. Delivery tells the plan what it really sent (`ChannelPlan.sent`); `run` assumes every
send goes through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from alerts.config import ChannelConfig
from alerts.holds import Holds
from alerts.incidents import SEVERITY_RANK, is_followup, is_major
from alerts.kinds import kind_info
from alerts.routing import RouteDecision, is_verdict_refusal, routes, still_holds
from core.alert import Alert

if TYPE_CHECKING:  # the ledger's module runs the plan: a type here, never an import cycle
    from alerts.deliver import DeliveryLedger

Action = Literal[
    "send", "already_sent", "skipped", "folded", "routed_out", "held_by_verdict", "held_quiet", "too_old"
]


@dataclass(frozen=True)
class Step:
    """One alert on one channel: what delivery does (`action`) and why (`reason`: the route's or verdict's reason
    for "send", "routed_out" and "held_by_verdict"; the rule's words otherwise). `decision`: the route decision of a
    refusal, `record` when delivery writes it to the ledger. `wakes`: for a "send" that quiet hours held until a
    later alert of its incident woke, that held step, which it replaces (sent, or folded once its opener went).
    `rose_from`: for a "send" (or "held_quiet") of an alert the channel has at a lower severity, that severity: what
    goes is its escalation (`DeliveryLedger.rose_from`), once."""

    alert: Alert
    action: Action
    reason: str
    decision: RouteDecision | None = None
    record: bool = False
    wakes: Step | None = None
    rose_from: str | None = None


def passed_over(
    channel: ChannelConfig,
    alert: Alert,
    ledger: DeliveryLedger,
    heard: Collection[str] = (),
    heard_kinds: Collection[tuple[str, str]] = (),
) -> tuple[Literal["skipped", "folded"], str] | None:
    """Why `channel` does not get `alert` at all, with the reason in words: "skipped" (below its min_severity),
    "folded" (a follow-up its `followups` setting leaves out, of an incident the channel heard of: in the ledger,
    or in `heard`, the incidents this run sent it); None when it gets it (routes and the ledger decide the rest).
    A channel whose route or severity left the incident's opener out gets the first alert of the incident it takes,
    whatever `followups` says: else it would never hear of it. A kind whose first alert of an incident is major
    (`Kind.first_major`: viral posts) is major until the channel got one of that kind in the incident (the ledger,
    or `heard_kinds`: (incident, kind) this run sent it). The one rule for delivery, `with_pending` and
    `groundswell alerts routes`."""
    if SEVERITY_RANK[alert.severity] < SEVERITY_RANK[channel.min_severity]:
        return "skipped", f"severity {alert.severity} below min_severity {channel.min_severity}"
    minor = channel.followups == "none" or (
        channel.followups == "major" and not is_major(alert) and not _first_of_kind(channel, alert, ledger, heard_kinds)
    )
    if is_followup(alert) and minor and (alert.incident_id in heard or ledger.heard(channel.key, alert)):
        return "folded", f"a minor update of incident {alert.incident_id} (followups: {channel.followups})"
    return None


def _first_of_kind(
    channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger, heard_kinds: Collection[tuple[str, str]]
) -> bool:
    """`alert` is of a `Kind.first_major` kind and the channel got none of that kind in its incident yet."""
    if not kind_info(alert.kind).first_major or not alert.incident_id:
        return False
    return (alert.incident_id, alert.kind) not in heard_kinds and not ledger.heard_kind(channel.key, alert)


def route_decision(channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger) -> tuple[RouteDecision, bool]:
    """`channel`'s route for `alert`, and whether it is the refusal the ledger kept. A kept refusal stands while
    the facts it rests on hold, so a route widened later does not flood the channel with old alerts; anything
    else is decided afresh (`alerts.routing.routes`)."""
    kept = ledger.refusal(channel.key, alert)
    if kept is not None and still_holds(alert, kept.facts):
        return kept, True
    return routes(alert, channel.route), False


def held_decision(
    channel: ChannelConfig, alert: Alert, ledger: DeliveryLedger, holds: Holds
) -> tuple[RouteDecision, bool]:
    """`route_decision`, with a verdict on `alert`'s incident (`holds.verdict`), else a mute of its brand on the
    channel (`holds.mute`), in place of a route that takes it: the refusal delivery records (`is_verdict_refusal`,
    `is_mute_refusal` tell them from a route's). Quiet hours (`holds.quiet`) come after it (`ChannelPlan`)."""
    decision, kept = route_decision(channel, alert, ledger)
    if decision and (judged := holds.verdict(alert)) is not None:  # a verdict on its incident
        decision = judged
    elif decision and (muted := holds.mute(channel.key, alert)) is not None:  # a mute of its brand
        decision = muted
    return decision, kept


@dataclass
class ChannelPlan:
    """One channel's steps over a run's alerts, in delivery's order (`next`, one at a time)."""

    channel: ChannelConfig
    ledger: DeliveryLedger
    holds: Holds
    queue: deque[Alert]
    heard: set[str] = field(default_factory=set)  # incidents this run sent the channel (`sent`)
    heard_kinds: set[tuple[str, str]] = field(default_factory=set)  # (incident, kind) this run sent it (`sent`)
    # Incident id -> the steps of it quiet hours held in this run: they go with its first alert that passes.
    waiting: dict[str, list[Step]] = field(default_factory=dict)
    woken: dict[str, Step] = field(default_factory=dict)  # alert id -> its held step, from its wake to its step
    # Alerts too old on their own, offered only as an incident's opener for a channel that never got it
    # (`alerts.deliver.offered`): a channel that has one gets no escalation of it ("too_old").
    aged: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        channel: ChannelConfig,
        alerts: Iterable[Alert],
        ledger: DeliveryLedger,
        holds: Holds,
        aged: Collection[str] = (),
    ) -> ChannelPlan:
        return cls(channel, ledger, holds, deque(alerts), aged=frozenset(aged))

    def next(self, wake: bool = True) -> Step | None:
        """The next alert's step, taken off the queue; None when none is left. `wake=False` (a channel that is
        down: nothing more goes in this run) leaves what quiet hours held where it is."""
        while self.queue:
            alert = self.queue[0]
            step = self.decide(alert)
            if step.action == "send" and wake and self._wake(alert):
                continue  # its incident's held alerts are at the head now, before it
            self.queue.popleft()
            if (woke := self.woken.pop(alert.id, None)) is not None:
                step = replace(step, wakes=woke)
            if step.action == "held_quiet" and step.alert.incident_id:
                self.waiting.setdefault(step.alert.incident_id, []).append(step)
            return step
        return None

    def sent(self, alert: Alert) -> None:
        """The channel took `alert`: it has heard of its incident (its minor updates may fold)."""
        if alert.incident_id:
            self.heard.add(alert.incident_id)
            self.heard_kinds.add((alert.incident_id, alert.kind))

    def run(self) -> list[Step]:
        """Every step, assuming each send goes through: what a run now would do (`alerts.deliver.plan`). A held
        alert that a later one wakes appears once, where it is sent."""
        steps: list[Step] = []
        while (step := self.next()) is not None:
            if step.wakes is not None:
                steps.remove(step.wakes)
            if step.action == "send":
                self.sent(step.alert)
            steps.append(step)
        return steps

    def decide(self, alert: Alert) -> Step:
        """`alert`'s step on this channel now, as it stands in the run (what it heard, what was woken); changes
        nothing."""
        channel, ledger = self.channel, self.ledger
        passed = passed_over(channel, alert, ledger, self.heard, self.heard_kinds)
        if passed is not None:
            return Step(alert, passed[0], passed[1])
        rose = None
        if ledger.delivered(channel.key, alert):
            rose = ledger.rose_from(channel.key, alert)  # its severity rose since: its escalation is owed
            if rose is None:
                return Step(alert, "already_sent", "the channel has it")
            if alert.id in self.aged:  # the 24 h rule: an escalation decided that long ago is not news
                return Step(alert, "too_old", f"the channel has it at {rose}; its escalation is too old to send")
        decision, kept = held_decision(channel, alert, ledger, self.holds)
        if not decision and rose is not None:
            # Never recorded: the ledger's entry is the delivery the channel has, which a refusal must not replace.
            return Step(alert, "already_sent", f"the channel has it at {rose}; its rise is held: {decision.reason}")
        if not decision:
            action: Action = "held_by_verdict" if is_verdict_refusal(decision) else "routed_out"
            return Step(alert, action, decision.reason, decision, record=not kept and decision.facts is not None)
        if alert.id not in self.woken and (waits := self.holds.quiet(channel, alert)) is not None:
            return Step(alert, "held_quiet", waits, decision, rose_from=rose)
        reason = f"severity rose from {rose} to {alert.severity}: an escalation" if rose else decision.reason
        return Step(alert, "send", reason, decision, rose_from=rose)

    def _wake(self, alert: Alert) -> bool:
        """`alert` goes now: put the alerts of its incident that quiet hours held in this run back before it, in
        their order, to pass them too. Else the channel would hear of the crisis first by this update, and of its
        opener next morning, threaded under it. True when it put any back."""
        held = self.waiting.pop(alert.incident_id, []) if alert.incident_id else []
        for step in held:
            self.woken[step.alert.id] = step
        self.queue.extendleft(reversed([step.alert for step in held]))
        return bool(held)
