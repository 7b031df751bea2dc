"""Connecting to a secured cluster (store.ca_certs, ssl_assert_fingerprint, verify_certs, hosts, cloud_id_env,
username_env/password_env, an `id:api_key` API key) and what the errors say (which nodes, which fix).

The test node has no security module, so a small proxy on localhost stands in front of it, as a secured cluster's
HTTP layer does: TLS with a private CA (made here with `cryptography`), Basic and ApiKey auth answering 401 as
Elasticsearch does. Every request it lets through goes to the real node. Configs are loaded and the CLI is run as a
person runs them (click's CliRunner).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import logging
import socket
import ssl
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core import logsafe
from groundswell.cli import cli
from indexing.base import StoreUnavailable
from indexing.config import ElasticsearchStoreConfig, api_key_value
from indexing.factory import open_store

pytestmark = pytest.mark.elasticsearch
USER, PASSWORD = "elastic", "s3cretPW-esconn"
KEY_ID, KEY_SECRET = "keyid-esconn", "keysecret-esconn"
ENCODED_KEY = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the block ends


def _cert(subject: str, key, issuer_name, issuer_key, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> dict[str, str]:
    """A private CA (as Elasticsearch 8+/9 makes at first start) and a node certificate it signed."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "esconn test CA")])
    ca = _cert("esconn test CA", ca_key, ca_name, ca_key, ca=True)
    node_key = ec.generate_private_key(ec.SECP256R1())
    node = _cert("127.0.0.1", node_key, ca_name, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    (folder / "ca.crt").write_bytes(ca.public_bytes(pem))
    # The node sends its chain (node, then CA), as Elasticsearch does: the fingerprint pins the CA in it.
    (folder / "chain.crt").write_bytes(node.public_bytes(pem) + ca.public_bytes(pem))
    (folder / "node.key").write_bytes(node_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    fingerprint = ca.fingerprint(hashes.SHA256()).hex()
    return {"ca": str(folder / "ca.crt"), "chain": str(folder / "chain.crt"), "key": str(folder / "node.key"),
            "fingerprint": ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2)).upper()}


