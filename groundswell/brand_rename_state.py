"""What `groundswell brands rename OLD NEW` changes in the store's state, kind by kind, as plans of writes.

Each `plan_*` reads the state and returns a `Change`: the keys to set (to their new values) and the keys to delete.
`apply` sets first, then deletes, so a crash in between leaves both keys and the same plan made again (the command
run again) finds the old keys, makes the same new values and finishes. Where NEW already holds an entry under the
new key (a rename onto a name that holds data: a merge), the entry already there is kept and OLD's goes, except for
verdicts, whose replaced one is kept in the incident's history (`plan_verdicts`).

Keys, by the module that owns each (`core/state.py` lists them all):
- ``alert:<id>``, ``alerts:index``           the alert log (`alerts.history`): an alert's id hashes its brand
  (`core.alert.Alert`), so each of OLD's alerts moves to the id NEW gives it, with its incident and episode ids;
- ``alert_sent:<channel>:<id>`` and ``alert_sent:<channel>:incident:<id>`` the delivery ledger (`alerts.deliver`):
  an alert sent under its old id counts as sent under its new one, so nothing is sent again;
- ``alert-verdict:<incident>``, ``alert-verdict-undone:<incident>``  verdicts and their history
  (`groundswell.alert_verdicts`), keyed by the incident's id (its opener's) and naming the brand;
- ``alert_detected:<brand>`` (`alerts.catchup`), ``themes:<brand>`` (`nlp.theme_state`), ``cursor:<source>:<brand>``
  (`extractors.state.CursorState`): per-brand entries, renamed;
- ``copy:{text,head,retweet,repost}:<brand>:...`` the copy index (`core.stories`): its per-brand keys, renamed;
- ``share:...`` (`alerts.shares`) and ``sentiment-audit:...`` (`groundswell.audit_results`): values naming the
  brand, rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from alerts.catchup import PREFIX as DETECTED_PREFIX
from alerts.deliver import SENT_PREFIX
from alerts.history import ENTRY_PREFIX, INDEX_KEY, alert_key
from alerts.shares import PREFIX as SHARE_PREFIX
from core.alert import Alert
from core.state import ListableState
from groundswell.alert_verdicts import HISTORY_PREFIX, VERDICT_PREFIX
from groundswell.audit_results import AUDIT_PREFIX
from groundswell.copies import PREFIX as COPY_PREFIX
from groundswell.health import SOURCE_PREFIX as HEALTH_SOURCE_PREFIX
from nlp.theme_state import PREFIX as THEMES_PREFIX

CURSOR_PREFIX = "cursor:"  # `extractors.state.CursorState.key`: cursor:<source key>:<brand>
COPY_KINDS = ("text", "head", "retweet", "repost")  # `core.stories`: the keys that name a brand
RENAMED_BY = "groundswell brands rename"


@dataclass
class Change:
    """Writes of one kind: keys to set, keys to delete, and how many entries of that kind they rename."""

    sets: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    count: int = 0

    def apply(self, state: ListableState) -> None:
        """Set, then delete (never a key just set): a crash in between is finished by planning again."""
        if self.sets:
            state.set_states(self.sets)
        gone = [k for k in dict.fromkeys(self.deletes) if k not in self.sets]
        if gone:
            state.delete_state(gone)


def renamed_id(alert: Alert, new: str) -> str:
    """The id `alert` has under brand `new`: `core.alert.Alert`'s own rule (kind, brand, window, subject, slice)."""
    return Alert.model_validate({**alert.model_dump(), "id": "", "brand": new}).id


def renamed_alert(alert: Alert, new: str, ids: dict[str, str]) -> Alert:
    """`alert` under brand `new`: its id, and the ids of its incident and episode (alerts of the same brand)."""
    data = alert.model_dump()
    data |= {"id": ids.get(alert.id) or renamed_id(alert, new), "brand": new,
             "incident_id": ids.get(alert.incident_id or "", alert.incident_id),
             "episode_id": ids.get(alert.episode_id or "", alert.episode_id),
             "link": _renamed_link(alert.link, alert.id, ids.get(alert.id), new)}
    return Alert.model_validate(data)


def _renamed_link(link: str | None, old_id: str, new_id: str | None, new: str) -> str | None:
    """The dashboard link of a renamed alert (`alerts.explain.dashboard_link`: ?alert=<id>&brand=<brand>)."""
    if not link or new_id is None:
        return link
    parts = urlsplit(link)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if ("alert", old_id) not in query:
        return link  # not the link this version writes: left as it was
    query = [(k, new_id if k == "alert" else new if k == "brand" else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(query)))


