"""People's verdicts on alert incidents: a real crisis, a false alarm, or taken on ("ack") by someone.

One verdict per incident (`alerts.incidents.Incident.id`, the id the dashboard's cards and the channels'
threads carry), kept in the store's state beside the data under VERDICT_PREFIX, so it works the same on
every store and `groundswell store copy` copies it with the rest of the state. A record holds the verdict,
an optional note, who gave it and when, and a snapshot of the incident (brand, start, end, its alert
kinds). Retention (`prune_verdicts`, run by `groundswell maintain`) deletes an incident's verdicts and their
history, notes and names included, once the alert log no longer holds the incident and it ended before the
mention cutoff: a note may name the people a post came from.

A new verdict replaces the current one; the one it replaced moves into the incident's history
(HISTORY_PREFIX, the rule of groundswell/withdrawals.py) with the verdict that replaced it, who gave that
and when.
An undo moves the current verdict into that history with who undid it and when, and gives the incident
back the verdict it had replaced, if any (one step back): a slip on a colleague's verdict is undone
without losing who gave it.

What the verdicts are for (`groundswell alerts verdicts`, docs/dashboard.md):
- precision on a team's own alerts: real / (real + false_alarm), per brand and per alert kind (`precision`);
  "ack" only says someone took it on, and is counted in neither;
- delivery (`delivery_verdicts`, alerts/verdict_filter.py): a false alarm's later alerts are not sent, nor are a
  taken-on incident's "still growing" updates unless more severe than it was when taken on;
- a labels file for `groundswell alerts backtest --incidents` (`backtest_labels`): the `real` incidents
  only, as `{"brand", "start", "end"}` lines (a false alarm is not a label kind the backtest knows: any kind
  outside `alerts.scoring.NOT_CRISES` would be scored as a crisis).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.incidents import SEVERITY_RANK, Incident, group_incidents, incident_key
from alerts.kinds import kind_info
from alerts.verdict_filter import Verdicts
from core.alert import Alert, decided_at
from core.time import as_utc
from groundswell.withdrawals import keep_withdrawn, withdrawn
from indexing.base import Store, mention_keyed_records

VERDICT_PREFIX = "alert-verdict:"  # the current verdict, by incident id
HISTORY_PREFIX = "alert-verdict-undone:"  # replaced and undone verdicts, by incident (groundswell/withdrawals.py)
VERDICTS = ("real", "false_alarm", "ack")
JUDGED = ("real", "false_alarm")  # what precision counts
MAX_NOTE_CHARS = 500
MAX_ID_CHARS = 512
_PUBLIC = ("verdict", "note", "by", "at")  # what a card shows


class VerdictError(ValueError):
    """A verdict that cannot be stored; `param` names what is wrong (incident, verdict or note)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass
class VerdictChange:
    """What `set_verdict` or `undo_verdict` did to one incident."""

    incident: str
    verdict: dict[str, Any] | None  # the incident's verdict now (the stored record), None when it has none
    replaced: dict[str, Any] | None = None  # the record this call moved into the history
    changed: bool = True  # False: the same verdict was already stored, or there was nothing to undo


def check_verdict(verdict: object, note: object = None) -> None:
    """Raise VerdictError naming what is wrong with `verdict` and `note` (None: no note)."""
    if verdict not in VERDICTS:
        raise VerdictError(f"verdict must be one of {', '.join(VERDICTS)} (not {verdict!r})", "verdict")
    if note is None:
        return
    if not isinstance(note, str):
        raise VerdictError("note must be text", "note")
    if len(note) > MAX_NOTE_CHARS:
        raise VerdictError(f"the note has {len(note):,} characters; at most {MAX_NOTE_CHARS}", "note")
    try:
        note.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON's "\ud800": cannot be stored
        raise VerdictError("the note is not valid Unicode text", "note") from None


def check_incident_id(incident_id: object) -> str:
    """`incident_id` if it can be an incident id: text of 1 to MAX_ID_CHARS characters, valid Unicode (a lone
    surrogate from JSON's "\\ud800", or undecodable bytes on a command line, can be no stored id and no store
    can look one up); VerdictError (param "incident") otherwise. Setting and undoing a verdict both check it."""
    if not isinstance(incident_id, str) or not 0 < len(incident_id) <= MAX_ID_CHARS:
        raise VerdictError(f"incident must be an incident id (text of 1 to {MAX_ID_CHARS} characters)", "incident")
    try:
        incident_id.encode("utf-8")
    except UnicodeEncodeError:
        raise VerdictError("incident must be an incident id; this one is not valid Unicode text", "incident") from None
    return incident_id


def find_incident(alerts: Iterable[Alert], incident_id: object) -> Incident:
    """The incident of `alerts` with this id; VerdictError (param "incident") when there is none."""
    incident_id = check_incident_id(incident_id)
    incidents = group_incidents(alerts)
    found = next((i for i in incidents if i.id == incident_id), None)
    if found is None:
        raise VerdictError(
            f"no incident {incident_id!r} among the {len(incidents)} stored: `groundswell alerts verdicts --all` "
            "lists their ids, and the dashboard shows each on its incident card",
            "incident",
        )
    return found