def _proxy(upstream: str, *, certs: dict[str, str] | None = None, auth: bool = False) -> ThreadingHTTPServer:
    """A secured cluster's front: TLS when `certs`, 401 without good credentials when `auth`; else the real node."""

    class Front(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, code: int, body: bytes, headers: list[tuple[str, str]]) -> None:
            self.send_response(code)
            for name, value in headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _do(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
            given = self.headers.get("Authorization", "")
            good = {f"Basic {base64.b64encode(f'{USER}:{PASSWORD}'.encode()).decode()}", f"ApiKey {ENCODED_KEY}"}
            if auth and given not in good:
                body = json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"},
                                   "status": 401}).encode()
                return self._send(401, body, [("Content-Type", "application/json"),
                                              ("X-Elastic-Product", "Elasticsearch")])
            request = urllib.request.Request(upstream + self.path, data=data, method=self.command)
            for name, value in self.headers.items():
                if name.lower() not in ("host", "authorization", "content-length", "connection"):
                    request.add_header(name, value)
            try:
                answer = urllib.request.urlopen(request, timeout=60)
            except urllib.error.HTTPError as exc:
                answer = exc
            return self._send(answer.status if hasattr(answer, "status") else answer.code, answer.read(),
                              list(answer.headers.items()))

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _do

    server = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    server.daemon_threads = True
    if certs:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certs["chain"], certs["key"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def secured(es_url, tls) -> Iterator[str]:
    """https://127.0.0.1:PORT of a TLS + auth front of the real node."""
    server = _proxy(es_url.rstrip("/"), certs=tls, auth=True)
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture
def prefix(es_url) -> Iterator[str]:
    name = f"gs-esconn-{uuid.uuid4().hex[:8]}"
    yield name
    from elasticsearch import Elasticsearch
    from es_node import delete_prefix

    with Elasticsearch(es_url) as client:
        delete_prefix(client, name)


def _config(tmp_path: Path, store: str) -> Path:
    path = tmp_path / "groundswell.yaml"
    path.write_text("brands:\n  - name: Lumora\n    query: Lumora\nstore:\n  type: elasticsearch\n" + store,
                    encoding="utf-8")
    return path


def _store(**fields) -> ElasticsearchStoreConfig:
    return ElasticsearchStoreConfig(type="elasticsearch", **fields)


# -- TLS with the cluster's own CA --------------------------------------------------------------------------------


def test_an_untrusted_certificate_names_ca_certs_and_the_fingerprint(secured, prefix, monkeypatch):
    monkeypatch.setenv("GS_ESCONN_USER", USER)
    monkeypatch.setenv("GS_ESCONN_PW", PASSWORD)
    store = _store(url=secured, index_prefix=prefix, username_env="GS_ESCONN_USER", password_env="GS_ESCONN_PW")
    with pytest.raises(StoreUnavailable) as raised:
        open_store(store)
    line = str(raised.value)
    assert line.startswith(f"cannot reach Elasticsearch at {secured} (TLS certificate not trusted)"), line
    assert "store.ca_certs" in line and "store.ssl_assert_fingerprint" in line
    assert "cluster is running" not in line  # the old advice pointed away from the fix


@pytest.mark.parametrize("trust", ["ca_certs", "fingerprint", "no_verify"])
def test_a_private_ca_is_trusted_by_file_fingerprint_or_on_purpose_not_checked(
        secured, prefix, tls, monkeypatch, caplog, trust):
    monkeypatch.setenv("GS_ESCONN_USER", USER)
    monkeypatch.setenv("GS_ESCONN_PW", PASSWORD)
    options = {"ca_certs": {"ca_certs": tls["ca"]}, "fingerprint": {"ssl_assert_fingerprint": tls["fingerprint"]},
               "no_verify": {"verify_certs": False}}[trust]
    store = _store(url=secured, index_prefix=prefix, username_env="GS_ESCONN_USER", password_env="GS_ESCONN_PW",
                   **options)
    with caplog.at_level(logging.WARNING):
        opened = open_store(store)
    try:
        assert opened.count() == 0
        assert opened.client.indices.exists_alias(name=f"{prefix}-mentions")
    finally:
        opened.close()
    warned = [r.getMessage() for r in caplog.records if "verify_certs is false" in r.getMessage()]
    assert (len(warned) == 1) == (trust == "no_verify"), warned


def test_a_fingerprint_of_another_ca_is_refused_naming_the_option(secured, prefix, monkeypatch):
    monkeypatch.setenv("GS_ESCONN_KEY", ENCODED_KEY)
    store = _store(url=secured, index_prefix=prefix, api_key_env="GS_ESCONN_KEY", ssl_assert_fingerprint="ab" * 32)
    with pytest.raises(StoreUnavailable) as raised:
        open_store(store)
    assert "store.ssl_assert_fingerprint" in str(raised.value) and "store.ca_certs" in str(raised.value)


# -- who: Basic auth, API keys, and the 401 worded by the credentials in use ---------------------------------------


def test_an_api_key_given_as_id_colon_key_is_encoded(secured, prefix, tls, monkeypatch):
    assert api_key_value(f" {KEY_ID}:{KEY_SECRET}\n") == (KEY_ID, KEY_SECRET)
    assert api_key_value(ENCODED_KEY) == ENCODED_KEY
    monkeypatch.setenv("GS_ESCONN_KEY", f"{KEY_ID}:{KEY_SECRET}")
    opened = open_store(_store(url=secured, index_prefix=prefix, api_key_env="GS_ESCONN_KEY", ca_certs=tls["ca"]))
    opened.close()


@pytest.mark.parametrize(("fields", "env", "says", "not_says"), [
    ({"username_env": "GS_ESCONN_USER", "password_env": "GS_ESCONN_PW"},
     {"GS_ESCONN_USER": USER, "GS_ESCONN_PW": "wrong-password-esconn"},
     "check the user name and password (store.username_env / store.password_env", "API key"),
    ({"api_key_env": "GS_ESCONN_KEY"}, {"GS_ESCONN_KEY": "bm9wZTpub3BlLWVzY29ubg=="},
     "check the API key in the variable store.api_key_env names", "password"),
    ({}, {}, "the cluster needs credentials: set store.api_key_env, or store.username_env", "check the API key"),
])
def test_a_401_is_worded_by_the_credentials_in_use(secured, prefix, tls, monkeypatch, fields, env, says, not_says):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StoreUnavailable) as raised:
        open_store(_store(url=secured, index_prefix=prefix, ca_certs=tls["ca"], **fields))
    line = str(raised.value)
    assert line.startswith(f"Elasticsearch at {secured} refused the credentials (HTTP 401): ") and says in line, line
    assert not_says not in line


def test_basic_auth_inside_the_url_variable_is_worded_as_basic(secured, prefix, tls, monkeypatch):
    monkeypatch.setenv("GS_ESCONN_URL", secured.replace("https://", "https://elastic:nope-esconn@"))
    with pytest.raises(StoreUnavailable) as raised:
        open_store(_store(url_env="GS_ESCONN_URL", index_prefix=prefix, ca_certs=tls["ca"]))
    assert "check the user name and password" in str(raised.value) and "API key" not in str(raised.value)
    assert "nope-esconn" not in str(raised.value)


# -- where: several hosts, the Cloud ID ------------------------------------------------------------------------


