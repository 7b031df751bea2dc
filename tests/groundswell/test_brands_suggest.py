"""`groundswell brands suggest`: candidates in other scripts, counted on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.mention import Mention
from groundswell.brand_suggest import Suggestion, suggest
from groundswell.brands_cli import render
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.transliteration import Candidate, candidates, to_hangul
from indexing.sqlite import SqliteStore

# (text, brand it was stored under); Lumora has query 'Lumora' and alias ルモラ, inflect: [ru].
STORED = [
    ("Lumora headphones are great", "Lumora"),
    ("루모라 이어폰 샀어요", "Sonique"),  # a Korean post collected for the competitor
    ("루모라는 배터리가 좋아요", None),
    ("루모라 vs Lumora: same thing", "Lumora"),  # already the brand's
    ("Купил Лумору, доволен", None),  # an inflected form of the Russian candidate
    ("Лумора и Sonique", "Sonique"),
    ("ルモラのイヤホン", None),  # matched by the existing alias: adds nothing
    ("Люмоса", None),
]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "groundswell.yaml"
    config = {
        "brands": [
            {"name": "Lumora", "query": "Lumora", "aliases": ["ルモラ"], "inflect": ["ru"]},
            {"name": "Sonique", "query": "Sonique", "competitor": True},
        ],
        "store": {"type": "sqlite", "path": "g.db"},
    }
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    store = SqliteStore(tmp_path / "g.db")
    try:
        mentions = [_mention(i, text, brand) for i, (text, brand) in enumerate(STORED)]
        list(store.upsert(mentions))
    finally:
        store.close()
    return path


def test_counts_what_each_candidate_adds(config_path: Path) -> None:
    config = load_config(config_path)
    store = SqliteStore(config.store.path)
    try:
        rows, notes = suggest(config.brand("Lumora"), store, extra=["露莫拉"])
    finally:
        store.close()
    counts = {r.candidate.text: (r.candidate.lang, r.matches, r.adds) for r in rows}
    assert counts["루모라"] == ("ko", 3, 2)  # the third is stored under Lumora already
    assert counts["Лумора"] == ("ru", 2, 2)  # Лумору counts: the brand's inflect: [ru] applies
    assert counts["露莫拉"] == ("", 0, 0)
    assert "ルモラ: already an alias" in notes
    assert any(n.startswith("zh: no candidate") for n in notes)


def test_cli_prints_the_table_and_the_yaml_to_paste(config_path: Path) -> None:
    result = CliRunner().invoke(cli, ["brands", "suggest", "Lumora", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "루모라" in result.output and "Лумора~ru" in result.output
    assert "aliases: [ルモラ, Лумора, 루모라]" in result.output  # the existing alias kept


def test_cli_unknown_brand_names_the_known_ones(config_path: Path) -> None:
    result = CliRunner().invoke(cli, ["brands", "suggest", "Lumra", "--config", str(config_path)])
    assert result.exit_code == 1
    assert "unknown brand 'Lumra'; the config has: Lumora, Sonique" in result.output


@pytest.mark.parametrize(
    ("name", "hangul"), [("Lumora", "루모라"), ("Sonique", "소니케"), ("Brandt", "브란드트"), ("Xerox", "크세록스")]
)
def test_hangul_syllabifier(name: str, hangul: str) -> None:
    assert to_hangul(name) == hangul


def test_candidates_per_script() -> None:
    found = {c.lang: c.text for c in candidates("Lumora")[0]}
    assert found == {"ru": "Лумора", "ja": "ルモラ", "ko": "루모라"}


def _mention(i: int, text: str, brand: str | None) -> Mention:
    return Mention(
        source="import", native_id=str(i), text=text, brand=brand, created_at=datetime(2026, 11, 1, tzinfo=UTC)
    )


def test_the_printed_aliases_line_is_yaml_that_reads_back_as_the_aliases(config_path: Path) -> None:
    # Joined by hand, `#lumora` started a comment and `Lumora: Pulse` became a mapping in the pasted config.
    existing = ["ルモラ", "#lumora", "Lumora: Pulse", "yes", {"text": "Lumo [Pro]", "inflect": False}]
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["brands"][0]["aliases"] = existing
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["brands", "suggest", "Lumora", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if x.strip().startswith("aliases:")]
    assert yaml.safe_load(line) == {"aliases": [*existing, "Лумора", "루모라"]}


@pytest.mark.parametrize("alias", ["line\nbreak", "next\x85line", "para\u2029graph", "quote ' and \"", "- dash"])
def test_an_alias_yaml_would_fold_or_misread_is_printed_on_one_line(alias: str) -> None:
    rows = [Suggestion(Candidate("ru", "Люмора", "translit"), "Люмора", 5, 3)]
    line = render("Lumora", rows, [], [alias]).splitlines()[-1]
    assert yaml.safe_load(line) == {"aliases": [alias, "Люмора"]}