def incident_kinds(incident: Incident) -> list[str]:
    """The alert kinds an incident holds, all-clears left out: what precision per kind counts it under."""
    return sorted({a.kind for a in incident.alerts if not kind_info(a.kind).closes})


def set_verdict(
    store: Store, alerts: Iterable[Alert], incident_id: str, verdict: str, *, by: str, now: datetime,
    note: str | None = None,
) -> VerdictChange:
    """Give the incident `incident_id` (one of `alerts`') this verdict, as given `by` at `now`.

    Everything is checked before anything is written (VerdictError). The verdict it replaces goes into the
    history first, so a crash in between leaves the old verdict current and a rerun completes it. The same
    verdict, note and author again change nothing."""
    check_verdict(verdict, note)
    incident = find_incident(alerts, incident_id)
    note = note.strip() if note else None
    earlier = verdicts(store, [incident_id]).get(incident_id)
    if earlier is not None and all(earlier.get(k) == v for k, v in (("verdict", verdict), ("note", note), ("by", by))):
        return VerdictChange(incident_id, earlier, changed=False)
    record: dict[str, Any] = {
        "verdict": verdict, "by": by, "at": as_utc(now).isoformat(), "brand": incident.brand,
        "start": incident.start.isoformat(), "end": incident.end.isoformat(), "kinds": incident_kinds(incident),
    }
    if note:
        record["note"] = note
    replaced = None
    if earlier is not None:
        # when and by what: the same verdict given back by an undo and replaced again is a second entry
        replaced = {**_without_previous(earlier), "replaced_with": verdict, "replaced_at": record["at"]}
        keep_withdrawn(store, HISTORY_PREFIX, {incident_id: replaced}, by, now)
        record["previous"] = _without_previous(earlier)  # what an undo gives back
    store.set_state(VERDICT_PREFIX + incident_id, json.dumps(record, ensure_ascii=False, sort_keys=True))
    return VerdictChange(incident_id, record, replaced)


def undo_verdict(store: Store, alerts: Iterable[Alert], incident_id: str, *, by: str, now: datetime) -> VerdictChange:
    """Withdraw the incident's current verdict (into its history, undone `by` at `now`) and give it back the
    verdict that one replaced, if any. An incident with no verdict is left alone (`changed` False); an id that
    is neither a judged nor a stored incident raises VerdictError."""
    check_incident_id(incident_id)  # before the store is asked: a lone surrogate is no key it can look up
    current = verdicts(store, [incident_id]).get(incident_id)
    if current is None:
        find_incident(alerts, incident_id)  # a typo is an error, a known incident without a verdict is not
        return VerdictChange(incident_id, None, changed=False)
    # marked: a verdict given back by an undo and then undone is not the entry of its replacement
    undone = {**_without_previous(current), "undone": True}
    keep_withdrawn(store, HISTORY_PREFIX, {incident_id: undone}, by, now)
    previous = current.get("previous")
    if isinstance(previous, dict) and previous.get("verdict") in VERDICTS:
        store.set_state(VERDICT_PREFIX + incident_id, json.dumps(previous, ensure_ascii=False, sort_keys=True))
        return VerdictChange(incident_id, previous, undone)
    store.delete_state([VERDICT_PREFIX + incident_id])
    return VerdictChange(incident_id, None, undone)


