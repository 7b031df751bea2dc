"""Share of voice per market (`brands[].market`) in the weekly report: each brand's mentions over those of the
brands of its market, in the figures, the goals and the rendered rows; and a config without markets gives the
numbers of before (every configured brand). Figures from a real SQLite store, checked against counts of the
seeded list (tests/markets_corpus.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from groundswell.config import parse_config
from groundswell.period_render import render_html, render_markdown, render_slack
from groundswell.period_report import build_period_report, coverage_text, for_brands
from groundswell.periods import Period
from tests.markets_corpus import BRANDS, MARKETS, WEEK_END, WEEK_START, brand_configs, mentions, share, stored

WEEK = Period("week", WEEK_START, WEEK_END)
PREVIOUS = (WEEK_START - timedelta(weeks=1), WEEK_START)
BASELINE_FROM = WEEK_START - timedelta(weeks=4)
CORPUS = mentions()
GOAL = {"min_share_of_voice": 0.5}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from stored(tmp_path_factory)


def _report(store, markets: bool) -> dict:
    config = parse_config({"brands": brand_configs(markets, GOAL), "digest": {"baseline_weeks": 4}})
    return build_period_report(config, store, WEEK)


def _sov(brand: dict) -> tuple:
    return (brand["current"]["share_of_voice"], brand["previous"]["share_of_voice"],
            brand["baseline"]["share_of_voice"])


def test_share_of_voice_counts_the_brands_of_its_market(store):
    report = _report(store, markets=True)
    brands = {b["brand"]: b for b in report["brands"]}
    for name, peers in MARKETS.items():
        # From the day every brand of the market has data: Korea's whole 4-week baseline, Italy's last 11 days.
        since = max(BASELINE_FROM, *(BRANDS[p][0] for p in peers))
        assert _sov(brands[name]) == (share(CORPUS, name, peers, WEEK_START, WEEK_END),
                                      share(CORPUS, name, peers, *PREVIOUS),
                                      share(CORPUS, name, peers, since, WEEK_START)), name
        assert brands[name]["market"]["brands"] == list(peers)
    assert brands["Solbit"]["market"]["name"] == brands["Dalbit"]["market"]["name"] == "Korea"  # as first spelt
    for own, rival in (("Solbit", "Dalbit"), ("Ferrucci", "Bellavita")):
        assert brands[own]["current"]["share_of_voice"] + brands[rival]["current"]["share_of_voice"] == (
            pytest.approx(1, abs=1e-3))
    # The Italian brands, added later, no longer shorten the Korean share of voice's baseline.
    assert brands["Solbit"]["coverage"]["share_of_voice"]["baseline"]["days"] == 28
    assert brands["Ferrucci"]["coverage"]["share_of_voice"]["baseline"]["days"] == 11
    assert coverage_text(brands["Solbit"], "week") == []
    # Over every brand Solbit has under half the voice; against Dalbit, its real competitor, over half.
    assert share(CORPUS, "Solbit", BRANDS, WEEK_START, WEEK_END) < GOAL["min_share_of_voice"]
    assert brands["Solbit"]["goals"][0]["status"] == "met"
    assert brands["Solbit"]["goals"][0]["figure"] == share(CORPUS, "Solbit", MARKETS["Solbit"], WEEK_START, WEEK_END)


def test_the_rendered_rows_name_the_market(store):
    report = _report(store, markets=True)
    korea = for_brands(report, ["Solbit", "Dalbit"])  # the Korea Slack channel's route
    now = {n: share(CORPUS, n, MARKETS[n], WEEK_START, WEEK_END) for n in ("Solbit", "Dalbit")}
    lines = render_slack(korea)["blocks"][1]["text"]["text"].split("\n")
    assert len(lines) == 2
    for name, line in zip(now, lines, strict=True):
        assert line.startswith(f"• {name}:") and f"share of voice {now[name]:.1%} (among Solbit, Dalbit)" in line
    assert now["Solbit"] + now["Dalbit"] == pytest.approx(1, abs=1e-3)  # not 33.3% + 16.7%
    markdown = render_markdown(report)
    assert f"| Share of voice (among Solbit, Dalbit) | {now['Solbit']:.1%} |" in markdown
    assert "| Share of voice (among Ferrucci, Bellavita) |" in markdown
    assert "Share of voice (among Solbit, Dalbit)</td>" in render_html(report)


def test_a_config_without_markets_gives_the_numbers_of_before(store):
    """The rule before markets: every configured brand's mentions, over the days every brand has data (from the
    Italian brands' first day, 5 November, for the baseline)."""
    report = _report(store, markets=False)
    every = list(BRANDS)
    for brand in report["brands"]:
        name = brand["brand"]
        assert _sov(brand) == (share(CORPUS, name, every, WEEK_START, WEEK_END),
                               share(CORPUS, name, every, *PREVIOUS),
                               share(CORPUS, name, every, date(2026, 11, 5), WEEK_START)), name
        assert brand["coverage"]["share_of_voice"]["baseline"]["days"] == 11
    solbit = report["brands"][0]
    assert solbit["goals"][0]["status"] == "missed"
    assert coverage_text(solbit, "week") == [
        "Baseline's share of voice: 11 days, from 2026-11-05, when every brand has data"]
    assert "among" not in render_markdown(report) and "among" not in str(render_slack(report))
    assert [b["market"] for b in report["brands"]] == [None] * 4  # the one shared market, as before markets
