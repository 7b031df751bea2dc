"""The dashboard's CSV export imported back into its store changes nothing: the `'` the formula guard
(`core.escaping.csv_cell`) put before a text starting with `@ - + =` is taken off again (`csv_value`), so the post
reads as the same text and keeps its labels, people's corrections included (the text review's finding 3: replies
starting with `@handle` came back as `'@handle …`, read as edited posts, and lost them).

Real SQLite store, the real dashboard (`create_app` under TestClient) for the export, the real CLI for the
corrections and the import."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from core.escaping import csv_cell, csv_value
from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.sentiment_corrections import corrections
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
TEXTS = {
    "r0": "@lumora your Pulse died again after the update, terrible",  # a reply: the common case
    "r1": "-1 star for Lumora, the battery is awful",
    "r2": "+1 for Lumora, support fixed it fast",
    "r3": "=) Lumora Pulse is lovely",
    "r4": "Lumora Pulse is ok",
    "r5": "'=) the quote is the post's own: Lumora",  # guarded too, so it reads back with its quote
    "r6": "'Lumora' is what I call my cat",  # a quote the guard did not add: kept
    "r7": "＠lumora 배터리가 또 과열됐어요",  # a full-width formula character
    "r8": "  -- Lumora fan since day one",  # behind spaces an importer trims
}
MODEL = {"r0": "negative", "r1": "negative", "r2": "negative", "r3": "positive", "r4": "positive", "r5": "neutral",
         "r6": "neutral", "r7": "negative", "r8": "positive"}
PEOPLE = {"x:r0": "neutral", "x:r2": "positive"}


def _write_config(folder: Path, csv_path: Path, db: Path) -> Path:
    config = {
        "brands": [{"name": "Lumora", "query": "Lumora OR @lumora"}],
        "sources": [{"type": "import", "options": {"path": str(csv_path)}}],
        "store": {"path": str(db)},
        "report": {"path": str(folder / "report.html")},
    }
    path = folder / "g.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _posts() -> list[Mention]:
    return [
        Mention(source="x", native_id=n, text=text, created_at=T0 + timedelta(minutes=i), brands=["Lumora"],
                lang="ko" if n == "r7" else "en", author={"handle": f"fan{i}", "followers": 10 * i},
                url=f"https://x.com/fan{i}/status/{i}", themes=["battery"],
                sentiment=Sentiment(label=MODEL[n], probs={MODEL[n]: 0.9}, model="m@1"))
        for i, (n, text) in enumerate(TEXTS.items())
    ]


def _export(store: SqliteStore, config: Path) -> str:
    app = create_app(store, load_config(config))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        # As the Explore page's ⬇ CSV link asks for it (bom=1: Excel reads every script).
        got = client.get("/api/export", params={"brand": "Lumora", "format": "csv", "bom": "1",
                                                "since": "2026-11-01", "until": "2026-11-03"})
    assert got.status_code == 200, got.text
    return got.content.decode("utf-8-sig")


def _ingest(config: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "-c", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output


def _stored(db: Path) -> dict[str, Mention]:
    store = SqliteStore(db)
    try:
        return {m.id: m for m in store.iter_mentions(Filters(include_spam=True))}
    finally:
        store.close()


@pytest.fixture
def exported(tmp_path):
    """A store of labelled posts, two of them corrected by a person, and the dashboard's CSV export of it."""
    db, csv_path = tmp_path / "g.db", tmp_path / "export.csv"
    config = _write_config(tmp_path, csv_path, db)
    store = SqliteStore(db)
    try:
        assert all(r.ok for r in store.upsert(_posts()))
    finally:
        store.close()
    for mention_id, label in PEOPLE.items():
        result = CliRunner().invoke(cli, ["sentiment", "correct", "-c", str(config), "--label", label, mention_id,
                                          "--by", "analyst1"])
        assert result.exit_code == 0, result.output
    store = SqliteStore(db)
    try:
        before = {m.id: m for m in store.iter_mentions(Filters(include_spam=True))}
        before_corrections = corrections(store)
        body = _export(store, config)
    finally:
        store.close()
    csv_path.write_text(body, encoding="utf-8-sig")
    assert "'@lumora your Pulse" in body and "'-1 star" in body and "'=) Lumora" in body  # the guard is there
    return config, db, before, before_corrections


def test_the_export_imported_into_its_own_store_keeps_texts_labels_and_corrections(exported):
    config, db, before, before_corrections = exported
    assert {m.id: m.sentiment.label for m in before.values()} == {**{f"x:{n}": label for n, label in MODEL.items()},
                                                                   **PEOPLE}
    _ingest(config)
    after = _stored(db)
    assert {i: m.text for i, m in after.items()} == {i: m.text for i, m in before.items()}
    assert {i: m.sentiment for i, m in after.items()} == {i: m.sentiment for i, m in before.items()}
    assert {i for i, m in after.items() if m.sentiment.by_analyst} == set(PEOPLE)
    assert {i: m.themes for i, m in after.items()} == {i: m.themes for i, m in before.items()}
    store = SqliteStore(db)
    try:
        assert corrections(store) == before_corrections
    finally:
        store.close()


def test_the_export_imported_into_a_fresh_store_gives_the_texts_as_posted(exported, tmp_path):
    config, _, before, _ = exported
    fresh = tmp_path / "fresh.db"
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings["store"]["path"] = str(fresh)
    config.write_text(json.dumps(settings), encoding="utf-8")
    _ingest(config)
    after = _stored(fresh)
    assert set(after) == set(before)
    assert {i: m.text for i, m in after.items()} == {i: m.text for i, m in before.items()}  # r8's spaces too
    assert {i: (m.author.handle, m.url, m.created_at) for i, m in after.items()} == {
        i: (m.author.handle, m.url, m.created_at) for i, m in before.items()}


def test_another_tools_csv_keeps_a_leading_quote_as_written(tmp_path):
    # Only Groundswell's own export had the guard put on: a flat CSV's cells are the texts their writer meant.
    csv_path, db = tmp_path / "flat.csv", tmp_path / "g.db"
    csv_path.write_text("source,native_id,text,created_at\n"
                        "x,1,'@lumora quoted by its writer,2026-11-02T09:00:00Z\n", encoding="utf-8")
    _ingest(_write_config(tmp_path, csv_path, db))
    assert [m.text for m in _stored(db).values()] == ["'@lumora quoted by its writer"]


@pytest.mark.parametrize("value", [*TEXTS.values(), "'", "''", "'@", "''=x", "' \u3000=x", "=1+1", "\t=x", "", None, 7])
def test_csv_value_reads_back_exactly_what_csv_cell_wrote(value):
    assert csv_value(csv_cell(value)) == ("" if value is None else str(value))


def test_csv_cell_still_guards_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "＝1", "＋1", "－1", "＠x", "  =x", "\u3000@x"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("'=x") == "''=x"  # so that `csv_value` tells it from a guarded "=x"
    assert csv_cell("'hello") == "'hello" and csv_value("'hello") == "'hello"
