"""The dashboard's server-side security rules (docs/security.md), over the real SQLite demo store.

Host check without a token (DNS rebinding), token length, same-site redirect after
?token=, and signed page cursors. Requests go raw to a real uvicorn on 127.0.0.1 where
the exact bytes matter (Host headers, '//' paths); elsewhere through TestClient.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from live_server import live_server, raw_get
from web_support import BRANDS, demo_db

from dashboards.web.app import create_app
from dashboards.web.auth import MIN_TOKEN_CHARS, TokenRequired
from dashboards.web.cli import serve
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore

BRAND_CONFIGS = [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS]
TOKEN = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def store():
    store = SqliteStore(demo_db())
    yield store
    store.close()


@pytest.fixture(scope="module")
def open_port(store):
    """The dashboard without a token, on a real uvicorn."""
    with live_server(create_app(store, BRAND_CONFIGS)) as port:
        yield port


@pytest.fixture(scope="module")
def token_port(store):
    with live_server(create_app(store, BRAND_CONFIGS, token=TOKEN)) as port:
        yield port


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8050", "127.0.0.1.nip.io", "[::2]", "", "a b"])
def test_without_a_token_a_foreign_host_cannot_read_the_export(open_port, host):
    # A page on evil.example that rebinds its name to 127.0.0.1 sends 'Host: evil.example'.
    status, headers, body = raw_get(open_port, "/api/export?format=json", {"Host": host})
    assert status == 400
    assert "localhost, 127.0.0.1 or [::1]" in json.loads(body)["error"]
    assert b"Lumora" not in body
    status, _, body = raw_get(open_port, "/overview", {"Host": host})
    assert status == 400 and b"GROUNDSWELL_DASHBOARD_TOKEN" in body


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8050", "127.0.0.1", "127.9.9.9:1", "[::1]", "[::1]:8050"])
def test_without_a_token_loopback_host_names_are_answered(open_port, host):
    status, _, body = raw_get(open_port, "/api/meta", {"Host": host})
    assert status == 200 and json.loads(body)["default_brand"] == "Lumora"


def test_with_a_token_any_host_is_answered_once_the_token_is_given(token_port):
    assert raw_get(token_port, "/api/meta", {"Host": "dashboard.example"})[0] == 401
    authorized = {"Host": "dashboard.example", "Authorization": f"Bearer {TOKEN}"}
    assert raw_get(token_port, "/api/meta", authorized)[0] == 200


@pytest.mark.parametrize("path", ["//evil.example", "/\\evil.example", "/%09/evil.example", "///evil.example/x"])
def test_the_redirect_after_token_login_stays_on_site(token_port, path):
    status, headers, _ = raw_get(token_port, f"{path}?token={TOKEN}&q=battery")
    assert status == 303
    location = headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert location.endswith("?q=battery")
    # Browsers read '\\' as '/' and drop tabs: resolve the way they do.
    resolved = urljoin("http://127.0.0.1:8050/overview", location.replace("\\", "/").replace("\t", ""))
    assert urlsplit(resolved).netloc == "127.0.0.1:8050"


@pytest.mark.parametrize("token", ["s3cret", "x" * (MIN_TOKEN_CHARS - 1)])
def test_short_tokens_are_refused(store, token):
    with pytest.raises(TokenRequired, match=f"too short .*at least {MIN_TOKEN_CHARS}"):
        create_app(store, BRAND_CONFIGS, token=token)
    result = CliRunner().invoke(serve, ["--token", token, "--config", "unused.yaml"])
    assert result.exit_code == 2 and "too short" in result.output
    assert token not in result.output


def test_a_token_of_the_minimum_length_is_accepted(store):
    with TestClient(create_app(store, BRAND_CONFIGS, token="t" * MIN_TOKEN_CHARS)) as client:
        assert client.get("/api/meta", headers={"Authorization": "Bearer " + "t" * MIN_TOKEN_CHARS}).status_code == 200


@pytest.fixture(scope="module")
def client(store):
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as client:
        yield client


SEARCH = {"brand": "Lumora", "sentiment": "negative", "size": 5, "sort": "engagement"}


def _forge(cursor: str, total: int) -> str:
    """The store cursor inside `cursor` with another total, re-encoded the way the store encodes it."""
    inner = cursor.partition(".")[2]
    values = json.loads(base64.urlsafe_b64decode(inner))
    values[2] = total
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def test_a_forged_cursor_cannot_set_the_total_shown(client):
    first = client.get("/api/search", params=SEARCH).json()
    forged = _forge(first["next_cursor"], 999_999)
    for cursor in (forged, first["next_cursor"].partition(".")[0] + "." + forged):
        response = client.get("/api/search", params={**SEARCH, "cursor": cursor})
        assert response.status_code == 400, response.text
        assert response.json()["param"] == "cursor" and "start again without a cursor" in response.json()["error"]


def test_a_cursor_is_only_valid_for_its_own_search(client):
    first = client.get("/api/search", params=SEARCH).json()
    second = client.get("/api/search", params={**SEARCH, "size": 7, "cursor": first["next_cursor"]})
    assert second.status_code == 200 and second.json()["total"] == first["total"]  # page size may change
    for other in ({"sentiment": "positive"}, {"sort": "newest"}, {"q": "battery"}):
        response = client.get("/api/search", params={**SEARCH, **other, "cursor": first["next_cursor"]})
        assert response.status_code == 400 and response.json()["param"] == "cursor"


def test_cursors_from_another_server_process_are_refused(store, client):
    first = client.get("/api/search", params=SEARCH).json()
    with TestClient(create_app(store, BRAND_CONFIGS), base_url="http://127.0.0.1") as restarted:
        response = restarted.get("/api/search", params={**SEARCH, "cursor": first["next_cursor"]})
    assert response.status_code == 400 and "restart" in response.json()["error"]


@pytest.mark.parametrize(
    ("param", "value", "fragment"),
    [
        ("since", "0001-01-01T00:00:00+14:00", "outside the supported dates 1900-01-01 to 2199-12-31"),
        ("until", "9999-12-31T23:00:00-05:00", "outside the supported dates"),
        ("until", "1899-12-31", "outside the supported dates"),
        ("min_followers", str(2**63), "out of range"),
        ("min_followers", "9" * 400, "not a whole number"),
        ("q", "(" * 400 + "a" + ")" * 400, "nests too deeply"),
    ],
)
def test_values_that_once_crashed_the_api_get_a_clear_400(client, param, value, fragment):
    for endpoint in ("/api/search", "/api/export") if param != "until" else ("/api/overview", "/api/alerts"):
        response = client.get(f"{endpoint}?{param}={quote(value)}")
        assert response.status_code == 400, (endpoint, response.text)
        assert response.json()["param"] == param and fragment in response.json()["error"]
