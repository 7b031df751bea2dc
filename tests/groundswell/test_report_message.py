"""One builder for every report's channel message (`groundswell.report_message`): the daily digest and the
weekly/monthly reports get their id and their renderings from it. Reports built from a real SQLite store of the
docs' seeded mentions (tests/groundswell/test_period_report.py); the id's digest is recomputed here from the
documented rule."""

from __future__ import annotations

import hashlib
from datetime import date

from groundswell import digest_render, period_delivery, period_render
from groundswell.digest import render_markdown, write_digest
from groundswell.period_report import build_period_report, for_brands
from groundswell.report_message import report_message
from tests.groundswell.test_period_report import MONTH, WEEK, _config, store  # noqa: F401 (fixture)

DAY = date(2026, 11, 18)


def _documented_id(period_id: str, brands: list[str]) -> str:
    scope = ",".join(brands)
    return period_id.replace(":", "-") + "-" + hashlib.sha1(f"{period_id}|{scope}".encode()).hexdigest()[:12]


def test_the_digest_and_the_reports_are_built_by_one_function(tmp_path, store):  # noqa: F811
    config = _config(tmp_path)
    digest = write_digest(config, store, DAY)
    without_path = {k: v for k, v in digest.items() if k != "markdown"}
    assert digest_render.as_message(digest) == report_message(digest, "day:2026-11-18", digest_render.RENDERERS,
                                                              without_path)
    for period in (WEEK, MONTH):
        report = build_period_report(config, store, period)
        assert period_delivery.as_message(report) == report_message(report, report["period"],
                                                                    period_delivery.RENDERERS)


def test_a_messages_id_is_stable_per_period_and_brands_and_its_parts_are_the_renderers(tmp_path, store):  # noqa: F811
    config = _config(tmp_path)
    digest = write_digest(config, store, DAY)
    week = build_period_report(config, store, WEEK)
    messages = {
        "day": digest_render.as_message(digest),
        "again": digest_render.as_message(write_digest(config, store, DAY)),  # a re-run: the same id
        "week": period_delivery.as_message(week),
        "week-lumora": period_delivery.as_message(for_brands(week, ["Lumora"])),  # a channel routed to one brand
    }
    assert messages["day"].id == messages["again"].id == _documented_id("day:2026-11-18", ["Lumora", "Sonique"])
    assert messages["week"].id == _documented_id(week["period"], ["Lumora", "Sonique"])
    assert messages["week-lumora"].id == _documented_id(week["period"], ["Lumora"])
    assert len({m.id for m in messages.values()}) == 3
    day = messages["day"]
    assert (day.subject, day.text) == (digest_render.title(digest), render_markdown(digest))
    assert "markdown" not in day.data and day.data["day"] == "2026-11-18"  # the file's path stays on this machine
    assert (messages["week"].subject, messages["week"].html) == (period_render.title(week),
                                                                period_render.render_html(week))
    assert messages["week"].data == week
