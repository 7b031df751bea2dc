"""No channel waits on another: each is served on a thread of its own, so a receiver that hangs until the client's
`timeout_s` delays no other channel. (Before, the channels' sends went one after another: with a hanging hook of
`timeout_s: 5` first, the other hooks' first tries came 5 s late.) The ledger, written by the channels side by
side, stays whole on the embedded store (a file: a connection per thread) and on Elasticsearch, and a second run
sends nothing again. Real HTTP servers on 127.0.0.1 and real sleeps; times are compared with a wide margin."""

from __future__ import annotations

import pytest
from conftest import make_alert
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node per session)

from alerts.config import WebhookChannel
from alerts.deliver import INCIDENT_MARK, SENT_PREFIX, deliver
from core.alert import Alert
from core.state import CLAIM_PREFIX
from indexing.sqlite import SqliteStore

HANG_S = 4.0  # the hanging channel's timeout_s: how long a sequential run held every later channel back


def _hook(name: str, **kw) -> WebhookChannel:
    return WebhookChannel(type="webhook", name=name, url_env=name.upper(), backoff_s=0.1, **kw)


def _incident() -> list[Alert]:
    opener, update = make_alert(hour=15), make_alert(hour=18, severity="critical")
    opener.incident_id = update.incident_id = opener.id
    return [opener, update]


def _deliver_beside_a_hanging_hook(server, state) -> None:
    server.plan["/hang"] = [{"status": 200, "delay": 3 * HANG_S}]  # answers long after the client gave up
    server.plan["/busy"] = [{"status": 429, "headers": {"Retry-After": "1"}}]
    env = {name.upper(): f"{server.url}/{name}" for name in ("hang", "busy", "fast")}
    channels = [_hook("hang", timeout_s=HANG_S, retries=0), _hook("busy"), _hook("fast")]  # the hanging one first

    report = deliver(_incident(), channels, state, env)

    hung = server.on("/hang")[0]["at"]
    first_tries = {name: server.on(f"/{name}")[0]["at"] for name in ("busy", "fast")}
    # Their first tries came while the hanging hook still hung, well before its timeout: not after it.
    assert all(at - hung < HANG_S / 2 for at in first_tries.values()), (hung, first_tries)
    assert [r["status"] for r in server.on("/busy")] == [429, 200, 200]  # its retry waited for itself only
    assert (report.channels["fast"].sent, report.channels["busy"].sent, report.channels["hang"].failed) == (2, 2, 2)
    for name in ("busy", "fast"):  # the opener, then its update as an update of it, on each channel
        sent = [r for r in server.on(f"/{name}") if r["status"] == 200]
        assert [r["json"]["alert"]["id"] for r in sent] == [a.id for a in _incident()]
        assert "Update ·" in sent[1]["json"]["text"]


def _ledger_is_whole(state) -> None:
    """Every accepted alert recorded once per channel, its incident marked, no claim left; the next run sends
    nothing again (at-least-once, and as a rule once)."""
    opener = _incident()[0]
    entries = state.state_items(SENT_PREFIX)
    for name in ("busy", "fast"):
        assert {f"{SENT_PREFIX}{name}:{a.id}" for a in _incident()} <= entries.keys()
        assert f"{SENT_PREFIX}{name}:{INCIDENT_MARK}{opener.id}" in entries
    assert not any(key.startswith(f"{SENT_PREFIX}hang:") for key in entries)
    assert state.state_items(CLAIM_PREFIX) == {}


def test_a_hanging_receiver_holds_no_other_channel_back(http_server, tmp_path):
    state = SqliteStore(tmp_path / "g.db")
    try:
        _deliver_beside_a_hanging_hook(http_server, state)
        _ledger_is_whole(state)
        http_server.plan["/hang"] = [200]
        again = deliver(_incident(), [_hook("hang"), _hook("busy"), _hook("fast")], state,
                        {name.upper(): f"{http_server.url}/{name}" for name in ("hang", "busy", "fast")})
        assert (again.sent, again.already_sent) == (2, 4)  # only what the hanging one never took
    finally:
        state.close()


@pytest.mark.elasticsearch
def test_channels_side_by_side_keep_the_ledger_whole_on_elasticsearch(http_server, es_url):  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore  # lazy: the client loads only for this test

    prefix = "gs-test-threads"
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        _deliver_beside_a_hanging_hook(http_server, store)
        _ledger_is_whole(store)
    finally:
        delete_prefix(store.client, prefix)
        store.close()
