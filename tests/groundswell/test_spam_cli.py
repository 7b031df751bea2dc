"""`groundswell spam not-spam [--undo]` and `groundswell spam overrides` on a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from core.mention import Author, Mention
from groundswell.cli import cli
from groundswell.spam import flag_spam, overrides
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 4, 8, tzinfo=UTC)
CONFIG = """\
brands:
  - name: Lumora
    query: lumora
sources: []
store:
  type: sqlite
  path: spam.db
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, ["spam", *args], catch_exceptions=False)


def test_mark_list_and_withdraw_from_the_command_line(tmp_path):
    config = tmp_path / "groundswell.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    store = SqliteStore(tmp_path / "spam.db")
    campaign = "Lumora \x1b[31mwin\x1b[0m a free phone\nclick now"  # a terminal escape must not reach the table
    posts = [Mention(source="x", native_id=f"b{i}", text=campaign, brand="Lumora", author=Author(handle=f"bot{i}"),
                     created_at=T0 + timedelta(minutes=i)) for i in range(10)]
    assert all(r.ok for r in store.upsert(posts))
    flag_spam(store, T0, T0 + timedelta(minutes=10))
    store.close()

    marked = invoke("not-spam", "-c", str(config), "--by", "ana", "x:b1", "x:nope")
    assert marked.exit_code == 0, marked.output
    assert json.loads(marked.stdout) == {"marked": ["x:b1"], "unknown": ["x:nope"]}
    listed = invoke("overrides", "-c", str(config))
    assert "ana" in listed.stdout and "x:b1  copy-paste campaign: 10 authors, 9 min  Lumora [31mwin" in listed.stdout
    assert "\x1b" not in listed.stdout and "1 override(s)" in listed.stderr
    row = json.loads(invoke("overrides", "-c", str(config), "--format", "jsonl").stdout)
    assert (row["id"], row["by"], row["text"]) == ("x:b1", "ana", campaign)

    undone = invoke("not-spam", "-c", str(config), "--undo", "--by", "lee", "x:b1", "x:b2")
    assert undone.exit_code == 0, undone.output
    report = json.loads(undone.stdout)
    assert report["reflagged"] == {"x:b1": "copy-paste campaign: 10 authors, 9 min"}
    assert report["not_overridden"] == ["x:b2"] and "not marked \"not spam\": x:b2" in undone.stderr
    assert invoke("not-spam", "-c", str(config), "--undo", "x:b1").exit_code == 1  # nothing left to withdraw
    history = invoke("overrides", "-c", str(config), "--undone")
    assert "lee           withdrew  " in history.stdout and "ana" in history.stdout and "x:b1" in history.stdout
    assert "1 withdrawn override(s)" in history.stderr
    row = json.loads(invoke("overrides", "-c", str(config), "--undone", "--format", "jsonl").stdout)
    assert (row["id"], row["by"], row["undone_by"]) == ("x:b1", "ana", "lee")
    store = SqliteStore(tmp_path / "spam.db")
    try:
        assert overrides(store) == set() and store.get(["x:b1"])[0].spam is not None
    finally:
        store.close()
