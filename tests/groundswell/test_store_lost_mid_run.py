"""`groundswell run` when the store goes away after the run started: the summary so far on stdout, one line on
stderr naming the step and the store (credentials masked, no traceback), exit 6; nothing collected is lost.

Fault injection (docs/development.md): the real SQLite store, whose reads of un-enriched mentions (the enrich
step's first store call) raise the Elasticsearch client's own `elastic_transport.ConnectionError`, as the review's
killed node did (there from `set_state`, a few calls later in the same step). A real node killed on cue would
cost this test a node of its own (tests/es_node.py shares one per session)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from store_faults import WrappedStore

from groundswell import pipeline
from groundswell.cli import cli
from groundswell.store_lost import EXIT_STORE_LOST
from indexing.sqlite import SqliteStore

SECRET = "ESKEYSECRET987654"


class GoneAfterCollect(WrappedStore):
    def unenriched(self, *args, **kwargs):
        from elastic_transport import ConnectionError as TransportConnectionError  # lazy: the ES client's error

        raise TransportConnectionError(f"Connection refused (http://elastic:{SECRET}@127.0.0.1:9/)")


def test_run_prints_the_summary_so_far_and_exits_6(tmp_path, monkeypatch):
    rows = [{"native_id": str(i), "text": f"Lumora {i}", "created_at": f"2026-11-01T10:0{i}:00Z"} for i in range(5)]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "g.yaml").write_text(json.dumps({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
        "report": {"path": str(tmp_path / "report.html")},
    }))
    real = SqliteStore(tmp_path / "g.db")
    monkeypatch.setattr(pipeline, "open_store", lambda cfg: GoneAfterCollect(real))
    result = CliRunner().invoke(cli, ["run", "-c", str(tmp_path / "g.yaml"), "--no-progress"])
    assert result.exit_code == EXIT_STORE_LOST, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert (summary["collected"], summary["new"], summary["failed_step"]) == (5, 5, "enrich")
    assert "became unreachable during enrich" in result.stderr and "sqlite" in result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.output
    assert real.count() == 5 and len(real.unenriched(10)) == 5  # stored, waiting for the next run's enrich
