"""CSV / JSON export of a search result, streamed so large results never sit in memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from dashboards.web.serialize import mention_json
from indexing.base import Filters, Store

CSV_COLUMNS = [
    "id", "source", "url", "created_at", "brand", "lang", "sentiment",
    "author_handle", "author_followers", "engagement", "reach", "themes", "text",
]  # fmt: skip
# Spreadsheets run cells starting with these as formulas; prefix them so a post can't run one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


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
                row["id"], row["source"], row["url"], row["created_at"], row["brand"], row["lang"],
                row["sentiment"], row["author"]["handle"], row["author"]["followers"], row["engagement"],
                row["reach"], "|".join(row["themes"]), row["text"],
            )
        )  # fmt: skip
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def json_rows(store: Store, filters: Filters, limit: int) -> Iterator[str]:
    yield "["
    for n, mention in enumerate(store.iter_mentions(filters)):
        if n >= limit:
            break
        yield ("," if n else "") + "\n" + json.dumps(mention_json(mention), ensure_ascii=False)
    yield "\n]\n"
