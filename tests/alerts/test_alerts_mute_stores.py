"""A brand's mutes (alerts/mute.py) on both stores through the same `Store` state: set, changed, ended for one
channel of a mute of every channel, read back at once (Elasticsearch lists state by a search: it must see what was
just written), held by delivery's `Holds`, and pruned a day after they end."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from alerts.holds import Holds
from alerts.mute import ALL_CHANNELS, KEPT_AFTER, MUTE_PREFIX, load_mutes, prune, set_mute, unmute
from alerts.verdict_filter import Verdicts
from core.alert import Alert
from indexing.base import Store
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 5, 4, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def store(request, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = SqliteStore(tmp_path / "g.db")
        yield opened
        opened.close()
        return
    from indexing.elasticsearch import ElasticsearchStore  # lazy: the Elasticsearch client only for its half

    opened = ElasticsearchStore(request.getfixturevalue("es_url"), index_prefix=f"gs-mute-{uuid.uuid4().hex[:8]}")
    yield opened
    delete_prefix(opened.client, opened.prefix)
    opened.close()


def _alert(brand: str, hours: float) -> Alert:
    end = T0 + timedelta(hours=hours)
    return Alert(kind="spike", brand=brand, severity="warning", window_start=end - timedelta(hours=1), window_end=end,
                 observed=12, expected=3.0, statistic="negbin", score=4.0, decided_at=end)


def test_mutes_are_set_read_ended_held_and_pruned_the_same_on_both_stores(store: Store):
    set_mute(store, "Acme", until=T0 + timedelta(hours=6), by="ana", now=T0, note="noisy")
    set_mute(store, "Acme", until=T0 + timedelta(hours=8), by="ana", now=T0 + timedelta(minutes=5))  # changed
    assert [(m.channel, m.until, m.note) for m in load_mutes(store)] == [(ALL_CHANNELS, T0 + timedelta(hours=8), None)]

    ended = unmute(store, "Acme", channels=["ops"], every_channel=["ops", "pr"], by="bo", now=T0 + timedelta(hours=1))

    assert [(m.channel, m.ended_by) for m in ended] == [(ALL_CHANNELS, "bo")]
    now = T0 + timedelta(hours=2)
    holds = Holds.for_run(store, Verdicts(), now)
    acme, globex = _alert("Acme", 2), _alert("Globex", 2)
    assert holds.mute("ops", acme) is None and holds.mute("pr", globex) is None
    assert holds.mute("pr", acme).reason == "muted until 2026-05-04 17:00 UTC by ana"
    assert holds.mute("ops", _alert("Acme", 0.5)) is not None  # decided while every channel was muted
    assert prune(store, T0 + timedelta(hours=1) + KEPT_AFTER + timedelta(minutes=1)) == 1  # the ended one
    assert [m.channel for m in load_mutes(store)] == ["pr"]
    assert prune(store, T0 + timedelta(hours=8) + KEPT_AFTER + timedelta(minutes=1)) == 1
    assert store.state_items(MUTE_PREFIX) == {}
