"""The hour repeated when clocks go back, as people read it: alert windows (`alerts.wording.span`), the digest's
alert lines (`groundswell digest`) and the HTML report's hourly chart (`groundswell report`).

Before, Rome's 00:00Z-01:00Z on 25 October was written "02:00–02:00 CEST/CET" (an empty window), two alerts decided
at 02:00 CEST and 02:00 CET both read "02:00", and the report drew the 00:00Z and 01:00Z bars at one x, 02:00.
A real SqliteStore; the real CLI (CliRunner) for the digest and the report.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.history import save_alerts
from alerts.wording import span
from core.alert import Alert
from core.mention import Mention, Sentiment
from groundswell.cli import cli
from groundswell.digest_render import render_html
from indexing.sqlite import SqliteStore

ROME = "Europe/Rome"
CHANGE = datetime(2026, 10, 25, 1, tzinfo=UTC)  # 03:00 CEST became 02:00 CET
NEGATIVE = Sentiment(label="negative", probs={"negative": 1.0}, model="t")


@pytest.mark.parametrize(
    ("tz", "start", "text"),
    [
        (ROME, CHANGE - timedelta(hours=1), "2026-10-25 02:00 CEST–02:00 CET"),
        ("America/New_York", datetime(2026, 11, 1, 5, tzinfo=UTC), "2026-11-01 01:00 EDT–01:00 EST"),
        (ROME, CHANGE, "2026-10-25 02:00–03:00 CET"),  # after the change: one zone, named once, as before
        (ROME, CHANGE - timedelta(hours=2), "2026-10-25 01:00–02:00 CEST"),
        # tzdata has no abbreviations for Chile: the offsets tell the two 23:00s apart, then the zone's name
        ("America/Santiago", datetime(2026, 4, 5, 2, tzinfo=UTC),
         "2026-04-04 23:00 UTC-03–23:00 UTC-04 America/Santiago"),
    ],
)  # fmt: skip
def test_an_hour_across_a_clock_change_names_each_ends_zone(tz, start, text):
    assert span(start, start + timedelta(hours=1), tz) == text


def _alert(end: datetime) -> Alert:
    return Alert(id=f"spike-{end:%d%H}", brand="Acme", kind="spike", severity="warning",
                 window_start=end - timedelta(hours=1), window_end=end, observed=6, expected=0.5, statistic="poisson",
                 score=5.0)  # fmt: skip


@pytest.fixture
def config(tmp_path):
    """Acme in Rome: a negative post every hour from 2026-10-24T18:00Z to 2026-10-25T08:00Z (00:00Z and 01:00Z are
    both 02:00 there), and spike alerts decided at 02:00 CEST and at 02:00 CET on the 25th, and at 10:00 CET on the
    26th."""
    path = write_config(tmp_path, digest={"timezone": ROME})
    store = SqliteStore(tmp_path / "g.db")
    hours = [CHANGE - timedelta(hours=7) + timedelta(hours=h) for h in range(15)]
    posts = [Mention(source="x", native_id=f"p{n}", text=f"Acme post {n}", created_at=when + timedelta(minutes=10),
                     brand="Acme", sentiment=NEGATIVE) for n, when in enumerate(hours)]  # fmt: skip
    assert all(r.ok for r in store.upsert(posts))
    ends = (CHANGE - timedelta(hours=1), CHANGE, CHANGE + timedelta(days=1, hours=8))  # 02:00 CEST, CET; 10:00 CET
    save_alerts(store, [_alert(end) for end in ends])
    store.close()
    return path


def _digest(path, day: str) -> tuple[str, dict]:
    result = CliRunner().invoke(cli, ["digest", "-c", str(path), "--day", day, "--no-send"])
    assert result.exit_code == 0, result.output
    folder = path.parent / "digests"
    return (folder / f"{day}.md").read_text(encoding="utf-8"), json.loads((folder / f"{day}.json").read_text("utf-8"))


def test_the_digests_alert_lines_tell_the_two_0200s_apart(config):
    markdown, digest = _digest(config, "2026-10-25")
    assert [a["time"] for a in digest["brands"][0]["alerts"]] == ["02:00 CEST", "02:00 CET"]
    assert "- 02:00 CEST ⚠ warning spike" in markdown and "- 02:00 CET ⚠ warning spike" in markdown
    assert "- Incident 2026-10-25 02:00 CEST–02:00 CET:" in markdown  # the second one's window: an hour, not none
    html = render_html(digest)
    assert "02:00 CEST ⚠" in html and "02:00 CET ⚠" in html
    # A day without a clock change keeps bare times: the heading names the zone.
    markdown, digest = _digest(config, "2026-10-26")
    assert [a["time"] for a in digest["brands"][0]["alerts"]] == ["10:00"]


def _volume_chart(page: str) -> tuple[list[dict], dict]:
    """The report's hourly volume chart as Plotly gets it: (its traces, its layout)."""
    decoder = json.JSONDecoder()
    for found in re.finditer(r"Plotly\.newPlot\(\s*", page):
        _, at = decoder.raw_decode(page, found.end())  # the div id
        data, at = decoder.raw_decode(page, page.index("[", at))
        layout, _ = decoder.raw_decode(page, page.index("{", at))
        if "mentions per hour" in layout["title"]["text"]:
            return data, layout
    raise AssertionError("no hourly volume chart in the report")


