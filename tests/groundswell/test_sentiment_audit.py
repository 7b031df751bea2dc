"""Drawing an audit sample from a real SQLite store: who is in the population, how rows are shared among
languages, that the same seed draws the same rows on any store, and the blind spreadsheet and its key."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention, Sentiment, analyst_label
from groundswell.audit_score import read_answers
from groundswell.sentiment_audit import (
    CSV_COLUMNS,
    allocate,
    draw_sample,
    key_path,
    read_key,
    write_audit,
)
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
LABELS = ("negative", "neutral", "positive")


def labelled(i: int, lang: str | None, label: str = "negative", **kw) -> Mention:
    probs = dict.fromkeys(LABELS, 0.1) | {label: 0.8}
    fields = {"text": f"post {i} about Acme", "sentiment": Sentiment(label=label, probs=probs, model="m@1")} | kw
    return Mention(source="x", native_id=f"{lang}-{i}", lang=lang, brand="Acme", created_at=T0 + timedelta(minutes=i),
                   **fields)


def corpus() -> list[Mention]:
    posts = [labelled(i, "en", LABELS[i % 3]) for i in range(500)]
    posts += [labelled(i, "ko", LABELS[i % 2]) for i in range(60)]
    posts += [labelled(i, "zh") for i in range(10)]  # fewer than the floor: all of them
    posts += [labelled(i, None) for i in range(5)]  # no language: its own stratum
    posts += [labelled(i, "ru", spam="duplicate_text") for i in range(20)]  # spam: not counted, not audited
    posts += [labelled(i, "it", sentiment=analyst_label("positive")) for i in range(20)]  # a person's label
    posts.append(Mention(source="x", native_id="raw", text="not enriched", created_at=T0, brand="Acme"))
    return posts


@pytest.fixture
def store(tmp_path):
    opened = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in opened.upsert(corpus()))
    yield opened
    opened.close()


def test_allocation_gives_every_language_its_floor_and_shares_the_rest_by_size():
    assert allocate({"en": 500, "ko": 60, "zh": 10, "unknown": 5}, 120, 20) == {"en": 79, "ko": 26, "zh": 10,
                                                                                  "unknown": 5}
    assert sum(allocate({"a": 1000, "b": 999, "c": 1}, 301, 30).values()) == 301
    assert allocate({"a": 10, "b": 5}, 100, 30) == {"a": 10, "b": 5}  # more asked than there is: everything
    assert allocate({"a": 100, "b": 100, "c": 100}, 10, 30) == {"a": 4, "b": 3, "c": 3}  # floors shrink to fit
    assert allocate({}, 10) == {} and allocate({"a": 0}, 10) == {}


def test_the_population_is_what_the_counts_include_and_a_model_labelled(store):
    key = draw_sample(store, Filters(), 120, min_per_stratum=20, now=NOW)
    assert {name: s.population for name, s in key.strata.items()} == {"en": 500, "ko": 60, "zh": 10, "unknown": 5}
    assert key.strata["ko"].predicted == {"negative": 30, "neutral": 30}
    assert {name: key.sampled(name) for name in key.strata} == {"en": 79, "ko": 26, "zh": 10, "unknown": 5}
    ids = [row.id for row in key.rows]
    assert len(set(ids)) == 120 and [row.row for row in key.rows] == list(range(1, 121))
    assert not any(i.startswith(("x:ru-", "x:it-")) or i == "x:raw" for i in ids)
    # languages are mixed through the spreadsheet, not in blocks
    assert {row.stratum for row in key.rows[:20]} != {"en"}
    with pytest.raises(ValueError, match="spam stays out"):
        draw_sample(store, Filters(include_spam=True), 10, now=NOW)
    with pytest.raises(ValueError, match="between 1 and"):
        draw_sample(store, Filters(), 0, now=NOW)
    with pytest.raises(ValueError, match="nothing to audit"):
        draw_sample(store, Filters(brand="Globex"), 10, now=NOW)


def test_the_same_seed_draws_the_same_rows_whatever_the_store_order(store, tmp_path):
    backwards = SqliteStore(tmp_path / "other.db")
    try:
        for mention in reversed(corpus()):  # another insertion order, one write each
            assert all(r.ok for r in backwards.upsert([mention]))
        a = draw_sample(store, Filters(), 50, seed=4, now=NOW)
        b = draw_sample(backwards, Filters(), 50, seed=4, now=NOW)
    finally:
        backwards.close()
    assert [r.id for r in a.rows] == [r.id for r in b.rows]
    other = draw_sample(store, Filters(), 50, seed=5, now=NOW)
    assert {r.id for r in other.rows} != {r.id for r in a.rows}


def test_filters_narrow_the_population(store):
    key = draw_sample(store, Filters(lang="ko", since=T0 + timedelta(minutes=30)), 10, now=NOW)
    assert {name: s.population for name, s in key.strata.items()} == {"ko": 30}
    assert key.filters["since"] == "2026-11-01T00:30:00+00:00"
    key = draw_sample(store, Filters(text="post AND 7"), 10, now=NOW)  # the query language
    assert sum(s.population for s in key.strata.values()) == 3  # post 7 in en, ko and zh (unknown has 0-4)


def test_the_spreadsheet_is_blind_and_the_key_beside_it_says_what_the_model_said(store, tmp_path):
    hostile = labelled(999, "en", text="=HYPERLINK(\"http://evil\")")
    assert all(r.ok for r in store.upsert([hostile]))
    key = draw_sample(store, Filters(text="HYPERLINK OR 1"), 30, now=NOW)
    out = tmp_path / "audits" / "acme.csv"
    written = write_audit(store, key, out)
    assert written == key_path(out) == tmp_path / "audits" / "acme.key.json"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheet programs read it as UTF-8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == len(key.rows)
    assert all(row["gold"] == "" for row in rows)
    assert not any(label in row["text"] or label in row.values() for row in rows for label in ("m@1",))
    assert "negative" not in raw.decode("utf-8-sig").split("\n", 1)[0]  # no label column either
    formula = next(row for row in rows if "HYPERLINK" in row["text"])
    assert formula["text"].startswith("'=")  # no formula runs in the analyst's spreadsheet
    again = read_key(written)
    assert again == key
    assert json.loads(written.read_text(encoding="utf-8"))["rows"][0]["label"] in LABELS


@pytest.mark.parametrize(("content", "message"), [
    (None, "no audit key here"),
    ("{not json", "not a readable audit key"),
    ('{"format": 9}', "format 9"),
    ('{"format": 1, "strata": {}}', "missing 'rows'"),
    ('[1, 2]', "not a valid audit key"),
])
def test_a_bad_key_is_named(tmp_path, content, message):
    path = tmp_path / "a.key.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_key(path)


def test_a_formula_in_the_id_column_is_neutralised_and_still_scored(store, tmp_path):
    """Ids hold the source's free-text name (an import's `source`): the id cell gets csv_cell's quote like the
    text, and the scorer reads the quoted cell back as the drawn id, so the person's answer still counts."""
    post = labelled(998, "en", text="formula source")
    hostile = Mention.model_validate(post.model_dump() | {"id": "", "source": '=HYPERLINK("http://evil")'})
    assert all(r.ok for r in store.upsert([hostile]))
    key = draw_sample(store, Filters(text="formula"), 5, now=NOW)
    assert [r.id for r in key.rows] == [hostile.id]
    out = tmp_path / "audit.csv"
    write_audit(store, key, out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["id"] for row in rows] == ["'" + hostile.id]  # no formula runs in the analyst's spreadsheet
    assert rows[0]["source"] == "'" + hostile.source
    rows[0]["gold"] = "negative"  # the person answers and saves the sheet as it is
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert read_answers(out, key).labels == {hostile.id: "negative"}


def test_the_audit_files_replace_a_planted_symlink_and_leave_its_target(store, tmp_path):
    # core/file_write.py: the audit spreadsheet and its key are written whole, never through a link at their names.
    key = draw_sample(store, Filters(), 30, seed=3, now=NOW)
    sheet = tmp_path / "audit.csv"
    victims = [tmp_path / "victim-sheet.txt", tmp_path / "victim-key.txt"]
    for link, victim in zip((sheet, key_path(sheet)), victims, strict=True):
        victim.write_text("someone else's file\n", encoding="utf-8")
        link.symlink_to(victim)
    write_audit(store, key, sheet)
    assert [v.read_text(encoding="utf-8") for v in victims] == ["someone else's file\n"] * 2
    assert not sheet.is_symlink() and not key_path(sheet).is_symlink()
    assert read_key(key_path(sheet)).rows == key.rows
