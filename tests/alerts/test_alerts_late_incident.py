"""One crisis stays one thread: an alert that arrives late (an influencer post collected hours after it was
written, dated before the spike) joins the incident already sent instead of reopening it under its own id,
and within a run an incident's opener is delivered before its updates. Real detection on the stored
corpus, a real JSONL channel."""

from __future__ import annotations

import json
from datetime import timedelta

from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig, JsonlChannel
from alerts.deliver import deliver
from alerts.detect import detect_alerts
from alerts.history import save_alerts, stored_alerts
from core.mention import Author, Engagement, Mention, Sentiment
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)


def test_a_late_alert_joins_the_incident_already_sent_and_openers_go_first(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    out = tmp_path / "alerts.jsonl"
    channel = JsonlChannel(type="jsonl", path=str(out), followups="all")

    def run(hours: int) -> None:
        found = detect_alerts(store, BRAND, AlertsConfig(), now=CRISIS + timedelta(hours=hours), explained=False)
        save_alerts(store, found)
        deliver(found, [channel], store)

    run(1)
    first = [json.loads(line) for line in out.read_text().splitlines()]
    opener = first[0]
    assert opener["id"] == opener["incident_id"] and opener["kind"] == "spike"  # the opener before its updates
    assert {a["incident_id"] for a in first} == {opener["id"]}

    late = Mention(source="x", native_id="late-1", text="acme charger smoking", brand="Acme", lang="en",
                   created_at=CRISIS - timedelta(hours=2), author=Author(handle="bigvoice", followers=900_000),
                   engagement=Engagement(likes=10),
                   sentiment=Sentiment(label="negative", probs={"negative": 0.9}, model="t@1"))
    assert all(r.ok for r in store.upsert([late]))
    for hours in range(2, 14):
        run(hours)
    sent = [json.loads(line) for line in out.read_text().splitlines()]
    assert {a["incident_id"] for a in sent} == {opener["id"]}  # one thread, never a second opener
    assert [a["kind"] for a in sent if a["id"] == a["incident_id"]] == ["spike"]
    assert "influencer" in [a["kind"] for a in sent[len(first):]] and sent[-1]["kind"] == "all_clear"
    assert {a.incident_id for a in stored_alerts(store) if a.window_start >= CRISIS - timedelta(hours=3)} == {
        opener["id"]}
