"""A dead-letter replay when the store fails: nothing parked is lost or stored twice, and the user is told right.

A store down from the start never reaches the replay from the CLI: opening it fails first (`StoreUnavailable`,
exit 1). A store that opened and then fails during the replay is a store *lost* mid-run: `ingest` prints the
summary with the parked count and one line, exit 6, not a client traceback; the parked file is left as it was.
A store that takes the replay's writes but fails after them (the copy index) keeps the stored ones out of the file
and the rest in it.

Fault injection (docs/development.md): the real SQLite store whose state calls raise the Elasticsearch client's own
connection error, as a node stopped after the store opened does."""

from __future__ import annotations

import json

from click.testing import CliRunner
from store_faults import WrappedStore

from groundswell import cli as cli_module
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.store_lost import EXIT_STORE_LOST
from indexing.sqlite import SqliteStore


def _gone():
    from elastic_transport import ConnectionError as TransportConnectionError  # lazy: the ES client's error

    return TransportConnectionError("Connection refused")


class DownAfterOpen(WrappedStore):
    """Every read and write the replay and collection make fails: the node went away after the store opened."""

    def upsert(self, mentions, **options):
        raise _gone()

    def get(self, ids):
        raise _gone()

    def get_states(self, keys):
        raise _gone()

    def get_state(self, key):
        raise _gone()

    def set_states(self, items):
        raise _gone()


class StateWritesFail(WrappedStore):
    """Mention writes land; state writes (the copy index `remember` keeps) fail."""

    def set_states(self, items):
        raise _gone()

    def set_state(self, key, value):
        raise _gone()


PARKED = [{"id": f"import:p{i}", "source": "import", "native_id": f"p{i}", "text": f"Lumora parked {i}",
           "created_at": "2026-11-01T09:00:00Z", "brands": ["Lumora"]} for i in (1, 2)]


def _setup(tmp_path):
    (tmp_path / "in.jsonl").write_text(json.dumps({"native_id": "1", "text": "Lumora 1",
                                                   "created_at": "2026-11-01T10:00:00Z"}) + "\n")
    (tmp_path / "g.yaml").write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "out" / "report.html")},
    }))
    (tmp_path / "out").mkdir()
    letters = tmp_path / "out" / "deadletter.jsonl"
    letters.write_text("".join(json.dumps(p) + "\n" for p in PARKED))
    return load_config(str(tmp_path / "g.yaml")), letters


def test_ingest_with_the_store_gone_at_the_replay_exits_6_and_keeps_every_parked_mention(tmp_path, monkeypatch):
    _, letters = _setup(tmp_path)
    real = SqliteStore(tmp_path / "g.db")
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: DownAfterOpen(real))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == EXIT_STORE_LOST, result.output
    assert "Traceback" not in result.stderr and "became unreachable during collect" in result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert (summary["deadletter"], summary["failed_step"]) == (2, "collect")
    assert [json.loads(line)["id"] for line in letters.read_text().splitlines()] == ["import:p1", "import:p2"]
    assert real.count() == 0


def test_a_replay_whose_copy_index_fails_unparks_what_it_stored_and_nothing_else(tmp_path):
    config, letters = _setup(tmp_path)
    real = SqliteStore(tmp_path / "g.db")
    report = pipeline.replay_deadletter(config, StateWritesFail(real))
    assert report.replay_error and "ConnectionError" in report.replay_error
    assert (report.replayed, report.deadletter) == (2, 0)
    assert not letters.exists()  # both stored: none left to replay again
    assert sorted(m.id for m in real.iter_mentions()) == ["import:p1", "import:p2"]
    again = pipeline.replay_deadletter(config, real)
    assert (again.replayed, again.deadletter) == (0, 0) and real.count() == 2
