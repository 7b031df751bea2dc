"""CSV / JSONL export of a search result, streamed so large results never sit in memory.

JSONL is Groundswell's mention format (`core.mention.dump_mention`): the file feeds
`alerts backtest` and the import source as it is. CSV is the flat analyst view.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from core.escaping import csv_cell
from core.mention import dump_mention
from dashboards.web.serialize import mention_json
from indexing.base import Filters, Store

CSV_COLUMNS = [
    "id", "source", "url", "created_at", "brands", "lang", "sentiment", "sentiment_by",
    "author_handle", "author_followers", "engagement", "reach", "themes", "text",
]  # fmt: skip


def sentiment_by(row: dict) -> str:
    """Who gave a serialized mention's label: "person" (a correction), "rule:<name>" (a sentiment rule),
    "model", or "" (not tagged yet)."""
    if row["sentiment"] is None:
        return ""
    return "person" if row["corrected"] else f"rule:{row['rule']}" if row["rule"] else "model"
_cell = csv_cell  # one formula-injection rule for every CSV Groundswell writes (core/escaping.py)


def csv_rows(store: Store, filters: Filters, limit: int) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for n, mention in enumerate(store.iter_mentions(filters)):
        if n >= limit:
            break
        row = mention_json(mention)
        writer.writerow(
            _cell(v)
            for v in (
                row["id"], row["source"], row["url"], row["created_at"], "|".join(row["brands"]), row["lang"],
                row["sentiment"], sentiment_by(row), row["author"]["handle"], row["author"]["followers"],
                row["engagement"], row["reach"], "|".join(row["themes"]), row["text"],
            )
        )  # fmt: skip
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def jsonl_rows(store: Store, filters: Filters, limit: int) -> Iterator[str]:
    """One mention per line, in the format import and backtest read."""
    lines: list[str] = []
    for n, mention in enumerate(store.iter_mentions(filters)):
        if n >= limit:
            break
        lines.append(dump_mention(mention) + "\n")
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    yield "".join(lines)