def logged_alerts(state: ListableState) -> dict[str, Alert]:
    """The alert log's readable entries, by id (`alerts.history.AlertLog` reads them the same way)."""
    found = {}
    for raw in state.state_items(ENTRY_PREFIX).values():
        try:
            alert = Alert.model_validate_json(raw)
        except ValueError:
            continue
        found[alert.id] = alert
    return found


def alert_ids(alerts: Iterable[Alert], old: str, new: str) -> dict[str, str]:
    """Old id -> new id of `alerts`' alerts of brand `old`."""
    return {a.id: renamed_id(a, new) for a in alerts if a.brand == old}


def plan_alert_log(state: ListableState, old: str, new: str, ids: dict[str, str]) -> Change:
    """OLD's alerts under their new ids (an alert NEW already has under that id is kept), the index rewritten."""
    change = Change()
    logged = logged_alerts(state)
    for alert in logged.values():
        if alert.brand != old:
            continue
        moved = renamed_alert(alert, new, ids)
        if moved.id not in logged:
            change.sets[alert_key(moved.id)] = moved.model_dump_json()
        change.deletes.append(alert_key(alert.id))
        change.count += 1
    raw = state.get_state(INDEX_KEY)
    try:
        index = json.loads(raw) if raw else []
    except ValueError:
        index = []
    if isinstance(index, list) and any(i in ids for i in index):
        change.sets[INDEX_KEY] = json.dumps(list(dict.fromkeys(ids.get(i, i) for i in index)))
    return change


def plan_ledger(state: ListableState, ids: dict[str, str]) -> Change:
    """Each ledger entry of an old id (an alert's, or an incident mark's) under the new id, its thread renamed."""
    change = Change()
    entries = state.state_items(SENT_PREFIX)
    for key, raw in entries.items():
        head, _, last = key.rpartition(":")
        if last not in ids:
            continue
        target = f"{head}:{ids[last]}"
        if target not in entries:
            change.sets[target] = _renamed_thread(raw, ids)
        change.deletes.append(key)
        change.count += 1
    return change


def _renamed_thread(raw: str, ids: dict[str, str]) -> str:
    try:
        entry = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(entry, dict) and entry.get("thread") in ids:
        return json.dumps({**entry, "thread": ids[entry["thread"]]})
    return raw


def plan_verdicts(state: ListableState, new: str, ids: dict[str, str]) -> Change:
    """The verdicts (and their histories) of OLD's incidents under the incidents' new ids, naming NEW. Where NEW's
    incident of that id was judged already, its verdict stays, and OLD's goes into its history as replaced."""
    change = Change()
    current = state.state_items(VERDICT_PREFIX)
    history = state.state_items(HISTORY_PREFIX)
    for key, raw in current.items():
        incident = key.removeprefix(VERDICT_PREFIX)
        if incident not in ids:
            continue
        record = _record(raw)
        target = VERDICT_PREFIX + ids[incident]
        moved = {**record, "brand": new} if record is not None else None
        there = _record(current.get(target))
        if target not in current:
            change.sets[target] = json.dumps(moved, ensure_ascii=False, sort_keys=True) if moved else raw
        elif moved is not None and there != moved:
            # A merge: NEW's incident has its own verdict, which stays; OLD's goes into its history as replaced by
            # it (when NEW's was given, so that running this again adds the same entry, found and not added twice).
            entry = {**moved, "replaced_with": (there or {}).get("verdict"), "undone_by": RENAMED_BY,
                     "undone_at": str((there or {}).get("at") or "")}
            history[HISTORY_PREFIX + incident] = _with_entry(history.get(HISTORY_PREFIX + incident), entry)
        change.deletes.append(key)
        change.count += 1
    for key, raw in history.items():
        incident = key.removeprefix(HISTORY_PREFIX)
        if incident not in ids:
            continue
        target = HISTORY_PREFIX + ids[incident]
        entries = [*_entries(change.sets.get(target) or history.get(target)), *_entries(raw, new)]
        change.sets[target] = json.dumps({"withdrawn": list({json.dumps(e, sort_keys=True): e for e in entries}
                                                            .values())}, ensure_ascii=False, sort_keys=True)
        change.deletes.append(key)
    return change


def _record(raw: str | None) -> dict[str, Any] | None:
    try:
        record = json.loads(raw) if raw else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _entries(raw: str | None, brand: str | None = None) -> list[dict[str, Any]]:
    record = _record(raw) or {}
    entries = record.get("withdrawn")
    kept = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return [{**e, "brand": brand} if brand and "brand" in e else e for e in kept]


