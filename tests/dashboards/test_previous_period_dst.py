"""The dashboard's "vs previous period" and the Themes baseline step back whole local days across a clock change,
so the previous day of a view is the day `groundswell digest --day` counts (core/local_days.py).

Before, both stepped back the view's length in hours: the day after Rome's 25-hour 25 October was compared with
01:00 CEST on the 25th to 01:00 CET on the 26th (3 mentions, where the digest of the 25th says 4), the day after the
23-hour 29 March with 23:00 on the 28th onwards, New York's 2 November with 01:00 EDT on 1 November onwards.

A real SqliteStore, the app from `dashboards.web.app.create_app` (TestClient), and the real `groundswell digest`
CLI (CliRunner) on configs in Rome's and New York's zones over the same store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cli_config import write_config
from click.testing import CliRunner
from fastapi.testclient import TestClient

from core.mention import Mention
from dashboards.web.app import create_app
from groundswell.cli import cli
from groundswell.config import parse_config
from indexing.sqlite import SqliteStore

ROME, NEW_YORK = "Europe/Rome", "America/New_York"


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


# The posts (UTC), and what they are in local time. One post long before, so every previous period has data on all
# its days (the reports' coverage rule) and the counts are compared as they are.
POSTS = {
    "history": "2026-03-01T12:00",
    # Rome, the 23-hour 29 March (CET until 02:00, then CEST): the 29th is 2026-03-28T23:00Z..2026-03-29T22:00Z.
    "s1": "2026-03-28T22:30",  # 23:30 CET on the 28th: not the 29th (the old previous period counted it)
    "s2": "2026-03-29T01:30",  # 03:30 CEST
    "s3": "2026-03-29T21:30",  # 23:30 CEST
    "s4": "2026-03-30T08:00",  # the 30th: the view
    # Rome, the 25-hour 25 October (02:00-03:00 twice): the 25th is 2026-10-24T22:00Z..2026-10-25T23:00Z.
    "r1": "2026-10-24T22:30",  # 00:30 CEST on the 25th (the old previous period started at 01:00)
    "r2": "2026-10-25T00:30",  # 02:30 CEST
    "r3": "2026-10-25T01:30",  # 02:30 CET
    "r4": "2026-10-25T22:30",  # 23:30 CET
    "r5": "2026-10-26T10:00",  # the 26th: the view
    # New York, the 25-hour 1 November (01:00-02:00 twice): the 1st is 2026-11-01T04:00Z..2026-11-02T05:00Z.
    "n1": "2026-11-01T04:30",  # 00:30 EDT (the old previous period started at 01:00 EDT)
    "n2": "2026-11-01T05:30",  # 01:30 EDT
    "n3": "2026-11-01T06:30",  # 01:30 EST
    "n4": "2026-11-02T04:30",  # 23:30 EST on the 1st
    "n5": "2026-11-02T15:00",  # the 2nd: the view
}
# The Themes baseline of Rome's 26 October: the 7 local days 19-25 October, from 2026-10-18T22:00Z (00:00 CEST);
# "battery" was talked about in its first hour only (the old baseline started at 01:00 CEST: none, so "new").
THEME_POSTS = {**{f"b{i}": "2026-10-18T22:30" for i in range(3)}, **{f"t{i}": "2026-10-26T12:00" for i in range(3)}}


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dst")
    db = folder / "g.db"
    store = SqliteStore(db)
    mentions = [Mention(source="x", native_id=key, text=f"Acme {key}", created_at=_at(when), brand="Acme")
                for key, when in POSTS.items()]
    mentions += [Mention(source="x", native_id=key, text=f"Acme battery {key}", created_at=_at(when), brand="Acme",
                         themes=["battery"]) for key, when in THEME_POSTS.items()]
    # Collection ran every day of the week before the view (a spam post a day, which no figure counts): a day with
    # no mention of the market at all reads as a collection gap (groundswell/period_report.py, data_days).
    mentions += [Mention(source="x", native_id=f"spam{day}", text=f"Acme promo {day}", brand="Acme",
                         created_at=_at(f"2026-10-{day}T10:00"), spam="copy-paste campaign") for day in range(19, 26)]
    assert all(r.ok for r in store.upsert(mentions))
    configs = {}
    for tz in (ROME, NEW_YORK):
        sub = folder / tz.replace("/", "_")
        sub.mkdir()
        configs[tz] = write_config(sub, digest={"timezone": tz}, store={"path": str(db)})
    config = parse_config({"brands": [{"name": "Acme", "query": "acme"}], "digest": {"timezone": ROME}})
    with TestClient(create_app(store, config, alert_loader=list), base_url="http://127.0.0.1") as client:
        yield client, configs
    store.close()


def _get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _digest(config_path, day: str) -> dict:
    """`groundswell digest -c CONFIG --day DAY --no-send`, read back from the JSON it writes beside the report."""
    result = CliRunner().invoke(cli, ["digest", "-c", str(config_path), "--day", day, "--no-send"])
    assert result.exit_code == 0, result.output
    (brand,) = json.loads((config_path.parent / "digests" / f"{day}.json").read_text(encoding="utf-8"))["brands"]
    return brand


def _utc(iso: str) -> str:
    return _at(iso).isoformat()


@pytest.mark.parametrize(
    ("tz", "view", "previous_day", "previous", "mentions"),
    [
        (ROME, ("2026-10-26", "2026-10-27"), "2026-10-25", (_utc("2026-10-24T22:00"), _utc("2026-10-25T23:00")), 4),
        (ROME, ("2026-03-30", "2026-03-31"), "2026-03-29", (_utc("2026-03-28T23:00"), _utc("2026-03-29T22:00")), 2),
        (NEW_YORK, ("2026-11-02", "2026-11-03"), "2026-11-01", (_utc("2026-11-01T04:00"), _utc("2026-11-02T05:00")), 4),
    ],
)  # fmt: skip
def test_the_previous_day_of_a_view_is_the_digests_day(setup, tz, view, previous_day, previous, mentions):
    client, configs = setup
    body = _get(client, "/api/overview", brand="Acme", since=view[0], until=view[1], tz=tz)
    assert (body["previous_period"]["since"], body["previous_period"]["until"]) == previous  # 25 or 23 hours
    assert body["previous_period"]["so_far"] is False  # a whole past day: not "the same stretch" of a running one
    assert body["totals"]["previous"]["mentions"] == mentions
    assert body["totals"]["coverage"]["since"] == previous_day
    assert _digest(configs[tz], previous_day)["mentions"] == mentions


def test_a_week_across_the_clock_change_is_compared_with_the_seven_local_days_before(setup):
    client, _ = setup
    body = _get(client, "/api/overview", brand="Acme", since="2026-10-26", until="2026-11-02", tz=ROME)
    # 19-25 October: from 00:00 CEST on the 19th to 00:00 CET on the 26th (169 hours)
    assert body["previous_period"] == {"since": "2026-10-18T22:00:00+00:00", "until": "2026-10-25T23:00:00+00:00",
                                       "so_far": False}
    assert body["totals"]["previous"]["mentions"] == 4 + len([k for k in THEME_POSTS if k.startswith("b")])


def test_an_hourly_view_steps_back_its_length(setup):
    client, _ = setup
    # Not local midnights (a rolling span of UTC hours): the previous period is the 24 hours before it.
    body = _get(client, "/api/overview", brand="Acme", since="2026-10-25T10:00:00Z", until="2026-10-26T10:00:00Z",
                tz=ROME)
    assert body["previous_period"]["since"] == "2026-10-24T10:00:00+00:00"
    assert body["previous_period"]["until"] == "2026-10-25T10:00:00+00:00"


def test_the_themes_baseline_of_a_day_is_the_seven_local_days_before_it(setup):
    client, configs = setup
    body = _get(client, "/api/themes", brand="Acme", since="2026-10-26", until="2026-10-27", tz=ROME, min_count=3)
    baseline = body["previous_period"]
    assert (baseline["since"], baseline["until"]) == ("2026-10-18T22:00:00+00:00", "2026-10-25T23:00:00+00:00")
    assert baseline["coverage"]["since"] == "2026-10-19" and baseline["coverage"]["comparable"] is True
    (battery,) = [r for r in body["recurring"] if r["theme"] == "battery"]
    # 3 in the baseline's first hour, at the day's share of the 7 days: 3/7; it was "new" against 0 before.
    assert (battery["count"], battery["previous"], battery["new"]) == (3, round(3 / 7, 2), False)
    # The digest of the same day judges it against the same week (nlp/trends.py, one rule).
    (rising,) = _digest(configs[ROME], "2026-10-26")["rising_themes"]
    assert (rising["theme"], rising["new"]) == ("battery", False)
