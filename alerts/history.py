"""Alert history: every detected alert, stored as JSON beside the data in the store's state.

Format (agreed with the pipeline, which persists each `core.alert.Alert`):

- state key ``alert:<id>``    -> ``Alert.model_dump_json()`` of that alert: the log is these entries, listed
  by prefix (`state_items`), so two processes saving at once cannot hide each other's alerts;
- state key ``alerts:index``  -> JSON array of alert ids, oldest first: still written, for older versions
  that read the log through it (a lost update there hides nothing from this one).

Re-saving an alert with the same id replaces it (ids are stable per brand,
kind and window), so re-running detection never duplicates the timeline. Detection hands over each alert with
what the stored one keeps (its incident id, and the earliest `decided_at`: `alerts.detect.detections`), so a
re-run moves neither. An entry written before `Alert.decided_at` existed has none and still loads.
Alerts written by the `jsonl` channel (one Alert JSON per line) can be read too. Retention applies to them as to
the log: `groundswell maintain` rewrites each such file without the alerts the log dropped (`trim_jsonl`), and a
reader never shows a file's alert whose window ended before where retention last cut the store
(`alerts.history_start.trimmed_before`), so a file not trimmed yet (a copy, a failed rewrite) shows nothing retention
deleted either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from alerts.history_start import trimmed_before
from core.alert import Alert
from core.file_rewrite import rewrite
from core.state import ListableState

INDEX_KEY = "alerts:index"
ENTRY_PREFIX = "alert:"
log = logging.getLogger(__name__)


def alert_key(alert_id: str) -> str:
    return f"{ENTRY_PREFIX}{alert_id}"


class AlertLog:
    """The alert log in the store's state: owns the ``alerts:index`` and ``alert:<id>`` keys.

    Retention: `prune` drops the alerts whose window ended before the cutoff (the mention
    retention's: their evidence is gone by then) from the index first, then their entries.
    """

    def __init__(self, store: ListableState):
        self.store = store

    def save(self, alerts: Iterable[Alert]) -> int:
        """Persist alerts in the format above; return how many were new."""
        index = self._index()
        known = set(index)
        new = 0
        for alert in alerts:
            self.store.set_state(alert_key(alert.id), alert.model_dump_json())
            if alert.id not in known:
                index.append(alert.id)
                known.add(alert.id)
                new += 1
        # The index is written after the alerts it lists, so a crash never leaves it naming a missing one.
        self.store.set_state(INDEX_KEY, json.dumps(index))
        return new

    def load(self, jsonl_paths: Iterable[str | Path] = ()) -> list[Alert]:
        """Every stored alert, newest window first. Unreadable entries are logged and skipped.

        Alerts of the `jsonl_paths` files are added, except those whose window ended before where retention last
        cut the store (`trimmed_before`): what `prune` dropped from the log never comes back from a file."""
        by_id: dict[str, Alert] = {}
        for key, raw in self.store.state_items(ENTRY_PREFIX).items():
            alert = _parse(raw, f"state {key}")
            if alert:
                by_id[alert.id] = alert
        paths = list(jsonl_paths)
        cutoff = trimmed_before(self.store) if paths else None
        for path in paths:
            for alert in _read_jsonl(Path(path)):
                if cutoff is None or not expired(alert, cutoff):
                    by_id.setdefault(alert.id, alert)
        return sorted(by_id.values(), key=lambda a: (a.window_start, a.id), reverse=True)

    def stored(self, alert_ids: Iterable[str]) -> dict[str, Alert]:
        """These alerts as stored, by id; alerts not stored (or unreadable) are left out. One state read per id:
        for a detection pass's alerts."""
        known: dict[str, Alert] = {}
        for alert_id in dict.fromkeys(alert_ids):
            raw = self.store.get_state(alert_key(alert_id))
            alert = _parse(raw, f"state {alert_key(alert_id)}") if raw else None
            if alert is not None:
                known[alert_id] = alert
        return known

    def incident_ids(self, alert_ids: Iterable[str]) -> dict[str, str]:
        """The incident each of these alerts was stored under, by alert id; alerts not stored (or stored
        without one, or unreadable) are left out. One state read per id: for a detection pass's alerts."""
        return {i: a.incident_id for i, a in self.stored(alert_ids).items() if a.incident_id}

    def prune(self, cutoff: datetime) -> int:
        """Delete the alerts whose window ended before `cutoff`; return how many entries went.

        Unreadable entries are kept (nothing is lost on a parse error).
        """
        stale = set()
        for key, raw in self.store.state_items(ENTRY_PREFIX).items():
            alert = _parse(raw, f"state {key}")
            if alert is not None and expired(alert, cutoff):
                stale.add(key.removeprefix(ENTRY_PREFIX))
        if not stale:
            return 0
        index = self._index()
        # Index first: a crash between the two writes leaves unlisted entries (still loaded), never a dangling id.
        self.store.set_state(INDEX_KEY, json.dumps([i for i in index if i not in stale]))
        return self.store.delete_state(alert_key(i) for i in sorted(stale))

    def _index(self) -> list[str]:
        return _index_ids(self.store.get_state(INDEX_KEY))


def expired(alert: Alert, cutoff: datetime) -> bool:
    """The alert log's retention rule: an alert whose window ended before the cutoff goes (its evidence has)."""
    return alert.window_end < cutoff


@dataclass
class TrimReport:
    """What `trim_jsonl` did to one file."""

    path: str
    kept: int = 0  # lines kept (alerts, unreadable lines and other records)
    removed: int = 0  # alerts (and records `drop` chose) written out of the file
    error: str | None = None  # the file could not be read or rewritten: it is left as it was


def trim_jsonl(path: str | Path, cutoff: datetime, drop: Callable[[dict], bool] | None = None) -> TrimReport:
    """Rewrite a `jsonl` channel file without the alerts `AlertLog.prune` drops at `cutoff` (and without the other
    JSON records `drop` says go, e.g. reports of a period retention passed). Every other line (a later alert, a
    line that is no alert, an unreadable one) is kept byte for byte: nothing is lost on a parse error.

    The new file replaces the old one atomically (a temporary file in the same folder, then `os.replace`), so a
    reader sees the old file or the new one, with the old file's permissions; a missing file is nothing to do. Lines
    a channel appends while the file is filtered are carried over (it is read again just before the replace); only
    one appended in the instant between that read and the replace could be lost from the file (the alert stays in
    the alert log, where the dashboard and `alerts list` read it)."""
    path = Path(path)
    report = TrimReport(str(path))
    if not path.exists():
        return report

    def kept_lines(data: bytes) -> bytes | None:
        kept: list[bytes] = []
        for line in data.splitlines(keepends=True):
            if _goes(line, cutoff, drop):
                report.removed += 1
            else:
                kept.append(line)
        report.kept = len(kept)
        return b"".join(kept) if report.removed else None

    try:
        rewrite(path, kept_lines)  # atomic, mode and symlink kept, concurrent appends carried over
    except OSError as exc:
        report.error = f"{path}: {exc.strerror or exc}"
        log.warning("retention: %s was not trimmed (%s); its old alerts stay in it, hidden from readers",
                    path, exc.strerror or exc)
    return report


def _goes(line: bytes, cutoff: datetime, drop: Callable[[dict], bool] | None) -> bool:
    """Whether a jsonl file's line is one retention removes: an alert past the cutoff, or a record `drop` names."""
    try:
        record = json.loads(line)
    except ValueError:  # not JSON (or not UTF-8): kept, as the log keeps unreadable entries
        return False
    if not isinstance(record, dict):
        return False
    if "report" in record and "id" not in record:  # a digest or period report the channel was sent
        return drop is not None and drop(record)
    try:
        alert = Alert.model_validate(record)
    except ValidationError:
        return False
    return expired(alert, cutoff)


def _index_ids(raw: str | None) -> list[str]:
    """The alert ids an ``alerts:index`` value lists (none when it is missing or unreadable)."""
    if not raw:
        return []
    try:
        ids = json.loads(raw)
    except json.JSONDecodeError:
        log.warning("state %s is not JSON; no alerts shown", INDEX_KEY)
        return []
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def merged_index(kept: str | None, added: str | None) -> str:
    """One ``alerts:index`` value listing the alerts of both (`kept`'s order, then `added`'s new ids): two
    logs that become one (`groundswell store copy`) must list every alert either holds, or the ones the
    index leaves out are never shown nor pruned."""
    ids = _index_ids(kept)
    return json.dumps(ids + [i for i in dict.fromkeys(_index_ids(added)) if i not in set(ids)])


def save_alerts(store: ListableState, alerts: Iterable[Alert]) -> int:
    """Persist alerts in the alert log; return how many were new."""
    return AlertLog(store).save(alerts)


def load_alerts(store: ListableState, jsonl_paths: Iterable[str | Path] = ()) -> list[Alert]:
    """Every stored alert (and those in jsonl files), newest window first."""
    return AlertLog(store).load(jsonl_paths)


def select_alerts(
    alerts: Iterable[Alert],
    *,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    severity: str | None = None,
) -> list[Alert]:
    """Alerts whose window overlaps [since, until), for one brand and severity when given."""
    out = []
    for alert in alerts:
        if brand and alert.brand != brand:
            continue
        if severity and alert.severity != severity:
            continue
        if since and alert.window_end <= since:
            continue
        if until and alert.window_start >= until:
            continue
        out.append(alert)
    return out


def _parse(raw: str, origin: str) -> Alert | None:
    try:
        return Alert.model_validate_json(raw)
    except ValidationError as exc:
        log.warning("%s is not a valid alert (%s); skipped", origin, exc.errors()[0].get("msg"))
        return None


def _read_jsonl(path: Path) -> list[Alert]:
    if not path.exists():
        return []
    alerts = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            # A digest or period report the channel carries too (`JsonlSender.send_report`: one `{"report": …}`
            # line) is no alert and no broken line: skipped without a warning.
            if line.strip() and not line.startswith('{"report": '):
                alert = _parse(line, f"{path}:{n}")
                if alert:
                    alerts.append(alert)
    return alerts


def stored_alerts(store: ListableState) -> list[Alert]:
    """Every alert detection has stored, oldest window first."""
    return sorted(load_alerts(store), key=lambda a: (a.window_start, a.brand, a.id))
