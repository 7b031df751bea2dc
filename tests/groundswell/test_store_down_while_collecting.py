"""The store failing outside the writes while a batch is stored (the copy index lookup) is a store failure:
the batch is parked in the dead-letter file, the source is not reported failed, the cursor stays put, exit 5.

Fault injection (docs/development.md allows it for what a real store cannot do on cue): the real SQLite store,
with its state lookups (`get_states`, what `CopyIndex.split` reads) raising a connection error from a chosen call,
as an Elasticsearch node killed mid-run does."""

from __future__ import annotations

import json

from click.testing import CliRunner
from store_faults import WrappedStore

from groundswell import cli as cli_module
from groundswell import pipeline
from groundswell.cli import EXIT_UNSTORED, cli
from indexing.sqlite import SqliteStore
from tests.groundswell.six_posts import six_post_import


class StateLookupsFail(WrappedStore):
    """`get_states` call number `from_call` and every later one raises, as a store that went away would."""

    def __init__(self, store, from_call: int) -> None:
        super().__init__(store)
        self.from_call = from_call
        self.lookups = 0

    def get_states(self, keys):
        self.lookups += 1
        if self.lookups >= self.from_call:
            raise ConnectionError("Connection refused")
        return self.store.get_states(keys)


def _setup(tmp_path):
    return six_post_import(tmp_path)


def test_a_failed_copy_lookup_parks_the_batch_and_holds_the_cursor(tmp_path):
    config = _setup(tmp_path)
    real = SqliteStore(tmp_path / "g.db")
    # Batch 1: split (1) and remember (2) work; batch 2's split (3) finds the store gone.
    report = pipeline.collect(config, StateLookupsFail(real, from_call=3))
    assert report.errors == {}
    assert (report.stored, report.failed_writes, report.deadletter) == (2, 2, 2)
    parked = (tmp_path / "out" / "deadletter.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in parked) == ["import:3", "import:4"]

    healthy = pipeline.collect(config, real)
    assert healthy.replayed == 2 and healthy.deadletter == 0 and not healthy.errors
    assert sorted(m.id for m in real.iter_mentions()) == [f"import:{i}" for i in range(1, 7)]
    assert healthy.created == 4  # the two parked, then the two after them: the cursor had not moved past batch 2


def test_ingest_exits_5_not_4_when_the_store_goes_away_mid_collection(tmp_path, monkeypatch):
    _setup(tmp_path)
    real = SqliteStore(tmp_path / "g.db")
    monkeypatch.setattr(cli_module, "open_store", lambda cfg: StateLookupsFail(real, from_call=3))
    result = CliRunner().invoke(cli, ["ingest", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == EXIT_UNSTORED, result.output
    assert "every source failed" not in result.output
    assert json.loads(result.stdout.splitlines()[-1])["deadletter"] == 2
