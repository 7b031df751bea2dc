"""How accurate is the sentiment on *your* mentions? `groundswell sentiment audit-sample`, then
`groundswell sentiment audit-score` (docs/sentiment-audit.md).

Published accuracy on benchmark sets says little about one brand's posts. An audit measures it on the
store itself: a random sample of the stored, counted, model-labelled mentions goes to a spreadsheet, a
person labels each row, and the answers give the model's accuracy there with a 95% interval
(`groundswell.audit_score`).

The sample (this module):
- Population: the enriched mentions of the window/brand/query that the counts include (no spam, no brand
  posts) and whose label a model gave (a person's label is no prediction to judge).
- Stratified by language, because one language's accuracy is what a team needs to trust its trend there:
  each gets at least `min_per_stratum` rows (all it has, when fewer), the rest is shared in proportion to
  size, and the estimate re-weights the strata to the population's sizes.
- Which rows: within a stratum, the smallest sha256(seed, id). The same seed draws the same sample from the
  same data on SQLite or Elasticsearch, whatever order the store returns the mentions in.
- Blind: the spreadsheet shows the post, never the model's label, so the person is not anchored to it.
  What the model said is in the key file beside it (`<name>.key.json`), which the scorer reads.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.batches import batched
from core.escaping import csv_cell, csv_value
from core.file_write import replacing, write_file
from core.mention import Mention
from core.time import as_utc, check_range
from indexing.base import Filters, Store

KEY_FORMAT = 1
CSV_COLUMNS = ["row", "id", "lang", "brands", "created_at", "source", "url", "text", "gold", "note"]
ANSWER_COLUMNS = ("id", "gold")  # what the scorer needs of the spreadsheet; the rest is for the person
MIN_PER_STRATUM = 30
MAX_SAMPLE = 20_000  # rows one person (or a team) can label; more is a mistake in the command
NO_LANGUAGE = "unknown"


@dataclass
class SampledRow:
    """One drawn mention as the key records it: what the model said when it was drawn."""

    row: int  # its row in the spreadsheet (1 = first)
    id: str
    stratum: str
    label: str
    probs: dict[str, float]
    uncertain: bool
    model: str


@dataclass
class Stratum:
    """One language of the population: how many mentions, and how the model labelled them all."""

    population: int = 0
    predicted: dict[str, int] = field(default_factory=dict)


@dataclass
class AuditKey:
    """Everything the scorer needs besides the person's answers; written beside the spreadsheet."""

    created_at: str
    store: str
    filters: dict[str, str | None]
    seed: int
    requested: int
    min_per_stratum: int
    strata: dict[str, Stratum]
    rows: list[SampledRow]
    format: int = KEY_FORMAT

    def sampled(self, stratum: str) -> int:
        return sum(1 for r in self.rows if r.stratum == stratum)


