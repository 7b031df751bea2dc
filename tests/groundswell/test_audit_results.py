"""Scored audits kept in the store: the latest one, whether it judged the model that labels the store now,
and the line the report shows (real SQLite store, real report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Mention, Sentiment, analyst_label
from groundswell.audit_results import AUDIT_PREFIX, audit_line, audit_view, latest_audit, save_audit
from groundswell.config import parse_config
from groundswell.report import write_report
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def result(drawn_at: str, value: float | None, models: dict[str, int], brand: str | None = None) -> dict:
    """What `score_audit` returns, as far as a kept audit reads it."""
    accuracy = None if value is None else {"value": value, "low": value - 5, "high": value + 4, "n": 300}
    return {"audit": {"created_at": drawn_at, "filters": {"brand": brand, "query": None, "since": None, "until": None},
                      "models": models, "rows": 300, "store": "test", "seed": 0},
            "answers": {"labelled": 0 if value is None else 290, "unclear": 3, "unanswered": 7},
            "population": 5000, "covered_population": 5000, "accuracy": accuracy,
            "macro_f1": {"value": 70.0, "low": 64.0, "high": 75.0, "n": 290},
            "languages": {"en": {"accuracy": accuracy}, "ko": {"accuracy": None}}}


def labelled(i: int, model: str) -> Mention:
    return Mention(source="x", native_id=str(i), text=f"Acme post {i}", created_at=T0 + timedelta(minutes=i),
                   brand="Acme", lang="en", sentiment=Sentiment(label="neutral", probs={"neutral": 0.9}, model=model))


def test_the_latest_scored_audit_is_shown_and_rescoring_replaces_it(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert latest_audit(store) is None and audit_view(store) is None
        assert all(r.ok for r in store.upsert([labelled(i, "m@2") for i in range(5)] + [labelled(9, "m@1")]))
        save_audit(store, result("2026-11-20T00:00:00+00:00", 70.0, {"m@1": 300}), T0 + timedelta(days=20))
        save_audit(store, result("2026-12-01T00:00:00+00:00", 71.0, {"m@2": 300}), T0 + timedelta(days=30))
        # the same audit scored again with more rows labelled: one entry, the newer figures
        record = save_audit(store, result("2026-12-01T00:00:00+00:00", 73.5, {"m@2": 300}, brand="Acme"),
                            T0 + timedelta(days=31))
        assert len(store.state_items(AUDIT_PREFIX)) == 2
        assert record["languages"] == {"en": {"value": 73.5, "low": 68.5, "high": 77.5, "n": 300}}  # ko: none
        save_audit(store, result("2026-12-02T00:00:00+00:00", None, {"m@2": 300}), T0 + timedelta(days=40))
        assert len(store.state_items(AUDIT_PREFIX)) == 2  # nothing labelled: nothing to keep
        store.set_state(AUDIT_PREFIX + "broken", "{not json")  # an unreadable entry is passed over
        view = audit_view(store)
        assert view is not None and view["accuracy"]["value"] == 73.5 and view["current"] is True
        assert audit_line(view) == ("Sentiment audited 2026-12-02: 73.5% accurate (68.5-77.5, 95%) on 290 posts "
                                    "people labelled for Acme")
        # a person's labels are no build: 30 of them outnumber m@2's 5, and the audit still judged the store's model
        people = [labelled(i, "x").model_copy(update={"sentiment": analyst_label("positive")}) for i in range(30, 60)]
        assert all(r.ok for r in store.upsert(people))
        assert audit_view(store)["current"] is True
        # the store re-enriched with another build since: the audit judged the labels being replaced
        assert all(r.ok for r in store.upsert([labelled(i, "m@3") for i in range(10, 20)]))
        stale = audit_view(store)
        assert stale["current"] is False
        assert audit_line(stale).endswith("it judged an earlier model's labels: audit again")
        assert audit_view(store, {"m@2": 5})["current"] is True  # the caller's counts, when it has them
    finally:
        store.close()


def test_the_report_says_how_accurate_its_sentiment_is_here(tmp_path):
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}],
                           "store": {"type": "sqlite", "path": str(tmp_path / "g.db")}})
    store = SqliteStore(tmp_path / "g.db")
    try:
        assert all(r.ok for r in store.upsert([labelled(i, "m@2") for i in range(5)]))
        plain = write_report(config, store, [], tmp_path / "plain.html").read_text(encoding="utf-8")
        assert 'id="audit"' not in plain  # no audit, no line
        save_audit(store, result("2026-12-01T00:00:00+00:00", 71.0, {"m@2": 300}, brand="<b>Acme</b>"), T0)
        page = write_report(config, store, [], tmp_path / "audited.html").read_text(encoding="utf-8")
    finally:
        store.close()
    assert ('<p class="sub" id="audit">Sentiment audited 2026-11-01: 71.0% accurate (66.0-75.0, 95%) on 290 posts '
            "people labelled for &lt;b&gt;Acme&lt;/b&gt;</p>") in page
