"""`groundswell alerts verdict` / `alerts verdicts`, end to end: a labelled stream is stored, `groundswell detect
--history` stores its alerts, people judge the incidents from the command line, `alerts verdicts` prints their
precision and writes the real ones as labels, and `alerts backtest --incidents` scores a preset against that
file. A real SQLite store and the real CLI throughout."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.backtest import LoadReport, read_mentions
from groundswell.alert_verdicts import verdict_history, verdicts
from groundswell.cli import cli
from indexing.sqlite import SqliteStore
from tools.alerts.evalstreams import write


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.strip().splitlines()]


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> tuple[Path, Path]:
    """A config over a store holding one labelled stream (two planted crises) and the alerts detection found."""
    folder = tmp_path_factory.mktemp("verdicts")
    write(folder / "stream", seed=3, brands=1, weeks=3, mention_brands=1)
    config = write_config(folder, brands=[{"name": "brand00", "query": "brand00"}])
    store = SqliteStore(folder / "g.db")
    assert all(r.ok for r in store.upsert(read_mentions(folder / "stream" / "mentions.jsonl", LoadReport())))
    store.close()
    detected = CliRunner().invoke(cli, ["detect", "-c", str(config), "--history", "--no-send"])
    assert detected.exit_code == 0, detected.output
    return config, folder / "stream"


def _verdict(config: Path, *args: str) -> CliRunner:
    return CliRunner().invoke(cli, ["alerts", "verdict", "-c", str(config), *args])


def test_teams_judge_their_incidents_and_backtest_against_their_own_labels(judged, tmp_path):
    config, stream = judged
    listed = CliRunner().invoke(cli, ["alerts", "verdicts", "-c", str(config), "--all"])
    assert listed.exit_code == 0, listed.output
    *incidents, last = _lines(listed.stdout)
    assert last == {"precision": {"real": 0, "false_alarm": 0, "precision": None, "ack": 0, "by_brand": {},
                                  "by_kind": {}}}
    assert len(incidents) >= 3 and all(i["verdict"] is None for i in incidents)
    planted = [json.loads(line) for line in (stream / "incidents.jsonl").read_text().splitlines()]
    crises = [(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])) for p in planted
              if p["kind"] == "sudden"]

    def real(incident: dict) -> bool:  # a spike over a planted crisis
        start, end = datetime.fromisoformat(incident["start"]), datetime.fromisoformat(incident["end"])
        return "spike" in incident["kinds"] and any(s <= end and start <= e for s, e in crises)

    reals = [i for i in incidents if real(i)]
    falses = [i for i in incidents if not real(i)]
    assert len(reals) == len(crises) == 2 and falses
    # someone takes the first crisis on, then a colleague judges it real
    taken = _verdict(config, reals[0]["incident"], "ack", "--by", "alice")
    assert taken.exit_code == 0 and _lines(taken.stdout)[0]["verdict"]["verdict"] == "ack"
    for incident in reals:
        done = _verdict(config, incident["incident"], "real", "--by", "bob", "--note", "planted crisis")
        assert done.exit_code == 0, done.output
    for incident in falses:
        assert _verdict(config, incident["incident"], "false_alarm", "--by", "bob").exit_code == 0

    labels = tmp_path / "labels.jsonl"
    result = CliRunner().invoke(cli, ["alerts", "verdicts", "-c", str(config), "--out", str(labels)])
    assert result.exit_code == 0, result.output
    *rows, last = _lines(result.stdout)
    assert len(rows) == len(incidents) and all(r["by"] == "bob" for r in rows)
    figures = last["precision"]
    assert (figures["real"], figures["false_alarm"], figures["ack"]) == (2, len(falses), 0)
    assert figures["precision"] == round(2 / (2 + len(falses)), 3)
    assert figures["by_brand"]["brand00"]["precision"] == figures["precision"]
    spikes = sum(1 for i in incidents if "spike" in i["kinds"])
    assert figures["by_kind"]["spike"] == {"real": 2, "false_alarm": spikes - 2,
                                           "precision": round(2 / spikes, 3)}
    assert f"2 real incident(s) written to {labels}" in result.stderr
    written = _lines(labels.read_text())
    assert [(w["brand"], w["start"], w["end"]) for w in written] == [
        ("brand00", r["start"], r["end"]) for r in reals]

    # the exported labels are what `alerts backtest --incidents` reads: the preset scored on them
    backtest = CliRunner().invoke(cli, ["alerts", "backtest", "--input", str(stream / "mentions.jsonl"),
                                        "-c", str(config), "--incidents", str(labels)])
    assert backtest.exit_code == 0, backtest.output
    score = _lines(backtest.stdout)[-1]["summary"]["score"]
    assert (score["crises"], score["detected"], score["recall"]) == (2, 2, 1.0)
    assert score["false_alerts"] >= spikes - 2 > 0  # the spike judged a false alarm is one here too

    history = CliRunner().invoke(cli, ["alerts", "verdicts", "-c", str(config), "--history"])
    (replaced,) = _lines(history.stdout)
    assert (replaced["verdict"], replaced["by"], replaced["replaced_with"], replaced["undone_by"]) == (
        "ack", "alice", "real", "bob")


def test_bad_verdicts_are_refused_and_an_undo_steps_back(judged):
    config, _ = judged
    store = SqliteStore(config.parent / "g.db")
    try:
        before = (verdicts(store), verdict_history(store))
    finally:
        store.close()
    unknown = _verdict(config, "nope", "real")
    assert unknown.exit_code == 1 and "no incident 'nope'" in unknown.stderr
    assert _verdict(config, "nope", "crisis").exit_code == 2  # not a verdict: click's usage error
    assert "give a VERDICT" in _verdict(config, "nope").stderr
    assert "--note goes with a verdict" in _verdict(config, "nope", "--undo", "--note", "x").stderr
    for args in (("--undo",), ("real",)):  # $'\xff\xfe' on a command line: undecodable bytes, no id (was a traceback)
        undecodable = _verdict(config, b"\xff\xfe".decode("utf-8", "surrogateescape"), *args)
        assert undecodable.exit_code == 1 and "not valid Unicode" in undecodable.stderr, undecodable.output
    incident = next(iter(before[0]), None) or _lines(
        CliRunner().invoke(cli, ["alerts", "verdicts", "-c", str(config), "--all"]).stdout)[0]["incident"]
    long_note = _verdict(config, incident, "real", "--note", "x" * 501)
    assert long_note.exit_code == 1 and "at most 500" in long_note.stderr
    store = SqliteStore(config.parent / "g.db")
    try:
        assert (verdicts(store), verdict_history(store)) == before  # nothing stored by any of them
    finally:
        store.close()
    assert _verdict(config, incident, "false_alarm", "--by", "carol").exit_code == 0
    undone = _verdict(config, incident, "--undo", "--by", "carol")
    assert undone.exit_code == 0
    was = before[0].get(incident)
    shown = None if was is None else {k: was.get(k) for k in ("verdict", "note", "by", "at")}
    assert _lines(undone.stdout)[0]["verdict"] == shown  # back to what it was
