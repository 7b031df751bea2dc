"""Kibana saved objects: generated from the spec, consistent, on fields the index has; the import CLI's requests."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import timedelta
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner
from es_node import delete_prefix, es_node, es_url  # noqa: F401  (session fixtures: one real node)
from web_support import load_demo

from alerts.history import save_alerts
from core.accounts import OwnAccounts
from core.alert import Alert
from dashboards.kibana.build import (
    OUTPUT,
    SPAM_FILTER_LABEL,
    build,
    load_spec,
    main,
    object_id,
    referenced_fields,
    searched_data_view,
    spam_filter,
    to_ndjson,
)
from dashboards.kibana.cli import kibana
from groundswell import demo_corpus as demo
from groundswell.pipeline import index_alerts
from groundswell.spam import flag_spam
from indexing.base import Filters
from indexing.elasticsearch_alerts import ALERTS_MAPPINGS
from indexing.elasticsearch_mapping import SPAM_FIELD, field_paths, mentions_mappings

OBJECTS = build(load_spec())
MENTIONS, ALERTS = "groundswell-mentions", "groundswell-alerts"  # the data views' ids
# Each data view's mapping: the mentions' base template (what every engine gets, with or without the language
# analyzers), and the alerts index's.
MAPPINGS = {MENTIONS: mentions_mappings(language_analyzers=False, icu=False), ALERTS: ALERTS_MAPPINGS}


def _on(data_view: str) -> list[dict]:
    return [o for o in OBJECTS if o["type"] in ("visualization", "search") and searched_data_view(o) == data_view]


def test_committed_ndjson_is_what_the_spec_generates():
    assert main(["--check"]) == 0, "run: python -m dashboards.kibana.build"
    assert OUTPUT.read_text(encoding="utf-8") == to_ndjson(OBJECTS)


def test_every_object_searches_a_data_view_of_the_spec():
    views = {o["id"] for o in OBJECTS if o["type"] == "index-pattern"}
    assert views == set(MAPPINGS)
    for obj in OBJECTS:
        if obj["type"] != "dashboard":
            assert searched_data_view(obj) in views, obj["id"]
    # Every field used is checked below against the mapping of the data view its object searches.
    assert referenced_fields(OBJECTS) == referenced_fields(OBJECTS, MENTIONS) | referenced_fields(OBJECTS, ALERTS)


def test_every_referenced_field_exists_in_the_index_template():
    known = field_paths(MAPPINGS[MENTIONS])
    used = referenced_fields(OBJECTS, MENTIONS)
    assert {"created_at", "sentiment.label", "brands", "lang", "source", "main_themes", "author.handle",
            SPAM_FIELD} <= used
    assert used <= known, f"not in the index template: {sorted(used - known)}"


def test_every_referenced_alert_field_exists_in_the_alerts_mapping():
    known = field_paths(ALERTS_MAPPINGS)
    used = referenced_fields(OBJECTS, ALERTS)
    assert {"decided_at", "brand", "severity", "kind", "summary"} <= used
    assert used <= known, f"not in the alerts index's mapping: {sorted(used - known)}"
    # An alert field the mentions also have (`source`, `lang`) must not be checked against theirs only: `brand`
    # is no mentions field (theirs is `brands`), so a check against the wrong mapping fails here.
    assert "brand" not in field_paths(MAPPINGS[MENTIONS])


def test_aggregated_fields_are_keywords_or_numbers():
    def field_type(data_view: str, path: str) -> str:
        spec = MAPPINGS[data_view]
        for part in path.split("."):
            spec = spec["properties"][part]
        return spec["type"]

    for obj in OBJECTS:
        if obj["type"] != "visualization":
            continue
        for agg in json.loads(obj["attributes"]["visState"])["aggs"]:
            field = agg["params"].get("field")
            if field:
                want = {"date"} if agg["type"] == "date_histogram" else {"keyword", "long", "double"}
                assert field_type(searched_data_view(obj), field) in want, (obj["id"], field)


def test_references_resolve_and_dashboard_has_every_panel():
    ids = {(o["type"], o["id"]) for o in OBJECTS}
    for obj in OBJECTS:
        for ref in obj["references"]:
            assert (ref["type"], ref["id"]) in ids, (obj["id"], ref)
    (dashboard,) = [o for o in OBJECTS if o["type"] == "dashboard"]
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    assert len(panels) == 11 == len(dashboard["references"])
    assert {p["panelRefName"] for p in panels} == {r["name"] for r in dashboard["references"]}
    for p in panels:
        assert p["gridData"]["x"] + p["gridData"]["w"] <= 48
    (search,) = [o for o in OBJECTS if o["id"] == "groundswell-negative-mentions"]
    assert "negative" in search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"]


def test_the_alerts_are_on_the_dashboard_under_the_volume_chart():
    (dashboard,) = [o for o in OBJECTS if o["type"] == "dashboard"]
    panels = {r["id"]: p["gridData"] for p, r in zip(json.loads(dashboard["attributes"]["panelsJSON"]),
                                                      dashboard["references"], strict=True)}
    volume, over_time = panels["groundswell-volume-by-sentiment"], panels["groundswell-alerts-by-severity"]
    assert (over_time["y"], over_time["x"], over_time["w"]) == (volume["y"] + volume["h"], volume["x"], volume["w"])
    (alerts,) = [o for o in _on(ALERTS) if o["type"] == "search"]
    assert alerts["attributes"]["title"] == "Alerts" and alerts["id"] in panels
    assert alerts["attributes"]["columns"] == ["brand", "severity", "kind", "summary"]
    (over_time_vis,) = [o for o in _on(ALERTS) if o["id"] == "groundswell-alerts-by-severity"]
    vis = json.loads(over_time_vis["attributes"]["visState"])
    assert [(a["type"], a["params"].get("field")) for a in vis["aggs"]] == [
        ("count", None), ("date_histogram", "decided_at"), ("terms", "severity")]
    (view,) = [o for o in OBJECTS if o["id"] == ALERTS and o["type"] == "index-pattern"]
    assert view["attributes"] == {"name": "Groundswell alerts", "timeFieldName": "decided_at",
                                  "title": "groundswell-alerts"}


def _search_source(obj: dict) -> dict:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def test_every_visualization_and_the_search_leave_spam_and_own_posts_out():
    # The web dashboard, digest and report count neither (Filters.include_spam=False): Kibana must not either.
    searching = _on(MENTIONS)
    assert len(searching) == 8
    for obj in searching:
        (spam,) = _search_source(obj)["filter"]
        assert spam == spam_filter(), obj["id"]
        assert spam["meta"]["negate"] and not spam["meta"]["disabled"] and spam["meta"]["alias"] == SPAM_FILTER_LABEL
        assert spam["query"] == {"exists": {"field": SPAM_FIELD}}
    # The alerts have no spam field: a filter on it would be a pill that means nothing there.
    on_alerts = _on(ALERTS)
    assert len(on_alerts) == 3
    for obj in on_alerts:
        assert _search_source(obj)["filter"] == [], obj["id"]
        assert [r["name"] for r in obj["references"]] == [_search_source(obj)["indexRefName"]]


def test_every_index_ref_name_is_a_reference_of_its_object():
    # Kibana's _import resolves `indexRefName`s through the object's references, filters' ones included.
    ids = {o["id"] for o in OBJECTS if o["type"] == "index-pattern"}
    for obj in OBJECTS:
        if "kibanaSavedObjectMeta" not in obj["attributes"] or obj["type"] == "dashboard":
            continue
        source = _search_source(obj)
        names = [source["indexRefName"]] + [f["meta"]["indexRefName"] for f in source["filter"]]
        refs = {r["name"]: r for r in obj["references"]}
        for name in names:
            assert refs[name]["type"] == "index-pattern" and refs[name]["id"] in ids, (obj["id"], name)


def _as_elasticsearch(source: dict) -> dict:
    """The query Kibana sends for a saved object's enabled filters (a negated one goes under must_not)."""
    live = [f for f in source["filter"] if not f["meta"]["disabled"]]
    return {"bool": {"filter": [f["query"] for f in live if not f["meta"]["negate"]],
                     "must_not": [f["query"] for f in live if f["meta"]["negate"]]}}  # fmt: skip


