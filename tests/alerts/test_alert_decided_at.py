"""An alert records when it was decided (`Alert.decided_at`), and everything that places an alert in time goes by
it (`core.alert.decided_at`): an all-clear is decided its quiet buckets after its window (the whole episode)
ends, an unanswered-posts alert when the run saw the posts waiting, not at the end of its UTC day. Real
detection on the real SQLite store (`test_alerts_detect_store.corpus`: the crisis ends at midnight, its
all-clear is decided three quiet hours later)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import make_alert
from test_alert_unanswered import NOW as UNANSWERED_NOW
from test_alert_unanswered import OWN
from test_alert_unanswered import _config as unanswered_config
from test_alert_unanswered import _posts as unanswered_posts
from test_alerts_detect_store import BRAND, CRISIS_AT, START, corpus

from alerts.config import AlertsConfig, WebhookChannel
from alerts.deliver import with_pending
from alerts.detect import detect_alerts
from alerts.history import alert_key, load_alerts, save_alerts
from alerts.incidents import group_incidents
from core.alert import Alert, decided_at
from groundswell import pipeline
from groundswell.config import parse_config
from groundswell.digest import build_digest
from indexing.elasticsearch_alerts import ALERTS_MAPPINGS, alert_document
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)  # 2026-03-16 15:00 UTC
ENDED = datetime(2026, 3, 17, tzinfo=UTC)  # its last loud hour ends at midnight
QUIET = AlertsConfig().spike.clear_after * timedelta(hours=1)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """The corpus, judged over its whole history (`--history`) and stored as `pipeline.detect` stores it."""
    store = SqliteStore(tmp_path_factory.mktemp("decided") / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    save_alerts(store, detect_alerts(store, BRAND, AlertsConfig(), explained=False))
    yield store
    store.close()


def _crisis_alerts(store) -> tuple[Alert, Alert]:
    alerts = load_alerts(store)
    spike = next(a for a in alerts if a.kind == "spike" and a.window_start == CRISIS and not a.subject)
    clear = next(a for a in alerts if a.kind == "all_clear" and a.episode_id == spike.id)
    return spike, clear


def test_an_all_clear_is_decided_its_quiet_buckets_after_its_window(history):
    spike, clear = _crisis_alerts(history)
    assert clear.window_end == ENDED
    assert clear.decided_at == decided_at(clear) == ENDED + QUIET  # 03:00 the next day, as stored
    assert spike.decided_at == decided_at(spike) == spike.window_end  # a spike: the bucket that fired it
    for alert in load_alerts(history):
        assert alert.decided_at is not None and alert.decided_at >= alert.window_end
        assert (alert.decided_at > alert.window_end) == (alert.kind == "all_clear")


def test_a_scheduled_run_decides_the_all_clear_at_the_same_time_and_keeps_its_id(history):
    _, clear = _crisis_alerts(history)
    # The first run that sees three whole quiet hours, five minutes into the next one.
    found = detect_alerts(history, BRAND, AlertsConfig(), now=ENDED + QUIET + timedelta(minutes=5), explained=False)
    (again,) = [a for a in found if a.kind == "all_clear"]
    assert (again.id, again.decided_at) == (clear.id, ENDED + QUIET)


def test_an_alert_stored_before_decided_at_loads_keeps_its_id_and_counts_from_its_window_end(tmp_path):
    """An entry of the log written by the previous version: no `decided_at` key. It loads (nothing is dropped),
    its id is the one it was stored under, and it counts from its window's end until detection decides it
    again, which records the real time (the all-clear's three quiet hours later)."""
    store = SqliteStore(tmp_path / "g.db")
    assert all(r.ok for r in store.upsert(corpus()))
    found = detect_alerts(store, BRAND, AlertsConfig(), explained=False)
    clear = next(a for a in found if a.kind == "all_clear" and a.window_end == ENDED)
    old = json.loads(clear.model_dump_json())
    old.pop("decided_at", None)
    store.set_state(alert_key(clear.id), json.dumps(old))

    (loaded,) = load_alerts(store)
    assert loaded.id == clear.id == "3bcdff604e679c7a"  # the id the previous version gave it
    assert loaded.decided_at is None and decided_at(loaded) == ENDED
    # The id hashes brand, kind, window and subject, never when it was decided: the same alert decided by
    # another run is the same alert (delivery refuses to send it twice).
    other = Alert.model_validate({**old, "id": "", "decided_at": ENDED + 5 * QUIET})
    assert other.id == clear.id

    save_alerts(store, detect_alerts(store, BRAND, AlertsConfig(), explained=False))
    stored = {a.id: a for a in load_alerts(store)}
    assert stored[clear.id].decided_at == ENDED + QUIET


def test_a_later_run_never_moves_an_alert_to_a_later_time(tmp_path):
    """Each run of the day decides the unanswered-posts alert again, at its own `now`, under the same id: the
    log keeps the first (the digest that put it on its day must not see it move to another)."""
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(unanswered_posts()))
    config = parse_config(unanswered_config(tmp_path, {"enabled": True, "min_posts": 4}, OWN))
    (first,) = [a for a in pipeline.detect(config, store, now=UNANSWERED_NOW) if a.kind == "unanswered"]
    assert first.decided_at == UNANSWERED_NOW
    (later,) = [a for a in pipeline.detect(config, store, now=UNANSWERED_NOW + timedelta(hours=5))
                if a.kind == "unanswered"]
    assert later.id == first.id and later.decided_at == UNANSWERED_NOW  # what this run returns, to send and index
    assert [a.decided_at for a in load_alerts(store) if a.id == first.id] == [UNANSWERED_NOW]
    store.close()


