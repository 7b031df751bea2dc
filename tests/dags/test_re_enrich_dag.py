"""groundswell_re_enrich in real Airflow (dag.test()): an older model's labels are tagged again, once;
bad params fail at once and say why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import run_dag
from .corpus import T0, write_config, write_corpus

pytestmark = [pytest.mark.airflow, pytest.mark.model]
# Every param in every run: under dag.test() a run got the previous run's dry_run when its conf left it out.
PARAMS = {"since": None, "until": None, "brand": None, "all": False, "dry_run": False}
FIRE = "My Lumora charger melted and burned my desk. Furious, this is dangerous."


@pytest.fixture
def old_labels(tmp_path, monkeypatch):
    """A SQLite store holding two posts an older model labelled, one of Sonique."""
    from core.mention import Mention, Sentiment
    from indexing.sqlite import SqliteStore

    corpus = tmp_path / "export.jsonl"
    write_corpus(corpus)
    config = write_config(tmp_path, corpus, None, {"type": "sqlite", "path": str(tmp_path / "gs.db")})
    monkeypatch.setenv("GROUNDSWELL_CONFIG", str(config))
    old = Sentiment(label="positive", probs={"positive": 0.9}, model="groundswell-minilm-sentiment")
    store = SqliteStore(tmp_path / "gs.db")
    try:
        assert all(r.ok for r in store.upsert([
            Mention(source="import", native_id="1", text=FIRE, created_at=T0, brand="Lumora", lang="en", sentiment=old),
            Mention(source="import", native_id="2", text=FIRE.replace("Lumora", "Sonique"), created_at=T0,
                    brand="Sonique", lang="en", sentiment=old),
        ]))
    finally:
        store.close()
    return tmp_path / "gs.db"


def labels(db) -> dict[str, tuple[str, str]]:
    from indexing.base import Filters
    from indexing.sqlite import SqliteStore

    store = SqliteStore(db)
    try:
        return {m.native_id: (m.sentiment.label, m.sentiment.model) for m in store.iter_mentions(Filters())}
    finally:
        store.close()


def test_re_enrich_dag_tags_one_brands_old_labels_once(dagbag, old_labels):
    from nlp.sentiment import load_sentiment_model

    current = load_sentiment_model("default").identity
    run, states = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=1),
                          conf={**PARAMS, "brand": "Lumora", "dry_run": True})
    assert run.state == "success", states
    assert labels(old_labels)["1"] == ("positive", "groundswell-minilm-sentiment")  # a dry run writes nothing
    run, states = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=2), conf={**PARAMS, "brand": "Lumora"})
    assert run.state == "success", states
    assert labels(old_labels) == {"1": ("negative", current), "2": ("positive", "groundswell-minilm-sentiment")}
    run, _ = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=3), conf=PARAMS)
    assert run.state == "success" and labels(old_labels)["2"] == ("negative", current)


def test_re_enrich_dag_with_bad_params_fails_at_once_and_says_why(dagbag, old_labels, capfd):
    run, states = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=4),
                          conf={**PARAMS, "since": "2026-11-21T00:00:00Z", "until": "2026-11-20T00:00:00Z"})
    assert run.state == "failed"
    tis = {ti.task_id: ti for ti in run.get_task_instances()}
    assert tis["re_enrich"].try_number == 1  # AirflowFailException: bad params are not retried
    out, err = capfd.readouterr()
    assert "bad re-enrich params: since (2026-11-21T00:00:00+00:00) must be before until" in out + err
    run, _ = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=5), conf={**PARAMS, "brand": "Nobody"})
    out, err = capfd.readouterr()
    assert run.state == "failed" and "unknown brand 'Nobody'; the config has: Lumora, Sonique" in out + err
    run, _ = run_dag(dagbag, "groundswell_re_enrich", T0 + timedelta(hours=6), conf={**PARAMS, "since": "last tuesday"})
    out, err = capfd.readouterr()
    assert run.state == "failed" and "bad re-enrich params" in out + err