@pytest.mark.elasticsearch
def test_the_spam_filter_counts_what_the_store_counts_on_a_real_node(es_url):  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-kibana-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        load_demo(store)
        own = OwnAccounts.of({"x": ["@" + demo.CARE_HANDLE]})
        flag_spam(store, demo.START, demo.START + timedelta(days=demo.DAYS), own=own)
        store.client.indices.refresh(index=store.alias)
        (volume,) = [o for o in OBJECTS if o["id"] == "groundswell-volume-by-sentiment"]
        kibana_count = store.client.count(index=store.alias, query=_as_elasticsearch(_search_source(volume)))
        counted = store.count(Filters())
        assert kibana_count.body["count"] == counted < store.count(Filters(include_spam=True))
    finally:
        delete_prefix(store.client, prefix)
        store.close()


@pytest.mark.elasticsearch
def test_the_alert_objects_read_the_alerts_index_of_a_real_store(es_url):  # noqa: F811
    from indexing.elasticsearch import ElasticsearchStore

    prefix = f"gs-kibana-{uuid.uuid4().hex[:8]}"
    store = ElasticsearchStore(es_url, index_prefix=prefix)
    try:
        end = demo.START + timedelta(hours=1)
        alerts = [Alert(brand=brand, severity=severity, window_start=demo.START, window_end=end, observed=30,
                        expected=3, statistic="poisson", score=9.0, summary=f"{brand} spiked")
                  for brand, severity in (("Lumora", "critical"), ("Veltra", "warning"))]
        save_alerts(store, alerts)
        assert index_alerts(store, alerts) == (0, [])
        store.client.indices.refresh(index=store.alerts_index)
        own = object_id(ALERTS, prefix)  # a prefix other than the default has ids of its own
        (view,) = [o for o in build(load_spec(), prefix=prefix) if o["id"] == own and o["type"] == "index-pattern"]
        assert view["attributes"]["title"] == store.alerts_index
        mapping = store.client.indices.get_mapping(index=store.alerts_index).body[store.alerts_index]["mappings"]
        assert referenced_fields(OBJECTS, ALERTS) <= field_paths(mapping)
        for obj in _on(ALERTS):  # what Kibana asks for: the object's filters, on the data view's index
            assert store.client.count(index=store.alerts_index, query=_as_elasticsearch(_search_source(obj))).body[
                "count"] == len(alerts), obj["id"]
    finally:
        delete_prefix(store.client, prefix)
        store.close()


