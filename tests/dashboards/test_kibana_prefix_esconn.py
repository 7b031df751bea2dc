"""Kibana objects of two stores (two index prefixes) live side by side in one space.

Kibana keys saved objects by type and id within a space and `_import?overwrite=true` replaces an object of the same
id. A small HTTP stand-in for one space does the same (objects kept by (type, id), overwritten on import), and the
real `groundswell kibana import` uploads the objects of two prefixes into it: each dashboard must still show its
own store's indices, under a title that tells them apart. The default prefix keeps the ids earlier releases
imported (the committed NDJSON is unchanged), so a re-import updates them in place.
"""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from dashboards.kibana.build import OUTPUT, build, load_spec, to_ndjson
from dashboards.kibana.cli import kibana


class OneSpace:
    """One Kibana space: saved objects by (type, id), replaced by an import of the same id (overwrite=true)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                message = BytesParser(policy=HTTP).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body)
                (part,) = message.iter_parts()
                lines = [json.loads(line) for line in part.get_payload(decode=True).decode().splitlines()]
                for obj in lines:
                    outer.objects[(obj["type"], obj["id"])] = obj
                data = json.dumps({"success": True, "successCount": len(lines)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def dashboard_indices(self, title: str) -> set[str]:
        """The index patterns the panels of the dashboard titled `title` search, as Kibana resolves them now."""
        (board,) = [o for o in self.objects.values() if o["type"] == "dashboard" and o["attributes"]["title"] == title]
        indices = set()
        for ref in board["references"]:
            panel = self.objects[(ref["type"], ref["id"])]
            for dv in panel["references"]:
                indices.add(self.objects[("index-pattern", dv["id"])]["attributes"]["title"])
        return indices


@pytest.fixture
def space():
    kib = OneSpace()
    yield kib
    kib.server.shutdown()


def test_two_prefixes_imported_into_one_space_keep_their_own_indices(space):
    for prefix in ("gs1", "gs2"):
        result = CliRunner().invoke(kibana, ["import", "--url", space.url, "--index-prefix", prefix])
        assert result.exit_code == 0, result.output
    assert space.dashboard_indices("Groundswell — brand monitoring (gs1)") == {"gs1-mentions", "gs1-alerts"}
    assert space.dashboard_indices("Groundswell — brand monitoring (gs2)") == {"gs2-mentions", "gs2-alerts"}
    per_prefix = len(build(load_spec(), "gs1"))
    assert len(space.objects) == 2 * per_prefix  # nothing of gs1 was overwritten


def test_the_default_prefix_keeps_the_ids_and_titles_earlier_releases_imported():
    default = build(load_spec())
    assert to_ndjson(default) == OUTPUT.read_text(encoding="utf-8")
    assert {o["id"] for o in default} >= {"groundswell-mentions", "groundswell-alerts", "groundswell-overview"}
    acme = build(load_spec(), "acme")
    assert not {o["id"] for o in acme} & {o["id"] for o in default}
    assert {o["id"] for o in acme} >= {"acme-mentions", "acme-alerts", "acme-overview"}
    # Every reference of the acme objects points at an acme object.
    ids = {o["id"] for o in acme}
    assert all(ref["id"] in ids for o in acme for ref in o["references"])
    titles = [o["attributes"].get("title") for o in acme if o["type"] != "index-pattern"]
    assert titles and all(t.endswith(" (acme)") for t in titles)
