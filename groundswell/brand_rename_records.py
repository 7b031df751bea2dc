"""What a finished `groundswell brands rename OLD NEW` leaves behind: one compact record of the rename, so that what
was sent under the old name still leads somewhere.

Messages already sent carry dashboard links naming the old brand and the old alert id
(`alerts.explain.dashboard_link`: ``/alerts?alert=<old id>&brand=<OLD>``). After the rename neither exists any more;
the record ``brand-rename:done:<OLD>`` (``{"new": NEW, "alerts": {old id: new id}}``, 40-odd bytes an alert) lets
the dashboard send such a link on to the alert's new id and the brand's new name (`dashboards.web.renamed`), and
lets a second run of the same command say "nothing left to rename" where a mistyped OLD is refused
(`groundswell.brand_rename`). Renames chain (A to B, then B to C: A's links reach C); renaming back onto OLD (B to
A) drops A's record, since A is a live name again.
"""

from __future__ import annotations

import json
from typing import Any

from core.state import ListableState

DONE_PREFIX = "brand-rename:done:"
_CHAIN = 20  # renames followed at most (a cycle cannot form: renaming back drops the record, but stay safe)


def done_key(old: str) -> str:
    """The state key of the record of a finished rename of `old`."""
    return DONE_PREFIX + old


def done_record(state: ListableState, old: str) -> dict[str, Any] | None:
    """The record of a finished rename of `old` ({"new": NEW, "alerts": {old id: new id}}), or None."""
    return _parse(state.get_state(done_key(old)))


def record_done(state: ListableState, old: str, new: str, ids: dict[str, str]) -> None:
    """Record the rename of `old` to `new` and its alerts' new ids (merged with an earlier record of `old`'s, so a
    re-run after a late write keeps the ids the first run moved); `new`'s own record goes (a live name again)."""
    earlier = done_record(state, old) or {}
    kept = earlier.get("alerts", {}) if earlier.get("new") == new else {}
    state.set_state(done_key(old), json.dumps({"new": new, "alerts": {**kept, **ids}}, ensure_ascii=False,
                                              sort_keys=True))
    state.delete_state([done_key(new)])


def renames(state: ListableState) -> dict[str, dict[str, Any]]:
    """Every readable rename record, by old name."""
    found = {}
    for key, raw in state.state_items(DONE_PREFIX).items():
        record = _parse(raw)
        if record is not None:
            found[key.removeprefix(DONE_PREFIX)] = record
    return found


def current_name(records: dict[str, dict[str, Any]], name: str) -> str | None:
    """The name brand `name` has now when it was renamed (following renames of renames); None when it was not."""
    seen = {name}
    while name in records and len(seen) <= _CHAIN:
        name = str(records[name]["new"])
        if name in seen:
            return None
        seen.add(name)
    return name if len(seen) > 1 else None


def current_alert(records: dict[str, dict[str, Any]], alert_id: str) -> tuple[str, str] | None:
    """(new id, brand now) of an alert a rename moved (following renames of renames); None when none moved it."""
    by_id = {old_id: (new_id, old) for old, rec in records.items() for old_id, new_id in rec["alerts"].items()}
    seen, brand = {alert_id}, None
    while alert_id in by_id and len(seen) <= _CHAIN:
        alert_id, old = by_id[alert_id]
        brand = str(records[old]["new"])
        if alert_id in seen:
            return None
        seen.add(alert_id)
    return (alert_id, brand) if brand is not None else None


def _parse(raw: str | None) -> dict[str, Any] | None:
    try:
        record = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("new"), str):
        return None
    alerts = record.get("alerts")
    return {"new": record["new"], "alerts": alerts if isinstance(alerts, dict) else {}}
