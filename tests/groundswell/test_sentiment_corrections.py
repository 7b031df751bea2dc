"""Corrections made, undone and listed: `correct_sentiment`, `undo_corrections`, `correction_rows` and their
command lines, on a real SQLite store (the store rule under them is in tests/indexing/test_store_contract.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from cli_config import TWO_BRANDS_SQLITE
from click.testing import CliRunner
from store_faults import FailingStateDeletes

from core.mention import Mention, Sentiment
from groundswell.cli import cli
from groundswell.corrections_export import correction_rows, write_rows
from groundswell.sentiment_corrections import (
    CORRECTION_PREFIX,
    correct_sentiment,
    corrections,
    undo_corrections,
    undone_corrections,
)
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
T1 = T0 + timedelta(days=1)  # when undos are made
SAID = {  # what the model said of each post
    "x:1": Sentiment(label="positive", probs={"negative": 0.3, "neutral": 0.2, "positive": 0.5}, model="e5@3",
                     uncertain=True),
    "x:2": Sentiment(label="neutral", probs={"negative": 0.1, "neutral": 0.8, "positive": 0.1}, model="e5@3"),
    "x:3": Sentiment(label="negative", probs={"negative": 0.9, "neutral": 0.05, "positive": 0.05}, model="e5@3"),
}
TEXTS = {"x:1": "Acme's charger melted. Great, just great.", "x:2": "=HYPERLINK(\"http://evil\") Acme ok",
         "x:3": "Globex 배송이 너무 늦어요"}
CONFIG = TWO_BRANDS_SQLITE


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    posts = [Mention(source="x", native_id=i[2:], text=TEXTS[i], created_at=T0, sentiment=s,
                     brand="Globex" if i == "x:3" else "Acme", lang="ko" if i == "x:3" else "en", themes=["charger"])
             for i, s in SAID.items()]
    assert all(r.ok for r in store.upsert(posts))
    yield store
    store.close()


def test_an_undo_gives_back_exactly_what_the_model_said_and_later_runs_may_change_it(store):
    correct_sentiment(store, {"x:1": "negative", "x:2": "negative"}, by="sam", now=T0)
    correct_sentiment(store, {"x:1": "neutral"}, by="kim", now=T0 + timedelta(hours=1))  # corrected twice
    report = undo_corrections(store, ["x:1", "x:1", "x:3", "x:nope"], by="lee", now=T1)
    assert report.restored == {"x:1": "positive"} and report.not_corrected == ["x:3"] and report.unknown == ["x:nope"]
    assert report.changes == {"neutral -> positive": 1}
    (got,) = store.get(["x:1"])
    assert got.sentiment == SAID["x:1"] and got.themes == ["charger"]  # probabilities and the uncertain flag too
    assert set(corrections(store)) == {"x:2"}  # x:2 stays corrected
    assert store.get(["x:2"])[0].sentiment.by_analyst
    newer = SAID["x:1"].model_copy(update={"label": "negative", "model": "e5@4"})
    assert all(r.ok for r in store.upsert([got.model_copy(update={"sentiment": newer})]))  # re-enrich, later
    assert store.get(["x:1"])[0].sentiment == newer
    again = undo_corrections(store, ["x:1"], by="lee", now=T1)
    assert again.restored == {} and again.not_corrected == ["x:1"]
    (withdrawn,) = undone_corrections(store)["x:1"]  # who undid which correction stays in the store
    assert (withdrawn["label"], withdrawn["by"], withdrawn["undone_by"]) == ("neutral", "kim", "lee")
    assert withdrawn["model"]["label"] == "positive" and withdrawn["undone_at"] == T1.isoformat()
    correct_sentiment(store, {"x:1": "negative"}, by="sam", now=T1 + timedelta(hours=1))  # and again, undone again
    undo_corrections(store, ["x:1"], by="kim", now=T1 + timedelta(hours=2))
    assert [e["undone_by"] for e in undone_corrections(store)["x:1"]] == ["lee", "kim"]
    assert [(r.by, r.label, r.undone_by) for r in correction_rows(store, undone=True)] == [
        ("kim", "neutral", "lee"), ("sam", "negative", "kim")]


def test_a_crash_between_the_label_and_the_record_is_completed_by_running_it_again(store):
    correct_sentiment(store, {"x:2": "positive"}, by="sam", now=T0)
    with pytest.raises(OSError):
        undo_corrections(FailingStateDeletes(store), ["x:2"], by="lee", now=T1)
    assert store.get(["x:2"])[0].sentiment == SAID["x:2"]  # the label is back; the record is left over
    assert list(correction_rows(store)) == []  # and not listed as a correction
    report = undo_corrections(store, ["x:2"], by="lee", now=T1)
    assert report.not_corrected == ["x:2"] and corrections(store) == {}
    assert len(undone_corrections(store)["x:2"]) == 1  # kept once, not per attempt


def test_a_correction_with_no_readable_record_is_left_as_the_person_set_it(store):
    correct_sentiment(store, {"x:1": "negative", "x:2": "negative", "x:3": "positive"}, by="sam", now=T0)
    store.delete_state([CORRECTION_PREFIX + "x:1"])
    store.set_state(CORRECTION_PREFIX + "x:2", "{not json")
    analyst_record = json.dumps({"label": "negative", "by": "x", "at": "", "model": {
        "label": "negative", "probs": {"negative": 1.0}, "model": "analyst"}})
    store.set_state(CORRECTION_PREFIX + "x:3", analyst_record)
    report = undo_corrections(store, ["x:1", "x:2", "x:3"], by="lee", now=T1)
    assert report.no_model_label == ["x:1", "x:2", "x:3"] and report.restored == {}
    assert all(m.sentiment.by_analyst for m in store.get(list(SAID)))


def test_corrections_are_listed_oldest_first_with_what_the_model_said(store):
    correct_sentiment(store, {"x:3": "neutral"}, by="kim", now=T0 + timedelta(hours=2))
    correct_sentiment(store, {"x:2": "negative", "x:1": "negative"}, by="sam", now=T0)
    rows = list(correction_rows(store))
    assert [(r.id, r.model_label, r.label, r.by) for r in rows] == [
        ("x:1", "positive", "negative", "sam"), ("x:2", "neutral", "negative", "sam"),
        ("x:3", "negative", "neutral", "kim")]
    assert [r.id for r in correction_rows(store, brand="Globex")] == ["x:3"]
    assert [r.id for r in correction_rows(store, by="sam")] == ["x:1", "x:2"]
    out = io.StringIO()
    assert write_rows(iter(rows), "csv", out) == 3
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[1]["text"].startswith("'=HYPERLINK")  # a post cannot run a formula in a spreadsheet
    assert table[2]["brands"] == "Globex" and table[2]["text"] == TEXTS["x:3"]
    out = io.StringIO()
    write_rows(iter(rows), "jsonl", out)
    first = json.loads(out.getvalue().splitlines()[2])
    assert (first["text"], first["label"], first["lang"]) == (TEXTS["x:3"], "neutral", "ko")  # a training row
    undo_corrections(store, ["x:1"], by="lee", now=T1)
    assert [r.id for r in correction_rows(store)] == ["x:2", "x:3"]


def invoke(*args: str):
    return CliRunner().invoke(cli, ["sentiment", *args], catch_exceptions=False)


def test_undo_and_list_from_the_command_line(store, tmp_path):
    config = tmp_path / "groundswell.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    done = invoke("correct", "-c", str(config), "--label", "negative", "--by", "sam", "x:1", "x:2")
    assert done.exit_code == 0, done.output
    listed = invoke("corrections", "-c", str(config))
    assert listed.exit_code == 0 and "2 correction(s)" in listed.stderr
    assert "sam" in listed.stdout and "positive -> negative  x:1  Acme's charger melted." in listed.stdout
    out = tmp_path / "c.csv"
    assert invoke("corrections", "-c", str(config), "--format", "csv", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,label,model_label")  # a BOM: spreadsheets read every script
    assert invoke("corrections", "-c", str(config), "--brand", "Nope").exit_code == 1

    undone = invoke("correct", "-c", str(config), "--undo", "x:1", "x:3")
    assert undone.exit_code == 0, undone.output
    assert json.loads(undone.stdout)["restored"] == {"x:1": "positive"}
    assert "carry a model's label already: x:3" in undone.stderr
    assert invoke("correct", "-c", str(config), "--undo", "x:1").exit_code == 1  # nothing to give back
    history = invoke("corrections", "-c", str(config), "--undone")
    assert history.exit_code == 0 and "1 withdrawn correction(s)" in history.stderr
    assert " undid " in history.stdout and "positive -> negative  x:1" in history.stdout
    assert store.get(["x:1"])[0].sentiment == SAID["x:1"]
    neither = invoke("correct", "-c", str(config), "x:2")
    assert neither.exit_code == 2 and "give --label LABEL, or --undo" in neither.output
    both = invoke("correct", "-c", str(config), "--undo", "--label", "neutral", "x:2")  # both given: not "give one"
    assert both.exit_code == 2 and "--label and --undo cannot be combined" in both.output


def test_corrections_out_under_a_file_is_refused_in_one_line(store, tmp_path):
    """`--out afile/c.csv` where afile is a file: a one-line error naming it, not a NotADirectoryError traceback."""
    config = tmp_path / "groundswell.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "afile").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "afile" / "c.csv"
    refused = invoke("corrections", "-c", str(config), "--format", "csv", "--out", str(out))
    assert refused.exit_code == 1
    # the reason's wording is groundswell.pipeline.cannot_write's; here: one line, for this path
    (line,) = refused.output.splitlines()
    assert line.startswith(f"Error: cannot write {out}: ") and "Traceback" not in refused.output
