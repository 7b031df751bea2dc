"""Health records: what each source and each delivery channel did on its last runs, kept in the store's state.

The one owner of the `health:` keys (docs/architecture.md, "The state table"). Written where the facts are known,
after the step's data is stored (a crash never records a success that did not happen), read by `groundswell
health` (groundswell/health_cli.py) through the rules of groundswell/health_rules.py.

- `health:source:<source key>:<brand>`: one pass of a source for a brand (`pipeline.collect_one`, the unit Airflow
  maps over, so concurrent mapped tasks each write their own key): last attempt and success, the last error (one
  line, redacted), consecutive failures, consecutive passes that brought no item, the last pass's items, the
  newest post time seen.
- `health:channel:<channel>`: a channel's deliveries (`alerts.deliver.deliver`): last success, consecutive failed
  runs, the last error, the oldest alert owed to it since a run failed to deliver it (and the oldest critical one).

Each record is one small JSON object rewritten in place, so their number is bounded by the configured sources ×
brands and channels; `prune` drops those not written for `STALE_AFTER` (a source or channel removed from the
config). A record that cannot be written is logged and never fails the step: health describes the run, it is not
the run. `store copy` copies them with the rest of the state: they describe the history of the data they travel
with (the cursors travel too), so the new store reports the same last success the old one would have.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.logsafe import redact
from core.state import ListableState, StateStore
from extractors.base import Batch
from groundswell.collect_report import CollectReport

log = logging.getLogger(__name__)

SOURCE_PREFIX = "health:source:"
CHANNEL_PREFIX = "health:channel:"
ERROR_CHARS = 300  # one line: enough for a status code and a URL, never a whole traceback
STALE_AFTER = timedelta(days=90)  # a record not written for this long belongs to a source or channel removed


def one_line(text: str) -> str:
    """`text` redacted (core.logsafe: tokens, passwords, secret-shaped values), on one line, at most ERROR_CHARS."""
    flat = " ".join(redact(str(text)).split())
    return flat if len(flat) <= ERROR_CHARS else flat[: ERROR_CHARS - 1] + "…"


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(text: str | None) -> datetime | None:
    """A record's time back (UTC, aware); None for none or an unreadable one."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class SourceHealth:
    """One source × brand's collection, as its passes left it."""

    source: str
    type: str
    brand: str
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    zero_item_runs: int = 0  # consecutive successful passes that brought nothing
    last_items: int = 0
    items_ever: bool = False  # some pass brought posts: a run of empty passes after it is news
    newest_post: str | None = None  # the newest post time any pass saw (UTC)


@dataclass
class ChannelHealth:
    """One delivery channel, as its runs left it."""

    channel: str
    type: str = ""
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    # {"id", "severity", "brand", "since"}: the oldest alert a run failed to deliver that no run delivered since;
    # `owed_critical` the oldest critical one. `since`: the first run that failed to deliver it.
    owed: dict[str, str] | None = None
    owed_critical: dict[str, str] | None = None


def source_key(source: str, brand: str) -> str:
    return f"{SOURCE_PREFIX}{source}:{brand}"


def channel_key(channel: str) -> str:
    return f"{CHANNEL_PREFIX}{channel}"


def _load(state: StateStore, key: str, cls: type, **identity: str) -> Any:
    raw = state.get_state(key)
    if raw:
        try:
            data = json.loads(raw)
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            log.warning("health record %s is unreadable; starting it again", key)
    return cls(**identity)


def _save(state: StateStore, key: str, record: Any) -> None:
    state.set_state(key, json.dumps(asdict(record), sort_keys=True))


@dataclass
class PassWatch:
    """What one pass's batches carried, seen as they go by (`watch`): items and the newest post time."""

    items: int = 0
    newest: datetime | None = None
    _ids: set[str] = field(default_factory=set)

    def watch(self, batches: Iterable[Batch]) -> Iterator[Batch]:
        """Yield `batches` unchanged, counting their distinct mentions and the newest `created_at`."""
        for batch in batches:
            for mention in batch.mentions:
                if mention.id not in self._ids:
                    self._ids.add(mention.id)
                    self.items += 1
                created = mention.created_at if mention.created_at.tzinfo else mention.created_at.replace(tzinfo=UTC)
                self.newest = created if self.newest is None else max(self.newest, created)
            yield batch


def record_source_pass(state: StateStore, source: str, source_type: str, brand: str, watch: PassWatch,
                       error: str | None, now: datetime | None = None) -> None:
    """Record one pass of `source` for `brand`: a success when `error` is None (called after its batches are
    stored and its cursor saved), else a failure with that error. Never raises: a store that refuses it is
    logged."""
    now = now or datetime.now(UTC)
    key = source_key(source, brand)
    try:
        record: SourceHealth = _load(state, key, SourceHealth, source=source, type=source_type, brand=brand)
        record.type = source_type
        record.last_attempt = _iso(now)
        record.last_items = watch.items
        if watch.items:
            record.items_ever = True
        newest = parse_time(record.newest_post)
        if watch.newest is not None and (newest is None or watch.newest > newest):
            record.newest_post = _iso(watch.newest)
        if error is None:
            record.last_success = _iso(now)
            record.consecutive_failures = 0
            record.zero_item_runs = 0 if watch.items else record.zero_item_runs + 1
        else:
            record.consecutive_failures += 1
            record.last_error = one_line(error)
            record.last_error_at = _iso(now)
        _save(state, key, record)
    except Exception as exc:  # noqa: BLE001 - health describes the run; it must never fail it
        log.warning("could not record the health of %s/%s: %s", source, brand, one_line(f"{type(exc).__name__}: {exc}"))


