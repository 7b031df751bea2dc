"""Scored audits kept beside the data, so the dashboard and the report can say how accurate the sentiment
they show is on these mentions (`groundswell sentiment audit-score --save` or `--apply`).

One entry per audit under AUDIT_PREFIX + the time it was drawn: scoring the same spreadsheet again
(more rows labelled) replaces it. Entries are small and few (a team audits a few times a year), so they
have no retention; `groundswell store copy` copies them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.mention import model_builds
from core.time import as_utc
from indexing.base import Filters, Store

AUDIT_PREFIX = "sentiment-audit:"


def audit_record(result: dict[str, Any], scored_at: datetime) -> dict[str, Any]:
    """What is kept of a scored audit (`audit_score.score_audit`): the figures people read, not its rows."""
    audit = result["audit"]
    languages = {name: lang["accuracy"] for name, lang in (result.get("languages") or {}).items() if lang["accuracy"]}
    return {"drawn_at": audit["created_at"], "scored_at": as_utc(scored_at).isoformat(), "filters": audit["filters"],
            "models": audit["models"], "rows": audit["rows"], "labelled": result["answers"]["labelled"],
            "unclear": result["answers"]["unclear"], "population": result["population"],
            "covered_population": result["covered_population"], "accuracy": result["accuracy"],
            "macro_f1": result.get("macro_f1"), "languages": languages}


def save_audit(store: Store, result: dict[str, Any], scored_at: datetime) -> dict[str, Any]:
    """Keep a scored audit's figures (nothing when no row is labelled: there are none); return the record."""
    record = audit_record(result, scored_at)
    if record["accuracy"] is not None:
        store.set_state(AUDIT_PREFIX + record["drawn_at"], json.dumps(record, ensure_ascii=False, sort_keys=True))
    return record


def latest_audit(store: Store) -> dict[str, Any] | None:
    """The most recently scored audit's record, or None (an unreadable entry is skipped)."""
    records = []
    for value in store.state_items(AUDIT_PREFIX).values():
        try:
            record = json.loads(value)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("scored_at"), str) and record.get("accuracy"):
            records.append(record)
    return max(records, key=lambda r: r["scored_at"], default=None)


def audit_view(store: Store, builds: dict[str, int] | None = None) -> dict[str, Any] | None:
    """The latest audit for a page: its record and `current`, whether it judged the build that gave most of
    the stored labels now (after a model change its figures describe labels that are being replaced).
    `builds`: the store's labels per model build (`core.mention.model_builds`), when the caller has them."""
    record = latest_audit(store)
    if record is None:
        return None
    if builds is None:
        builds = model_builds(store.facet(Filters(include_spam=True), "model"))
    current = max(builds, key=lambda name: builds[name], default=None)
    return {**record, "current": current in record["models"]}


def audit_line(view: dict[str, Any]) -> str:
    """One line for people: how accurate the sentiment is on these mentions, by the latest audit."""
    accuracy = view["accuracy"]
    line = (f"Sentiment audited {view['scored_at'][:10]}: {accuracy['value']:.1f}% accurate "
            f"({accuracy['low']:.1f}-{accuracy['high']:.1f}, 95%) on {view['labelled']:,} posts people labelled")
    if view["filters"].get("brand"):
        line += f" for {view['filters']['brand']}"
    if not view["current"]:
        line += "; it judged an earlier model's labels: audit again"
    return line
