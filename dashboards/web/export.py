"""CSV / JSONL export of a search result, streamed so large results never sit in memory; and the Themes page's
themes as CSV (`themes_csv`).

JSONL is Groundswell's mention format (`core.mention.dump_mention`): the file feeds
`alerts backtest` and the import source as it is. CSV is the flat analyst view.

Without a sort, rows come oldest first (`Store.iter_mentions`, the order a backtest replays). With
one, they come in the order Explore lists them for that sort: the page's "top by engagement" exported
is the same list, read through the store's own keyset pages.

Every CSV download takes `bom=1` (`dashboards.web.params.parse_bom`): the file then starts with the UTF-8
byte-order mark (`with_bom`, the CLI's rule too: `groundswell/csv_file.py`), once, so Excel reads Korean, Chinese or
Russian text as UTF-8. The pages' ⬇ CSV links send it, as the CLI's `--csv` files have it; the API's default has none,
as scripts expect.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any

from fastapi.responses import Response

from core.escaping import csv_cell
from core.mention import Mention, dump_mention
from dashboards.web.serialize import mention_json
from groundswell.alert_export import csv_text
from groundswell.csv_file import with_bom
from groundswell.spam import OWN_POST
from indexing.base import MAX_PAGE_SIZE, Filters, Store

log = logging.getLogger(__name__)

# How long a sorted export's point in time (Elasticsearch) waits for its next page: the stream pauses while a slow
# client reads the last 1,000 rows, longer than a search's 2 minutes (`SEARCH_KEEP_ALIVE`); expired, the export goes
# on reading the live alias, where a post whose engagement moved across a page boundary is listed twice or never.
EXPORT_KEEP_ALIVE = "10m"
# How long an SQLite export's stream may stay blocked on its client: past it (a stalled BI tool, a laptop gone to
# sleep) its snapshot is closed, so the store's WAL can be checkpointed again (a held snapshot keeps it growing: 52 MB
# with 5 stalled exports, the review's export_leak.py); when the client reads again, its stream ends with the EXPORT
# INCOMPLETE line (`incomplete_line`). The stream is blocked while the socket and server buffers (about 2.5 MB) are
# full, not only while the client reads nothing: at 60 s, a client reading 64 KB every 5 s (12 KB/s) was cut
# (a diff review's slow_reader.py). Ten minutes cuts only a client slower than about 4 KB/s, or one that stopped.
EXPORT_STALL_S = 600.0

# New columns go at the end: people's spreadsheets read the older ones by position.
CSV_COLUMNS = [
    "id", "source", "url", "created_at", "brands", "lang", "sentiment", "sentiment_by",
    "author_handle", "author_followers", "engagement", "reach", "themes", "text",
    "spam", "own", "collected_at",
]  # fmt: skip


def spam_cells(spam: str | None) -> tuple[str, str]:
    """The `spam` and `own` cells of a mention's spam field: the spam rule's reason (empty when not spam), and
    "true" for a brand's own post (set aside the same way, groundswell.spam.OWN_POST, but not spam)."""
    own = spam == OWN_POST
    return ("" if own or spam is None else spam), ("true" if own else "false")


def sentiment_by(row: dict) -> str:
    """Who gave a serialized mention's label: "person" (a correction), "rule:<name>" (a sentiment rule),
    "model", or "" (not tagged yet)."""
    if row["sentiment"] is None:
        return ""
    return "person" if row["corrected"] else f"rule:{row['rule']}" if row["rule"] else "model"
_cell = csv_cell  # one formula-injection rule for every CSV Groundswell writes (core/escaping.py)


def primed(chunks: Iterable[str]) -> Iterator[str]:
    """`chunks` with its first chunk read now: call it before the response starts, so that a store that cannot be
    read answers 500 with its error instead of 200 with an empty file (a streamed answer's status is sent before
    its first byte). An error later in the stream still cuts the download short, never a whole-looking file."""
    iterator = iter(chunks)
    first = next(iterator, None)
    return iterator if first is None else chain([first], iterator)


def cut_short(chunks: Iterable[str], fmt: str) -> Iterator[str]:
    """`chunks`, and if reading the store fails once the download has started (its 200 sent), one last line that
    says the file is incomplete, then the error again: the server then aborts the chunked answer (no final empty
    chunk), so a browser or `curl` reports a failed download, and a file kept anyway ends on that line, never on a
    whole-looking last row. A failure before the first chunk is left to `primed` (a 500 with its error)."""
    started = False
    try:
        for chunk in chunks:
            started = True
            yield chunk
    except Exception as exc:
        if not started:
            raise
        log.exception("export cut short: reading the store failed mid-stream")
        yield incomplete_line(fmt, f"{type(exc).__name__}: {exc}")
        raise


def incomplete_line(fmt: str, error: str) -> str:
    """The last line of an export cut short: a one-cell CSV row, or a JSONL object no importer reads as a post (it
    has no `text`: `import` skips it with its line number)."""
    error = " ".join(error.split())[:300]
    message = f"EXPORT INCOMPLETE: reading the store failed ({error}); rows after this are missing"
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerow([_cell(message)])
        return buf.getvalue()
    return json.dumps({"error": message}, ensure_ascii=False) + "\n"


