"""The digest, the weekly/monthly report and the static HTML report say an alert's times on the wall clock of
`digest.timezone`, like the rest of their times: the alert's own summary (stored in UTC) included. A real SQLite
store with the docs' seeded mentions and a spike alert explained as detection does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from alerts.explain import summarize
from alerts.history import save_alerts
from core.alert import Alert
from groundswell.digest import build_digest, render_markdown
from groundswell.period_delivery import run_period_report
from groundswell.report import write_report
from tests.groundswell.test_period_report import _config, store  # noqa: F401 (fixture)

# 15:00–16:00 UTC on 17 Nov is 00:00–01:00 on 18 Nov in Seoul.
START = datetime(2026, 11, 17, 15, tzinfo=UTC)


def _spike() -> Alert:
    alert = Alert(brand="Lumora", kind="spike", severity="critical", window_start=START,
                  window_end=START + timedelta(hours=1), observed=30, expected=3, statistic="negative_binomial",
                  score=8.0, p_value=1e-9)
    alert.summary = summarize(alert)
    return alert


def test_the_digest_and_reports_say_the_alerts_window_on_the_teams_clock(tmp_path, store):  # noqa: F811
    alert = _spike()
    assert "during 2026-11-17 15:00–16:00 UTC" in alert.summary
    save_alerts(store, [alert])
    config = _config(tmp_path, timezone="Asia/Seoul")

    digest = render_markdown(build_digest(config, store, date(2026, 11, 18)))
    assert "### Alerts (times in Asia/Seoul (KST))" in digest
    assert "negative mentions during 2026-11-18 00:00–01:00 KST" in digest and "UTC" not in digest

    report = run_period_report(config, store, "week", date(2026, 11, 18), send=False,
                               now=datetime(2026, 12, 1, tzinfo=UTC))
    week = open(report["markdown"], encoding="utf-8").read()
    assert "during 2026-11-18 00:00–01:00 KST" in week and "UTC" not in week

    page = write_report(config, store, [alert], tmp_path / "report.html").read_text(encoding="utf-8")
    assert "during 2026-11-18 00:00–01:00 KST" in page and "15:00–16:00 UTC" not in page
