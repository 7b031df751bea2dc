"""Crisis posts collected hours late are paged by the first run that sees them, said to be late (fatigue review,
finding 1), and a re-run of an old interval pages nothing old (finding 5). Real scheduled runs: `pipeline.detect` and
`pipeline.notify` with a `now` on the real embedded store, posts stamped as collection stamps them
(`pipeline.stamped`: the wall clock), a real webhook channel to a local HTTP server. The corpus of
`test_alerts_detect_store`: a crisis of negative posts about overheating on day 14, 15:00 to 18:00 UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from test_alerts_detect_store import CRISIS_AT, START, corpus

from alerts.catchup import DetectedUpTo, mark_key
from alerts.deliver import delivery_clock, with_pending
from alerts.detect import detect_alerts
from alerts.explain import LATE
from alerts.history import stored_alerts
from core.alert import decided_at
from core.mention import Mention
from groundswell import pipeline
from groundswell.config import Config, load_config
from indexing.base import ENRICHED
from indexing.sqlite import SqliteStore

CRISIS = START + timedelta(hours=CRISIS_AT)  # day 14, 15:00; its negatives fill 15:00-18:00
ALL_CLEAR = CRISIS + timedelta(hours=12)  # the all-clear is decided at 03:00 the next day


def _crisis_post(m: Mention) -> bool:
    hour, i = (int(x) for x in m.native_id.split("-"))
    return CRISIS_AT <= hour < CRISIS_AT + 3 and 1000 <= i < 2000


def _config(tmp_path: Path, *hooks: str) -> Config:
    """Acme with a crisis term (so the keyword rule runs too) and one webhook channel per name in `hooks`."""
    channels = [{"type": "webhook", "name": h, "url_env": f"HOOK_{h.upper()}", "retries": 0, "backoff_s": 0}
                for h in hooks]
    folder = write_config(tmp_path, brands=[{"name": "Acme", "query": "acme", "crisis_terms": ["overheating"]}],
                          channels=channels, alerts={"influencer": {"enabled": False}})
    return load_config(folder)


@pytest.fixture
def hooks(http_server, monkeypatch):
    for name in ("hook", "two"):
        monkeypatch.setenv(f"HOOK_{name.upper()}", f"{http_server.url}/{name}")
    return http_server


def _store(tmp_path: Path, *, late: bool) -> tuple[SqliteStore, list[Mention]]:
    """The store with the corpus stamped as collected now (an hour ago, for the posts already there), and the crisis
    posts held back when `late` (returned, for the test to store when it wants)."""
    store = SqliteStore(tmp_path / "g.db")
    posts = corpus()
    held = [m for m in posts if late and _crisis_post(m)]
    earlier = datetime.now(UTC) - timedelta(hours=1)
    on_time = [m.model_copy(update={"collected_at": earlier}) for m in posts if m not in held]
    assert all(r.ok for r in store.upsert(on_time))
    return store, held


def _collect(store: SqliteStore, posts: list[Mention]) -> None:
    """Store `posts` as collection does: stamped with the wall clock as they are written."""
    assert all(r.ok for r in store.upsert(pipeline.stamped(posts)))


def _run(config: Config, store: SqliteStore, now: datetime):
    found = pipeline.detect(config, store, now=now)
    report = pipeline.notify(config, store, list(found), now=now)
    return list(found), report


def _sent(server, path: str = "/hook") -> list[dict]:
    return [r["json"]["alert"] for r in server.on(path)]


def test_a_crisis_collected_hours_late_is_paged_by_the_first_run_that_sees_it(tmp_path, hooks):
    config, (store, late) = _config(tmp_path, "hook"), _store(tmp_path, late=True)
    assert _run(config, store, CRISIS + timedelta(hours=6, minutes=5))[0] == []  # 21:05: the crisis is not stored
    _collect(store, late)  # a collector catching up: posts of 15:00-18:00 stored after the 21:05 run read

    found, report = _run(config, store, CRISIS + timedelta(hours=7, minutes=5))  # 22:05: recent = 19:00-22:00

    # Before: nothing, for the spike (decided 16:00) and its escalations were older than the recent buckets; the
    # spike went out only at 03:05 with its all-clear, or never when the all-clear was old too.
    spike = next(a for a in found if a.kind == "spike" and a.window_start == CRISIS)
    keyword = next(a for a in found if a.kind == "keyword")
    assert decided_at(spike) == CRISIS + timedelta(hours=1)  # when it happened, not when it was found
    for alert in (spike, keyword):
        assert f"{LATE} this happened at {CRISIS:%Y-%m-%d %H:%M} UTC;" in alert.summary
        assert alert.summary.index(LATE) < alert.summary.index("Key phrases")  # right after the headline
    sent = _sent(hooks)
    assert spike.id in [a["id"] for a in sent] and report.too_old == 0
    assert LATE in next(a for a in sent if a["id"] == spike.id)["summary"]
    assert {a.id for a in found} <= {a.id for a in stored_alerts(store)}

    # Nothing twice; the all-clear, later, is an update of the spike the channel was told of.
    assert _run(config, store, CRISIS + timedelta(hours=8, minutes=5))[0] == []
    _run(config, store, ALL_CLEAR + timedelta(minutes=5))
    sent = _sent(hooks)
    assert len(sent) == len({a["id"] for a in sent})
    (clear,) = [a for a in sent if a["kind"] == "all_clear"]
    assert clear["incident_id"] == spike.incident_id and LATE not in clear["summary"]


def test_a_crisis_collected_after_its_all_clear_is_stored_whole_and_paged_within_a_day(tmp_path, hooks):
    """20 hours late, after its all-clear was decided (before: nothing was ever stored or sent): the spike and its
    all-clear are stored and sent in one run, the spike first and said late."""
    config, (store, late) = _config(tmp_path, "hook"), _store(tmp_path, late=True)
    now = CRISIS + timedelta(hours=20, minutes=5)  # day 15, 11:05: the spike was decided 19 h before
    _run(config, store, now - timedelta(hours=1))
    _collect(store, late)

    found, _ = _run(config, store, now)

    kinds = [(a["kind"], a["incident_id"]) for a in _sent(hooks) if a["kind"] in ("spike", "all_clear")]
    spike = next(a for a in found if a.kind == "spike" and a.window_start == CRISIS)
    assert kinds[0] == ("spike", spike.id) and ("all_clear", spike.id) in kinds
    assert LATE in spike.summary


def test_a_late_crisis_over_a_day_old_is_stored_and_shown_not_paged(tmp_path, hooks):
    config, (store, late) = _config(tmp_path, "hook"), _store(tmp_path, late=True)
    now = CRISIS + timedelta(hours=37, minutes=5)  # day 16, 04:05: the all-clear too is over a day old
    _run(config, store, now - timedelta(hours=1))
    _collect(store, late)

    found, report = _run(config, store, now)

    stored = {a.id: a for a in stored_alerts(store)}
    spike = next(a for a in found if a.kind == "spike" and a.window_start == CRISIS)
    assert spike.id in stored and LATE in stored[spike.id].summary  # the dashboard and `alerts list` show it
    assert any(a.kind == "all_clear" and a.incident_id == spike.id for a in stored.values())  # not left open
    assert _sent(hooks) == [] and report.too_old >= 2


def test_on_time_collection_reports_what_it_always_did(tmp_path, hooks):
    """Each hour's posts stored before the run after it, as a collector on time does: every run reports what it
    reported without the late rule (same alerts, same summaries), though the latest hour's posts are always
    collected since the last run."""
    config = _config(tmp_path, "hook")
    store = SqliteStore(tmp_path / "g.db")
    first = CRISIS - timedelta(hours=2)
    posts = corpus()
    _collect(store, [m for m in posts if m.created_at < first])
    brand, marks = config.brands[0], DetectedUpTo(store)
    seen = 0
    for hour in range(15):  # 13:05 on day 14 to 03:05 on day 15: the crisis, its escalations, its all-clear
        now = first + timedelta(hours=hour, minutes=5)
        _collect(store, [m for m in posts if now - timedelta(hours=1) <= m.created_at < now])
        without = detect_alerts(store, brand, config.alerts, now=now, caught_up=marks.get(brand.name), openers=True,
                                configured=["Acme"])
        found, _ = _run(config, store, now)
        assert [(a.id, a.summary) for a in found] == [(a.id, a.summary) for a in without]
        assert marks.collected_since(brand.name) is not None
        seen += len(found)
    assert seen and not any(LATE in a.summary for a in stored_alerts(store))
    assert {a["kind"] for a in _sent(hooks)} >= {"spike", "all_clear"}


def test_a_re_run_of_an_old_interval_pages_a_new_channel_nothing_old(tmp_path, hooks):
    """A channel added after a crisis; then the alerts DAG run of the crisis hour is cleared two days on, so a run's
    `now` is two days back. Before: the new channel got the two-day-old spike as news, and the all-clear decided
    eleven hours after that run's `now`."""
    store, _ = _store(tmp_path, late=False)
    config = _config(tmp_path, "hook")
    _run(config, store, CRISIS + timedelta(hours=1, minutes=5))  # 16:05: the spike, to `hook`
    _run(config, store, ALL_CLEAR + timedelta(minutes=5))  # 03:05: its all-clear
    assert {a["kind"] for a in _sent(hooks)} >= {"spike", "all_clear"}

    config = _config(tmp_path, "hook", "two")
    later = CRISIS + timedelta(days=2)
    assert _run(config, store, later)[1].sent == 0  # on time: too old for the new channel
    found, report = _run(config, store, CRISIS + timedelta(hours=1, minutes=5))  # the re-run

    assert any(a.kind == "spike" for a in found)  # detection keeps its `now`
    assert _sent(hooks, "/two") == [] and report.sent == 0 and report.too_old >= 1