def _with_entry(raw: str | None, entry: dict[str, Any]) -> str:
    return json.dumps({"withdrawn": [*_entries(raw), entry]}, ensure_ascii=False, sort_keys=True)


def plan_brand_keys(state: ListableState, old: str, new: str, sources: Iterable[str] = ()) -> Change:
    """The per-brand entries: how far detection got, the themes' centroids, the cursors of each source.
    `sources`: the configured source keys (cursor keys of `own_posts_key`'s form included) that hold a colon."""
    change = Change()
    keys = {DETECTED_PREFIX + old: DETECTED_PREFIX + new, THEMES_PREFIX + old: THEMES_PREFIX + new}
    for key in state.state_items(CURSOR_PREFIX):
        if cursor_of(key, old, sources):
            keys[key] = key.removesuffix(f":{old}") + f":{new}"
    # A source's health for the brand (groundswell/health.py: ``health:source:<source key>:<brand>``), its record
    # naming the brand too: without it, `groundswell health` listed the old name as a source never run again.
    health = {key: key.removesuffix(f":{old}") + f":{new}" for key in state.state_items(HEALTH_SOURCE_PREFIX)
              if cursor_of(key, old, sources, prefix=HEALTH_SOURCE_PREFIX)}
    found = state.get_states([*keys, *keys.values(), *health, *health.values()])
    for key, target in [*keys.items(), *health.items()]:
        if key in found:
            if target not in found:
                change.sets[target] = _renamed_record(found[key], new) if key in health else found[key]
            change.deletes.append(key)
            change.count += 1
    return change


def _renamed_record(raw: str, new: str) -> str:
    """A health record (JSON) with its `brand` set to `new`; as it was when it does not read as one."""
    try:
        record = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(record, dict) and "brand" in record:
        record["brand"] = new
        return json.dumps(record, sort_keys=True)  # as groundswell.health writes it
    return raw


def cursor_of(key: str, brand: str, sources: Iterable[str] = (), prefix: str = CURSOR_PREFIX) -> bool:
    """Whether state key `key` is a cursor of `brand` (``cursor:<source key>:<brand>``; with `prefix`, another
    per-source-and-brand key of that form). A brand name may hold a colon, so ``cursor:x:Big:Acme`` ends with
    ``:Acme`` and is brand ``Big:Acme``'s cursor on source ``x``: the part before ``:<brand>`` must be a source key
    without a colon, or one of `sources` (those that hold one)."""
    if not key.startswith(prefix) or not key.endswith(f":{brand}"):
        return False
    source = key[len(prefix) : len(key) - len(brand) - 1]
    return bool(source) and (":" not in source or source in set(sources))


def plan_copy_keys(state: ListableState, old: str, new: str, others: Iterable[str]) -> Change:
    """The copy index's keys naming OLD (`core.stories`), under NEW. `others`: the other brand names, so that a
    brand whose name starts with OLD and a colon keeps its keys."""
    change = Change()
    for kind in COPY_KINDS:
        prefix = f"{COPY_PREFIX}{kind}:{old}:"
        theirs = tuple(f"{COPY_PREFIX}{kind}:{b}:" for b in others if b != old and b.startswith(f"{old}:"))
        entries = {k: v for k, v in state.state_items(prefix).items() if not (theirs and k.startswith(theirs))}
        targets = {k: f"{COPY_PREFIX}{kind}:{new}:{k.removeprefix(prefix)}" for k in entries}
        there = state.get_states(targets.values()) if targets else {}
        for key, owner in entries.items():
            if targets[key] not in there:
                change.sets[targets[key]] = owner
            change.deletes.append(key)
            change.count += 1
    return change


def plan_values(state: ListableState, old: str, new: str) -> tuple[Change, Change]:
    """(shares, audits): entries whose value names OLD (a share's brands, an audit's brand filter), rewritten."""
    shares, audits = Change(), Change()
    for key, raw in state.state_items(SHARE_PREFIX).items():
        value = _record(raw)
        brands = value.get("brands") if value else None
        if isinstance(brands, list) and old in brands:
            value["brands"] = list(dict.fromkeys(new if b == old else b for b in brands))
            shares.sets[key] = json.dumps(value, ensure_ascii=False)
            shares.count += 1
    for key, raw in state.state_items(AUDIT_PREFIX).items():
        record = _record(raw)
        filters = record.get("filters") if record else None
        if isinstance(filters, dict) and filters.get("brand") == old:
            record["filters"] = {**filters, "brand": new}
            audits.sets[key] = json.dumps(record, ensure_ascii=False, sort_keys=True)
            audits.count += 1
    return shares, audits