def test_several_hosts_go_on_when_one_node_is_down(es_url, prefix, monkeypatch):
    dead = f"http://127.0.0.1:{_closed_port()}"
    opened = open_store(_store(hosts=[dead, es_url], index_prefix=prefix))
    try:
        for _ in range(4):  # whichever node the pool picks first, every call is answered
            assert opened.count() == 0
    finally:
        opened.close()
    monkeypatch.setenv("GS_ESCONN_URL", f"{dead}, {es_url}")  # the same, comma-separated in the URL variable
    open_store(_store(url_env="GS_ESCONN_URL", index_prefix=prefix)).close()


def test_all_hosts_down_names_each_node(prefix):
    ports = [_closed_port(), _closed_port()]
    with pytest.raises(StoreUnavailable) as raised:
        open_store(_store(hosts=[f"http://127.0.0.1:{p}" for p in ports], index_prefix=prefix, timeout_s=2))
    assert f"http://127.0.0.1:{ports[0]}, http://127.0.0.1:{ports[1]}" in str(raised.value)


def test_a_cloud_id_names_the_deployment_endpoint(monkeypatch):
    cloud = "prod:" + base64.b64encode(b"eu-west-1.aws.found.io:443$abc123$kib456").decode()
    monkeypatch.setenv("GS_ESCONN_CLOUD", cloud)
    store = _store(cloud_id_env="GS_ESCONN_CLOUD")
    assert store.resolved_urls() == ["https://abc123.eu-west-1.aws.found.io:443"]
    assert store.connection().cloud_id == cloud and store.connection().hosts == ()
    monkeypatch.setenv("GS_ESCONN_CLOUD", "not a cloud id")
    with pytest.raises(Exception, match="Cloud ID in the variable store.cloud_id_env names is not one"):
        store.resolved_urls()


# -- config validation, through the CLI ------------------------------------------------------------------------


@pytest.mark.parametrize(("store", "says"), [
    ("  url: http://a:9200\n  hosts: [http://b:9200]\n", "give only one of url, hosts and cloud_id_env"),
    ("  hosts: ['http://elastic:pw@b:9200']\n", "credentials inside store.hosts are not allowed"),
    ("  username_env: ES_USER\n", "username_env and password_env go together"),
    ("  api_key_env: K\n  username_env: U\n  password_env: P\n", "api_key_env or username_env/password_env"),
    ("  verify_certs: false\n  ca_certs: ca.crt\n", "verify_certs: false turns off the check"),
    ("  ssl_assert_fingerprint: 'not-hex'\n", "SHA-256 fingerprint: 64 hex digits"),
    ("  password_env: 'hunter2-pasted here'\n", "must NAME an environment variable"),
])
def test_config_check_refuses_a_contradictory_connection(tmp_path, store, says):
    result = CliRunner().invoke(cli, ["config", "check", "-c", str(_config(tmp_path, store))])
    assert result.exit_code != 0 and says in result.output, result.output
    assert "hunter2" not in result.output


def test_a_missing_ca_file_is_one_line_naming_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("GS_ESCONN_URL", "https://127.0.0.1:9")
    config = _config(tmp_path, f"  url_env: GS_ESCONN_URL\n  ca_certs: {tmp_path / 'nope.crt'}\n")
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert result.exit_code == 1 and "store.ca_certs: no file at" in result.output, result.output


# -- finding 6: the URL variable's host is shown, its credentials are not ---------------------------------------