def test_a_run_sends_no_stored_alert_decided_after_its_now(tmp_path, hooks):
    """Without any detection mark to go by, as `with_pending` is offered stored alerts: the all-clear a later run
    decided is not this run's to send."""
    store, _ = _store(tmp_path, late=False)
    config = _config(tmp_path, "hook")
    everything = detect_alerts(store, config.brands[0], config.alerts, now=None)
    clear = next(a for a in everything if a.kind == "all_clear")
    spike = next(a for a in everything if a.id == clear.incident_id)
    now = decided_at(spike) + timedelta(minutes=5)
    assert with_pending([], [spike, clear], config.channels, store, now) == [spike]
    assert with_pending([], [spike, clear], config.channels, store, decided_at(clear)) == [spike, clear]


def test_the_delivery_clock(state):
    wall = datetime.now(UTC)
    before = wall - timedelta(days=400)
    assert delivery_clock(before, state) == before  # no mark: the run's `now` (a replay's 2015 hour)
    DetectedUpTo(state).advance("Acme", before + timedelta(hours=1))
    assert delivery_clock(before + timedelta(hours=1), state) == before + timedelta(hours=1)  # the latest run
    assert delivery_clock(before, state) == before + timedelta(hours=1)  # a re-run: the latest run's clock
    assert delivery_clock(before) == before  # no state: as before
    DetectedUpTo(state).advance("Globex", wall + timedelta(days=30))  # a run with a mistaken future `now`
    assert wall <= delivery_clock(before, state) <= datetime.now(UTC)  # never past the wall clock


