"""A CSV export of the dashboard (dashboards/web/export.py) imports back as the mentions it was made of: ids, texts
(quotes and line breaks in them), times, authors, URLs, brands, and the engagement total the file holds
(`extra.exported_engagement`: which counts made it is not in the file). Real SQLite store, the real exporter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Author, Engagement, Mention, Sentiment
from dashboards.web.export import csv_rows
from extractors.base import Window
from extractors.import_file import EXPORTED_ENGAGEMENT, ImportExtractor
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _mentions() -> list[Mention]:
    return [Mention(source="x", native_id=str(i), text=f'post {i} about "Lumora",\nsecond line', url=f"https://x.com/u/{i}",
                    created_at=T0 + timedelta(minutes=i), author=Author(handle=f"u{i}", followers=10 + i),
                    brands=["Lumora"], engagement=Engagement(likes=i, reposts=2),
                    sentiment=Sentiment(label="negative", probs={"negative": 1.0}, model="m"), spam="campaign" if i == 1
                    else None) for i in range(4)]


def test_a_csv_export_imports_back_as_the_mentions_it_holds(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert(_mentions()))
        path = tmp_path / "export.csv"
        path.write_text("".join(csv_rows(store, Filters(include_spam=True), 100)), encoding="utf-8")
        exported = {m.id: m for m in store.iter_mentions(Filters(include_spam=True))}
    finally:
        store.close()
    batches = list(ImportExtractor({"path": str(path)}).extract("Lumora", "Lumora", None, Window()))
    assert [s for b in batches for s in b.skipped] == []
    read = {m.id: m for b in batches for m in b.mentions}
    assert read.keys() == exported.keys()
    for mention_id, m in read.items():
        was = exported[mention_id]
        assert (m.text, m.created_at, m.url, m.brands) == (was.text, was.created_at, was.url, was.brands)
        assert (m.author.handle, m.author.followers) == (was.author.handle, was.author.followers)
        assert m.extra[EXPORTED_ENGAGEMENT] == was.engagement.total
