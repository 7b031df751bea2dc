"""Fuzz the dashboard API: junk in every parameter of every endpoint must get a 4xx, never a 500.

The real app over the real SQLite demo store, served by a real uvicorn on 127.0.0.1,
requests sent raw over HTTP. Endpoints come from the app's routes and their parameters
from `params.API_PARAMS` (the table the app itself enforces), so a new endpoint or
parameter is fuzzed without touching this file. Fixed seed: the same requests every run.

Each parameter gets every value of CRASHERS (the inputs that once crashed the app) and a
seeded sample of JUNK; then seeded random mixes of junk and valid values. Counted: HTTP
500s, and tracebacks in the server log (a streamed export fails after its 200 header, so
a status check alone would miss it).
"""

from __future__ import annotations

import base64
import json
import logging
import random
from collections import Counter
from urllib.parse import quote

import pytest
from live_server import live_server, raw_get
from web_support import demo_app, demo_db

from dashboards.web.params import API_PARAMS
from indexing.sqlite import SqliteStore

SEED = 20261120
SAMPLE_PER_PARAM = 8
MIXES_PER_ENDPOINT = 25


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


# Values that made the original app answer 500 (dates that overflow in UTC, integers past
# int64, deep nesting, forged cursors), as raw query-string text.
CRASHERS = [
    quote("0001-01-01T00:00:00+14:00"),
    quote("9999-12-31T23:00:00-05:00"),
    "9999-12-31",
    "0001-01-01",
    str(2**63),
    str(2**64 + 1),
    str(-(2**63) - 1),
    quote("(" * 400 + "a" + ")" * 400),
    quote("-" * 900 + "a"),
    quote("NOT " * 240 + "a"),
    _b64([2**63, 2**63, 999_999, 1]),
    _b64([1.5, 1, 10**30, 1]),
]
JUNK = [
    "",
    "%20",
    quote(" " * 50),
    "x" * 5000,
    "%00",
    "%ff%fe",
    "%C0%80",
    quote("\u202e\u0000\ud7ff\U0001f4a5"),
    "-1",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "1_000",
    quote("١٢٣"),
    "9" * 400,
    "true",
    "[]",
    quote("{'$gt': ''}"),
    quote("' OR 1=1 --"),
    quote('"a" NEAR(b c)'),
    quote("*"),
    quote("lang:"),
    quote("a NEAR/999999999999999999999 b"),
    quote('"unclosed'),
    quote("<script>alert(1)</script>"),
    quote("../../etc/passwd"),
    quote("2026-02-30"),
    quote("2026-11-20T25:00:00Z"),
    quote("2026-11-20T12:00:00+99:00"),
    quote("+002026-11-20"),
    quote("1900-01-01T00:00:00+01:00"),
    quote("2199-12-31T23:00:00-05:00"),
    "AAAA.AAAA",
    quote("AAAA." + _b64([1, 1, 1, 1])),
    quote("Lumora\nSonique"),
]
VALID = {
    "brand": "Lumora",
    "since": "2026-11-01",
    "until": "2026-11-20",
    "days": "7",
    "source": "x",
    "lang": "en",
    "interval": "day",
    "sentiment": "negative",
    "min_followers": "100",
    "q": "battery",
    "theme": "launch",
    "uncertain": "true",
    "size": "5",
    "sort": "newest",
    "format": "json",
    "limit": "5",
    "n": "3",
    "min_count": "1",
    "samples": "1",
    "severity": "critical",
}


class _Tracebacks(logging.Handler):
    """Collects every log record that carries an exception (what a 500 or a failed stream logs)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "Traceback" in record.getMessage():
            self.records.append(record)


def _requests(app) -> list[str]:
    """Every fuzz request path for the app's API routes, in a fixed (seeded) order."""
    rng = random.Random(SEED)
    paths = []
    endpoints = sorted(r.path for r in app.routes if getattr(r, "path", "").startswith("/api/"))
    for endpoint in endpoints:
        names = sorted(API_PARAMS[endpoint])
        paths.append(f"{endpoint}?{quote('nonsense')}=1")  # an unknown parameter
        for name in names:
            for value in CRASHERS + rng.sample(JUNK, SAMPLE_PER_PARAM):
                paths.append(f"{endpoint}?{name}={value}")
            paths.append(f"{endpoint}?{name}=1&{name}=2")  # repeated
        for _ in range(MIXES_PER_ENDPOINT if names else 0):
            chosen = rng.sample(names, min(len(names), rng.randint(2, 5)))
            query = "&".join(
                f"{n}={rng.choice(CRASHERS + JUNK) if rng.random() < 0.5 else quote(VALID.get(n, 'x'))}" for n in chosen
            )
            paths.append(f"{endpoint}?{query}")
    return paths


@pytest.fixture(scope="module")
def app():
    store = SqliteStore(demo_db())
    yield demo_app(store)
    store.close()


def test_every_parameter_of_every_endpoint_survives_junk(app):
    paths = _requests(app)
    covered = {(p.split("?")[0], p.split("?")[1].split("=")[0]) for p in paths}
    for endpoint, names in API_PARAMS.items():
        assert {(endpoint, n) for n in names} <= covered, endpoint
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    catcher = _Tracebacks()
    with live_server(app) as port:
        for name in ("", "uvicorn", "uvicorn.error"):  # uvicorn's loggers do not propagate to root
            logging.getLogger(name).addHandler(catcher)
        try:
            for path in paths:
                status, headers, body = raw_get(port, path)
                statuses[status] += 1
                if status >= 500 or b"Traceback" in body:
                    failures.append(f"{status} {path[:200]}: {body[:200]!r}")
                elif status >= 400:
                    # A clear message, as JSON, for every refusal.
                    assert headers["content-type"].startswith("application/json"), path
                    assert json.loads(body)["error"], path
        finally:
            for name in ("", "uvicorn", "uvicorn.error"):
                logging.getLogger(name).removeHandler(catcher)
    tracebacks = [f"{r.name}: {r.getMessage()} {r.exc_info[1]!r}" for r in catcher.records if r.exc_info]
    print(
        f"\nfuzz (seed {SEED}): {len(paths)} requests over {len(API_PARAMS)} endpoints, "
        f"{sum(len(v) for v in API_PARAMS.values())} parameters; statuses {dict(sorted(statuses.items()))}; "
        f"HTTP 500: {sum(n for s, n in statuses.items() if s >= 500)}; tracebacks: {len(catcher.records)}"
    )
    assert len(paths) >= 300
    assert not failures, failures[:10]
    assert not catcher.records, tracebacks[:10]