def test_a_url_from_the_variable_shows_its_host_and_masks_only_credentials(tmp_path, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("GS_ESCONN_URL", f"http://127.0.0.1:{port}")
    config = _config(tmp_path, "  url_env: GS_ESCONN_URL\n  timeout_s: 2\n")
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert result.exit_code == 1
    assert f"cannot reach Elasticsearch at http://127.0.0.1:{port} (connection refused)" in result.output, \
        result.output
    # With credentials (and a secret query value) in the same variable: the host shows, the secrets never do,
    # neither in the line nor in a log line that quotes the whole URL.
    secret_url = f"http://elastic:PwEsconn-77x@127.0.0.1:{port}/es?apikey=QueryEsconn99"
    monkeypatch.setenv("GS_ESCONN_URL", secret_url)
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert f"cannot reach Elasticsearch at http://127.0.0.1:{port}/es (connection refused)" in result.output
    assert "PwEsconn-77x" not in result.output and "QueryEsconn99" not in result.output
    logged = logsafe.redact(f"GET {secret_url} failed; password PwEsconn-77x, key QueryEsconn99")
    assert "PwEsconn-77x" not in logged and "QueryEsconn99" not in logged and f"127.0.0.1:{port}" in logged


# -- finding 9: an older Elasticsearch, and a node lost in the middle of `store copy` ----------------------------


class _Es8(BaseHTTPRequestHandler):
    """Answers as Elasticsearch 8.x answers the 9.x client (its `compatible-with=9` Accept header is refused with
    400 media_type_header_exception, elastic/elasticsearch-py#2927); plain JSON gets the usual GET / answer."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _do(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "compatible-with=9" in self.headers.get("Accept", ""):
            reason = "Invalid media-type value on headers [Accept, Content-Type]"
            code, body = 400, {"error": {"root_cause": [{"type": "media_type_header_exception", "reason": reason}],
                                         "type": "media_type_header_exception", "reason": reason}, "status": 400}
        else:
            code, body = 200, {"name": "n1", "version": {"number": "8.17.4"}, "tagline": "You Know, for Search"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _do


def test_an_elasticsearch_8_cluster_is_one_line_naming_the_supported_versions(tmp_path, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Es8)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("GS_ESCONN_URL", f"http://127.0.0.1:{server.server_port}")
    try:
        result = CliRunner().invoke(cli, ["report", "-c", str(_config(tmp_path, "  url_env: GS_ESCONN_URL\n"))])
    finally:
        server.shutdown()
    assert result.exit_code == 1
    assert (f"Elasticsearch at http://127.0.0.1:{server.server_port} runs Elasticsearch 8.17.4; this version of "
            "Groundswell (client elasticsearch-py 9.x) supports Elasticsearch 9.x only") in result.output, result.output
    assert "BadRequestError" not in result.output


def test_a_node_lost_during_store_copy_is_one_line_and_the_rerun_completes(es_url, prefix, tmp_path, monkeypatch):
    from store_copy_corpus import rich_mentions

    from groundswell.store_lost import EXIT_STORE_LOST
    from indexing.sqlite import SqliteStore

    source = SqliteStore(tmp_path / "old.db")
    assert all(r.ok for r in source.upsert(rich_mentions(40)))
    source.close()
    old = tmp_path / "old.yaml"
    old.write_text("brands:\n  - name: Lumora\n    query: lumora\nsources: []\nstore:\n  type: sqlite\n"
                   f"  path: {tmp_path / 'old.db'}\n", encoding="utf-8")
    new = _config(tmp_path, f"  url_env: GS_ESCONN_URL\n  index_prefix: {prefix}\n  timeout_s: 5\n")
    front = _proxy(es_url.rstrip("/"))
    handler = front.RequestHandlerClass
    forward = handler._do

    def dies_at_the_first_read_of_the_copy(self) -> None:
        # The node goes away once the store is open and the copy reads what the target holds: every later
        # connection is cut without an answer (the client sees RemoteDisconnected, as with a killed node).
        if "_mget" in self.path or "_bulk" in self.path:
            handler.dead = True
        if getattr(handler, "dead", False):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        forward(self)

    handler.do_GET = handler.do_POST = handler.do_PUT = handler.do_HEAD = dies_at_the_first_read_of_the_copy
    monkeypatch.setenv("GS_ESCONN_URL", f"http://127.0.0.1:{front.server_port}")
    try:
        lost = CliRunner().invoke(cli, ["store", "copy", "-c", str(old), "--to", str(new), "--no-progress"])
    finally:
        front.shutdown()
    assert lost.exit_code == EXIT_STORE_LOST, lost.output
    (line,) = [ln for ln in lost.stderr.splitlines() if ln.strip()]
    assert line.startswith(f"Error: the store (elasticsearch 127.0.0.1:{front.server_port}/{prefix}) became "
                           "unreachable during store copy: "), line
    assert line.endswith("nothing was lost: what was copied stays copied; run the same command again to continue")
    monkeypatch.setenv("GS_ESCONN_URL", es_url)  # the node is back
    again = CliRunner().invoke(cli, ["store", "copy", "-c", str(old), "--to", str(new), "--no-progress"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout.strip().splitlines()[-1])["complete"]


def test_debug_logs_name_the_host_but_never_the_password_of_the_url_variable(secured, prefix, tls, tmp_path):
    """-vv logs every request the client makes: with Basic auth inside the URL variable (docs/configuration.md),
    neither the password nor its base64 form may appear, while the host does (finding 6 masks credentials only)."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    config = _config(tmp_path, f"  url_env: GS_ESCONN_URL\n  index_prefix: {prefix}\n  ca_certs: {tls['ca']}\n")
    env = {**os.environ, "PYTHONPATH": str(root),
           "GS_ESCONN_URL": secured.replace("https://", f"https://{USER}:{PASSWORD}@")}
    result = subprocess.run([sys.executable, "-m", "groundswell.cli", "-vv", "report", "-c", str(config)], env=env,
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    everything = result.stdout + result.stderr
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert PASSWORD not in everything and basic not in everything
    assert secured.removeprefix("https://") in everything  # the node is named in the client's own log lines