def test_the_reports_hourly_chart_draws_each_hour_at_its_own_x(config):
    result = CliRunner().invoke(cli, ["report", "-c", str(config)])
    assert result.exit_code == 0, result.output
    traces, layout = _volume_chart((config.parent / "report.html").read_text(encoding="utf-8"))
    (negative,) = [t for t in traces if t["name"] == "negative"]
    xs = [datetime.fromisoformat(x) for x in negative["x"]]
    assert xs == sorted(set(xs)) and len(xs) == 15  # one x per hour, in order
    # Evenly spaced across the change: the hours 00:00Z and 01:00Z are an hour apart, not both at 02:00.
    assert all(b - a == timedelta(hours=1) for a, b in zip(xs, xs[1:], strict=False))
    assert negative["customdata"][6:9] == ["2026-10-25 02:00 CEST", "2026-10-25 02:00 CET", "2026-10-25 03:00 CET"]
    # The axis reads the wall clock: two ticks at 02:00, each naming its zone, an hour apart.
    ticks = dict(zip(layout["xaxis"]["ticktext"], layout["xaxis"]["tickvals"], strict=True))
    cest, cet = ticks["02:00 CEST"], ticks["02:00 CET"]
    assert datetime.fromisoformat(cet) - datetime.fromisoformat(cest) == timedelta(hours=1)
    assert datetime.fromisoformat(cest) == xs[6]
    # Before the change the axis is the wall clock itself (as it is for a chart with no clock change).
    assert negative["x"][0] == "2026-10-24T20:00:00"


def test_a_long_history_across_a_clock_change_keeps_the_wall_clock_and_plotlys_own_ticks(tmp_path):
    """A brand's whole history (the chart has no period) passes every March and October: its bars stay at their wall
    time (12:00 CEST at 12:00, not an hour off) and Plotly's own ticks follow a zoom; only a chart of a few days
    across the change gets the even clock and fixed ticks."""
    from groundswell.report import _volume_chart as volume_chart  # lazy: a private helper, tested on its own

    store = SqliteStore(tmp_path / "g.db")
    try:
        start = datetime(2026, 9, 1, 10, tzinfo=UTC)
        assert all(r.ok for r in store.upsert([
            Mention(source="x", native_id=str(i), text="lumora", created_at=start + timedelta(days=i, hours=i % 5),
                    brand="Lumora", sentiment=NEGATIVE) for i in range(60)]))
        fig = volume_chart(store, "Lumora", [], ROME)
        layout = fig.to_plotly_json()["layout"]
        assert layout.get("xaxis", {}).get("tickmode") != "array"
        (negative,) = [t for t in fig.data if t.name == "negative"]
        # 60 days: a bar per local day (groundswell.periods.volume_interval), at its wall-clock midnight
        summer = next(i for i, h in enumerate(negative.customdata) if h.startswith("2026-09-02"))
        assert str(negative.x[summer]).replace(" ", "T").startswith("2026-09-02T00:00")
    finally:
        store.close()