def _owed_entry(alert_id: str, severity: str, brand: str, since: str | None) -> dict[str, str]:
    return {"id": alert_id, "severity": severity, "brand": brand, "since": since or ""}


def record_channel_run(state: StateStore, channel: str, channel_type: str, *, sent: int, failed: int,
                       errors: list[str], failed_alerts: list[Any], delivered: Callable[[str], bool],
                       now: datetime | None = None) -> None:
    """Record one delivery run of `channel`: `sent` and `failed` counts, its errors, the alerts it failed to deliver
    (`failed_alerts`: each with `id`, `severity`, `brand`), and whether the ledger now holds an alert id
    (`delivered`: an owed alert another run delivered is owed no more). Called after the ledger is written.
    Never raises."""
    now = now or datetime.now(UTC)
    key = channel_key(channel)
    try:
        record: ChannelHealth = _load(state, key, ChannelHealth, channel=channel)
        record.type = channel_type or record.type
        if not sent and not failed and record.owed is None:
            return  # nothing to send and nothing owed: no news about the channel
        record.last_attempt = _iso(now)
        if failed:
            record.consecutive_failures += 1
            record.last_error = one_line(errors[0] if errors else f"{failed} alert(s) not delivered")
            record.last_error_at = _iso(now)
            record.owed = _oldest(record.owed, failed_alerts, now, delivered, critical=False)
            record.owed_critical = _oldest(record.owed_critical, failed_alerts, now, delivered, critical=True)
        else:
            if sent:
                record.last_success = _iso(now)
                record.consecutive_failures = 0
                record.owed = record.owed_critical = None  # the channel takes alerts again; pending ones went first
            else:  # nothing failed, nothing sent: owed alerts the ledger now holds (another run sent them) are settled
                record.owed = None if record.owed and delivered(record.owed["id"]) else record.owed
                record.owed_critical = (None if record.owed_critical and delivered(record.owed_critical["id"])
                                        else record.owed_critical)
        _save(state, key, record)
    except Exception as exc:  # noqa: BLE001 - health describes the run; it must never fail it
        log.warning("could not record the health of channel %s: %s", channel,
                    one_line(f"{type(exc).__name__}: {exc}"))


def _oldest(current: dict[str, str] | None, failed_alerts: list[Any], now: datetime,
            delivered: Callable[[str], bool], *, critical: bool) -> dict[str, str] | None:
    """The owed entry to keep: the one already recorded (older), unless delivered since; else the first failed."""
    if current is not None and not delivered(current["id"]):
        return current
    for alert in failed_alerts:
        if not critical or alert.severity == "critical":
            return _owed_entry(alert.id, alert.severity, alert.brand, _iso(now))
    return None


def source_records(state: ListableState) -> list[SourceHealth]:
    """Every source × brand record, by key."""
    return [_parse(raw, SourceHealth) for _, raw in sorted(state.state_items(SOURCE_PREFIX).items())
            if _parse(raw, SourceHealth) is not None]


def channel_records(state: ListableState) -> dict[str, ChannelHealth]:
    """Every channel's record, by channel name."""
    out: dict[str, ChannelHealth] = {}
    for _, raw in sorted(state.state_items(CHANNEL_PREFIX).items()):
        record = _parse(raw, ChannelHealth)
        if record is not None:
            out[record.channel] = record
    return out


def _parse(raw: str, cls: type) -> Any:
    try:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
    except (ValueError, TypeError):
        return None


def prune(state: ListableState, now: datetime) -> int:
    """Drop the records not written for STALE_AFTER (their source or channel left the config); return how many.
    Unreadable records are kept, as the other facades keep theirs."""
    stale: list[str] = []
    for prefix in (SOURCE_PREFIX, CHANNEL_PREFIX):
        for key, raw in state.state_items(prefix).items():
            try:
                attempt = parse_time(json.loads(raw).get("last_attempt"))
            except (ValueError, AttributeError):
                continue
            if attempt is not None and now - attempt > STALE_AFTER:
                stale.append(key)
    return state.delete_state(stale) if stale else 0


def pass_error(report: CollectReport) -> str | None:
    """What failed in one source × brand pass (`pipeline.collect_one`'s report), one line; None when everything
    it brought is stored. The source's own error first; then the store's (a refused cursor, failed writes), which
    also leave the pass unfinished: the next run fetches the batch again."""
    if report.errors:
        return next(iter(report.errors.values()))
    if report.cursor_errors:
        return f"the store did not save the cursor: {next(iter(report.cursor_errors.values()))}"
    if report.failed_writes:
        return f"{report.failed_writes} mention(s) failed to store (parked in deadletter.jsonl beside the report)"
    return None
