"""A channel that takes only part of an incident (its `route:` or `min_severity` leaves the opener out) still
hears of it: the first alert of the incident it takes is sent in full, and only later ones are folded by
`followups`. Before, with `followups: none`, whichever alert happened to open the incident (same-hour ties go
by alert id) decided whether an on-call channel routed to spikes got the crisis at all. Real detection on
the stored corpus, a real JSONL channel."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig, JsonlChannel
from alerts.deliver import deliver
from alerts.detect import detect_alerts
from alerts.routing import RouteRule
from indexing.sqlite import SqliteStore

# Brand names whose crisis hour is opened by each kind of alert (the tie goes by alert id, a hash).
OPENED_BY = {"Acme": "spike", "Acme2": "influencer", "Bolt": "keyword"}


@pytest.mark.parametrize("name", list(OPENED_BY))
def test_a_spike_only_channel_gets_the_crisis_whichever_alert_opened_it(name, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert([m.model_copy(update={"brands": [name]}) for m in corpus()]))
    brand = type(BRAND)(name, BRAND.crisis_terms)
    crisis = START + timedelta(hours=CRISIS_AT)
    found = detect_alerts(store, brand, AlertsConfig(), now=crisis + timedelta(hours=1), explained=False)
    assert [a.kind for a in found if a.incident_id == a.id] == [OPENED_BY[name]]
    out = tmp_path / "oncall.jsonl"
    spikes_only = RouteRule(kinds=["spike"])
    oncall = JsonlChannel(type="jsonl", name="oncall", path=str(out), followups="none", route=spikes_only)
    report = deliver(found, [oncall], store).channels["oncall"]
    assert report.sent == 1  # the rest folded (after the spike) or routed away (before it)
    assert [json.loads(line)["kind"] for line in out.read_text().splitlines()] == ["spike"]
    # The next run detects the same and more of the incident: nothing is sent twice, later ones are folded.
    again = detect_alerts(store, brand, AlertsConfig(), now=crisis + timedelta(hours=2), explained=False)
    deliver(again, [oncall], store)
    assert [json.loads(line)["kind"] for line in out.read_text().splitlines()] == ["spike"]