def test_index_prefix_changes_the_data_view_title():
    views = [o for o in build(load_spec(), prefix="acme") if o["type"] == "index-pattern"]
    assert [dv["attributes"]["title"] for dv in views] == ["acme-mentions", "acme-alerts"]


@pytest.mark.parametrize("command", [["build"], ["import", "--url", "http://127.0.0.1:9"]])
def test_an_index_prefix_the_store_refuses_is_a_usage_error(command, tmp_path):
    out = tmp_path / "objects.ndjson"
    args = [*command, "--index-prefix", "BAD PREFIX!", *(["-o", str(out)] if command == ["build"] else [])]
    result = CliRunner().invoke(kibana, args)
    assert result.exit_code == 2, result.output
    assert "index_prefix 'BAD PREFIX!' must be lowercase letters" in result.output
    assert not out.exists()
    with pytest.raises(ValueError, match="must be lowercase"):
        build(load_spec(), prefix="BAD PREFIX!")
    with pytest.raises(SystemExit):  # python -m dashboards.kibana.build: an argparse usage error
        main(["--prefix", "BAD PREFIX!", "-o", str(out)])
    assert not out.exists()


def _multipart_files(content_type: str, body: bytes) -> dict[str, list[bytes]]:
    """Form-data parts by field name (the stdlib email parser reads multipart bodies)."""
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    files: dict[str, list[bytes]] = {}
    for part in message.iter_parts():
        files.setdefault(part.get_param("name", header="content-disposition"), []).append(part.get_payload(decode=True))
    return files


