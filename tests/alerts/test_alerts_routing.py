"""Channel routing (`route:`): one decision per key, AND across keys, enforced by delivery end to end."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from conftest import make_alert

from alerts.config import WebhookChannel
from alerts.deliver import deliver, sent_key
from alerts.history import save_alerts
from alerts.routing import RouteRule, alert_langs, routes
from core.alert import Alert
from core.errors import ConfigError
from groundswell.cli import cli
from groundswell.config import parse_config


def rule(**keys) -> RouteRule:
    return RouteRule.model_validate(keys)


def test_no_route_gets_everything():
    assert routes(make_alert(), None).sent


@pytest.mark.parametrize(
    ("keys", "alert_kw", "expected"),
    [
        ({"brands": ["Acme", "Globex"]}, {"brand": "Globex"}, True),
        ({"brands": ["acme"]}, {"brand": "Acme"}, True),  # case-insensitive
        ({"brands": ["Acme"]}, {"brand": "Globex"}, False),
        ({"kinds": ["spike", "keyword"]}, {"kind": "keyword"}, True),
        ({"kinds": ["spike"]}, {"kind": "influencer"}, False),
        ({"min_severity": "critical"}, {"severity": "critical"}, True),
        ({"min_severity": "critical"}, {"severity": "warning"}, False),
        ({"min_severity": "warning"}, {"severity": "info"}, False),
    ],
)
def test_each_key_alone(keys, alert_kw, expected):
    decision = routes(make_alert(**alert_kw), rule(**keys))
    assert decision.sent is expected
    if not expected:
        assert f"route.{next(iter(keys))}" in decision.reason  # the reason names the key that failed


def test_langs_use_the_alerts_own_language_else_its_mix():
    brandwide = make_alert()  # lang_mix en 25, it 6: it is 19 %, under LANG_SHARE
    assert alert_langs(brandwide) == {"en"}
    assert routes(brandwide, rule(langs=["en", "ko"])).sent
    assert not routes(brandwide, rule(langs=["it"])).sent
    korean = make_alert().model_copy(update={"lang": "ko"})  # a `split_by: lang` alert
    assert routes(korean, rule(langs=["KO"])).sent
    mixed = make_alert().model_copy(update={"lang_mix": {"en": 6, "ko": 4}})
    assert routes(mixed, rule(langs=["ko"])).sent  # 40 % Korean: the Korean channel hears of it


def test_terms_match_crisis_term_top_terms_and_themes():
    spike = make_alert()  # top_terms bricked, update, refund; theme "software update"
    assert routes(spike, rule(terms=["refund", "fire"])).sent
    assert routes(spike, rule(terms=["Software Update"])).sent
    assert not routes(spike, rule(terms=["battery", "fire"])).sent
    keyword = make_alert(kind="keyword").model_copy(update={"subject": "fire", "top_terms": [], "top_themes": []})
    assert routes(keyword, rule(terms=["battery", "fire"])).sent


def test_keys_combine_with_and():
    r = rule(brands=["Acme"], kinds=["spike"], min_severity="critical", langs=["en"], terms=["refund"])
    assert routes(make_alert(severity="critical"), r).sent
    assert not routes(make_alert(severity="warning"), r).sent  # one key failing is enough
    assert not routes(make_alert(brand="Globex", severity="critical"), r).sent
    assert "brand Globex" in routes(make_alert(brand="Globex", severity="critical"), r).reason


def _config(route: dict) -> dict:
    return {
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "channels": [{"type": "slack", "url_env": "SLACK", "route": route}],
    }


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ({"kinds": ["spkie"]}, "channels.0 (slack).route.kinds: unknown alert kind 'spkie'"),
        ({"brands": ["Lumoraa"]}, "channels.0 (slack).route.brands: unknown brand 'Lumoraa'"),
        ({"min_severity": "urgent"}, "channels.0 (slack).route.min_severity"),
        ({"brand": ["Lumora"]}, "channels.0 (slack).route.brand"),  # a typo'd key
        ({"terms": []}, "channels.0 (slack).route.terms"),
    ],
)
def test_bad_routes_are_clear_config_errors(route, message):
    with pytest.raises(ConfigError) as exc:
        parse_config(_config(route))
    assert message in str(exc.value)


def test_a_valid_route_parses():
    config = parse_config(_config({"brands": ["Lumora"], "kinds": ["spike"], "langs": ["ko"], "terms": ["fire"]}))
    assert config.channels[0].route.kinds == ["spike"]


def test_delivery_routes_to_local_webhooks_once(http_server, state):
    env = {"ALL": http_server.url + "/all", "CRIT": http_server.url + "/crit", "KO": http_server.url + "/ko"}
    channels = [
        WebhookChannel(type="webhook", name="all", url_env="ALL"),
        WebhookChannel(type="webhook", name="crit", url_env="CRIT", route={"min_severity": "critical"}),
        WebhookChannel(type="webhook", name="ko", url_env="KO", route={"brands": ["Acme"], "langs": ["ko"]}),
    ]
    korean = Alert.model_validate(make_alert(hour=20).model_dump() | {"lang": "ko", "id": ""})  # its own id
    alerts = [make_alert(hour=15), make_alert(hour=18, severity="critical"), korean]

    report = deliver(alerts, channels, state, env)
    got = {path: [r["json"]["alert"]["id"] for r in http_server.on(path)] for path in ("/all", "/crit", "/ko")}
    assert got == {"/all": [a.id for a in alerts], "/crit": [alerts[1].id], "/ko": [korean.id]}
    assert report.failed == 0 and report.sent == 5 and report.routed_out == 4
    assert report.channels["crit"].routed_out == 2
    assert any("below route.min_severity critical" in r for r in report.channels["crit"].routed)
    assert json.loads(state.get_state(sent_key("ko", alerts[0].id)))["skipped"].startswith("languages (en)")

    again = deliver(alerts, channels, state, env)
    assert (again.sent, again.already_sent, again.failed, again.routed_out) == (0, 5, 0, 4)
    assert sum(len(http_server.on(p)) for p in ("/all", "/crit", "/ko")) == 5  # nothing re-sent


@pytest.mark.parametrize("route", [{"brands": ["Globex"]}, {"langs": ["ko"]}, {"terms": ["fire"]}])
def test_routed_out_is_not_retried_when_the_route_widens(http_server, state, route):
    # The ledger holds the decision while the alert's facts stay the same: a channel whose route is widened
    # later is not flooded with old alerts.
    env = {"KO": http_server.url + "/ko"}
    narrow = WebhookChannel(type="webhook", name="ko", url_env="KO", route=route)
    deliver([make_alert()], [narrow], state, env)
    wide = narrow.model_copy(update={"route": None})
    report = deliver([make_alert(), make_alert(hour=16)], [wide], state, env)
    assert (report.sent, report.routed_out) == (1, 1)
    assert [r["json"]["alert"]["id"] for r in http_server.on("/ko")] == [make_alert(hour=16).id]


def test_alerts_routes_command_explains_each_channel(tmp_path, monkeypatch):
    from indexing.sqlite import SqliteStore

    db = tmp_path / "g.db"
    store = SqliteStore(db)
    fresh = make_alert()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    fresh.window_start, fresh.window_end = now - timedelta(hours=1), now  # decided within the last day
    save_alerts(store, [fresh, make_alert(brand="Globex", hour=9, severity="critical")])
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        json.dumps(
            {
                "brands": [{"name": "Acme", "query": "Acme"}, {"name": "Globex", "query": "Globex"}],
                "store": {"path": str(db)},
                "channels": [
                    {"type": "console"},
                    {"type": "slack", "url_env": "SLACK", "route": {"brands": ["Acme"]}},
                ],
            }
        )
    )
    result = CliRunner().invoke(cli, ["alerts", "routes", "--config", str(path)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(line["brand"], line["channels"]["slack"]["gets"]) for line in lines] == [
        ("Globex", False),
        ("Acme", True),
    ]
    assert lines[0]["channels"]["slack"]["reason"] == "brand Globex not in route.brands"
    # Globex's alert of March 2026 was never sent, and never will be: delivery offers an alert for a day.
    assert lines[0]["channels"]["console"] == {"gets": True, "reason": "no route: every alert", "ledger": "too old"}
    assert lines[1]["channels"]["console"] == {"gets": True, "reason": "no route: every alert", "ledger": "pending"}


def test_alerts_routes_command_says_what_min_severity_and_followups_leave_out(tmp_path):
    # Delivery's own rule (alerts.deliver.passed_over), not the route alone: a warning for a critical-only
    # channel, and a minor follow-up of an incident the channel heard of, are not "pending" there.
    from indexing.sqlite import SqliteStore

    opener, minor = make_alert(hour=15, severity="critical"), make_alert(hour=18, kind="keyword")
    opener.incident_id = minor.incident_id = opener.id
    warning = make_alert(brand="Globex", hour=9)
    db = tmp_path / "g.db"
    store = SqliteStore(db)
    save_alerts(store, [opener, minor, warning])
    raw = {
        "brands": [{"name": "Acme", "query": "Acme"}, {"name": "Globex", "query": "Globex"}],
        "store": {"path": str(db)},
        "channels": [
            {"type": "console", "name": "managers", "min_severity": "critical"},
            {"type": "console", "name": "team", "followups": "none"},
        ],
    }
    report = deliver([opener, minor, warning], parse_config(raw).channels, store, {}, stream=io.StringIO())
    assert (report.sent, report.folded, report.channels["managers"].skipped) == (3, 1, 2)
    store.close()
    path = tmp_path / "groundswell.yaml"
    path.write_text(json.dumps(raw))

    result = CliRunner().invoke(cli, ["alerts", "routes", "--config", str(path)])

    assert result.exit_code == 0, result.output
    got = {line["alert"]: line["channels"] for line in map(json.loads, result.output.splitlines())}
    skipped = {"gets": False, "reason": "severity warning below min_severity critical", "ledger": "skipped"}
    assert got[warning.id]["managers"] == skipped
    assert got[minor.id]["team"] == {
        "gets": False, "reason": f"a minor update of incident {opener.id} (followups: none)", "ledger": "folded"
    }  # fmt: skip
    assert got[opener.id]["managers"] == {"gets": True, "reason": "no route: every alert", "ledger": "sent"}