def _digest_alerts(config, store, day: date) -> list[tuple[str, str]]:
    (brand,) = build_digest(config, store, day)["brands"]
    return [(a["kind"], a["time"]) for a in brand["alerts"]]


def test_the_digest_puts_an_all_clear_decided_after_midnight_on_the_next_day(history):
    """The crisis ended at midnight; its all-clear was decided at 03:00. The 16 March digest (sent on the
    morning of the 17th, perhaps before 03:00) listed it at 24:00, and the 17 March one, which can carry it
    as news, left it out."""
    config = parse_config({"brands": [{"name": "Acme", "query": "acme", "crisis_terms": BRAND.crisis_terms}]})
    assert ("all_clear", "24:00") not in _digest_alerts(config, history, date(2026, 3, 16))
    assert _digest_alerts(config, history, date(2026, 3, 17)) == [("all_clear", "03:00")]


def test_the_digest_puts_an_unanswered_alert_on_the_day_it_was_decided_in_its_timezone(tmp_path):
    """Decided at 09:00 UTC on 2 March (10:00 in Rome), it went in Rome's 3 March digest: its UTC day ends at
    01:00 on the 3rd there."""
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(unanswered_posts()))
    raw = unanswered_config(tmp_path, {"enabled": True, "min_posts": 4}, OWN)
    config = parse_config({**raw, "digest": {"timezone": "Europe/Rome"}})
    assert [a.kind for a in pipeline.detect(config, store, now=UNANSWERED_NOW)] == ["unanswered"]
    assert _digest_alerts(config, store, date(2026, 3, 2)) == [("unanswered", "10:00")]
    assert _digest_alerts(config, store, date(2026, 3, 3)) == []
    store.close()


def test_an_all_clear_decided_in_the_last_day_is_still_pending(state):
    """On daily buckets an all-clear is decided three days after its window ends: by the window's end it was
    never offered again to a channel that was down when it went out."""
    now = datetime(2026, 3, 25, 9, tzinfo=UTC)
    spike = make_alert(hour=10)
    clear = make_alert(kind="all_clear", hour=10).model_copy(
        update={"severity": "info", "window_end": datetime(2026, 3, 22, tzinfo=UTC),
                "decided_at": datetime(2026, 3, 25, tzinfo=UTC)})
    channel = [WebhookChannel(type="webhook", url_env="HOOK")]
    assert with_pending([], [clear, spike], channel, state, now) == [clear]


def test_an_incidents_all_clear_comes_after_what_was_decided_in_its_quiet_hours():
    spike = make_alert(hour=10)
    keyword = make_alert(kind="keyword", hour=13).model_copy(update={"incident_id": spike.id})
    clear = make_alert(kind="all_clear", hour=10).model_copy(
        update={"window_end": datetime(2026, 3, 18, 12, tzinfo=UTC), "incident_id": spike.id,
                "decided_at": datetime(2026, 3, 18, 15, tzinfo=UTC)})
    (incident,) = group_incidents([clear, keyword, spike])
    assert [a.kind for a in incident.alerts] == ["spike", "keyword", "all_clear"]


def test_the_kibana_document_says_when_it_was_decided_in_a_mapped_field():
    """The alerts index is strict: a document field it does not map fails the write."""
    clear = make_alert(kind="all_clear").model_copy(update={"decided_at": datetime(2026, 3, 18, 19, tzinfo=UTC)})
    doc = alert_document(clear, clear.id)
    assert doc["decided_at"] == "2026-03-18T19:00:00+00:00"
    assert alert_document(make_alert(), "x")["decided_at"] == "2026-03-18T16:00:00+00:00"  # stored before: its end
    assert set(doc) <= set(ALERTS_MAPPINGS["properties"])
    assert ALERTS_MAPPINGS["properties"]["decided_at"] == {"type": "date"}
