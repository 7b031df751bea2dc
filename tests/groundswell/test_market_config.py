"""`brands[].market` in the config: validated, compared case-insensitively, and a market of competitors only
(most often a misspelt market name) is a `config check` warning: the run goes on collecting, the check fails."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from core.errors import ConfigError
from groundswell.cli import cli
from groundswell.config import config_warnings, parse_config
from groundswell.markets import peers

SOLBIT = {"name": "Solbit", "query": "Solbit", "market": "Korea"}
FERRUCCI = {"name": "Ferrucci", "query": "Ferrucci", "market": "Italy"}


def _brands(*rest: dict) -> dict:
    return {"brands": [SOLBIT, FERRUCCI, *rest]}


def test_a_market_of_competitors_only_is_a_warning_that_fails_config_check(tmp_path) -> None:
    typo = _brands({"name": "Dalbit", "query": "Dalbit", "competitor": True, "market": "Koera"},
                   {"name": "Bellavita", "query": "Bellavita", "competitor": True, "market": "Italy"})
    assert config_warnings(parse_config(typo), env={}) == [
        "brands.2 (Dalbit).market: market 'Koera' has only competitor brands (Dalbit), so no own brand's share "
        "of voice is counted with theirs; give them the market of the brand they compete with (markets: Korea, "
        "Italy, Koera)"
    ]
    path = tmp_path / "groundswell.yaml"
    path.write_text(yaml.safe_dump(typo), encoding="utf-8")
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code != 0 and "brands.2 (Dalbit).market: market 'Koera'" in result.output


def test_a_competitor_left_without_a_market_is_named_too() -> None:
    config = parse_config(_brands({"name": "Dalbit", "query": "Dalbit", "competitor": True}))
    assert config_warnings(config, env={}) == [
        "brands.2 (Dalbit).market: the brands without a market are only competitor brands (Dalbit), so no own "
        "brand's share of voice is counted with theirs; give them the market of the brand they compete with "
        "(markets: Korea, Italy, (none))"
    ]


def test_markets_compare_trimmed_and_case_insensitively() -> None:
    config = parse_config(_brands({"name": "Dalbit", "query": "Dalbit", "competitor": True, "market": " korea "}))
    assert config_warnings(config, env={}) == []
    assert peers(config.brands, "Dalbit") == ["Solbit", "Dalbit"]
    assert peers(config.brands, "Ferrucci") == ["Ferrucci"]


def test_without_markets_nothing_changes() -> None:
    """One market (no brand names one): no warning, even when every brand is a competitor, as before markets."""
    config = parse_config({"brands": [{"name": "A", "query": "a", "competitor": True},
                                      {"name": "B", "query": "b", "competitor": True}]})
    assert config_warnings(config, env={}) == []
    assert peers(config.brands, "A") == ["A", "B"]


@pytest.mark.parametrize("market", ["", "   ", 3])
def test_a_market_must_be_a_name(market: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"brands": [{**SOLBIT, "market": market}]})
    assert "brands.0 (Solbit).market" in str(err.value)
