"""The analysts' corrections as rows: `groundswell sentiment corrections`.

Who changed which label, when, and what the model had said, with the post: for reviewing a team's
corrections, and as labelled rows in the shape of the training splits (`text`, `label`, `lang`), so the
posts people corrected can be added to a training run (docs/sentiment-audit.md says how). With
`undone`, the corrections people withdrew instead, with who withdrew each and when (not training rows: a
person decided that label was wrong).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import TextIO

from core.batches import batched
from core.escaping import clipped, csv_cell, one_line
from core.time import as_utc
from groundswell.sentiment_corrections import corrections, undone_corrections
from indexing.base import Store

FORMATS = ("table", "csv", "jsonl")
TABLE_TEXT_CHARS = 60  # a table row stays one terminal line or so; csv/jsonl carry the whole text


@dataclass(frozen=True)
class CorrectionRow:
    """One stored correction with its mention."""

    id: str
    label: str  # the person's label
    model_label: str | None  # what the model had said (None: not recorded)
    model: str | None  # the model build that said it
    by: str
    at: str  # when, ISO 8601 UTC
    lang: str | None
    brands: list[str]
    created_at: str
    text: str
    undone_by: str | None = None  # who withdrew it (only in the list of withdrawn corrections)
    undone_at: str | None = None


def correction_rows(store: Store, brand: str | None = None, by: str | None = None,
                    undone: bool = False) -> Iterator[CorrectionRow]:
    """The corrections of still-stored mentions that still carry the person's label, oldest correction
    first; only `brand`'s mentions, or only those `by` made, when given. With `undone`, the withdrawn
    corrections instead, oldest withdrawal first."""
    entries = _undone_entries(store) if undone else _current_entries(store)
    for part in batched(iter(entries), 500):
        found = {m.id: m for m in store.get(list(dict.fromkeys(i for i, _ in part)))}
        for mention_id, record in part:
            mention = found.get(mention_id)
            if mention is None or mention.sentiment is None:
                continue  # pruned since
            if not undone and not mention.sentiment.by_analyst:
                continue  # given back to the model by an undo that crashed before it moved the record
            if (brand is not None and brand not in mention.brands) or (by is not None and record.get("by") != by):
                continue
            model = record.get("model") if isinstance(record.get("model"), dict) else {}
            label = str(record.get("label", "")) if undone else mention.sentiment.label
            yield CorrectionRow(
                id=mention_id, label=label, model_label=model.get("label"), model=model.get("model"),
                by=str(record.get("by", "")), at=str(record.get("at", "")), lang=mention.lang,
                brands=list(mention.brands), created_at=as_utc(mention.created_at).isoformat(), text=mention.text,
                undone_by=str(record.get("undone_by", "")) if undone else None,
                undone_at=str(record.get("undone_at", "")) if undone else None,
            )


def _current_entries(store: Store) -> list[tuple[str, dict]]:
    records = corrections(store)
    return sorted(records.items(), key=lambda item: (str(item[1].get("at", "")), item[0]))


def _undone_entries(store: Store) -> list[tuple[str, dict]]:
    entries = [(i, entry) for i, history in undone_corrections(store).items() for entry in history]
    return sorted(entries, key=lambda item: (str(item[1].get("undone_at", "")), item[0]))


def write_rows(rows: Iterator[CorrectionRow], fmt: str, out: TextIO) -> int:
    """Write `rows` to `out` as `fmt` (one of FORMATS); return how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    writer = csv.writer(out) if fmt == "csv" else None
    fields = list(CorrectionRow.__dataclass_fields__)
    if writer:
        writer.writerow(fields)
    n = 0
    for row in rows:
        n += 1
        if fmt == "jsonl":
            out.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")
        elif writer:
            writer.writerow([csv_cell("|".join(v) if isinstance(v, list) else v) for v in asdict(row).values()])
        else:
            out.write(table_line(row) + "\n")
    return n


def table_line(row: CorrectionRow) -> str:
    """One correction for a terminal: when, who, model label -> person's label, the id and the start of the
    text; a withdrawn one starts with when and who withdrew it."""
    said = one_line(row.model_label) or "?"
    line = (f"{one_line(row.at)[:16]}  {one_line(row.by):<12}  {said:>8} -> {one_line(row.label):<8}  "
            f"{one_line(row.id)}  {clipped(row.text, TABLE_TEXT_CHARS)}")
    if row.undone_at is None:
        return line
    return f"{one_line(row.undone_at)[:16]}  {one_line(row.undone_by):<12}  undid  {line}"
