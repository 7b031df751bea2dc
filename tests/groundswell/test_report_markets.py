"""The static HTML report's share of voice per market (`brands[].market`): one pie per market over its brands'
mentions when the config names markets, one pie over every brand without. The pies as Plotly gets them from the
written page, over a real SQLite store of tests/markets_corpus.py, checked against counts of the seeded list."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from groundswell.config import parse_config
from groundswell.report import write_report
from indexing.sqlite import SqliteStore
from tests.markets_corpus import BRANDS, brand_configs, count, mentions, stored

CORPUS = mentions()
EVER = (date(2000, 1, 1), date(2100, 1, 1))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    yield from stored(tmp_path_factory)


def _pies(store: SqliteStore, markets: bool, tmp_path) -> dict[str, dict[str, int]]:
    """The report's share-of-voice pies: title -> {label: count}."""
    config = parse_config({"brands": brand_configs(markets)})
    page = write_report(config, store, [], tmp_path / "report.html").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    pies = {}
    for found in re.finditer(r"Plotly\.newPlot\(\s*", page):
        _, at = decoder.raw_decode(page, found.end())  # the div id
        data, at = decoder.raw_decode(page, page.index("[", at))
        layout, _ = decoder.raw_decode(page, page.index("{", at))
        title = layout["title"]["text"]
        if title.startswith("Share of voice"):
            (pie,) = data
            pies[title] = dict(zip(pie["labels"], pie["values"], strict=True))
    return pies


def _label(name: str) -> str:
    return f"{name} (competitor)" if BRANDS[name][1] else name


def test_one_pie_per_market_over_its_brands(store, tmp_path):
    pies = _pies(store, True, tmp_path)
    # Dalbit's "korea" is Solbit's "Korea": one market, named as the config first spells it.
    assert pies == {
        f"Share of voice (market: {market})<br><sup>{', '.join(names)}</sup>": {
            _label(n): count(CORPUS, n, *EVER) for n in names}
        for market, names in (("Korea", ("Solbit", "Dalbit")), ("Italy", ("Ferrucci", "Bellavita")))
    }


def test_without_markets_one_pie_over_every_brand_as_before(store, tmp_path):
    pies = _pies(store, False, tmp_path)
    assert pies == {"Share of voice": {_label(n): count(CORPUS, n, *EVER) for n in BRANDS}}
