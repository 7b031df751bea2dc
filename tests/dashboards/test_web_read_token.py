"""The read-only dashboard token (docs/security.md "Token rules") and HEAD, on a real uvicorn over a real SQLite store.

A BI tool pulling `/api/export` needed the one dashboard token, which can also POST corrections; the read-only
token reads every page and API answer (GET, HEAD) and every write with it is a 403 that says why, the store
untouched. HEAD answered 405 everywhere before; now wherever GET answers, with GET's status and headers."""

from __future__ import annotations

import http.client
import json
import shutil

import pytest
from live_server import live_server, raw_get
from web_support import demo_app, demo_db

from dashboards.web.auth import MIN_TOKEN_CHARS, READ_TOKEN_ENV, TokenRequired, check_bind
from indexing.base import Filters
from indexing.sqlite import SqliteStore

TOKEN = "correct-horse-battery-staple"
READ = "read-only-horse-battery-staple"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("read-token") / "demo.db"
    shutil.copyfile(demo_db(), path)  # a copy: the full token's write below must not reach other tests' store
    store = SqliteStore(path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def port(store):
    with live_server(demo_app(store, token=TOKEN, read_token=READ)) as port:
        yield port


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def correction(store: SqliteStore) -> tuple[str, bytes]:
    """A mention the model labelled positive, and the body that would correct it to negative."""
    target = next(m for m in store.iter_mentions(Filters()) if m.sentiment and m.sentiment.label == "positive")
    return target.id, json.dumps({"ids": [target.id], "label": "negative"}).encode()



@pytest.mark.parametrize("path", ["/api/search?q=battery", "/api/export?format=jsonl&limit=5", "/api/meta", "/explore"])
def test_the_read_token_reads_pages_and_the_api(port, path):
    status, _, body = request(port, "GET", path, bearer(READ))
    assert status == 200, body[:300]


@pytest.mark.parametrize("path", ["/api/sentiment/correct", "/api/spam/not-spam", "/api/alerts/verdict"])
def test_every_write_with_the_read_token_is_a_403_that_says_why(port, store, path):
    target, body = correction(store)
    headers = {**bearer(READ), "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
    status, got, answer = request(port, "POST", path, headers, body)
    assert status == 403 and got["content-type"].startswith("application/json")
    error = json.loads(answer)["error"]
    assert "read-only" in error and READ_TOKEN_ENV in error and "POST" in error
    assert store.get([target])[0].sentiment.label == "positive"  # nothing written


def test_the_full_token_still_writes(port, store):
    target, body = correction(store)
    headers = {**bearer(TOKEN), "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
    status, _, answer = request(port, "POST", "/api/sentiment/correct", headers, body)
    assert status == 200 and json.loads(answer)["corrected"] == [target]


def test_the_read_token_in_the_url_becomes_a_cookie_that_reads_but_never_writes(port, store):
    status, headers, _ = raw_get(port, f"/explore?token={READ}&q=battery")
    assert status == 303 and headers["location"] == "/explore?q=battery"
    cookie = headers["set-cookie"].split(";", 1)[0]
    assert cookie.endswith(READ) and "httponly" in headers["set-cookie"].lower()
    assert request(port, "GET", "/api/search?q=battery", {"Cookie": cookie})[0] == 200
    target, body = correction(store)
    write = {"Cookie": cookie, "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
    assert request(port, "POST", "/api/sentiment/correct", write, body)[0] == 403


def test_no_token_or_a_wrong_one_is_still_a_401(port):
    assert request(port, "GET", "/api/meta")[0] == 401
    assert request(port, "GET", "/api/meta", bearer(READ + "x"))[0] == 401
    assert request(port, "HEAD", "/api/export")[0] == 401


@pytest.mark.parametrize("path", ["/api/export?format=csv", "/api/search?q=battery", "/overview", "/healthz"])
def test_head_answers_where_get_does_with_its_headers_and_no_body(port, path):
    status, headers, body = request(port, "HEAD", path, bearer(READ))
    got, get_headers, _ = request(port, "GET", path, bearer(READ))
    assert status == got == 200 and body == b""
    assert headers["content-type"] == get_headers["content-type"]


def test_head_of_a_bad_request_is_its_get_status(port):
    assert request(port, "HEAD", "/api/export?format=xml", bearer(READ))[0] == 400
    assert request(port, "HEAD", "/api/sentiment/correct", bearer(TOKEN))[0] == 405  # POST only: no GET to mirror


def test_head_does_not_read_a_whole_export(port):
    """A HEAD of an export stops its stream once the headers are out: the server answers the next request at once."""
    for _ in range(5):
        assert request(port, "HEAD", "/api/export?format=jsonl&spam=include", bearer(READ))[0] == 200
    assert request(port, "GET", "/api/meta", bearer(READ))[0] == 200


def test_read_token_rules():
    with pytest.raises(TokenRequired, match="read-only token is too short"):
        check_bind("0.0.0.0", TOKEN, "x" * (MIN_TOKEN_CHARS - 1))
    with pytest.raises(TokenRequired, match="same as the dashboard token"):
        check_bind("127.0.0.1", TOKEN, TOKEN)
    check_bind("0.0.0.0", None, READ)  # a read-only dashboard on the network: nothing there can write


def test_a_dashboard_with_only_the_read_token_refuses_every_write(store):
    with live_server(demo_app(store, read_token=READ)) as port:
        assert request(port, "GET", "/api/meta", bearer(READ))[0] == 200
        assert request(port, "GET", "/api/meta")[0] == 401
        _, body = correction(store)
        headers = {**bearer(READ), "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
        assert request(port, "POST", "/api/sentiment/correct", headers, body)[0] == 403


def test_serve_reads_the_read_token_from_its_variable_and_checks_it(monkeypatch):
    from click.testing import CliRunner  # lazy: only this test drives the CLI

    from dashboards.web.cli import serve  # lazy: as above

    monkeypatch.delenv("GROUNDSWELL_DASHBOARD_TOKEN", raising=False)
    monkeypatch.setenv(READ_TOKEN_ENV, "short-one")
    result = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--config", "unused.yaml"])
    assert result.exit_code == 2 and "read-only token is too short" in result.output
    assert "short-one" not in result.output
