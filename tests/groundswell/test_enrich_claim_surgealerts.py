"""Two overlapping runs must not both enrich the same backlog (surge review, finding 6): `pipeline.enrich` holds the
store's enrich claim (`ENRICH_CLAIM`) while it tags, so a second pass meanwhile skips and says who holds it; a claim
a killed process left does not block the next run. On SQLite and on a real Elasticsearch node (the claim is the
store's `StateStore.claim`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)

from core.mention import Mention, Sentiment
from groundswell import pipeline
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

NOW = datetime.now(UTC).replace(microsecond=0)


def _mentions(n: int) -> list[Mention]:
    return [Mention(source="rss", native_id=str(i), text=f"Lumora post {i}", created_at=NOW - timedelta(minutes=i),
                    brands=["Lumora"]) for i in range(n)]


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "g.db")
        assert all(r.ok for r in s.upsert(_mentions(30)))
        yield s
        s.close()
        return
    from indexing.elasticsearch import ElasticsearchStore  # lazy: only with a node (the elasticsearch param)

    prefix = f"gs-enrich-claim-{uuid.uuid4().hex[:8]}"
    s = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=prefix)
    try:
        assert all(r.ok for r in s.upsert(_mentions(30)))
        yield s
    finally:
        delete_prefix(s.client, prefix)
        s.close()


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "groundswell.yaml"
    path.write_text("brands:\n  - {name: Lumora, query: Lumora}\nsources: []\n"
                    f"store: {{type: sqlite, path: {tmp_path / 'unused.db'}}}\nnlp: {{themes: false}}\n",
                    encoding="utf-8")
    return load_config(str(path))


class _Tagger:
    """Tags every post negative; `during` runs inside its first batch (while the claim is held)."""

    class model:  # noqa: N801 - the attribute the pipeline reads
        identity = "stub@1"

    def __init__(self, during=None):
        self.during, self.tagged = during, 0

    def text(self, mention: Mention) -> str:
        return mention.text

    def enrich(self, mentions: list[Mention], texts: list[str]) -> list[Mention]:
        if self.during is not None:
            during, self.during = self.during, None
            during()
        self.tagged += len(mentions)
        sentiment = Sentiment(label="negative", probs={"negative": 0.9}, model=self.model.identity)
        return [m.model_copy(update={"sentiment": sentiment, "lang": "en"}) for m in mentions]


def test_an_overlapping_enrich_skips_what_another_pass_is_tagging(store, config):
    second = _Tagger()
    overlapping: list[pipeline.EnrichReport] = []
    first = _Tagger(during=lambda: overlapping.append(pipeline.enrich(config, store, enricher=second)))

    report = pipeline.enrich(config, store, enricher=first)

    assert report.enriched == 30 and first.tagged == 30
    assert second.tagged == 0  # the overlapping pass tagged nothing twice
    busy = overlapping[0].busy
    assert overlapping[0].enriched == 0 and busy is not None and f":{os.getpid()}:" in busy  # who holds it
    assert store.get_state(pipeline.ENRICH_CLAIM) is None  # released once done
    assert pipeline.enrich(config, store, enricher=_Tagger()).busy is None  # the next run is free to enrich


def test_a_killed_process_s_enrich_claim_does_not_block_the_next_run(store, config):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = f"{socket.gethostname()}:{int(gone.stdout)}:killed"  # exited: its pid names no process now
    assert store.claim(pipeline.ENRICH_CLAIM, dead, datetime.now(UTC) + timedelta(hours=1))

    tagger = _Tagger()
    report = pipeline.enrich(config, store, enricher=tagger)

    assert report.busy is None and report.enriched == 30 == tagger.tagged


def test_an_expired_enrich_claim_of_another_host_does_not_block_the_next_run(store, config):
    elsewhere = f"other-host-{socket.gethostname()}:1:run"
    assert store.claim(pipeline.ENRICH_CLAIM, elsewhere, datetime.now(UTC) + timedelta(hours=1))
    assert pipeline.enrich(config, store, enricher=_Tagger()).busy == elsewhere  # live: left to its run
    store.release(pipeline.ENRICH_CLAIM, elsewhere)
    assert store.claim(pipeline.ENRICH_CLAIM, elsewhere, datetime.now(UTC) - timedelta(seconds=1))  # expired

    assert pipeline.enrich(config, store, enricher=_Tagger()).enriched == 30