def test_the_mark_records_when_the_run_read_and_reads_old_marks(state):
    marks = DetectedUpTo(state)
    state.set_state(mark_key("Acme"), "2026-03-16T14:05:00+00:00")  # written by the previous version
    assert marks.get("Acme") == datetime(2026, 3, 16, 14, 5, tzinfo=UTC)
    assert marks.collected_since("Acme") is None  # nothing taken as late on the first run after an upgrade
    began = datetime.now(UTC)
    marks.get("Acme")
    marks.advance("Acme", datetime(2026, 3, 16, 15, 5, tzinfo=UTC))
    again = DetectedUpTo(state)
    assert again.get("Acme") == datetime(2026, 3, 16, 15, 5, tzinfo=UTC)
    assert began <= again.collected_since("Acme") <= datetime.now(UTC)
    read = again.collected_since("Acme")
    again.advance("Acme", datetime(2026, 3, 16, 14, 5, tzinfo=UTC))  # a re-run of an older interval: nothing moves
    assert DetectedUpTo(state).collected_since("Acme") == read


def test_late_posts_waiting_for_labels_are_judged_late_once_labelled(tmp_path, hooks):
    """Ingest and enrich are separate steps (the Airflow DAGs): late posts stored unlabelled hold the rules that read
    labels from their bucket, and the brand's mark stays where it was (it never moves back), read included. Once
    enrich has labelled them, the next run judges them late; before, their spike was older than both the recent
    buckets and the catch-up mark, and lost."""
    config, (store, late) = _config(tmp_path, "hook"), _store(tmp_path, late=True)
    _run(config, store, CRISIS + timedelta(hours=6, minutes=5))
    _collect(store, [m.model_copy(update={"sentiment": None}) for m in late])  # not enriched yet
    held, _ = _run(config, store, CRISIS + timedelta(hours=7, minutes=5))
    assert not any(a.kind == "spike" for a in held)
    assert all(r.ok for r in store.upsert(late, fields=ENRICHED))  # enrich: the labels only, `collected_at` kept

    found, _ = _run(config, store, CRISIS + timedelta(hours=8, minutes=5))

    spike = next(a for a in found if a.kind == "spike" and a.window_start == CRISIS)
    assert LATE in spike.summary and spike.id in [a["id"] for a in _sent(hooks)]