def verdicts(store: Store, ids: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """The current verdict records by incident id (of `ids`, or all). A damaged record is left out."""
    records = mention_keyed_records(store, VERDICT_PREFIX, ids)  # keyed by any id, incidents' too
    return {i: r for i, r in records.items() if r.get("verdict") in VERDICTS}


def verdict_history(store: Store, ids: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The replaced and undone verdicts by incident id (of `ids`, or all), oldest first: each a verdict record
    plus `undone_by` and `undone_at`, and either `undone: true` (an undo withdrew it) or `replaced_with` (the verdict
    given instead) and `replaced_at`."""
    return withdrawn(store, HISTORY_PREFIX, ids)


def prune_verdicts(store: Store, alerts: Iterable[Alert], cutoff: datetime) -> int:
    """Retention: delete the verdicts (current, replaced and undone: their notes and who gave them) of incidents
    that none of `alerts` (the alert log after its own prune) belongs to any more and that ended before `cutoff`
    (the snapshot each record keeps). An incident still held, or one a `jsonl` channel file still shows (its end
    is after the cutoff), keeps its verdicts; a record whose end cannot be read is kept. Return how many went."""
    held = {incident_key(a) for a in alerts}
    gone = 0
    for prefix, ends in ((VERDICT_PREFIX, _record_end), (HISTORY_PREFIX, _history_end)):
        records = mention_keyed_records(store, prefix)  # keyed by incident id
        stale = [prefix + i for i, r in records.items() if i not in held and _before(ends(r), cutoff)]
        gone += store.delete_state(stale) if stale else 0
    return gone


def _record_end(record: Mapping[str, Any]) -> datetime | None:
    return _when(record.get("end")) if record.get("end") else None


def _history_end(record: Mapping[str, Any]) -> datetime | None:
    """The latest end any withdrawn verdict of the history recorded (None when one cannot be read)."""
    entries = record.get("withdrawn")
    ends = [_record_end(e) if isinstance(e, dict) else None for e in entries] if isinstance(entries, list) else []
    return None if not ends or None in ends else max(e for e in ends if e is not None)


def _before(end: datetime | None, cutoff: datetime) -> bool:
    return end is not None and end < as_utc(cutoff)


def card_verdict(record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What an incident card shows of its verdict: verdict, note, by, at (None without one)."""
    return None if record is None else {k: record.get(k) for k in _PUBLIC}


def verdict_rows(records: Mapping[str, Mapping[str, Any]], alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """One row per verdict, oldest incident first: the incident as its alerts make it now (`stored` true), or
    as it was when judged when retention has dropped its alerts (`stored` false)."""
    current = {i.id: i for i in group_incidents(alerts)}
    rows = []
    for incident_id, record in records.items():
        incident = current.get(incident_id)
        row = {
            "incident": incident_id,
            "brand": incident.brand if incident else record.get("brand"),
            "start": incident.start.isoformat() if incident else record.get("start"),
            "end": incident.end.isoformat() if incident else record.get("end"),
            "kinds": incident_kinds(incident) if incident else list(record.get("kinds") or []),
            "stored": incident is not None,
            **card_verdict(record),
        }
        rows.append(row)
    return sorted(rows, key=lambda r: (str(r["start"]), str(r["brand"]), r["incident"]))


def unjudged_rows(records: Mapping[str, Any], alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """The stored incidents without a verdict, in `verdict_rows`' shape (verdict None), oldest first."""
    rows = [
        {"incident": i.id, "brand": i.brand, "start": i.start.isoformat(), "end": i.end.isoformat(),
         "kinds": incident_kinds(i), "stored": True, **dict.fromkeys(_PUBLIC)}
        for i in group_incidents(alerts) if i.id not in records
    ]
    return sorted(rows, key=lambda r: (r["start"], r["brand"], r["incident"]))


def backtest_labels(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The `real` incidents as labels `groundswell alerts backtest --incidents` reads ({"brand", "start", "end"},
    and the incident's id, which the backtest ignores). Rows without a readable span are left out."""
    out = []
    for row in rows:
        if row.get("verdict") == "real" and row.get("brand") and row.get("start") and row.get("end"):
            out.append({"brand": row["brand"], "start": row["start"], "end": row["end"], "incident": row["incident"]})
    return out


def precision(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Precision so far: real / (real + false_alarm), overall, per brand and per alert kind (an incident counts
    once under each kind it holds); "ack" counts in none of them. None where nothing is judged."""

    def bucket() -> dict[str, Any]:
        return {"real": 0, "false_alarm": 0, "precision": None}

    overall, by_brand, by_kind = bucket(), {}, {}
    acknowledged = 0
    for row in rows:
        verdict = row.get("verdict")
        if verdict == "ack":
            acknowledged += 1
        if verdict not in JUDGED:
            continue
        targets = [overall, by_brand.setdefault(str(row.get("brand")), bucket())]
        targets += [by_kind.setdefault(kind, bucket()) for kind in row.get("kinds") or []]
        for target in targets:
            target[verdict] += 1
    for target in [overall, *by_brand.values(), *by_kind.values()]:
        judged = target["real"] + target["false_alarm"]
        target["precision"] = round(target["real"] / judged, 3) if judged else None
    return {**overall, "ack": acknowledged, "by_brand": dict(sorted(by_brand.items())),
            "by_kind": dict(sorted(by_kind.items()))}


def alert_files(config: Any) -> list[str]:
    """The files of the config's `jsonl` alert channels, whose alerts the dashboard shows beside the stored
    ones (and whose incidents can be judged); a list of brands has none."""
    return [ch.path for ch in getattr(config, "channels", []) if getattr(ch, "type", None) == "jsonl"]


def _without_previous(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "previous"}


def delivery_verdicts(store: Store, alerts: Iterable[Alert]) -> Verdicts:
    """The current verdicts as delivery acts on them (alerts.verdict_filter): the incidents marked false alarms,
    and those taken on (`ack`) with the highest severity of their alerts decided by the time they were (the level
    an update must rise above to still go; the incident's opener's when none is older than the verdict)."""
    records = verdicts(store)
    false_alarm = frozenset(i for i, r in records.items() if r["verdict"] == "false_alarm")
    acked = {i: r for i, r in records.items() if r["verdict"] == "ack"}
    by_incident: dict[str, list[Alert]] = {}
    for alert in alerts:
        if alert.incident_id in acked:
            by_incident.setdefault(alert.incident_id, []).append(alert)
    taken_on = {}
    for incident_id, record in acked.items():
        members = by_incident.get(incident_id, [])
        at = _when(record.get("at"))
        known = [a for a in members if at is None or decided_at(a) <= at] or [a for a in members if a.id == incident_id]
        taken_on[incident_id] = max((a.severity for a in known), key=SEVERITY_RANK.__getitem__, default="info")
    return Verdicts(false_alarm, taken_on)


def _when(value: object) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None
