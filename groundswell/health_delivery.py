"""Each channel's health after a delivery run (`pipeline.notify`): what `alerts.deliver.deliver` reported, turned
into `groundswell.health` channel records.

Here, not in `alerts/deliver.py`: the health records belong to the application layer (`groundswell/`), which
`alerts/` may not import. `notify` is the one caller of `deliver` (the CLI and the DAGs go through it), and the
ledger is written by the time `deliver` returns, so a success recorded here did happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alerts.config import ChannelConfig
from alerts.deliver import DeliveryReport, sent_key
from core.alert import Alert
from core.state import StateStore
from groundswell.health import record_channel_run


def record_deliveries(state: StateStore, channels: Sequence[ChannelConfig], report: DeliveryReport,
                      offered: Sequence[Alert], now: datetime | None = None) -> None:
    """Record every channel's run: its sends, its failures and the alerts it failed to deliver, oldest first.
    `now`: the wall clock by default (when it happened, whatever clock the run judged alerts at)."""
    for channel in channels:
        result = report.channels.get(channel.key)
        if result is None:
            continue
        # A failed alert's error line starts with its id (`alerts.deliver._Lane`); a failure that names none (a
        # channel that could not be set up, the deadline) leaves every offered alert the ledger has not recorded.
        named = {line.partition(":")[0] for line in result.errors if ": delivered, but" not in line}
        failed = [a for a in offered if a.id in named] if result.failed else []
        if result.failed and not failed:
            failed = [a for a in offered if state.get_state(sent_key(channel.key, a.id)) is None]
        record_channel_run(
            state, channel.key, channel.type, sent=result.sent, failed=result.failed, errors=result.errors,
            failed_alerts=failed, delivered=lambda alert_id, key=channel.key: _delivered(state, key, alert_id),
            now=now,
        )


def _delivered(state: StateStore, channel: str, alert_id: str) -> bool:
    return state.get_state(sent_key(channel, alert_id)) is not None