def allocate(sizes: dict[str, int], n: int, floor: int = MIN_PER_STRATUM) -> dict[str, int]:
    """Rows per stratum for a sample of `n`: each at least min(size, floor) (a share of n when the floors
    alone exceed n), the rest in proportion to size by largest remainder, never more than a stratum holds."""
    sizes = {name: size for name, size in sizes.items() if size > 0}
    n = min(n, sum(sizes.values()))
    if not sizes or n <= 0:
        return {}
    floor = min(floor, n // len(sizes))
    take = {name: min(size, floor) for name, size in sizes.items()}
    while (left := n - sum(take.values())) > 0:
        room = {name: sizes[name] - take[name] for name in sizes if sizes[name] > take[name]}
        weight = sum(sizes[name] for name in room)
        shares = {name: left * sizes[name] / weight for name in room}
        added = 0
        for name in room:
            extra = min(room[name], int(shares[name]))
            take[name] += extra
            added += extra
        if added == 0:  # what is left is smaller than every share: largest remainders first
            for name in sorted(room, key=lambda k: (-(shares[k] - int(shares[k])), k))[:left]:
                take[name] += 1
    return take


def draw_order(seed: int, mention_id: str) -> int:
    """A mention's place in the seed's random order: the same on every store, independent of what else is stored."""
    return int.from_bytes(hashlib.sha256(f"{seed}\0{mention_id}".encode()).digest()[:8], "big")


def in_population(mention: Mention) -> bool:
    """A model labelled it, no person and no sentiment rule (spam and brand posts are already out: the counts'
    filters)."""
    return mention.sentiment is not None and mention.sentiment.by_model


def draw_sample(
    store: Store,
    filters: Filters,
    n: int,
    *,
    seed: int = 0,
    min_per_stratum: int = MIN_PER_STRATUM,
    store_name: str = "",
    now: datetime,
    bar: Any = None,
) -> AuditKey:
    """Draw the audit sample of `n` rows from the counted, model-labelled mentions matching `filters`.

    One pass over the store; memory holds at most `n` candidates per language. Raises ValueError when
    n is outside 1..MAX_SAMPLE, the window is reversed or nothing matches."""
    if not 1 <= n <= MAX_SAMPLE:
        raise ValueError(f"the sample size must be between 1 and {MAX_SAMPLE:,} (got {n})")
    if filters.include_spam:
        raise ValueError("an audit judges what the counts include: spam stays out")
    check_range(filters.since, filters.until)  # a reversed window would read as "nothing matches"
    strata: dict[str, Stratum] = {}
    # per stratum, the n smallest draw orders seen so far (a max-heap by negated order)
    candidates: dict[str, list[tuple[int, str, SampledRow]]] = {}
    for mention in store.iter_mentions(filters):
        if bar is not None:
            bar.update()
        if not in_population(mention):
            continue
        sentiment = mention.sentiment
        assert sentiment is not None  # in_population
        name = mention.lang or NO_LANGUAGE
        stratum = strata.setdefault(name, Stratum())
        stratum.population += 1
        stratum.predicted[sentiment.label] = stratum.predicted.get(sentiment.label, 0) + 1
        row = SampledRow(0, mention.id, name, sentiment.label, dict(sentiment.probs), sentiment.uncertain,
                         sentiment.model)
        entry = (-draw_order(seed, mention.id), mention.id, row)
        heap = candidates.setdefault(name, [])
        if len(heap) < n:
            heapq.heappush(heap, entry)
        elif entry[0] > heap[0][0]:
            heapq.heapreplace(heap, entry)
    if not strata:
        raise ValueError("no counted, model-labelled mention matches these filters: nothing to audit")
    take = allocate({name: s.population for name, s in strata.items()}, n, min_per_stratum)
    chosen = [(-order, row) for name, heap in candidates.items() for order, _, row in heap]
    kept = []
    for name in strata:
        ranked = sorted((item for item in chosen if item[1].stratum == name), key=lambda item: item[0])
        kept.extend(ranked[: take.get(name, 0)])
    rows = [row for _, row in sorted(kept, key=lambda item: item[0])]  # spreadsheet order: random, languages mixed
    for number, row in enumerate(rows, 1):
        row.row = number
    described = {"brand": filters.brand, "query": filters.text,
                 "since": filters.since and as_utc(filters.since).isoformat(),
                 "until": filters.until and as_utc(filters.until).isoformat()}
    return AuditKey(created_at=as_utc(now).isoformat(), store=store_name, filters=described, seed=seed, requested=n,
                    min_per_stratum=min_per_stratum, strata=strata, rows=rows)


def key_path(csv_path: Path) -> Path:
    """Where the key of the spreadsheet `csv_path` lives: `audit.csv` -> `audit.key.json`."""
    return csv_path.with_name(csv_path.stem + ".key.json")


def write_audit(store: Store, key: AuditKey, csv_path: Path) -> Path:
    """Write the spreadsheet (UTF-8 with a byte-order mark, so spreadsheet programs read every script) and
    its key; return the key's path. The key is written last: a spreadsheet without a key is unfinished."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for mention, row in _mentions_in_order(store, key.rows):
            # The id holds the source's free-text name: neutralised like the text (`audit_id` reads it back).
            writer.writerow([row.row, *(csv_cell(v) for v in (
                row.id, mention.lang or "", "|".join(mention.brands), as_utc(mention.created_at).isoformat(),
                mention.source, mention.url or "", mention.text)), "", ""])
    path = key_path(csv_path)
    write_file(path, json.dumps(asdict(key), ensure_ascii=False, indent=1) + "\n")
    return path


def audit_id(cell: str, drawn: set[str]) -> str:
    """The mention id an audit spreadsheet's `id` cell stands for: the cell as it is, or, when that was drawn by
    no row, without the quote `core.escaping.csv_cell` put before a formula-like id (one starting with "="):
    `core.escaping.csv_value`, the one rule of which quote that is."""
    text = cell.strip()
    if text not in drawn and (plain := csv_value(text)) in drawn:
        return plain
    return text


def _mentions_in_order(store: Store, rows: list[SampledRow]) -> Iterator[tuple[Mention, SampledRow]]:
    for part in batched(iter(rows), 500):
        found = {m.id: m for m in store.get([r.id for r in part])}
        for row in part:
            if row.id in found:  # deleted since the pass (retention): the scorer counts it as unanswered
                yield found[row.id], row


def read_key(path: Path) -> AuditKey:
    """The key written by `write_audit`. Raises ValueError, naming the file, when it is missing or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no audit key here (audit-sample writes it beside the spreadsheet; "
                         "pass --key when it was moved)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable audit key ({exc})") from None
    try:
        if data.get("format") != KEY_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, this version reads {KEY_FORMAT}")
        strata = {name: Stratum(int(s["population"]), {k: int(v) for k, v in s["predicted"].items()})
                  for name, s in data["strata"].items()}
        rows = [SampledRow(int(r["row"]), str(r["id"]), str(r["stratum"]), str(r["label"]),
                           {k: float(v) for k, v in r["probs"].items()}, bool(r["uncertain"]), str(r["model"]))
                for r in data["rows"]]
        unknown = sorted({r.stratum for r in rows} - set(strata))
        if unknown:
            raise ValueError(f"rows of strata the key does not describe: {', '.join(unknown)}")
        return AuditKey(created_at=str(data["created_at"]), store=str(data["store"]), filters=dict(data["filters"]),
                        seed=int(data["seed"]), requested=int(data["requested"]),
                        min_per_stratum=int(data["min_per_stratum"]), strata=strata, rows=rows)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(f"{path}: not a valid audit key ({detail})") from None