class FakeKibana:
    """A local HTTP server that records requests and answers like Kibana's `_import`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.answer: dict = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                files = _multipart_files(self.headers.get("Content-Type", ""), body)
                url = urlparse(self.path)
                outer.requests.append(
                    {"path": url.path, "query": parse_qs(url.query), "headers": dict(self.headers), "files": files}
                )
                data = json.dumps(outer.answer).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_kibana():
    server = FakeKibana()
    yield server
    server.close()


def test_import_posts_the_objects_to_the_saved_objects_api(fake_kibana, monkeypatch):
    fake_kibana.answer = {"success": True, "successCount": len(OBJECTS)}
    monkeypatch.setenv("KIBANA_API_KEY", "s3cret-key")
    result = CliRunner().invoke(kibana, ["import", "--url", fake_kibana.url + "/"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["imported"] == len(OBJECTS)
    assert "s3cret" not in result.output
    (req,) = fake_kibana.requests
    assert req["path"] == "/api/saved_objects/_import"
    assert req["query"] == {"overwrite": ["true"]}
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["kbn-xsrf"]
    assert headers["authorization"] == "ApiKey s3cret-key"
    (uploaded,) = req["files"]["file"]
    lines = [json.loads(line) for line in uploaded.decode().splitlines()]
    assert [(o["type"], o["id"]) for o in lines] == [(o["type"], o["id"]) for o in OBJECTS]


def test_import_into_a_space_with_prefix_and_no_overwrite(fake_kibana, monkeypatch):
    fake_kibana.answer = {"success": True, "successCount": len(OBJECTS)}
    monkeypatch.delenv("KIBANA_API_KEY", raising=False)
    result = CliRunner().invoke(
        kibana, ["import", "--url", fake_kibana.url, "--space", "marketing", "--index-prefix", "acme", "--no-overwrite"]
    )
    assert result.exit_code == 0, result.output
    (req,) = fake_kibana.requests
    assert req["path"] == "/s/marketing/api/saved_objects/_import"
    assert req["query"] == {}
    assert "authorization" not in {k.lower() for k in req["headers"]}
    first = json.loads(req["files"]["file"][0].decode().splitlines()[0])
    assert first["attributes"]["title"] == "acme-mentions"


def test_import_reports_per_object_errors(fake_kibana):
    fake_kibana.answer = {
        "success": False,
        "successCount": 8,
        "errors": [{"type": "dashboard", "id": "groundswell-overview", "error": {"type": "conflict", "message": ""}}],
    }
    result = CliRunner().invoke(kibana, ["import", "--url", fake_kibana.url])
    assert result.exit_code == 1
    assert "dashboard/groundswell-overview" in result.output and "conflict" in result.output


def test_import_reports_http_errors(fake_kibana):
    fake_kibana.status = 401
    fake_kibana.answer = {"statusCode": 401, "error": "Unauthorized", "message": "missing authentication credentials"}
    result = CliRunner().invoke(kibana, ["import", "--url", fake_kibana.url])
    assert result.exit_code == 1
    assert "HTTP 401" in result.output and "missing authentication" in result.output


def test_import_says_when_kibana_is_unreachable():
    result = CliRunner().invoke(kibana, ["import", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach Kibana" in result.output


def test_credentials_in_the_url_are_used_but_never_echoed(fake_kibana):
    # `--url http://user:pass@host` is how some teams pass Basic auth: it must reach Kibana, not the terminal.
    fake_kibana.answer = {"success": True, "successCount": len(OBJECTS)}
    with_login = fake_kibana.url.replace("http://", "http://elastic:S3cretPassw0rd@")
    result = CliRunner().invoke(kibana, ["import", "--url", with_login])
    assert result.exit_code == 0, result.output
    assert "S3cretPassw0rd" not in result.output and "elastic" not in result.output
    assert json.loads(result.output.strip().splitlines()[-1])["url"] == fake_kibana.url
    (req,) = fake_kibana.requests
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["authorization"] == "Basic " + base64.b64encode(b"elastic:S3cretPassw0rd").decode()


def test_credentials_in_the_url_stay_out_of_the_unreachable_error():
    result = CliRunner().invoke(kibana, ["import", "--url", "http://elastic:S3cretPassw0rd@127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach Kibana at http://127.0.0.1:9:" in result.output
    assert "S3cretPassw0rd" not in result.output and "elastic:" not in result.output
