"""The analysts' corrections as rows: `groundswell sentiment corrections`.

Who changed which label, when, and what the model had said, with the post: for reviewing a team's
corrections, and as labelled rows in the shape of the training splits (`text`, `label`, `lang`), so the
posts people corrected can be added to a training run (docs/sentiment-audit.md says how).
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
from groundswell.sentiment_corrections import corrections
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


def correction_rows(store: Store, brand: str | None = None, by: str | None = None) -> Iterator[CorrectionRow]:
    """The corrections of still-stored mentions that still carry the person's label, oldest correction
    first; only `brand`'s mentions, or only those `by` made, when given."""
    records = corrections(store)
    ordered = sorted(records, key=lambda i: (str(records[i].get("at", "")), i))
    for part in batched(iter(ordered), 500):
        found = {m.id: m for m in store.get(list(part))}
        for mention_id in part:
            mention, record = found.get(mention_id), records[mention_id]
            if mention is None or mention.sentiment is None or not mention.sentiment.by_analyst:
                continue  # pruned since, or given back to the model by an undo that crashed before its cleanup
            if (brand is not None and brand not in mention.brands) or (by is not None and record.get("by") != by):
                continue
            model = record.get("model") if isinstance(record.get("model"), dict) else {}
            yield CorrectionRow(
                id=mention_id, label=mention.sentiment.label, model_label=model.get("label"), model=model.get("model"),
                by=str(record.get("by", "")), at=str(record.get("at", "")), lang=mention.lang,
                brands=list(mention.brands), created_at=as_utc(mention.created_at).isoformat(), text=mention.text,
            )


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
    """One correction for a terminal: when, who, model label -> person's label, the id and the start of the text."""
    said = one_line(row.model_label) or "?"
    return (f"{one_line(row.at)[:16]}  {one_line(row.by):<12}  {said:>8} -> {row.label:<8}  {one_line(row.id)}  "
            f"{clipped(row.text, TABLE_TEXT_CHARS)}")
