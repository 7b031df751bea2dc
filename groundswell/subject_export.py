"""`groundswell subject export`: everything Groundswell holds about one person or post, as one JSON file (a subject
access request). Read-only: it finds what `groundswell subject forget` would erase, by the same rules
(`groundswell.subject`, `groundswell.subject_state`, `groundswell.subject_files`), and writes it out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.mention import mention_record
from groundswell.subject import Subject, find_held
from groundswell.subject_block import BlockList, author_key, id_key
from groundswell.subject_files import Places, lines_naming, parked_lines, replace_atomically, unreadable
from groundswell.subject_state import find_state
from indexing.base import Store


def export_subject(store: Store, subject: Subject, places: Places | None,
                   now: datetime | None = None) -> dict[str, Any]:
    """The subject's data (module docstring): their mentions in full, the alert log entries, shares and other
    state entries naming them (as stored), their parked mentions and the files naming them (path, line numbers)."""
    parked = list(parked_lines(places.deadletter, subject)) if places else []
    held = find_held(store, subject, also=[m for _, m in parked])
    state = find_state(store, held.redaction)
    keys = sorted({*state.delete, *state.rewrite})
    values = store.get_states(keys) if keys else {}
    places_of_keys = {**state.delete, **{k: p for k, (p, _) in state.rewrite.items()}}
    entries = [{"key": k, "place": places_of_keys[k], "value": _parsed(values.get(k))} for k in keys]
    files = [*places.jsonl_channels, *places.report_files] if places else []
    named_files, skipped = [], []
    for path in files:
        try:
            if lines := lines_naming(path, held.redaction):
                named_files.append({"path": str(path), "lines": lines})
        except (OSError, ValueError) as exc:  # not UTF-8, unreadable: named, not a traceback
            skipped.append(unreadable(path, exc))
    if parked:
        named_files.append({"path": str(places.deadletter), "lines": [n for n, _ in parked]})  # type: ignore[union-attr]
    wanted = {author_key(s, h) for s, h in subject.authors} | {id_key(i) for i in subject.ids}
    return {
        "subject": {"authors": [f"{s}:{h}" for s, h in sorted(subject.authors)], "ids": sorted(subject.ids)},
        "exported_at": (now or datetime.now(UTC)).astimezone(UTC).isoformat(),
        "store": store.name,
        "mentions": [mention_record(m) for m in held.mentions],
        "parked_mentions": [mention_record(m) for _, m in parked],
        "alerts": [e for e in entries if e["place"] == "alert"],
        "shares": [e for e in entries if e["place"] == "share"],
        "state": [e for e in entries if e["place"] not in ("alert", "share")],
        "files": named_files,
        "unreadable_files": skipped,
        "block_list": sorted(wanted & BlockList(store).keys()),
        "counts": {"mentions": len(held.mentions), "parked_mentions": len(parked), **state.counts(),
                   "files": len(named_files)},
    }


def _parsed(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def write_export(data: dict[str, Any], out: str | Path) -> Path:
    """Write the export as indented JSON, all at once (a reader never sees half a file)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_atomically(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path