def export_mentions(store: Store, filters: Filters, sort: str | None = None) -> Iterator[Mention]:
    """The mentions an export holds, every one (no cap): oldest first without `sort`, else in `Store.search`'s
    order for it. The whole export reads one snapshot of the store: on SQLite one read transaction held on a
    connection of its own for the whole stream (`SqliteStore.snapshot`), on Elasticsearch the point in time its
    pages read (`EXPORT_KEEP_ALIVE`), so a re-collect writing meanwhile neither repeats nor drops a row. On SQLite
    the snapshot is closed when the stream stays blocked on its client for `EXPORT_STALL_S` (the next read then raises
    `SnapshotStalled`, which `cut_short` writes as the EXPORT INCOMPLETE line), and at most `MAX_EXPORTS` are open
    at once (one more: `ExportsBusy`, a 503 with Retry-After)."""
    snapshot = getattr(store, "snapshot", None)  # SQLite's; Elasticsearch's pages hold a point in time instead
    if snapshot is None:
        yield from _read_mentions(store, filters, sort)
        return
    with snapshot(idle_s=EXPORT_STALL_S) as view:
        for mention in _read_mentions(view, filters, sort):
            view.reader_waits()  # suspended at the yield until the client takes more: the stall clock runs
            yield mention
            view.reader_reads()


def _read_mentions(store: Store, filters: Filters, sort: str | None) -> Iterator[Mention]:
    if sort is None:
        yield from store.iter_mentions(filters)
        return
    # The largest page a store serves: a 100,000-row export is 100 keyset queries, not 5,000.
    cursor: str | None = None
    while True:
        page = store.search(
            filters, size=MAX_PAGE_SIZE, cursor=cursor, sort=sort, keep_alive=EXPORT_KEEP_ALIVE  # type: ignore[arg-type]
        )
        for hit in page.hits:
            yield hit.mention
        cursor = page.next_cursor
        if not cursor:
            return


def _first(mentions: Iterator[Mention], limit: int | None) -> Iterator[Mention]:
    """`mentions`, only the first `limit` when the caller asked for that many (None: all of them)."""
    return mentions if limit is None else islice(mentions, limit)


def csv_rows(store: Store, filters: Filters, limit: int | None = None, sort: str | None = None) -> Iterator[str]:
    """The CSV export, every matching mention (the first `limit` when given), in chunks of about 64 KB."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for mention in _first(export_mentions(store, filters, sort), limit):
        row = mention_json(mention)
        writer.writerow(
            _cell(v)
            for v in (
                row["id"], row["source"], row["url"], row["created_at"], "|".join(row["brands"]), row["lang"],
                row["sentiment"], sentiment_by(row), row["author"]["handle"], row["author"]["followers"],
                row["engagement"], row["reach"], "|".join(row["themes"]), row["text"], *spam_cells(row["spam"]),
                "" if mention.collected_at is None else mention.collected_at.isoformat(),  # as created_at
            )
        )  # fmt: skip
        if buf.tell() > 64_000:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def jsonl_rows(store: Store, filters: Filters, limit: int | None = None, sort: str | None = None) -> Iterator[str]:
    """One mention per line, in the format import and backtest read: every matching mention (the first `limit`
    when given)."""
    lines: list[str] = []
    for mention in _first(export_mentions(store, filters, sort), limit):
        lines.append(dump_mention(mention) + "\n")
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


# `label`, last (spreadsheets read the older columns by position): the name the page shows in the view's language.
THEME_CSV_COLUMNS = [
    "brand", "since", "until", "theme", "count", "share", "negative", "neutral", "positive", "unknown", "previous",
    "change", "recurring", "rising", "new", "rise_score", "aspects", "sample_ids", "label",
]  # fmt: skip


def theme_rows(data: Mapping[str, Any], mentions: int) -> list[dict[str, Any]]:
    """One row per theme of a `views.themes` answer: the recurring ones (most mentioned first), then the rising
    ones not among them. `share`: the theme's count over `mentions`, every mention of the view (brand, period,
    facets, spam rule); a post may hold several themes, so shares add up past 1. `theme` is the main label (what
    `theme=` matches); `label` and the aspects are named as the page names them (`label`: the view's language,
    `dashboards/web/theme_names.shown_label`)."""
    rising = {r["theme"] for r in data["rising"]}
    recurring = {r["theme"] for r in data["recurring"]}
    shown = list({r["theme"]: r for r in [*data["recurring"], *data["rising"]]}.values())
    return [
        {
            "brand": data["brand"],
            "since": data["period"]["since"],
            "until": data["period"]["until"],
            "theme": r["theme"],
            "count": r["count"],
            "share": round(r["count"] / mentions, 4) if mentions else None,
            **{k: r["sentiment"].get(k, 0) for k in ("negative", "neutral", "positive", "unknown")},
            "previous": r["previous"],  # the baseline's count scaled to the period (nlp/trends.py's expected)
            "change": r["change"],
            "recurring": r["theme"] in recurring,
            "rising": r["theme"] in rising,
            "new": r["new"],
            "rise_score": r["rise_score"],
            "aspects": "|".join(f"{a['label']}:{a['count']}" for a in r.get("aspects") or []),
            "sample_ids": "|".join(s["id"] for s in r.get("samples") or []),
            "label": r["label"],
        }
        for r in shown
    ]


def themes_csv(data: Mapping[str, Any], mentions: int) -> str:
    """The themes of a `views.themes` answer as CSV text (`theme_rows`), every cell through the one rule
    (`groundswell.alert_export.csv_value`: `core.escaping.csv_cell` for text)."""
    return csv_text(THEME_CSV_COLUMNS, theme_rows(data, mentions))


def csv_attachment(text: str, filename: str, bom: bool = False) -> Response:
    """A CSV export (themes, alerts) as a download named `filename`, as /api/export and /api/advocates send theirs;
    `bom`: led by the byte-order mark (`with_bom`)."""
    disposition = f'attachment; filename="{filename}"'
    body = "".join(with_bom([text], bom))
    return Response(body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})
