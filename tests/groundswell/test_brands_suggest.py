"""`groundswell brands suggest`: candidates in other scripts, counted on a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.mention import Mention
from groundswell.brand_suggest import suggest
from groundswell.cli import cli
from groundswell.config import load_config
from groundswell.transliteration import candidates, to_hangul
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
